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

// Rewrites DIR/app/mcp/mcp_config.json: entries in `desired` are added or updated; names in
// `previously_managed` but not in `desired` are removed; every other entry and key is kept.
// Writes atomically (temp file + renameat inside app/mcp) and only when the content changes.
// Returns whether it changed. A missing file is created; an unparsable one is an error
// naming it, left as is. Never written through a symlink (app, app/mcp or the file itself:
// ErrorKind::Verification, nothing written).
// An entry nxp did not create is never replaced: when a name of `desired` is already in the
// file, not in `previously_managed` and not running the same args nxp would write (`--root
// ROOT exec NAME`), nothing is written and the error names the entry and how to resolve it.
Result<bool> sync_mcp_config(const std::filesystem::path& nextchat_dir,
                             const std::vector<ServerEntry>& desired,
                             const std::set<std::string>& previously_managed);

// What sync_mcp_config would refuse, checked without writing (before a transaction's
// switch): a symlinked app, app/mcp or mcp_config.json, or an entry nxp did not create
// under a name of `desired`. A missing directory or file is fine.
Result<void> check_mcp_config(const std::filesystem::path& nextchat_dir,
                              const std::vector<ServerEntry>& desired,
                              const std::set<std::string>& previously_managed);

// The servers in DIR/app/mcp/mcp_config.json (for drift checks).
Result<std::vector<ServerEntry>> read_mcp_config(const std::filesystem::path& nextchat_dir);

// NextChat's version from src-tauri/tauri.conf.json (package.version) or package.json
// (version); nullopt when neither names one.
Result<std::optional<formats::Version>> detect_version(const std::filesystem::path& nextchat_dir);

}  // namespace nxp::nextchat
