#pragma once
// The durable switch of a generation, syncfs and crash points for the transaction code.
#include <filesystem>
#include <string>
#include <string_view>

#include "formats/error.hpp"
#include "os/file.hpp"

namespace nxp::txn {

// The one capped read and atomic write live in os/file.hpp; these names stay for callers in
// txn/ and above until they say os:: themselves.
using os::fsync_path;
using os::read_file;
using os::switch_symlink;
using os::write_file_atomic;

// syncfs(2) on the filesystem holding `p`: one call makes every file written into a new
// store tree or generation durable, far cheaper than an fsync per file.
Result<void> sync_filesystem(const std::filesystem::path& p);

// A crash point for the fault-injection build (NXP_CRASH_AT=step kills the process with
// SIGKILL when the step is reached). Compiled to nothing otherwise.
void crash_point(std::string_view step);

}  // namespace nxp::txn
