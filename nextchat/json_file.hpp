#pragma once
// Internal to nextchat/: reading and atomically rewriting NextChat's JSON files, keeping
// their key order (nlohmann::ordered_json) so a diff shows only what nxp changed.
//
// Whoever can write the NextChat directory must not be able to make nxp (often root) write
// anywhere else: its subdirectories are opened one component at a time with O_NOFOLLOW, files
// are read and replaced only through those directory descriptors (renameat), and a symlink
// in the way — app, app/mcp, public, or the file itself — is refused, never followed. The
// NextChat directory itself is the operator's setting and may be reached through a symlink.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "formats/error.hpp"
#include "os/beneath.hpp"

namespace nxp::nextchat::detail {

using Json = nlohmann::ordered_json;

// DIR/`rel` ("app/mcp", "public"), each component opened without following a symlink;
// missing components are created (0755) when `create` is set, else NotFound.
Result<os::Fd> open_nextchat_subdir(const std::filesystem::path& nextchat_dir,
                                    const std::string& rel, bool create);

// The parsed file `name` in `dirfd`, nullopt when it does not exist. Never opened through a
// symlink; only a regular file is read (a FIFO cannot make nxp hang). Invalid (naming `shown`
// and where the parse failed) when it is not JSON; Io when it cannot be read.
Result<std::optional<Json>> read_json_at(int dirfd, const std::string& name,
                                         const std::string& shown);

// The parsed file at `path` (NextChat's package.json and the like, only read), nullopt when it
// does not exist. Only a regular file is read.
Result<std::optional<Json>> read_json_file(const std::filesystem::path& path);

// The JSON file `rel` in a plugin's tree, opened beneath `plugin_dirfd` (no symlink or ".."
// leaving the tree is followed); nullopt when it does not exist.
Result<std::optional<Json>> read_plugin_json(int plugin_dirfd, const std::string& rel,
                                             const std::string& shown);

// Writes `value` as NextChat does (two-space indent) to `name` in `dirfd`: a temporary file
// created there (O_EXCL), fsync, renameat over `name`, fsync of the directory; the old file's
// mode and owner are kept (0644 for a new file). A symlink at `name` is refused.
Result<void> write_json_at(int dirfd, const std::string& name, const Json& value,
                           const std::string& shown);

}  // namespace nxp::nextchat::detail
