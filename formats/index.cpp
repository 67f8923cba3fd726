// index.json parsing on simdjson's DOM: real repositories list 100,000 packages, so the
// hot path neither builds an nlohmann tree nor copies strings it does not keep.
#include "formats/index.hpp"

#include <simdjson.h>

#include <array>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>

#include "formats/index_entries.hpp"
#include "formats/index_padded.hpp"
#include "formats/json_util.hpp"
#include "formats/manifest_util.hpp"
#include "formats/text_util.hpp"

namespace nxp::formats {
namespace {

using detail::invalid;
using simdjson::dom::element;
using simdjson::dom::element_type;

// Unknown keys are ignored, unlike in plugin.json: the index is generated, and a newer
// `nxp repo build` may add fields that older clients can skip (a breaking change bumps
// "format" instead).

// The path of a field, built only when an error names it: a refresh reads 17 fields of each of
// 100,000 entries, and making every path string was a tenth of the parse (issue 20).
struct KeyPath {
    const std::string& parent;
    std::string_view key;
    operator std::string() const { return detail::dot(parent, key); }
};
struct ItemPath {
    const KeyPath& list;
    std::size_t i;
    operator std::string() const { return detail::at(std::string(list), i); }
};

template <class Path>
Result<std::string_view> get_str(element e, const Path& path) {
    std::string_view s;
    if (e.get_string().get(s)) return invalid(path, "expected string");
    for (char c : s) {
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
            return invalid(path, "must not contain control characters");
        }
    }
    return s;
}

template <class Path>
Result<std::uint64_t> get_u64(element e, const Path& path) {
    std::uint64_t n = 0;
    if (e.get_uint64().get(n)) return invalid(path, "expected non-negative integer");
    return n;
}

Result<std::int64_t> get_i64(element e, const std::string& path) {
    std::int64_t n = 0;
    if (e.get_int64().get(n)) return invalid(path, "expected integer");
    return n;
}

bool is_sha256(std::string_view s) {
    if (s.size() != 64) return false;
    for (char c : s) {
        if (!(detail::is_digit(c) || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

template <class T, class Parse>
Result<std::vector<T>> string_list(element e, const KeyPath& path, Parse parse) {
    simdjson::dom::array arr;
    if (e.get_array().get(arr)) return invalid(path, "expected array of strings");
    std::vector<T> out;
    out.reserve(arr.size());
    std::size_t i = 0;
    for (element item : arr) {
        auto s = get_str(item, ItemPath{path, i});
        if (!s) return tl::unexpected(s.error());
        auto v = parse(*s);
        if (!v) return tl::unexpected(in_context(v.error(), std::string(ItemPath{path, i})));
        out.push_back(std::move(*v));
        ++i;
    }
    return out;
}

// The small permissions object goes through the manifest's own validation, so both
// formats give the same messages; pinned tools go through formats/mcp_tools the same way.
// At most `max_depth` arrays and objects are open at once (a tool's inputSchema is a JSON
// Schema of any shape, so simdjson's own limit of 1024 is not enough: copying, comparing and
// dumping recurse once per level). Errors name the member: "packages[3].tools[0].inputSchema".
Result<nlohmann::json> to_nlohmann(element e, const std::string& path, std::size_t depth,
                                   std::size_t max_depth) {
    const bool container = e.type() == element_type::ARRAY || e.type() == element_type::OBJECT;
    if (container && depth >= max_depth)
        return invalid(path, "nested deeper than " + std::to_string(max_depth) + " levels");
    switch (e.type()) {
        case element_type::ARRAY: {
            nlohmann::json out = nlohmann::json::array();
            simdjson::dom::array arr;
            if (e.get_array().get(arr)) return invalid(path, "expected array");
            std::size_t i = 0;
            for (element item : arr) {
                auto v = to_nlohmann(item, detail::at(path, i++), depth + 1, max_depth);
                if (!v) return v;
                out.push_back(std::move(*v));
            }
            return out;
        }
        case element_type::OBJECT: {
            nlohmann::json out = nlohmann::json::object();
            simdjson::dom::object obj;
            if (e.get_object().get(obj)) return invalid(path, "expected object");
            for (auto field : obj) {
                const std::string key(field.key);
                if (out.contains(key)) return invalid(path, "duplicate key " + detail::quote(key));
                auto v = to_nlohmann(field.value, detail::dot(path, key), depth + 1, max_depth);
                if (!v) return v;
                out[key] = std::move(*v);
            }
            return out;
        }
        case element_type::INT64: {
            // As nlohmann's own parser reads it: a non-negative integer is unsigned (the
            // manifest's checks, minItems and position, ask for exactly that).
            const std::int64_t n = e.get_int64().value_unsafe();
            if (n >= 0) return nlohmann::json(static_cast<std::uint64_t>(n));
            return nlohmann::json(n);
        }
        case element_type::UINT64:
            return nlohmann::json(e.get_uint64().value_unsafe());
        case element_type::DOUBLE:
            return nlohmann::json(e.get_double().value_unsafe());
        case element_type::STRING:
            return nlohmann::json(std::string(e.get_string().value_unsafe()));
        case element_type::BOOL:
            return nlohmann::json(e.get_bool().value_unsafe());
        case element_type::NULL_VALUE:
            break;
    }
    return nlohmann::json(nullptr);
}

// Levels of the permissions object (it needs 3) and of the pinned tools: the array, a tool,
// its inputSchema and what is nested in it, as the database column holding pins allows
// (formats::parse_tool_pins).
constexpr std::size_t kMaxPermissionsDepth = 9;
constexpr std::size_t kMaxToolsDepth = 64;
// The config object, a key, and an array default or an enum's values.
constexpr std::size_t kMaxConfigDepth = 4;

// Fields of a package entry; a bit each, to catch duplicates and missing ones.
enum Field : unsigned {
    FieldName = 1,
    FieldVersion = 2,
    FieldKind = 4,
    FieldPath = 8,
    FieldSize = 16,
    FieldSha = 32,
};

Result<void> parse_entry_field(std::string_view key, element value, const std::string& p,
                               IndexEntry& e, unsigned& seen) {
    const KeyPath where{p, key};
    auto mark = [&](unsigned bit) { seen |= bit; };
    if (key == "name") {
        auto s = get_str(value, where);
        if (!s) return tl::unexpected(s.error());
        if (!is_valid_package_name(*s))
            return invalid(where, "must match [a-z0-9][a-z0-9._-]{0,63}");
        e.name = std::string(*s);
        mark(FieldName);
    } else if (key == "version") {
        auto s = get_str(value, where);
        if (!s) return tl::unexpected(s.error());
        auto v = parse_version(*s);
        if (!v) return tl::unexpected(in_context(v.error(), std::string(where)));
        e.version = std::move(*v);
        mark(FieldVersion);
    } else if (key == "kind") {
        auto s = get_str(value, where);
        if (!s) return tl::unexpected(s.error());
        auto k = parse_kind(*s);
        if (!k)
            return invalid(
                where,
                "must be one of mcp-server, mask, prompts, openapi-plugin, library, runtime");
        e.kind = *k;
        mark(FieldKind);
    } else if (key == "summary" || key == "license" || key == "homepage" || key == "publisher") {
        auto s = get_str(value, where);
        if (!s) return tl::unexpected(s.error());
        (key == "summary"    ? e.summary
         : key == "license"  ? e.license
         : key == "homepage" ? e.homepage
                             : e.publisher) = std::string(*s);
    } else if (key == "requires" || key == "conflicts" || key == "recommends") {
        auto list = string_list<DepSpec>(value, where, parse_dep_spec);
        if (!list) return tl::unexpected(list.error());
        (key == "requires"    ? e.requires_
         : key == "conflicts" ? e.conflicts
                              : e.recommends) = std::move(*list);
    } else if (key == "provides" || key == "replaces") {
        auto list = string_list<Dep>(value, where, parse_dep);
        if (!list) return tl::unexpected(list.error());
        if (list->empty()) return {};
        const std::string path = where;
        auto ok = key == "provides" ? detail::check_provides(*list, path)
                                    : detail::check_replaces(*list, path);
        if (!ok) return ok;
        (key == "provides" ? e.provides : e.replaces) = std::move(*list);
    } else if (key == "permissions") {
        // {} (what nxp repo build writes for a plugin without permissions) is no permissions.
        simdjson::dom::object none;
        if (!value.get_object().get(none) && none.size() == 0) return {};
        const std::string path = where;
        auto j = to_nlohmann(value, path, 0, kMaxPermissionsDepth);
        if (!j) return tl::unexpected(j.error());
        auto perms = parse_permissions(*j, path);
        if (!perms) return tl::unexpected(perms.error());
        e.permissions = std::move(*perms);
    } else if (key == "config") {
        const std::string path = where;
        auto j = to_nlohmann(value, path, 0, kMaxConfigDepth);
        if (!j) return tl::unexpected(j.error());
        auto config = detail::parse_config(*j);
        if (!config) {  // its errors name "config.KEY…": put the entry's path in front
            Error err = config.error();
            if (err.context.rfind("config", 0) == 0) err.context = p + "." + err.context;
            return tl::unexpected(err);
        }
        e.config = std::move(*config);
    } else if (key == "tools") {
        const std::string path = where;
        auto j = to_nlohmann(value, path, 0, kMaxToolsDepth);
        if (!j) return tl::unexpected(j.error());
        // A definition, or a valid tool name alone: the tools a plugin.json declares, pinned
        // by name (issue 19 item 4): the install health check must answer each of them.
        for (std::size_t i = 0; j->is_array() && i < j->size(); ++i) {
            const auto& t = (*j)[i];
            if (t.is_string() && !is_valid_tool_name(t.get_ref<const std::string&>()))
                return invalid(detail::at(path, i), "invalid tool name");
            if (!t.is_string() && !t.is_object())
                return invalid(detail::at(path, i),
                               "expected a tool definition object or a tool name");
        }
        auto tools = tool_pins_from_json(*j, path);
        if (!tools) return tl::unexpected(tools.error());
        e.tools = std::move(*tools);
    } else if (key == "path") {
        auto s = get_str(value, where);
        if (!s) return tl::unexpected(s.error());
        if (auto why = detail::relative_path_problem(*s); !why.empty()) {
            return invalid(where, std::string(why));
        }
        e.path = std::string(*s);
        mark(FieldPath);
    } else if (key == "size" || key == "installed_size") {
        auto n = get_u64(value, where);
        if (!n) return tl::unexpected(n.error());
        (key == "size" ? e.size : e.installed_size) = *n;
        if (key == "size") mark(FieldSize);
    } else if (key == "sha256") {
        std::string_view s;
        if (value.get_string().get(s) || !is_sha256(s)) {
            return invalid(where, "expected 64 lowercase hex digits");
        }
        e.sha256 = std::string(s);
        mark(FieldSha);
    }
    return {};
}

Result<IndexEntry> parse_entry(element el, const std::string& path) {
    simdjson::dom::object obj;
    if (el.get_object().get(obj)) return invalid(path, "expected object");
    IndexEntry e;
    unsigned seen = 0;
    // The keys seen so far, in place: growing a vector cost six allocations per entry.
    std::array<std::string_view, 64> keys;
    std::size_t n_keys = 0;
    for (auto field : obj) {
        for (std::size_t k = 0; k < n_keys; ++k) {
            if (keys[k] == field.key)
                return invalid(path, "duplicate key " + detail::quote(keys[k]));
        }
        // Also bounds the duplicate search: entries have 17 fields, not thousands.
        if (n_keys == keys.size()) return invalid(path, "too many fields");
        keys[n_keys++] = field.key;
        if (auto ok = parse_entry_field(field.key, field.value, path, e, seen); !ok) {
            return tl::unexpected(ok.error());
        }
    }
    const std::pair<unsigned, const char*> required[] = {
        {FieldName, "name"}, {FieldVersion, "version"}, {FieldKind, "kind"},
        {FieldPath, "path"}, {FieldSize, "size"},       {FieldSha, "sha256"}};
    for (auto [bit, name] : required) {
        if (!(seen & bit)) return invalid(detail::dot(path, name), "required field is missing");
    }
    return e;
}

// Each entry goes to `visitor` when there is one, else into index.packages.
Result<void> parse_packages(element el, Index& index, IndexVisitor* visitor) {
    simdjson::dom::array arr;
    if (el.get_array().get(arr)) return invalid("packages", "expected array");
    if (!visitor) index.packages.reserve(arr.size());
    // name + '\0' + version without build metadata -> position; equal precedence would
    // leave the resolver two different packages under one identity.
    std::unordered_map<std::string, std::size_t> seen;
    seen.reserve(arr.size());  // no rehashing of 100,000 keys as it grows
    std::size_t i = 0;
    for (element item : arr) {
        std::string path = detail::at("packages", i);
        auto e = parse_entry(item, path);
        if (!e) return tl::unexpected(e.error());
        Version v = e->version;
        v.build.clear();
        auto [it, fresh] = seen.emplace(e->name + '\0' + v.str(), i);
        if (!fresh) {
            return invalid(path, "duplicate of packages[" + std::to_string(it->second) + "] (" +
                                     e->name + " " + v.str() + ")");
        }
        if (visitor) {
            if (auto ok = visitor->entry(std::move(*e)); !ok) return ok;
        } else {
            index.packages.push_back(std::move(*e));
        }
        ++i;
    }
    return {};
}

Result<Advisory> parse_advisory(element el, const std::string& path) {
    simdjson::dom::object obj;
    if (el.get_object().get(obj)) return invalid(path, "expected object");
    Advisory a;
    const std::pair<const char*, std::string*> fields[] = {{"id", &a.id},
                                                           {"package", &a.package},
                                                           {"versions", &a.versions},
                                                           {"severity", &a.severity},
                                                           {"summary", &a.summary}};
    for (auto [key, slot] : fields) {
        const std::string fpath = detail::dot(path, key);
        element v;
        if (obj[key].get(v)) {
            if (std::string_view(key) == "summary") continue;
            return invalid(fpath, "required field is missing");
        }
        auto s = get_str(v, fpath);
        if (!s) return tl::unexpected(s.error());
        *slot = std::string(*s);
    }
    if (a.id.empty()) return invalid(path + ".id", "must not be empty");
    if (!is_valid_package_name(a.package)) {
        return invalid(path + ".package", "must match [a-z0-9][a-z0-9._-]{0,63}");
    }
    if (auto c = parse_constraint(a.versions); !c) {
        return tl::unexpected(in_context(c.error(), path + ".versions"));
    }
    if (a.severity != "low" && a.severity != "medium" && a.severity != "high" &&
        a.severity != "critical") {
        return invalid(path + ".severity", "must be one of low, medium, high, critical");
    }
    return a;
}

Result<void> parse_lists(simdjson::dom::object top, Index& index) {
    element v;
    if (!top["revoked"].get(v)) {
        simdjson::dom::array arr;
        if (v.get_array().get(arr)) return invalid("revoked", "expected array");
        std::size_t i = 0;
        for (element item : arr) {
            std::string_view s;
            if (item.get_string().get(s) || !is_sha256(s)) {
                return invalid(detail::at("revoked", i), "expected 64 lowercase hex digits");
            }
            index.revoked.emplace_back(s);
            ++i;
        }
    }
    if (!top["advisories"].get(v)) {
        simdjson::dom::array arr;
        if (v.get_array().get(arr)) return invalid("advisories", "expected array");
        std::size_t i = 0;
        for (element item : arr) {
            auto a = parse_advisory(item, detail::at("advisories", i++));
            if (!a) return tl::unexpected(a.error());
            index.advisories.push_back(std::move(*a));
        }
    }
    return {};
}

Result<void> parse_header(simdjson::dom::object top, Index& index) {
    // A second "packages" or "expires" would be ignored by this parser but maybe not by
    // another tool reading the same signed bytes.
    constexpr std::string_view known[] = {"format",  "repo",     "version", "generated",
                                          "expires", "packages", "revoked", "advisories"};
    unsigned seen = 0;
    for (auto field : top) {
        for (unsigned i = 0; i < std::size(known); ++i) {
            if (field.key != known[i]) continue;
            if (seen & (1u << i)) return invalid("", "duplicate key " + detail::quote(field.key));
            seen |= 1u << i;
        }
    }
    for (const char* key : {"format", "repo", "version", "generated", "expires", "packages"}) {
        element v;
        if (top[key].get(v)) return invalid(key, "required field is missing");
    }
    auto format = get_i64(top["format"].value_unsafe(), "format");
    if (!format) return tl::unexpected(format.error());
    if (*format != 1) {
        return invalid("format", "unsupported format " + std::to_string(*format) +
                                     " (this nxp reads format 1)");
    }
    auto repo = get_str(top["repo"].value_unsafe(), "repo");
    if (!repo) return tl::unexpected(repo.error());
    if (repo->empty()) return invalid("repo", "must not be empty");
    index.repo = std::string(*repo);
    auto version = get_u64(top["version"].value_unsafe(), "version");
    if (!version) return tl::unexpected(version.error());
    index.version = *version;
    auto generated = get_i64(top["generated"].value_unsafe(), "generated");
    if (!generated) return tl::unexpected(generated.error());
    index.generated = *generated;
    auto expires = get_i64(top["expires"].value_unsafe(), "expires");
    if (!expires) return tl::unexpected(expires.error());
    index.expires = *expires;
    return {};
}

}  // namespace

Result<std::vector<IndexEntry>> parse_index_entries(const std::vector<std::string>& objects) {
    std::string text = "[";
    for (std::size_t i = 0; i < objects.size(); ++i) {
        if (i) text += ',';
        text += objects[i];
    }
    text += ']';
    simdjson::dom::parser parser;
    element doc;
    if (auto err = parser.parse(text).get(doc))
        return invalid("entries", std::string("invalid JSON: ") + simdjson::error_message(err));
    simdjson::dom::array arr;
    if (doc.get_array().get(arr) || arr.size() != objects.size())
        return invalid("entries", "expected " + std::to_string(objects.size()) + " objects");
    std::vector<IndexEntry> out;
    out.reserve(objects.size());
    std::size_t i = 0;
    for (element item : arr) {
        auto e = parse_entry(item, detail::at("entries", i++));
        if (!e) return tl::unexpected(e.error());
        out.push_back(std::move(*e));
    }
    return out;
}

namespace {

// "revoked" as listed, when it is an array of strings; nothing otherwise (parse_lists
// checks it, with its errors, after the entries, as it always did).
std::vector<std::string> revoked_hint(simdjson::dom::object top) {
    std::vector<std::string> out;
    simdjson::dom::array arr;
    if (top["revoked"].get_array().get(arr)) return out;
    for (element item : arr) {
        std::string_view s;
        if (item.get_string().get(s)) return {};
        out.emplace_back(s);
    }
    return out;
}

// `owned`, when given, is the text itself: freed once the DOM holds what the walk reads
// (simdjson copies strings into its own buffer), before the entries are visited.
Result<Index> parse_index_text(const char* data, std::size_t size, bool copy,
                               IndexVisitor* visitor = nullptr, std::string* owned = nullptr) {
    simdjson::dom::parser parser;
    element doc;
    if (auto err = parser.parse(data, size, copy).get(doc)) {
        return invalid("", std::string("invalid JSON: ") + simdjson::error_message(err));
    }
    if (owned) std::string().swap(*owned);
    simdjson::dom::object top;
    if (doc.get_object().get(top)) return invalid("", "expected a JSON object");
    Index index;
    if (auto ok = parse_header(top, index); !ok) return tl::unexpected(ok.error());
    if (visitor) {
        index.revoked = revoked_hint(top);
        auto ok = visitor->begin(index);
        index.revoked.clear();
        if (!ok) return tl::unexpected(ok.error());
    }
    if (auto ok = parse_packages(top["packages"].value_unsafe(), index, visitor); !ok) {
        return tl::unexpected(ok.error());
    }
    if (auto ok = parse_lists(top, index); !ok) return tl::unexpected(ok.error());
    return index;
}

// The refresh of a large index (issue 20) without a DOM of the whole document: simdjson's
// DOM is ~3.3 times the text (125 MB for 100,000 packages). The text is split by a small
// scanner into the top-level object with "packages" emptied (parsed as one small DOM, for
// the header and the lists) and the packages' elements, each parsed as a DOM of its own by
// one reused parser and checked by the same parse_entry. Everything the whole-document
// parse reads is read, by the same simdjson parser, in the same order; when anything at
// all is not as expected (any error, invalid JSON, an unusual shape: escaped top-level
// keys, a byte-order mark, very deep nesting), the whole-document parse is run instead and
// its answer (result or error) is the answer, so errors and their order are parse_index's.
class Scanner {
  public:
    Scanner(const char* data, std::size_t size) : p_(data), end_(data + size) {}
    const char* at() const { return p_; }
    bool done() const { return p_ == end_; }
    char peek() const { return p_ < end_ ? *p_ : '\0'; }
    void skip_ws() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    }
    bool eat(char c) {
        skip_ws();
        if (p_ == end_ || *p_ != c) return false;
        ++p_;
        return true;
    }
    // A string starting at the current '"'; its raw bytes (escapes not decoded).
    bool string(std::string_view* raw = nullptr) {
        if (p_ == end_ || *p_ != '"') return false;
        const char* start = ++p_;
        if (!skip_string_rest()) return false;
        if (raw) *raw = std::string_view(start, static_cast<std::size_t>(p_ - 1 - start));
        return true;
    }
    // The span of one value (not checked: a simdjson parse of the span does that).
    bool value(std::string_view& span) {
        skip_ws();
        const char* start = p_;
        if (p_ == end_) return false;
        if (*p_ == '"') {
            if (!string()) return false;
        } else if (*p_ == '{' || *p_ == '[') {
            std::size_t depth = 0;
            while (p_ < end_) {
                const char c = *p_;
                if (c == '"') {
                    if (!string()) return false;
                    continue;
                }
                ++p_;
                if (c == '{' || c == '[') {
                    ++depth;
                } else if (c == '}' || c == ']') {
                    if (--depth == 0) break;
                }
            }
            if (depth != 0) return false;
        } else {
            while (p_ < end_ && *p_ != ',' && *p_ != '}' && *p_ != ']' && *p_ != ' ' &&
                   *p_ != '\n' && *p_ != '\r' && *p_ != '\t')
                ++p_;
        }
        span = std::string_view(start, static_cast<std::size_t>(p_ - start));
        return !span.empty();
    }

  private:
    bool skip_string_rest() {
        for (;;) {
            const void* q = std::memchr(p_, '"', static_cast<std::size_t>(end_ - p_));
            if (!q) return false;
            const char* quote = static_cast<const char*>(q);
            std::size_t slashes = 0;
            for (const char* b = quote; b > p_ && b[-1] == '\\'; --b) ++slashes;
            p_ = quote + 1;
            if (slashes % 2 == 0) return true;
        }
    }
    const char* p_;
    const char* end_;
};

// Where the value of the top-level "packages" is, when the text is the expected shape.
std::optional<std::string_view> find_packages(const char* data, std::size_t size) {
    Scanner sc(data, size);
    std::optional<std::string_view> packages;
    if (!sc.eat('{')) return std::nullopt;
    sc.skip_ws();
    if (sc.peek() == '}') return std::nullopt;
    for (;;) {
        sc.skip_ws();
        std::string_view key, value;
        if (!sc.string(&key) || key.find('\\') != std::string_view::npos) return std::nullopt;
        if (!sc.eat(':') || !sc.value(value)) return std::nullopt;
        if (key == "packages") {
            if (packages) return std::nullopt;
            packages = value;
        }
        if (sc.eat(',')) continue;
        if (!sc.eat('}')) return std::nullopt;
        break;
    }
    sc.skip_ws();
    if (!sc.done()) return std::nullopt;
    return packages;
}

// parse_index_text(…, visitor) for a text with kIndexTextPadding readable bytes after it, or
// nullopt when it gives up (the visitor may have seen entries; it is begun again).
std::optional<Index> parse_index_streamed(const std::string& text, IndexVisitor& visitor) {
    auto packages = find_packages(text.data(), text.size());
    if (!packages || packages->front() != '[') return std::nullopt;
    const std::size_t from = static_cast<std::size_t>(packages->data() - text.data());
    std::string outer = text.substr(0, from) + "[]" + text.substr(from + packages->size());
    simdjson::dom::parser outer_parser;
    element doc;
    if (outer_parser.parse(outer).get(doc)) return std::nullopt;
    simdjson::dom::object top;
    if (doc.get_object().get(top)) return std::nullopt;
    Index index;
    if (!parse_header(top, index)) return std::nullopt;
    index.revoked = revoked_hint(top);
    const bool begun = static_cast<bool>(visitor.begin(index));
    index.revoked.clear();
    if (!begun) return std::nullopt;

    // Each element parsed alone: two levels (the top object, "packages") less of nesting
    // than the whole document allows, and one more for safety.
    simdjson::dom::parser parser;
    if (parser.allocate(1 << 16, simdjson::DEFAULT_MAX_DEPTH - 3)) return std::nullopt;
    std::unordered_map<std::string, std::size_t> seen;
    seen.reserve(packages->size() / 256);
    Scanner sc(packages->data() + 1, packages->size() - 1);
    std::size_t i = 0;
    if (!sc.eat(']')) {
        for (;;) {
            std::string_view span;
            if (!sc.value(span)) return std::nullopt;
            element item;
            if (parser.parse(span.data(), span.size(), false).get(item)) return std::nullopt;
            auto e = parse_entry(item, detail::at("packages", i));
            if (!e) return std::nullopt;
            Version v = e->version;
            v.build.clear();
            if (!seen.emplace(e->name + '\0' + v.str(), i).second) return std::nullopt;
            if (!visitor.entry(std::move(*e))) return std::nullopt;
            ++i;
            if (sc.eat(',')) continue;
            if (!sc.eat(']')) return std::nullopt;
            break;
        }
    }
    sc.skip_ws();
    if (!sc.done()) return std::nullopt;
    if (!parse_lists(top, index)) return std::nullopt;
    return index;
}

}  // namespace

Result<Index> parse_index(std::string_view json_text) {
    return parse_index_text(json_text.data(), json_text.size(), true);
}

static_assert(kIndexTextPadding >= simdjson::SIMDJSON_PADDING);

Result<Index> parse_index_padded(const std::string& json_text) {
    const bool padded = json_text.capacity() - json_text.size() >= kIndexTextPadding;
    return parse_index_text(json_text.data(), json_text.size(), !padded);
}

Result<Index> parse_index_each(std::string&& json_text, IndexVisitor& visitor) {
    if (json_text.capacity() - json_text.size() < kIndexTextPadding)
        json_text.reserve(json_text.size() + kIndexTextPadding);
    if (auto index = parse_index_streamed(json_text, visitor)) {
        std::string().swap(json_text);
        return std::move(*index);
    }
    return parse_index_text(json_text.data(), json_text.size(), false, &visitor, &json_text);
}

}  // namespace nxp::formats
