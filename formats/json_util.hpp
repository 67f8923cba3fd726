#pragma once
// The one JSON parser for text nxp reads from outside (parse_json, public), and internal
// helpers for the nlohmann-based format parsers (namespace detail).
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"

namespace nxp::formats {

struct JsonLimits {
    // Arrays and objects open at once. nlohmann's parser is iterative, but copying,
    // comparing and dumping a value recurse once per level: a million levels (a megabyte
    // of "[") would overflow the stack. No nxp format comes close to 64.
    std::size_t max_depth = 128;
    // A key given twice in one object: the second would silently win over the first
    // (an operator or a reviewer reads one value, nxp uses the other).
    bool reject_duplicate_keys = true;
};

// Every JSON nxp reads from outside (plugin files, NextChat's files, health-check answers,
// npm metadata, lockfiles, policies) goes through here: one pass, no recursion, and nothing
// deeper than limits.max_depth is ever built. Errors name `where` as their context and say
// where the text is wrong: "JSON nested deeper than 128 levels at byte 128",
// "invalid JSON at line 3, column 5: …", "duplicate key \"name\"".
Result<nlohmann::json> parse_json(std::string_view text, const std::string& where,
                                  JsonLimits limits = {});
// The same, keeping the order of object keys (files nxp rewrites for someone else).
Result<nlohmann::ordered_json> parse_ordered_json(std::string_view text, const std::string& where,
                                                  JsonLimits limits = {});

// A JSON array of strings that nxp wrote itself (a database column, a setting): parsed by
// parse_json and read by the one array-of-strings reader, any text kept (tool names a
// plugin reported are escaped where they are shown); errors name `where`.
Result<std::vector<std::string>> parse_string_array(std::string_view text,
                                                    const std::string& where);

}  // namespace nxp::formats

namespace nxp::formats::detail {

using nlohmann::json;

inline tl::unexpected<Error> invalid(std::string context, std::string message) {
    return fail(ErrorKind::Invalid, std::move(context), std::move(message));
}

// parse_json with no context (the format parsers add theirs) and duplicate keys rejected.
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

// The one reader of a JSON array of strings: "PATH: expected array of strings" when `v` is
// not an array, "PATH[i]: expected string" for an element that is not, then get_string's
// checks with `max` (unless `any_text`: control characters are kept, for text nxp escapes
// wherever it shows it).
Result<std::vector<std::string>> get_strings(const json& v, std::string_view path,
                                             std::size_t max = 0, bool any_text = false);
// The same, each element first checked by `valid` ("PATH[i]: MESSAGE" when it fails).
Result<std::vector<std::string>> get_strings(const json& v, std::string_view path,
                                             bool (*valid)(std::string_view),
                                             std::string_view message);

// Number formatting for messages: 600, 0.5, 1e+300.
std::string number_text(double d);

}  // namespace nxp::formats::detail
