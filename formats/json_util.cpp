#include "formats/json_util.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_set>
#include <vector>

#include "formats/text_util.hpp"

namespace nxp::formats::detail {
namespace {

// Where the first array or object deeper than max_depth opens: its 1-based byte position,
// or 0. Only called on text nlohmann read as valid up to that point, so its strings are
// well formed. Linear, no recursion.
std::size_t too_deep_at(std::string_view text, std::size_t max_depth) {
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
            if (++depth > max_depth) return i + 1;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return 0;
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

// nlohmann's SAX interface building the value as nlohmann's own DOM parser would, but
// refusing to open a container deeper than the limit (the parse stops there, so nothing
// deep is ever built) and, if asked, a key already seen in the same object.
template <class J>
class LimitedBuilder {
  public:
    using number_integer_t = typename J::number_integer_t;
    using number_unsigned_t = typename J::number_unsigned_t;
    using number_float_t = typename J::number_float_t;
    using string_t = typename J::string_t;
    using binary_t = typename J::binary_t;

    explicit LimitedBuilder(const JsonLimits& limits) : limits_(limits) {}

    bool null() { return put(J(nullptr)); }
    bool boolean(bool v) { return put(J(v)); }
    bool number_integer(number_integer_t v) { return put(J(v)); }
    bool number_unsigned(number_unsigned_t v) { return put(J(v)); }
    bool number_float(number_float_t v, const string_t&) { return put(J(v)); }
    bool string(string_t& v) { return put(J(std::move(v))); }
    bool binary(binary_t& v) { return put(J::binary(std::move(v))); }
    bool start_object(std::size_t) { return open(J::object(), true); }
    bool start_array(std::size_t) { return open(J::array(), false); }
    bool end_object() {
        open_.pop_back();
        keys_.pop_back();
        return true;
    }
    bool end_array() {
        open_.pop_back();
        return true;
    }
    bool key(string_t& k) {
        if (!keys_.back().insert(k).second) {
            if (limits_.reject_duplicate_keys) {
                duplicate_ = k;
                return false;
            }
            slot_ = &(*open_.back())[k];  // the last one wins, as in JavaScript
            return true;
        }
        slot_ = add_member(*open_.back(), std::move(k));
        return true;
    }
    bool parse_error(std::size_t byte, const std::string&, const nlohmann::detail::exception& e) {
        error_byte_ = byte;
        error_id_ = e.id;
        error_what_ = e.what();
        return false;
    }

    J& value() { return root_; }
    bool too_deep() const { return too_deep_; }
    const std::optional<string_t>& duplicate() const { return duplicate_; }
    std::size_t error_byte() const { return error_byte_; }
    int error_id() const { return error_id_; }
    const std::string& error_what() const { return error_what_; }

  private:
    // A fresh member: straight into ordered_json's vector, whose own insert searches the
    // object linearly (quadratic in an object of many keys); keys_ already knows it is new.
    static J* add_member(J& object, string_t&& k) {
        auto& members = object.template get_ref<typename J::object_t&>();
        if constexpr (requires { typename J::object_t::Container; }) {  // ordered_map
            using Container = typename J::object_t::Container;
            auto& vec = static_cast<Container&>(members);
            vec.emplace_back(std::move(k), J());
            return &vec.back().second;
        } else {
            return &members.emplace(std::move(k), J()).first->second;
        }
    }

    // Places a finished value where the parse is: the root, the next array element or the
    // member whose key was just read. Pointers to open containers stay valid: a container
    // gets no new element while one of its children is open.
    J* place(J&& v) {
        if (open_.empty()) {
            root_ = std::move(v);
            return &root_;
        }
        J& parent = *open_.back();
        if (parent.is_array()) {
            parent.push_back(std::move(v));
            return &parent.back();
        }
        *slot_ = std::move(v);
        return slot_;
    }
    bool put(J&& v) {
        place(std::move(v));
        return true;
    }
    bool open(J&& container, bool object) {
        if (open_.size() >= limits_.max_depth) {
            too_deep_ = true;
            return false;
        }
        open_.push_back(place(std::move(container)));
        if (object) keys_.emplace_back();
        return true;
    }

    JsonLimits limits_;
    J root_;
    std::vector<J*> open_;
    std::vector<std::unordered_set<string_t>> keys_;  // one per open object
    J* slot_ = nullptr;
    bool too_deep_ = false;
    std::optional<string_t> duplicate_;
    std::size_t error_byte_ = 0;
    int error_id_ = 0;
    std::string error_what_;
};

template <class J>
Result<J> parse_limited(std::string_view text, const std::string& where, JsonLimits limits) {
    limits.max_depth = std::max<std::size_t>(limits.max_depth, 1);
    LimitedBuilder<J> builder(limits);
    if (J::sax_parse(text.data(), text.data() + text.size(), &builder)) {
        return std::move(builder.value());
    }
    if (builder.too_deep()) {
        return invalid(where, "JSON nested deeper than " + std::to_string(limits.max_depth) +
                                  " levels at byte " +
                                  std::to_string(too_deep_at(text, limits.max_depth)));
    }
    if (builder.duplicate()) return invalid(where, "duplicate key " + quote(*builder.duplicate()));
    if (builder.error_id() >= 400) {  // out_of_range: a number like 1e400
        return invalid(where, "invalid JSON: " + short_json_message(builder.error_what()));
    }
    return invalid(where, parse_error_message(text, builder.error_byte(), builder.error_what()));
}

}  // namespace

Result<json> parse_json_text(std::string_view text, std::size_t max_depth) {
    return parse_json(text, "", JsonLimits{max_depth, true});
}

}  // namespace nxp::formats::detail

namespace nxp::formats {

Result<nlohmann::json> parse_json(std::string_view text, const std::string& where,
                                  JsonLimits limits) {
    return detail::parse_limited<nlohmann::json>(text, where, limits);
}

Result<nlohmann::ordered_json> parse_ordered_json(std::string_view text, const std::string& where,
                                                  JsonLimits limits) {
    return detail::parse_limited<nlohmann::ordered_json>(text, where, limits);
}

}  // namespace nxp::formats

namespace nxp::formats::detail {

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

namespace {

struct StringRule {
    std::size_t max = 0;
    bool any_text = false;
    bool (*valid)(std::string_view) = nullptr;
    std::string_view message;
};

Result<std::vector<std::string>> read_strings(const json& v, std::string_view path,
                                              const StringRule& rule) {
    if (!v.is_array()) return invalid(std::string(path), "expected array of strings");
    std::vector<std::string> out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        const json& e = v[i];
        const std::string* text = e.is_string() ? &e.get_ref<const std::string&>() : nullptr;
        if (text != nullptr && rule.valid != nullptr && !rule.valid(*text))
            return invalid(at(path, i), std::string(rule.message));
        if (text != nullptr && rule.any_text && (rule.max == 0 || text->size() <= rule.max)) {
            out.push_back(*text);
            continue;
        }
        auto s = get_string(e, at(path, i), rule.max);
        if (!s) return tl::unexpected(s.error());
        out.push_back(std::move(*s));
    }
    return out;
}

}  // namespace

Result<std::vector<std::string>> get_strings(const json& v, std::string_view path, std::size_t max,
                                             bool any_text) {
    StringRule rule;
    rule.max = max;
    rule.any_text = any_text;
    return read_strings(v, path, rule);
}

Result<std::vector<std::string>> get_strings(const json& v, std::string_view path,
                                             bool (*valid)(std::string_view),
                                             std::string_view message) {
    StringRule rule;
    rule.valid = valid;
    rule.message = message;
    return read_strings(v, path, rule);
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

namespace nxp::formats {

Result<std::vector<std::string>> parse_string_array(std::string_view text,
                                                    const std::string& where) {
    auto json = parse_json(text, where);
    if (!json) return tl::unexpected(json.error());
    return detail::get_strings(*json, where, 0, true);
}

}  // namespace nxp::formats
