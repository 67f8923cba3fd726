#pragma once
// parse_index (formats/index.hpp) without copying the text: for the refresh of a large index
// (issue 20), whose decompressed text comes from repo::zstd_decompress with spare capacity.
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

}  // namespace nxp::formats
