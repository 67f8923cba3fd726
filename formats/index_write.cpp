// Canonical index.json text: the same repository content always gives the same bytes, so
// a rebuild of an unchanged repository re-signs identical data.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "formats/index.hpp"
#include "formats/index_entries.hpp"

namespace nxp::formats {
namespace {

using ojson = nlohmann::ordered_json;

std::string dump(const ojson& j) {
    // Strings built by hand may hold invalid UTF-8; replacing beats throwing here.
    return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

template <class List>
void put_deps(ojson& out, const char* key, const List& deps) {
    if (deps.empty()) return;
    ojson arr = ojson::array();
    for (const auto& d : deps) arr.push_back(d.str());
    out[key] = std::move(arr);
}

ojson entry_json(const IndexEntry& e) {
    ojson out;
    out["name"] = e.name;
    out["version"] = e.version.str();
    out["kind"] = kind_name(e.kind);
    if (!e.summary.empty()) out["summary"] = e.summary;
    if (!e.license.empty()) out["license"] = e.license;
    if (!e.homepage.empty()) out["homepage"] = e.homepage;
    if (!e.publisher.empty()) out["publisher"] = e.publisher;
    put_deps(out, "requires", e.requires_);
    put_deps(out, "conflicts", e.conflicts);
    put_deps(out, "provides", e.provides);
    put_deps(out, "replaces", e.replaces);
    put_deps(out, "recommends", e.recommends);
    if (!e.permissions.empty())
        out["permissions"] = ojson::parse(permissions_to_json(e.permissions).dump());
    if (!e.config.empty()) out["config"] = config_to_json(e.config);
    out["path"] = e.path;
    out["size"] = e.size;
    out["sha256"] = e.sha256;
    out["installed_size"] = e.installed_size;
    return out;
}

// Appends `s` as nlohmann's dump() writes a string (ensure_ascii off): '"', '\\' and the
// control characters escaped, everything else verbatim. False when `s` is not valid UTF-8,
// which dump() would replace: the caller then takes the nlohmann path.
bool put_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {  // a UTF-8 sequence: checked, copied whole
            std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
            if (len == 0 || c > 0xF4 || i + len > s.size()) return false;
            const auto c1 = static_cast<unsigned char>(s[i + 1]);
            if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
                (c == 0xF4 && c1 > 0x8F))
                return false;  // overlong, surrogate or above U+10FFFF
            for (std::size_t k = 1; k < len; ++k)
                if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
            out.append(s.data() + i, len);
            i += len;
            continue;
        }
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += kHex[c >> 4];
                    out += kHex[c & 15];
                } else {
                    out += static_cast<char>(c);
                }
        }
        ++i;
    }
    out += '"';
    return true;
}

template <class List>
bool put_deps_text(std::string& out, const char* key, const List& deps) {
    if (deps.empty()) return true;
    out += ",\"";
    out += key;
    out += "\":[";
    for (std::size_t i = 0; i < deps.size(); ++i) {
        if (i) out += ',';
        if (!put_string(out, deps[i].str())) return false;
    }
    out += ']';
    return true;
}

// The text dump(entry_json(e)) gives, written directly: refresh writes it twice for each of
// 100,000 packages (.solv cache and graph.db), and building an ordered_json tree per entry
// was the largest part of a refresh (bench/README.md, issue 20). Entries with permissions or
// config keys, or with text that is not valid UTF-8, return nullopt and take that path;
// tests/formats compare both on many entries.
std::optional<std::string> entry_text_direct(const IndexEntry& e) {
    if (!e.permissions.empty() || !e.config.empty()) return std::nullopt;
    std::string out;
    out.reserve(384);
    out += "{\"name\":";
    bool ok = put_string(out, e.name);
    out += ",\"version\":";
    ok = ok && put_string(out, e.version.str());
    out += ",\"kind\":";
    ok = ok && put_string(out, kind_name(e.kind));
    const std::pair<const char*, const std::string*> texts[] = {{"summary", &e.summary},
                                                                {"license", &e.license},
                                                                {"homepage", &e.homepage},
                                                                {"publisher", &e.publisher}};
    for (auto [key, value] : texts) {
        if (value->empty()) continue;
        out += ",\"";
        out += key;
        out += "\":";
        ok = ok && put_string(out, *value);
    }
    ok = ok && put_deps_text(out, "requires", e.requires_) &&
         put_deps_text(out, "conflicts", e.conflicts) &&
         put_deps_text(out, "provides", e.provides) && put_deps_text(out, "replaces", e.replaces) &&
         put_deps_text(out, "recommends", e.recommends);
    out += ",\"path\":";
    ok = ok && put_string(out, e.path);
    out += ",\"size\":" + std::to_string(e.size) + ",\"sha256\":";
    ok = ok && put_string(out, e.sha256);
    out += ",\"installed_size\":" + std::to_string(e.installed_size) + "}";
    if (!ok) return std::nullopt;
    return out;
}

// The entry's text; pinned tools last, in their stored form (formats::write_tool_pins: the
// canonical definitions sorted by name), spliced in so their bytes are exactly that form.
std::string entry_text(const IndexEntry& e) {
    auto direct = entry_text_direct(e);
    std::string out = direct ? std::move(*direct) : dump(entry_json(e));
    if (!e.tools) return out;
    out.pop_back();
    return out + ",\"tools\":" + write_tool_pins(*e.tools) + "}";
}

bool entry_less(const IndexEntry* a, const IndexEntry* b) {
    if (a->name != b->name) return a->name < b->name;
    if (auto c = a->version <=> b->version; c != 0) return c < 0;
    if (a->version.build != b->version.build) return a->version.build < b->version.build;
    return a->path < b->path;
}

}  // namespace

std::string write_index_entry(const IndexEntry& e) { return entry_text(e); }

std::string write_index(const Index& index) {
    ojson head;
    head["format"] = index.format;
    head["repo"] = index.repo;
    head["version"] = index.version;
    head["generated"] = index.generated;
    head["expires"] = index.expires;
    std::string out = dump(head);
    out.pop_back();  // the closing '}': packages follow, one a line, so diffs stay readable

    std::vector<const IndexEntry*> order;
    order.reserve(index.packages.size());
    for (const auto& e : index.packages) order.push_back(&e);
    std::stable_sort(order.begin(), order.end(), entry_less);
    out += ",\n\"packages\":[";
    for (std::size_t i = 0; i < order.size(); ++i) {
        out += i ? ",\n" : "\n";
        out += entry_text(*order[i]);
    }
    out += "],\n";

    std::vector<std::string> revoked = index.revoked;
    std::sort(revoked.begin(), revoked.end());
    revoked.erase(std::unique(revoked.begin(), revoked.end()), revoked.end());
    out += "\"revoked\":" + dump(ojson(revoked)) + ",\n";

    std::vector<const Advisory*> advisories;
    for (const auto& a : index.advisories) advisories.push_back(&a);
    std::stable_sort(advisories.begin(), advisories.end(), [](auto* a, auto* b) {
        return std::tie(a->package, a->id) < std::tie(b->package, b->id);
    });
    out += "\"advisories\":[";
    for (std::size_t i = 0; i < advisories.size(); ++i) {
        const Advisory& a = *advisories[i];
        ojson j;
        j["id"] = a.id;
        j["package"] = a.package;
        j["versions"] = a.versions;
        j["severity"] = a.severity;
        if (!a.summary.empty()) j["summary"] = a.summary;
        out += (i ? ",\n" : "\n") + dump(j);
    }
    out += "]}\n";
    return out;
}

IndexEntry entry_from_manifest(const Manifest& m) {
    IndexEntry e;
    static_cast<PackageMeta&>(e) = static_cast<const PackageMeta&>(m);
    e.license = m.license;
    e.homepage = m.homepage;
    e.publisher = m.publisher;
    e.permissions = m.permissions;
    e.config = m.config;
    return e;
}

namespace {

// A bound as the manifest wrote it: a whole number as an integer (an integer key's bounds
// must be integers), anything else as a number.
ojson bound_json(double d) {
    if (std::trunc(d) == d && std::fabs(d) < 9.0e15) return static_cast<std::int64_t>(d);
    return d;
}

}  // namespace

ojson config_to_json(const std::map<std::string, ConfigKey>& config) {
    ojson out = ojson::object();
    for (const auto& [key, k] : config) {
        ojson j;
        j["type"] = config_type_name(k.type);
        if (!k.description.empty()) j["description"] = k.description;
        if (k.secret) j["secret"] = true;
        if (k.required) j["required"] = true;
        // Written by nxp from a parsed value; a text that is not JSON is left out.
        if (k.default_json) {
            auto d = ojson::parse(*k.default_json, nullptr, false);
            if (!d.is_discarded()) j["default"] = std::move(d);
        }
        if (k.minimum) j["minimum"] = bound_json(*k.minimum);
        if (k.maximum) j["maximum"] = bound_json(*k.maximum);
        if (k.pattern) j["pattern"] = *k.pattern;
        if (k.min_items) j["minItems"] = *k.min_items;
        if (k.type == ConfigType::Array) j["items"] = k.items;
        if (k.type == ConfigType::Enum) j["values"] = k.values;
        if (!k.env.empty()) j["env"] = k.env;
        if (!k.arg.empty()) j["arg"] = k.arg;
        if (k.position) j["position"] = *k.position;
        out[key] = std::move(j);
    }
    return out;
}

}  // namespace nxp::formats
