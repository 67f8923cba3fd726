#pragma once
// The one parser for numbers nxp reads as text from settings, the environment and its own
// files (root settings, NXP_* variables, generation names): digits only, no sign, space or
// suffix, checked against a range instead of wrapping or throwing.
#include <cstdint>
#include <optional>
#include <string_view>

#include "formats/error.hpp"

namespace nxp::formats {

// A whole decimal number of at most `max`; nullopt for anything else (empty, a sign, a
// space, a suffix, an overflow).
std::optional<std::uint64_t> parse_uint(std::string_view text, std::uint64_t max = UINT64_MAX);

// A numeric setting from `min` to `max`. ErrorKind::Invalid with context `where` (how the
// caller names the setting, e.g. "setting gc.keep"): "expected a whole number from MIN to
// MAX, not \"TEXT\"".
Result<std::uint64_t> parse_count(std::string_view text, std::string_view where, std::uint64_t min,
                                  std::uint64_t max);

// A size setting: "123", "64K", "512M", "4G" (binary units), from 1 byte to 1 TiB of units.
// ErrorKind::Invalid with context `where`: "expected a size in bytes, or N with K, M or G,
// not \"TEXT\"".
Result<std::uint64_t> parse_size(std::string_view text, std::string_view where);

}  // namespace nxp::formats
