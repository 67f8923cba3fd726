#pragma once
// Internal helpers for the nlohmann-based parsers (manifest, permissions); not public.
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "formats/error.hpp"

namespace nxp::formats::detail {

using nlohmann::json;

inline tl::unexpected<Error> invalid(std::string context, std::string message) {
    return fail(ErrorKind::Invalid, std::move(context), std::move(message));
}

// Parses JSON text into a value. Rejects nesting deeper than `max_depth` before parsing
// (hostile input must not exhaust the stack in code that walks the tree recursively),
// duplicate object keys (the second would silently win) and numbers out of range.
Result<json> parse_json_text(std::string_view text, std::size_t max_depth);

// Fails on the first key of `obj` not in `known`: "path.key: unknown field".
Result<void> reject_unknown_keys(const json& obj, std::string_view path,
                                 std::initializer_list<std::string_view> known);

// The member or nullptr.
inline const json* member(const json& obj, std::string_view key) {
    auto it = obj.find(std::string(key));
    return it == obj.end() ? nullptr : &*it;
}

// Integer value that fits in int64 (JSON integers beyond that are "too large").
Result<std::int64_t> get_int(const json& v, std::string_view path);

// A string without control bytes; `max` caps its length (0 = no cap).
Result<std::string> get_string(const json& v, std::string_view path, std::size_t max = 0);

// Number formatting for messages: 600, 0.5, 1e+300.
std::string number_text(double d);

}  // namespace nxp::formats::detail
