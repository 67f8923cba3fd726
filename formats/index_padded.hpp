#pragma once
// parse_index (formats/index.hpp) without copying the text, and without holding every entry:
// for the refresh of a large index (issue 20), whose decompressed text comes from
// repo::zstd_decompress with spare capacity.
#include <string>

#include "formats/error.hpp"
#include "formats/index.hpp"

namespace nxp::formats {

// simdjson reads up to 64 bytes past the end of a text. parse_index(std::string_view)
// therefore copies the text into a padded buffer (37 MB for 100,000 packages); this reads
// `json_text` in place when its spare capacity holds those bytes (repo::zstd_decompress
// leaves them), and copies it otherwise. The result and errors are parse_index's.
inline constexpr std::size_t kIndexTextPadding = 64;
Result<Index> parse_index_padded(const std::string& json_text);

// Receives a parsed index one entry at a time (parse_index_each).
class IndexVisitor {
  public:
    virtual ~IndexVisitor() = default;
    // Called once, before any entry, with the header fields (format, repo, version,
    // generated, expires) and `revoked` as the index lists it when that list is well formed
    // (it is checked, with its own errors, after the entries). A visitor called again by the
    // same caller (another mirror) starts over here.
    virtual Result<void> begin(const Index& head) = 0;
    // Each entry, in index order, once it has passed every check parse_index makes of it
    // alone (duplicates of an earlier entry included). An error stops the parse with it.
    virtual Result<void> entry(IndexEntry&& e) = 0;
};

// parse_index_padded, without building Index::packages: every entry goes to `visitor`
// instead, and no DOM of the whole document is built (each entry is parsed alone; the text
// is kept until the last one and then freed). Returns the index without its packages;
// errors are parse_index's, in the same order (a visitor may already have seen entries
// before a later one fails, and is then begun again: an index that fails is read once more
// by the whole-document parse, whose answer is the one returned).
Result<Index> parse_index_each(std::string&& json_text, IndexVisitor& visitor);

}  // namespace nxp::formats
