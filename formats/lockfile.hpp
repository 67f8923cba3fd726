#pragma once
// The lockfile of `nxp lock` (nxp-lockfile(5)): the exact installed set with where each
// package came from and its signed size and sha256, plus the repositories' pinned keys.
// Pure: parsing and canonical printing only.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"
#include "formats/semver.hpp"

namespace nxp::formats {

struct LockRepo {
    std::string name;
    std::string url;
    std::vector<std::string> keys;  // minisign public keys, the base64 line
    std::vector<std::string> mirrors;
};

struct LockPackage {
    std::string name;
    Version version;
    std::string repo;
    std::string path;  // relative to the repository ("packages/a-1.0.0.nxp")
    std::string url;   // repository URL + path, for people and other tools
    std::string sha256;
    std::uint64_t size = 0;
    std::string reason = "explicit";  // "explicit" or "dependency"
};

struct Lockfile {
    int format = 1;
    std::vector<LockRepo> repos;        // sorted by name
    std::vector<LockPackage> packages;  // sorted by name
};

// Every error names the field ("packages[2].sha256: expected 64 lowercase hex digits").
Result<Lockfile> parse_lockfile(std::string_view json_text);

// Canonical text: sorted repositories and packages, fixed key order, no timestamps, so the
// same installed set always gives the same bytes.
std::string write_lockfile(const Lockfile& lock);

}  // namespace nxp::formats
