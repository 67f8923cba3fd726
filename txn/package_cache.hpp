#pragma once
// The files nxp keeps in ROOT/cache/packages, handled so that the cache cannot be used to
// make nxp write outside ROOT or install bytes it did not verify: the directory is opened
// without following symlinks (each component), files are created with O_EXCL|O_NOFOLLOW,
// and an archive is used only from a descriptor whose bytes were hashed and that no one
// else can change afterwards (a regular file with one link, owned by this user, writable
// by no one else).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/index.hpp"
#include "os/fd.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

// ROOT/cache/packages, created when missing; an error when "cache" or "packages" is a
// symlink or not a directory.
Result<os::Fd> open_package_dir(const Root& root);

// ROOT/cache/repos/NAME the same way (each component created when missing, none a symlink).
Result<os::Fd> open_repo_cache_dir(const Root& root, const std::string& repo);

// ROOT/cache/PARTS… the same way: parts are single names ("packages", never "a/b").
Result<os::Fd> open_cache_dir(const Root& root, const std::vector<std::string>& parts);

// Opens `name` in `dir` when it holds a package that can be trusted to stay as hashed:
// a regular file (not reached through a symlink) with one link, owned by this user and
// not writable by group or others, of `entry.size` bytes whose sha256 is `entry.sha256`.
// Otherwise an error saying why (ErrorKind::Verification), and nothing is removed.
Result<os::Fd> open_verified(int dir, const std::filesystem::path& name,
                             const formats::IndexEntry& entry);

// open_verified without reading the file: only the checks that it can be trusted to stay
// as it is (regular, one link, this user's, not writable by others, `entry.size` bytes).
// For a caller that hashes the bytes as it uses them (extract_package_fd) and then
// calls check_digest before trusting anything it made of them.
Result<os::Fd> open_unchanging(int dir, const std::filesystem::path& name,
                               const formats::IndexEntry& entry);

// The bytes read from `name` were the package `entry` names: TOTAL bytes with sha256 SHA
// (empty: it could not be read to its end). The errors are open_verified's.
Result<void> check_digest(const std::filesystem::path& name, const formats::IndexEntry& entry,
                          std::uint64_t total, const std::string& sha);

// open_verified, and when that fails, the name is removed (never what it points to).
Result<os::Fd> take_cached(int dir, const std::filesystem::path& name,
                           const formats::IndexEntry& entry);

// Copies the file `from` (a package already verified, e.g. from a bundle) to `name` in
// `dir`: whatever was at `name` is removed, the copy is created with O_EXCL|O_NOFOLLOW.
Result<void> copy_into(int dir, const std::filesystem::path& name,
                       const std::filesystem::path& from);

// Before downloading `needed` bytes into `dir` (shown as `shown`): an error saying "No space
// left on device" with the size needed and the space free (statvfs) when they do not fit, so
// that a download that cannot finish is not started (and leaves no .part filling the disk).
// A filesystem that cannot say how much is free passes. The fault-injection build skips the
// check when NXP_SKIP_SPACE_CHECK is set, so tests reach a write that fails on a full disk.
Result<void> check_free_space(int dir, const std::filesystem::path& shown, std::uint64_t needed,
                              const std::string& what);

}  // namespace nxp::txn
