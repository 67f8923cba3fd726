#pragma once
// Threshold signatures and the key-rotation chain (DESIGN.md §4): which keys a client
// trusts for a repository, and how keys/N+1.json moves that trust forward.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"
#include "formats/keyset.hpp"
#include "formats/minisign.hpp"

namespace nxp::repo {

// The keys a client currently trusts: version 0 is the set pinned at `repo add`.
struct TrustedKeys {
    std::uint64_t version = 0;
    std::vector<formats::MinisignPublicKey> keys;
    std::uint32_t threshold = 1;
};

// Signature files of `file`: "file.minisig", "file.minisig.2", "file.minisig.3", …
std::string signature_name(std::string_view file, std::size_t i);  // i from 0
constexpr std::size_t kMaxSignatures = 16;

// Counts distinct keys of `keys` with a valid signature over `data` among `signatures`
// (named after `source` as signature_name does) and requires at least `threshold`.
// A single signature that is not enough fails with its own reason (unknown key, bad
// signature, tampered trusted comment); otherwise the message says how many of how many
// signatures were valid and why the others were not. ErrorKind::Verification.
Result<std::size_t> verify_threshold(const std::vector<formats::MinisignPublicKey>& keys,
                                     std::uint32_t threshold, std::string_view data,
                                     const std::vector<std::string>& signatures,
                                     std::string_view source);

// Whether `signatures` already hold `threshold` signatures by distinct keys of `keys`
// (by key id only: decides whether fetching more signature files can help).
bool enough_candidates(const std::vector<formats::MinisignPublicKey>& keys, std::uint32_t threshold,
                       const std::vector<std::string>& signatures);

// Verifies one link of the chain: `json` (keys/N+1.json, named `source`) must be signed by
// threshold-of-n of `current` (checked over the exact bytes before parsing), be for
// `repo_id`, declare version current.version + 1 exactly, and be signed by
// threshold-of-n of the keys it lists. Returns the new trusted set.
Result<TrustedKeys> verify_key_link(const TrustedKeys& current, std::string_view repo_id,
                                    std::string_view json,
                                    const std::vector<std::string>& signatures,
                                    std::string_view source);

}  // namespace nxp::repo
