#pragma once
// Opening files beneath a directory file descriptor, so that a path that comes from outside
// (a plugin's tree, the NextChat directory) can never lead out of the directory it names,
// whatever symlinks or ".." it holds (STYLE.md: "resolved beneath a directory fd"). Used by
// repo/ (packing, linting), nextchat/ (masks, prompts, NextChat's files) and txn/ (hooks).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "formats/error.hpp"
#include "os/fd.hpp"

namespace nxp::os {

// Opens directory `dir` itself (following symlinks: it is a path nxp was configured with or
// built itself, such as a store tree).
Result<Fd> open_directory(const std::filesystem::path& dir);

// Opens `rel` (a relative path) beneath the directory `dirfd`: symlinks inside are followed,
// but no symlink, absolute path or ".." may resolve outside the directory, and no magic
// link (/proc/self/fd/N) is followed (openat2 RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS). On
// a kernel without openat2 (before 5.6) every symlink is refused instead. `flags` are
// open(2) flags (O_CLOEXEC is always added). A missing file is ErrorKind::NotFound; an
// escape is ErrorKind::Verification naming `shown` (how the caller names the path, e.g.
// "PLUGIN: mask.json"); other failures ErrorKind::Io.
Result<Fd> open_beneath(int dirfd, std::string_view rel, int flags, const std::string& shown);

// Reads the regular file `rel` beneath `dirfd`: at most `max_bytes` (else Invalid); nullopt
// when it does not exist. A FIFO, device or directory is refused, never read (no hang).
Result<std::optional<std::string>> read_beneath(int dirfd, std::string_view rel,
                                                std::uint64_t max_bytes, const std::string& shown);

// Reads an open regular file (at most `max_bytes`).
Result<std::string> read_all(int fd, std::uint64_t max_bytes, const std::string& shown);

// Opens (creating it with mode 0755 when `create` is set and it is missing) the directory
// `name` (one component) in `dirfd` without following a symlink: a symlink there is
// ErrorKind::Verification, "SHOWN is a symbolic link; WHY" with `why` explaining the rule.
// Missing and not created: NotFound.
Result<Fd> open_subdir_nofollow(int dirfd, const std::string& name, bool create,
                                const std::string& shown, const std::string& why);

}  // namespace nxp::os
