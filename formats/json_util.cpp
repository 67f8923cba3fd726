#include "formats/json_util.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "formats/text_util.hpp"

namespace nxp::formats::detail {
namespace {

// Depth of [ and { outside strings. Linear, no recursion.
bool nested_too_deep(std::string_view text, std::size_t max_depth) {
    std::size_t depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) return true;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return false;
}

// nlohmann's messages read "[json.exception.parse_error.101] parse error at line 4, column
// 0: syntax error …; last read: '…'", counting the position after the bad token (often the
// next line). Point at the last character read instead, and keep the reason short.
std::string parse_error_message(std::string_view text, std::size_t byte, std::string_view what) {
    std::size_t idx = std::min(byte > 0 ? byte - 1 : 0, text.empty() ? 0 : text.size() - 1);
    while (idx > 0 && idx < text.size() &&
           (text[idx] == '\n' || text[idx] == '\r' || text[idx] == ' ' || text[idx] == '\t')) {
        --idx;
    }
    std::size_t line = 1, column = idx + 1;
    for (std::size_t i = 0; i < idx && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = idx - i;
        }
    }
    if (auto p = what.find("column "); p != std::string_view::npos) {
        if (auto colon = what.find(": ", p); colon != std::string_view::npos) {
            what.remove_prefix(colon + 2);
        }
    }
    std::string q = quote(what, 200);
    return "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) +
           ": " + q.substr(1, q.size() - 2);
}

std::string short_json_message(std::string_view what) {
    if (auto p = what.find("] "); p != std::string_view::npos) what.remove_prefix(p + 2);
    std::string q = quote(what, 200);
    return q.substr(1, q.size() - 2);
}

}  // namespace

Result<json> parse_json_text(std::string_view text, std::size_t max_depth) {
    if (nested_too_deep(text, max_depth)) {
        return invalid("",
                       "invalid JSON: nested deeper than " + std::to_string(max_depth) + " levels");
    }
    std::vector<std::set<std::string>> keys;  // one set per open object
    std::string duplicate;
    auto on_event = [&](int, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::object_start) {
            keys.emplace_back();
        } else if (event == json::parse_event_t::object_end && !keys.empty()) {
            keys.pop_back();
        } else if (event == json::parse_event_t::key && !keys.empty() && duplicate.empty()) {
            const auto& key = parsed.get_ref<const std::string&>();
            if (!keys.back().insert(key).second) duplicate = key;
        }
        return true;
    };
    json value;
    try {
        value = json::parse(text.begin(), text.end(), on_event);
    } catch (const json::parse_error& e) {
        return invalid("", parse_error_message(text, e.byte, e.what()));
    } catch (const json::exception& e) {  // out_of_range: a number like 1e400
        return invalid("", "invalid JSON: " + short_json_message(e.what()));
    }
    if (!duplicate.empty()) return invalid("", "duplicate key " + quote(duplicate));
    return value;
}

Result<void> reject_unknown_keys(const json& obj, std::string_view path,
                                 std::initializer_list<std::string_view> known) {
    for (const auto& [key, _] : obj.items()) {
        bool ok = false;
        for (auto k : known) ok = ok || k == key;
        if (!ok) {
            // A hostile key goes into the message, quoted and capped, rather than the path.
            if (quote(key) != "\"" + key + "\"") {
                return invalid(std::string(path), "unknown field " + quote(key));
            }
            return invalid(dot(path, key), "unknown field");
        }
    }
    return {};
}

Result<std::int64_t> get_int(const json& v, std::string_view path) {
    if (v.is_number_unsigned()) {
        auto u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return invalid(std::string(path), "number too large");
        }
        return static_cast<std::int64_t>(u);
    }
    if (v.is_number_integer()) return v.get<std::int64_t>();
    return invalid(std::string(path), "expected integer");
}

Result<std::string> get_string(const json& v, std::string_view path, std::size_t max) {
    if (!v.is_string()) return invalid(std::string(path), "expected string");
    const auto& s = v.get_ref<const std::string&>();
    if (max && s.size() > max) {
        return invalid(std::string(path),
                       "too long (at most " + std::to_string(max) + " characters)");
    }
    for (char c : s) {
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
            return invalid(std::string(path), "must not contain control characters");
        }
    }
    return s;
}

std::string number_text(double d) {
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 1e15) {
        return std::to_string(static_cast<long long>(d));
    }
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, r.ptr);
}

}  // namespace nxp::formats::detail
