#pragma once
// Client side: fetching and verifying a repository's index (DESIGN.md §4 client rules).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/index.hpp"
#include "formats/minisign.hpp"
#include "repo/fetch.hpp"

namespace nxp::repo {

struct RepoConfig {
    std::string name;  // local name, and the expected index "repo" id
    std::string url;   // base URL
    std::vector<formats::MinisignPublicKey> keys;  // pinned keys
    std::vector<std::string> mirrors;
};

// What the client remembers from the last accepted index (stored in the database).
struct RepoState {
    std::uint64_t version = 0;
    std::string sha256;  // of the accepted index.json.zst bytes
};

struct FetchedIndex {
    formats::Index index;
    std::string raw_zst;     // the exact signed bytes (cached as cache/repos/NAME/index.json.zst)
    std::string signature;   // the .minisig text
    std::string sha256;      // of raw_zst
};

// Downloads index.json.zst(.minisig), verifies the signature over the exact bytes before
// decompressing, caps sizes, then checks repo id, expiry (against `now`), and rollback
// against `last` (lower version, or same version with other bytes, is refused).
// Verification failures are ErrorKind::Verification and name the URL.
Result<FetchedIndex> fetch_index(const RepoConfig& repo, const RepoState& last, std::int64_t now,
                                 const FetchLimits& limits = {});

// Same checks, from bytes already on disk (the cache), without the rollback check.
Result<FetchedIndex> load_index(const RepoConfig& repo, std::string raw_zst, std::string signature,
                                std::int64_t now, std::string_view source);

// zstd helpers (libzstd), with a cap on the decompressed size.
Result<std::string> zstd_decompress(std::string_view data, std::uint64_t max_size,
                                    std::string_view source);
std::string zstd_compress(std::string_view data);

}  // namespace nxp::repo
