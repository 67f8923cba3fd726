#pragma once
// Client side: fetching and verifying a repository's index (DESIGN.md §4 client rules).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/index.hpp"
#include "formats/index_padded.hpp"
#include "formats/minisign.hpp"
#include "repo/fetch.hpp"
#include "repo/trust.hpp"

namespace nxp::repo {

struct RepoConfig {
    std::string name;                              // local name, and the expected index "repo" id
    std::string url;                               // base URL
    std::vector<formats::MinisignPublicKey> keys;  // pinned keys
    std::vector<std::string> mirrors;
    std::uint64_t key_version = 0;  // of `keys` in the rotation chain (0: pinned)
    std::uint32_t threshold = 1;    // distinct valid signatures the index needs
};

// What the client remembers from the last accepted index (stored in the database).
struct RepoState {
    std::uint64_t version = 0;
    std::string sha256;  // of the accepted index.json.zst bytes
};

struct FetchedIndex {
    formats::Index index;
    std::string raw_zst;  // the exact signed bytes (cached as cache/repos/NAME/index.json.zst)
    std::vector<std::string> signatures;  // .minisig, .minisig.2, … texts
    std::string sha256;                   // of raw_zst
    TrustedKeys trust;  // the keys it verified with (advanced by keys/N.json links)
};

// Follows the key-rotation chain first: keys/N+1.json for N = repo.key_version, while
// present, each link verified by repo::verify_key_link (a refused link fails the whole
// fetch; nothing is accepted). Then downloads index.json.zst and its signatures
// (.minisig, then .minisig.2, … only while the trusted ones found are fewer than the
// threshold), verifies threshold-of-n signatures over the exact bytes before
// decompressing, caps sizes, then checks repo id, expiry (against `now`), and rollback
// against `last` (lower version, or same version with other bytes, is refused).
// Verification failures are ErrorKind::Verification and name the URL.
//
// With a `visitor`, the index's entries go to it as they are parsed (formats::
// parse_index_each) and FetchedIndex::index holds no packages: a refresh of 100,000
// packages then never holds them all at once (issue 20). The visitor sees the entries of
// an index before its repo id, expiry and rollback are checked; it must keep nothing of
// them unless this returns the index (begin() starts over for each mirror tried).
Result<FetchedIndex> fetch_index(const RepoConfig& repo, const RepoState& last, std::int64_t now,
                                 const FetchLimits& limits = {},
                                 formats::IndexVisitor* visitor = nullptr);

// Same checks, from bytes already on disk (the cache), without the rollback check.
Result<FetchedIndex> load_index(const RepoConfig& repo, std::string raw_zst,
                                std::vector<std::string> signatures, std::int64_t now,
                                std::string_view source, formats::IndexVisitor* visitor = nullptr);
inline Result<FetchedIndex> load_index(const RepoConfig& repo, std::string raw_zst,
                                       std::string signature, std::int64_t now,
                                       std::string_view source) {
    return load_index(repo, std::move(raw_zst), std::vector<std::string>{std::move(signature)}, now,
                      source);
}

// zstd helpers (libzstd), with a cap on the decompressed size.
// zstd_decompress sizes its output from the frame header's declared content size, but
// that header is not trusted (oci and publish pass unverified bytes): the reservation is
// at most kZstdReserveRatio times the compressed size (and `max_size`); a frame that
// really expands more grows its output as it is decoded.
inline constexpr std::uint64_t kZstdReserveRatio = 32;
// The bytes zstd_decompress reserves at once for `data` (padding included).
std::size_t zstd_reservation(std::string_view data, std::uint64_t max_size);
Result<std::string> zstd_decompress(std::string_view data, std::uint64_t max_size,
                                    std::string_view source);
std::string zstd_compress(std::string_view data);

}  // namespace nxp::repo
