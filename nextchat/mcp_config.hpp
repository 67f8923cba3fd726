#pragma once
// NextChat's app/mcp/mcp_config.json, kept in step with what nxp installed (DESIGN.md §8).
// Format: {"mcpServers": {"NAME": {"command": …, "args": […], "env": {…}, "status":
// "active"|"paused"}}}
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/semver.hpp"

namespace nxp::nextchat {

struct ServerEntry {
    std::string name;
    std::string command;
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    bool paused = false;
};

// The operator's pause button in NextChat's UI writes "status": "paused" into an entry.
// nxp keeps such a pause (issue 17): an entry nxp wants active that the file holds paused
// stays paused, unless nxp itself wrote it paused (a disabled or unconfigured plugin) and
// NextChat did not pause it since, or `nxp enable` resumes it.
struct NextchatPauses {
    // In: the entries nxp wrote paused itself last time (their "paused" is nxp's to undo).
    // Out: those it writes paused now.
    std::set<std::string> written_paused;
    // In: the NextChat pauses seen before. Out: those the file holds now (an entry the file
    // holds active or "error" again, or that left `desired`, is forgotten).
    std::set<std::string> in_nextchat;
    // In: names whose NextChat pause is cleared (`nxp enable NAME`): written active.
    std::set<std::string> resume;
    // Out: the entries of `desired` (and removed ones) whose JSON the write changed.
    std::set<std::string> rewritten;
};

// Whether the entry `want` (as nxp describes it) is paused in NextChat by the operator, the
// file holding `file_status` for it ("" when it has no entry): see NextchatPauses.
bool paused_in_nextchat(const ServerEntry& want, const std::string& file_status,
                        const NextchatPauses& memory);

// Rewrites DIR/app/mcp/mcp_config.json: entries in `desired` are added or updated; names in
// `previously_managed` but not in `desired` are removed; every other entry and key is kept.
// Writes atomically (temp file + renameat inside app/mcp) and only when the content changes.
// Returns whether it changed. A missing file is created; an unparsable one is an error
// naming it, left as is. Never written through a symlink (app, app/mcp or the file itself:
// ErrorKind::Verification, nothing written).
// An entry nxp did not create is never replaced: when a name of `desired` is already in the
// file, not in `previously_managed` and not running the same args nxp would write (`--root
// ROOT exec NAME`), nothing is written and the error names the entry and how to resolve it.
// With `pauses`, NextChat's own pauses are kept (read from the file being rewritten, so no
// pause made in between is lost) and `pauses` is updated as described there.
Result<bool> sync_mcp_config(const std::filesystem::path& nextchat_dir,
                             const std::vector<ServerEntry>& desired,
                             const std::set<std::string>& previously_managed,
                             NextchatPauses* pauses = nullptr);

// What sync_mcp_config would refuse, checked without writing (before a transaction's
// switch): a symlinked app, app/mcp or mcp_config.json, or an entry nxp did not create
// under a name of `desired`. A missing directory or file is fine.
Result<void> check_mcp_config(const std::filesystem::path& nextchat_dir,
                              const std::vector<ServerEntry>& desired,
                              const std::set<std::string>& previously_managed);

// The servers in DIR/app/mcp/mcp_config.json (for drift checks); `statuses`, when given,
// receives each entry's "status" as written ("" when absent or not a string).
Result<std::vector<ServerEntry>> read_mcp_config(
    const std::filesystem::path& nextchat_dir,
    std::map<std::string, std::string>* statuses = nullptr);

// NextChat's version from src-tauri/tauri.conf.json (package.version) or package.json
// (version); nullopt when neither names one.
Result<std::optional<formats::Version>> detect_version(const std::filesystem::path& nextchat_dir);

}  // namespace nxp::nextchat
