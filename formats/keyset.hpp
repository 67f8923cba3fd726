#pragma once
// keys/N.json of a repository's key-rotation chain (DESIGN.md §4). Version N lists the
// keys that sign the index (and keys/N+1.json) from then on, and how many of them must.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"
#include "formats/minisign.hpp"

namespace nxp::formats {

struct KeySet {
    int format = 1;
    std::string repo;           // repository id; must equal the index's
    std::uint64_t version = 0;  // N of keys/N.json; 0 is the set pinned at `repo add`
    std::vector<MinisignPublicKey> keys;
    std::uint32_t threshold = 1;  // distinct valid signatures needed, 1..keys.size()
};

// {"format":1,"repo":ID,"version":N,"keys":["RWS…", …],"threshold":k}. Errors name the
// field; duplicate key ids and a threshold outside 1..len(keys) are refused.
Result<KeySet> parse_keyset(std::string_view json_text);

// Canonical text (fields in the order above, one line, trailing newline).
std::string write_keyset(const KeySet& set);

}  // namespace nxp::formats
