#pragma once
// Reading and durably replacing whole files by path: the one capped read_file and the one
// atomic write for every layer (paths nxp was given or built itself; a path that comes from
// outside goes through beneath.hpp instead).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "formats/error.hpp"

namespace nxp::os {

// The contents of the regular file `p` (symlinks followed), at most `max_bytes`:
// ErrorKind::Invalid "file is N bytes, more than the limit of MAX" beyond that, NotFound
// "cannot read: REASON" when it cannot be opened or is not a regular file (a FIFO is never
// waited on), Io when reading fails. Every error names the file.
Result<std::string> read_file(const std::filesystem::path& p, std::uint64_t max_bytes = 64u << 20);

// Replaces `dest` with `data` atomically and durably: a new temporary file beside it
// (DEST.tmp-RANDOM, O_EXCL), given `mode`, written, fsynced, renamed over `dest`, then the
// directory fsynced. Readers see the old file or the new one, never a mixture; a failure at
// any step leaves the old file as it was and removes the temporary. Errors (ErrorKind::Io)
// name the file the step failed on and carry the system's reason.
Result<void> write_file_atomic(const std::filesystem::path& dest, std::string_view data,
                               unsigned mode = 0644);

// Points symlink `link` at `target` atomically (a symlink LINK.tmp-RANDOM renamed over
// `link`, then the directory fsynced): the single instant at which a generation takes effect.
Result<void> switch_symlink(const std::filesystem::path& link, const std::string& target);

// fsync(2) of a file or directory by path.
Result<void> fsync_path(const std::filesystem::path& p);

}  // namespace nxp::os
