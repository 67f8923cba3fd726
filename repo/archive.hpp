#pragma once
// The .nxp package: a POSIX tar, zstd-compressed, plugin.json first, then files/… (DESIGN §3).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/manifest.hpp"

namespace nxp::repo {

struct PackedFile {
    std::string path;  // relative to the plugin tree ("dist/index.js"), no "files/" prefix
    char type = 'f';   // 'f' regular, 'd' directory, 'l' symlink
    std::uint32_t mode = 0644;
    std::uint64_t size = 0;
    std::string sha256;  // for regular files
    std::string link_target;
};

// Packs plugin directory `dir` (plugin.json + files/) reproducibly: sorted entries,
// mtime 0, uid/gid 0, no owner names, modes normalised to 0644/0755. Validates the
// manifest first (lint errors abort). Returns the archive bytes.
Result<std::string> pack_directory(const std::filesystem::path& dir);

// Reads and validates plugin.json, which must be the first entry.
Result<formats::Manifest> read_package_manifest(const std::filesystem::path& archive);

struct Extracted {
    formats::Manifest manifest;
    std::string manifest_text;  // plugin.json exactly as packed (stored in the install database)
    std::vector<PackedFile> files;  // what was written, with sha256 of regular files
    std::uint64_t installed_size = 0;
};

// Extracts files/… into `dest` (created, must not exist) under the rules of DESIGN.md §3:
// only regular files, directories and relative symlinks staying inside the tree; no "..",
// absolute paths, duplicates, hard links, devices, FIFOs or setuid bits; modes normalised.
// Refusals are ErrorKind::Verification and name the entry. On error `dest` is removed.
Result<Extracted> extract_package(const std::filesystem::path& archive,
                                  const std::filesystem::path& dest);

// Caps against hostile archives (entry count, total bytes, decompression ratio).
struct ExtractLimits {
    // Defaults; `nxp init --set extract.max_entries=N / extract.max_bytes=SIZE` changes them
    // per root (txn::extract_limits). 100,000 entries fit a vendored node_modules.
    std::uint64_t max_entries = 100000;
    std::uint64_t max_total_bytes = 4ULL << 30;
    // Extracted bytes may exceed `ratio_floor_bytes` only up to this multiple of the
    // compressed archive's size (a decompression bomb is refused, a normal package is not).
    std::uint64_t max_ratio = 200;
    std::uint64_t ratio_floor_bytes = 64ULL << 20;
};
Result<Extracted> extract_package(const std::filesystem::path& archive,
                                  const std::filesystem::path& dest, const ExtractLimits& limits);

// The archive's bytes as extract_package_fd read them: how many, and their sha256.
struct ArchiveDigest {
    std::uint64_t bytes = 0;
    std::string sha256;  // empty when the file could not be read to its end
};

// extract_package from the descriptor FD, read once from offset 0 to its end (at most
// CAP + 1 bytes, with pread: the file position is left alone) and hashed as it is read, so
// that a package is not read twice, once to check and once to extract (issue 20 item 3).
// SHOWN names the archive in errors. DIGEST is filled whether the extraction succeeded or
// not (on failure the rest of the file is read too): the caller compares it with the
// signed size and sha256 before using the tree, and a mismatch is the error to report
// even when the extraction failed (the bytes were not the package).
Result<Extracted> extract_package_fd(int fd, std::uint64_t cap, const std::filesystem::path& shown,
                                     const std::filesystem::path& dest, const ExtractLimits& limits,
                                     ArchiveDigest& digest);

// `nxp lint`: findings for a plugin directory or a .nxp file. Errors make lint fail;
// warnings are advice.
struct LintFinding {
    bool error = true;
    std::string where;  // "plugin.json: config.token", "files/dist/x.js"
    std::string message;
};
Result<std::vector<LintFinding>> lint(const std::filesystem::path& dir_or_archive);

}  // namespace nxp::repo
