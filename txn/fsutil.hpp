#pragma once
// Small durable-filesystem helpers shared by the transaction code.
#include <filesystem>
#include <string>
#include <string_view>

#include "formats/error.hpp"

namespace nxp::txn {

// fsync a file or directory by path.
Result<void> fsync_path(const std::filesystem::path& p);

// Writes `data` to `dest` atomically: a temporary file in the same directory, fsync,
// rename, fsync of the directory.
Result<void> write_file_atomic(const std::filesystem::path& dest, std::string_view data,
                               unsigned mode = 0644);

Result<std::string> read_file(const std::filesystem::path& p, std::uint64_t max_size = 64u << 20);

// Points symlink `link` at `target` atomically (symlink to link.tmp, rename(2) over link,
// fsync the directory). The single instant at which a generation takes effect.
Result<void> switch_symlink(const std::filesystem::path& link, const std::string& target);

// syncfs(2) on the filesystem holding `p`: one call makes every file written into a new
// store tree or generation durable, far cheaper than an fsync per file.
Result<void> sync_filesystem(const std::filesystem::path& p);

// A crash point for the fault-injection build (NXP_CRASH_AT=step kills the process with
// SIGKILL when the step is reached). Compiled to nothing otherwise.
void crash_point(std::string_view step);

}  // namespace nxp::txn
