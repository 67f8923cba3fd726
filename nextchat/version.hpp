#pragma once
// NextChat's version, for the `nextchat` virtual package, from every layout NextChat ships in:
//
//   - a checkout or desktop build: src-tauri/tauri.conf.json, "package": {"version"} (Tauri 1)
//     or a top-level "version" (Tauri 2, which may also name a package.json to read it from);
//   - package.json's "version" (NextChat's own names none; forks and packagers do);
//   - the Docker image (/app: server.js, package.json without a version, .next/server and
//     .next/static, no src-tauri/): the version is compiled into the Next.js build. A real
//     `next build` of NextChat renders getClientConfig() into the prerendered pages as
//     <meta name="config" content="{&quot;version&quot;:&quot;v2.16.0&quot;,…"> (and the same
//     JSON, escaped, in the .rsc payload), and bundles the tauri config, tree-shaken to
//     package.version with webpack's mangled keys, as JSON.parse('{"DR":{"i":"2.16.0"}}') in
//     the chunk that also holds app/config/build.ts. Those are searched, bounded.
//
// Detection reads only beneath the NextChat directory: no symlink (or "..") leads out of it,
// the build output's symlinks are not followed at all, and only regular files are read (a
// FIFO cannot make it hang).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "formats/error.hpp"
#include "formats/semver.hpp"

namespace nxp::nextchat {

struct DetectedVersion {
    formats::Version version;
    std::string source;  // the file it came from, relative to the NextChat directory
};

// Bounds on the search of the build output (.next/server, .next/static).
struct VersionScanLimits {
    std::size_t max_entries = 20000;               // directory entries looked at, in all
    std::uint64_t max_file_bytes = 16ULL << 20;    // a larger file is skipped
    std::uint64_t max_total_bytes = 192ULL << 20;  // bytes read, in all
    int max_depth = 8;                             // directories below .next/server
};

// The version NextChat in `nextchat_dir` declares, and where; nullopt when no layout names one.
// An error when a file that should name it cannot be read or names no version ("latest"),
// naming the file and the field, or when a symlink would lead out of the directory.
Result<std::optional<DetectedVersion>> detect_nextchat_version(
    const std::filesystem::path& nextchat_dir, const VersionScanLimits& limits = {});

// NextChat's release tags are "v2.16.0"; people write " 2.16 " or "2". The same leniency
// as detection, for a version given on the command line.
Result<formats::Version> parse_nextchat_version(const std::string& text);

}  // namespace nxp::nextchat
