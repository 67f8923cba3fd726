#include "formats/desired.hpp"

#include "formats/json_util.hpp"
#include "formats/minisign.hpp"
#include "formats/text_util.hpp"

namespace nxp::formats {
namespace {

using detail::dot;
using detail::invalid;
using detail::json;
using detail::member;

constexpr std::size_t kMaxDepth = 32;

// Desired-state files have always said "an array" where manifests say "array".
Result<std::vector<std::string>> strings(const json& v, const std::string& field) {
    if (!v.is_array()) return invalid(field, "expected an array of strings");
    return detail::get_strings(v, field, 4096);
}

bool is_url(std::string_view s) {
    return s.starts_with("https://") || s.starts_with("http://") || s.starts_with("file://");
}

Result<DesiredRepo> parse_repo(const std::string& name, const json& v, const std::string& field) {
    if (!is_valid_package_name(name))
        return invalid(field, "repository names use [a-z0-9][a-z0-9._-]{0,63}");
    if (!v.is_object()) return invalid(field, "expected an object");
    if (auto ok = detail::reject_unknown_keys(v, field, {"url", "keys", "mirrors", "priority"});
        !ok)
        return tl::unexpected(ok.error());
    DesiredRepo r;
    r.name = name;
    const json* url = member(v, "url");
    if (!url) return invalid(dot(field, "url"), "required field is missing");
    auto u = detail::get_string(*url, dot(field, "url"), 4096);
    if (!u) return tl::unexpected(u.error());
    if (!is_url(*u))
        return invalid(dot(field, "url"), "expected an https://, http:// or file:// URL");
    r.url = *u;
    const json* keys = member(v, "keys");
    if (!keys)
        return invalid(dot(field, "keys"), "required field is missing (pin the repository's key)");
    auto k = strings(*keys, dot(field, "keys"));
    if (!k) return tl::unexpected(k.error());
    if (k->empty()) return invalid(dot(field, "keys"), "must pin at least one key");
    for (std::size_t i = 0; i < k->size(); ++i) {
        auto key = parse_public_key((*k)[i]);
        if (!key) return tl::unexpected(in_context(key.error(), detail::at(dot(field, "keys"), i)));
        r.keys.push_back(public_key_base64(*key));
    }
    if (const json* m = member(v, "mirrors")) {
        auto mirrors = strings(*m, dot(field, "mirrors"));
        if (!mirrors) return tl::unexpected(mirrors.error());
        for (std::size_t i = 0; i < mirrors->size(); ++i)
            if (!is_url((*mirrors)[i]))
                return invalid(detail::at(dot(field, "mirrors"), i),
                               "expected an https://, http:// or file:// URL");
        r.mirrors = std::move(*mirrors);
    }
    if (const json* p = member(v, "priority")) {
        auto n = detail::get_int(*p, dot(field, "priority"));
        if (!n) return tl::unexpected(n.error());
        if (*n < -1000 || *n > 1000)
            return invalid(dot(field, "priority"), "must be between -1000 and 1000");
        r.priority = static_cast<int>(*n);
    }
    return r;
}

Result<DesiredValue> parse_value(const json& v, const std::string& field) {
    DesiredValue out;
    out.field = field;
    if (!v.is_object()) {
        if (v.is_null())
            return invalid(field, "null is not a value; leave the key out to use its default");
        out.literal = v;
        return out;
    }
    if (v.size() != 1 || !(v.contains("env") || v.contains("file")))
        return invalid(field, "an object value must be {\"env\": NAME} or {\"file\": PATH}");
    if (const json* e = member(v, "env")) {
        auto s = detail::get_string(*e, dot(field, "env"), 128);
        if (!s) return tl::unexpected(s.error());
        if (!detail::is_env_name(*s))
            return invalid(dot(field, "env"),
                           "expected an environment variable name ([A-Z_][A-Z0-9_]*)");
        out.env = *s;
    } else {
        auto s = detail::get_string(*member(v, "file"), dot(field, "file"), 4096);
        if (!s) return tl::unexpected(s.error());
        if (s->empty() || s->front() != '/')
            return invalid(dot(field, "file"), "expected an absolute path");
        out.file = *s;
    }
    return out;
}

Result<DesiredGrant> parse_grant(const json& v, const std::string& field) {
    DesiredGrant g;
    if (v.is_string()) {
        if (v.get<std::string>() != "all")
            return invalid(field, "expected \"all\" or an object of network, filesystem and env");
        g.all = true;
        return g;
    }
    auto p = parse_permissions(v, field);
    if (!p) return tl::unexpected(p.error());
    g.permissions = std::move(*p);
    return g;
}

Result<DesiredPlugin> parse_plugin(const std::string& name, const json& v,
                                   const std::string& field) {
    if (!is_valid_package_name(name))
        return invalid(field, "plugin names use [a-z0-9][a-z0-9._-]{0,63}");
    if (!v.is_object()) return invalid(field, "expected an object (use {} for defaults)");
    if (auto ok = detail::reject_unknown_keys(v, field, {"version", "enabled", "config", "grant"});
        !ok)
        return tl::unexpected(ok.error());
    DesiredPlugin p;
    p.name = name;
    p.spec.name = name;
    if (const json* ver = member(v, "version")) {
        auto s = detail::get_string(*ver, dot(field, "version"), 256);
        if (!s) return tl::unexpected(s.error());
        auto c = parse_constraint(*s);
        if (!c) return tl::unexpected(in_context(c.error(), dot(field, "version")));
        p.spec.constraint = std::move(*c);
    }
    if (const json* e = member(v, "enabled")) {
        if (!e->is_boolean()) return invalid(dot(field, "enabled"), "expected true or false");
        p.enabled = e->get<bool>();
    }
    if (const json* c = member(v, "config")) {
        if (!c->is_object()) return invalid(dot(field, "config"), "expected an object of keys");
        for (const auto& [key, value] : c->items()) {
            auto dv = parse_value(value, dot(dot(field, "config"), key));
            if (!dv) return tl::unexpected(dv.error());
            p.config[key] = std::move(*dv);
        }
    }
    if (const json* g = member(v, "grant")) {
        auto grant = parse_grant(*g, dot(field, "grant"));
        if (!grant) return tl::unexpected(grant.error());
        p.grant = std::move(*grant);
    }
    return p;
}

}  // namespace

Result<DesiredValue> parse_desired_value(const json& v, const std::string& field) {
    return parse_value(v, field);
}

Result<Desired> parse_desired(std::string_view json_text) {
    auto parsed = detail::parse_json_text(json_text, kMaxDepth);
    if (!parsed) return tl::unexpected(parsed.error());
    const json& doc = *parsed;
    if (!doc.is_object()) return invalid("", "expected a JSON object");
    if (auto ok = detail::reject_unknown_keys(doc, "", {"format", "repositories", "plugins"}); !ok)
        return tl::unexpected(ok.error());
    Desired d;
    const json* format = member(doc, "format");
    if (!format) return invalid("format", "required field is missing (1)");
    auto f = detail::get_int(*format, "format");
    if (!f) return tl::unexpected(f.error());
    if (*f != 1)
        return invalid("format",
                       "unsupported format " + std::to_string(*f) + " (this nxp reads 1)");
    if (const json* repos = member(doc, "repositories")) {
        if (!repos->is_object())
            return invalid("repositories", "expected an object of NAME: {url, keys}");
        for (const auto& [name, v] : repos->items()) {
            auto r = parse_repo(name, v, dot("repositories", name));
            if (!r) return tl::unexpected(r.error());
            d.repos.push_back(std::move(*r));
        }
    }
    if (const json* plugins = member(doc, "plugins")) {
        if (!plugins->is_object()) return invalid("plugins", "expected an object of NAME: {…}");
        for (const auto& [name, v] : plugins->items()) {
            auto p = parse_plugin(name, v, dot("plugins", name));
            if (!p) return tl::unexpected(p.error());
            d.plugins.push_back(std::move(*p));
        }
    }
    return d;
}

}  // namespace nxp::formats
