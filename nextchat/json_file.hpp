#pragma once
// Internal to nextchat/: reading and rewriting NextChat's JSON files (atomically where the
// file can be replaced, in place where it is bind-mounted), keeping their key order
// (nlohmann::ordered_json) so a diff shows only what nxp changed.
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
#include <string_view>

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
//
// When renaming cannot replace the existing file but the file itself may be writable, it is
// written in place instead (write_in_place_at):
// - it is a mount point of its own (statx STATX_ATTR_MOUNT_ROOT, or renameat fails with EBUSY
//   or EXDEV): Docker users bind-mount app/mcp/mcp_config.json as a single file, and a mount
//   point cannot be renamed over or unlinked. No temporary file is made when statx says so
//   (the directory may be read-only or full: the file lives on another mount);
// - its directory refuses the temporary file or the rename for permission reasons (EACCES,
//   EPERM: a directory nxp's user may not write, a sticky directory holding another user's
//   file; EROFS: a read-only directory) while the file itself may be writable;
// - the temporary file cannot be given the old file's owner (fchown EPERM: nxp is not root,
//   the file is NextChat's uid's and nxp's group may write it): in place keeps the owner.
// Not for ENOSPC, EDQUOT or EIO on the temporary file: in a full or failing directory an
// in-place write would risk tearing the only copy, so that is reported as it is.
// Every failure is an Error naming `shown` and the errno text, and saying why the file was
// being written in place ("is bind-mounted"); success means every byte is on disk (fsync).
//
// In place cannot be atomic; what a concurrent reader (NextChat starting) may see:
// - the old content, or the whole new content: the usual cases;
// - while the single pwrite runs, a mix of new bytes before and old bytes after some point
//   (the kernel does not make a buffered write atomic against readers). NextChat's JSON.parse
//   then fails and it starts with no MCP servers; the restart command that follows a change
//   restarts it on the whole new file. This window is one write of a few KiB;
// - never an empty or shortened file: the new content is written over the old one before
//   anything is truncated, and when it is shorter it is padded with spaces to the old length,
//   so that between the write and the ftruncate (and after a crash there) the file is the new
//   JSON followed by blanks, which every JSON reader accepts. Truncating first would show a
//   reader an empty file for the whole write.
// Space the longer content needs is reserved first (fallocate KEEP_SIZE) so a full disk
// fails before anything is written; if the write still fails part way, the old content is
// written back (the error says whether that worked).
// The file's inode is kept, so its mode and owner are unchanged. A file with other hard links
// is refused (writing it would change them too), as is anything but a regular file; it is
// opened with O_NOFOLLOW, so no symlink or hard link planted in the NextChat directory makes
// nxp write elsewhere. For nxp as root only a real mount point leads here (permissions never
// refuse root), which whoever writes the NextChat directory cannot make. NextChat writing the
// file at the same moment (its pause button) loses one of the two writes, as with renameat.
Result<void> write_json_at(int dirfd, const std::string& name, const Json& value,
                           const std::string& shown);

// The in-place write of `text` over the open regular file `fd` (opened for reading too: the
// old content is read back to pad to and to restore), as described above: reserve, pwrite
// from offset 0 (short writes and EINTR continued), ftruncate to `text`'s length, fsync.
// Errors name `shown`. Exposed for tests.
Result<void> write_in_place(int fd, std::string_view text, const std::string& shown);

// Opens `name` in `dirfd` without following a symlink (O_RDWR | O_NOFOLLOW | O_NONBLOCK, so
// a FIFO cannot block) and writes `text` over it with write_in_place. A symlink is refused
// (Verification), a missing file is NotFound.
Result<void> write_in_place_at(int dirfd, const std::string& name, std::string_view text,
                               const std::string& shown);

// Whether renameat failing with `err` over an existing file means "renaming cannot replace
// it" (EBUSY, EXDEV, EPERM, EACCES), so writing in place is tried.
bool rename_cannot_replace(int err);

}  // namespace nxp::nextchat::detail
