#include "formats/manifest.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "formats/json_util.hpp"
#include "formats/manifest_util.hpp"
#include "formats/mcp_tools.hpp"
#include "formats/text_util.hpp"

namespace nxp::formats {
namespace {

using detail::invalid;
using detail::json;
using detail::member;

constexpr std::size_t kMaxManifestBytes = 16u << 20;
constexpr std::size_t kMaxDepth = 64;
constexpr std::string_view kNameRule = "must match [a-z0-9][a-z0-9._-]{0,63}";
constexpr std::string_view kKinds[] = {"mcp-server",     "mask",    "prompts",
                                       "openapi-plugin", "library", "runtime"};

Result<std::optional<Mcp>> parse_mcp(const json& v) {
    if (!v.is_object()) return invalid("mcp", "expected object");
    if (auto ok = detail::reject_unknown_keys(v, "mcp", {"command", "args", "remote"}); !ok) {
        return tl::unexpected(ok.error());
    }
    Mcp mcp;
    const json* command = member(v, "command");
    const json* remote = member(v, "remote");
    if (command && remote) return invalid("mcp", "give either command or remote, not both");
    if (remote) {
        if (member(v, "args")) return invalid("mcp.args", "only allowed with mcp.command");
        auto r = detail::parse_mcp_remote(*remote);
        if (!r) return tl::unexpected(r.error());
        mcp.remote = std::move(*r);
        return mcp;
    }
    if (!command) return invalid("mcp.command", "required field is missing");
    auto c = detail::get_string(*command, "mcp.command", 4096);
    if (!c) return tl::unexpected(c.error());
    if (c->empty()) return invalid("mcp.command", "must not be empty");
    mcp.command = std::move(*c);
    if (const json* args = member(v, "args")) {
        auto a = detail::get_strings(*args, "mcp.args");
        if (!a) return tl::unexpected(a.error());
        mcp.args = std::move(*a);
    }
    return mcp;
}

Result<Hooks> parse_hooks(const json& v) {
    if (!v.is_object()) return invalid("hooks", "expected object");
    if (auto ok =
            detail::reject_unknown_keys(v, "hooks", {"post-install", "pre-remove", "post-upgrade"});
        !ok) {
        return tl::unexpected(ok.error());
    }
    Hooks hooks;
    const std::pair<const char*, std::string*> slots[] = {{"post-install", &hooks.post_install},
                                                          {"pre-remove", &hooks.pre_remove},
                                                          {"post-upgrade", &hooks.post_upgrade}};
    for (auto [key, slot] : slots) {
        const json* h = member(v, key);
        if (!h) continue;
        std::string field = detail::dot("hooks", key);
        auto s = detail::get_string(*h, field, 4096);
        if (!s) return tl::unexpected(s.error());
        if (auto why = detail::relative_path_problem(*s); !why.empty()) {
            return invalid(field, std::string(why));
        }
        *slot = std::move(*s);
    }
    return hooks;
}

Result<Check> parse_check(const json& v) {
    if (!v.is_object()) return invalid("check", "expected object");
    if (auto ok = detail::reject_unknown_keys(v, "check", {"mcp", "timeout"}); !ok) {
        return tl::unexpected(ok.error());
    }
    Check check;
    if (const json* m = member(v, "mcp")) {
        if (!m->is_boolean()) return invalid("check.mcp", "expected boolean");
        check.mcp = m->get<bool>();
    }
    if (const json* t = member(v, "timeout")) {
        auto n = detail::get_int(*t, "check.timeout");
        if (!n) return tl::unexpected(n.error());
        if (*n < 1 || *n > 300) return invalid("check.timeout", "must be between 1 and 300");
        check.timeout = static_cast<int>(*n);
    }
    return check;
}

// "tools": the tools the server declares, each a name or {"name", "description"}; names valid
// MCP tool names, none given twice, at most kMaxDeclaredTools.
Result<std::vector<DeclaredTool>> parse_declared_tools(const json& v) {
    if (!v.is_array()) return invalid("tools", "expected array of tool names or objects");
    if (v.size() > kMaxDeclaredTools)
        return invalid("tools", std::to_string(v.size()) + " tools; at most " +
                                    std::to_string(kMaxDeclaredTools) + " may be declared");
    std::vector<DeclaredTool> out;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const std::string field = detail::at("tools", i);
        DeclaredTool t;
        const json* name = &v[i];
        std::string name_field = field;
        if (v[i].is_object()) {
            if (auto ok = detail::reject_unknown_keys(v[i], field, {"name", "description"}); !ok)
                return tl::unexpected(ok.error());
            name = member(v[i], "name");
            name_field = field + ".name";
            if (!name) return invalid(name_field, "required field is missing");
            if (const json* d = member(v[i], "description")) {
                auto s =
                    detail::get_string(*d, field + ".description", kMaxDeclaredToolDescription);
                if (!s) return tl::unexpected(s.error());
                t.description = std::move(*s);
            }
        } else if (!v[i].is_string()) {
            return invalid(field, "expected a tool name or an object with name and description");
        }
        auto n = detail::get_string(*name, name_field, kMaxToolName);
        if (!n) return tl::unexpected(n.error());
        if (!is_valid_tool_name(*n))
            return invalid(name_field, detail::quote(*n) + " is not a valid tool name (1 to " +
                                           std::to_string(kMaxToolName) +
                                           " bytes, no control characters)");
        if (!seen.insert(*n).second)
            return invalid(name_field, "tool " + detail::quote(*n) + " is declared twice");
        t.name = std::move(*n);
        out.push_back(std::move(t));
    }
    return out;
}

// Every ${config.KEY} in a permission path, an MCP argument or a remote server's header must
// name a config key; only a header may name a secret one (`allow_secret`).
Result<void> check_placeholders(std::string_view text, std::string_view field,
                                const std::map<std::string, ConfigKey>& config,
                                bool allow_secret = false) {
    constexpr std::string_view open = "${config.";
    for (auto p = text.find(open); p != std::string_view::npos; p = text.find(open, p + 1)) {
        auto end = text.find('}', p);
        if (end == std::string_view::npos) return invalid(std::string(field), "unclosed \"${\"");
        std::string key(text.substr(p + open.size(), end - p - open.size()));
        auto it = config.find(key);
        if (it == config.end()) {
            return invalid(std::string(field),
                           "refers to " + detail::quote(key) + ", which is not a config key");
        }
        // A command line or a mount point is readable by every local user (/proc/PID/cmdline,
        // /proc/PID/mountinfo): a secret reaches the plugin through its environment only.
        if (it->second.secret && !allow_secret) {
            return invalid(std::string(field),
                           "refers to secret config key " + detail::quote(key) +
                               ": a secret reaches the plugin only through \"env\"");
        }
    }
    return {};
}

// A runtime ships node-runtime with its exact version ("node-runtime = 22.23.5"). Another
// kind's claim to node-runtime is not an error here: the resolver ignores it (pool.cpp).
Result<void> check_runtime_provides(const Manifest& m) {
    if (m.kind != Kind::Runtime) return {};
    for (std::size_t i = 0; i < m.provides.size(); ++i) {
        const auto& p = m.provides[i];
        if (p.name != "node-runtime") continue;
        if (p.constraint.all.size() != 1 || p.constraint.all[0].op != Op::Eq)
            return invalid(detail::at("provides", i),
                           "a runtime provides node-runtime with its exact version "
                           "(\"node-runtime = 22.0.0\")");
        return {};
    }
    return invalid("provides", "a runtime must provide \"node-runtime = VERSION\"");
}

Result<void> check_cross_fields(const Manifest& m) {
    if (m.kind == Kind::McpServer && !m.mcp) {
        return invalid("mcp", "required when kind is mcp-server");
    }
    if (m.kind != Kind::McpServer && m.mcp) {
        return invalid("mcp", "only allowed when kind is mcp-server");
    }
    if (m.kind != Kind::McpServer && m.check.mcp) {
        return invalid("check.mcp", "only allowed when kind is mcp-server");
    }
    if (m.tools && !(m.kind == Kind::McpServer && m.mcp)) {
        return invalid("tools", "only allowed when kind is mcp-server");
    }
    if (auto ok = check_runtime_provides(m); !ok) return ok;
    for (std::size_t i = 0; i < m.permissions.filesystem.size(); ++i) {
        auto field = detail::at("permissions.filesystem", i) + ".path";
        auto ok = check_placeholders(m.permissions.filesystem[i].path, field, m.config);
        if (!ok) return ok;
    }
    if (m.mcp) {
        if (auto ok = check_placeholders(m.mcp->command, "mcp.command", m.config); !ok) return ok;
        for (std::size_t i = 0; i < m.mcp->args.size(); ++i) {
            auto ok = check_placeholders(m.mcp->args[i], detail::at("mcp.args", i), m.config);
            if (!ok) return ok;
        }
        // A header goes only to the remote server, over the connection the bridge makes:
        // the place for a bearer token from a secret key.
        for (const auto& [name, value] :
             m.mcp->remote ? m.mcp->remote->headers : std::map<std::string, std::string>{}) {
            auto field = "mcp.remote.headers." + detail::quote(name);
            if (auto ok = check_placeholders(value, field, m.config, true); !ok) return ok;
        }
    }
    return {};
}

// "source": an object with a "type" and flat fields (strings, arrays of strings, objects of
// strings): a record to show, so bounded and checked, never interpreted.
Result<void> check_source(const json& v) {
    if (!v.is_object()) return invalid("source", "expected object");
    if (v.size() > 32) return invalid("source", "at most 32 fields");
    const json* type = member(v, "type");
    if (!type) return invalid("source.type", "required field is missing");
    auto t = detail::get_string(*type, "source.type", 32);
    if (!t) return tl::unexpected(t.error());
    if (t->empty() || !std::all_of(t->begin(), t->end(), [](char c) {
            return detail::is_lower_alnum(c) || c == '.' || c == '-';
        }))
        return invalid("source.type", "must match [a-z0-9.-]+");
    for (const auto& [key, value] : v.items()) {
        const std::string field = detail::dot("source", key);
        if (key.empty() || key.size() > 64 || !std::all_of(key.begin(), key.end(), [](char c) {
                return detail::is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
            }))
            return invalid("source", "invalid field name " + detail::quote(key));
        Result<void> ok;
        if (value.is_string()) {
            if (auto s = detail::get_string(value, field, 4096); !s) ok = tl::unexpected(s.error());
        } else if (value.is_array()) {
            if (value.size() > 100) return invalid(field, "at most 100 entries");
            if (auto s = detail::get_strings(value, field); !s) ok = tl::unexpected(s.error());
        } else if (value.is_object() && value.size() <= 32) {
            for (const auto& [k, s] : value.items())
                if (auto r = detail::get_string(s, detail::dot(field, k), 4096); !r)
                    return tl::unexpected(r.error());
        } else {
            return invalid(field, "expected a string, an array of strings or an object of strings");
        }
        if (!ok) return tl::unexpected(ok.error());
    }
    return {};
}

Result<void> parse_identity(const json& doc, Manifest& m) {
    for (const char* key : {"name", "version", "kind"}) {
        if (!member(doc, key)) return invalid(key, "required field is missing");
    }
    auto name = detail::get_string(doc["name"], "name");
    if (!name) return tl::unexpected(name.error());
    if (!is_valid_package_name(*name)) return invalid("name", std::string(kNameRule));
    m.name = std::move(*name);
    auto vtext = detail::get_string(doc["version"], "version", 256);
    if (!vtext) return tl::unexpected(vtext.error());
    auto v = parse_version(*vtext);
    if (!v) return tl::unexpected(in_context(v.error(), "version"));
    m.version = std::move(*v);
    auto ktext = detail::get_string(doc["kind"], "kind", 64);
    if (!ktext) return tl::unexpected(ktext.error());
    auto kind = parse_kind(*ktext);
    if (!kind) {
        return invalid(
            "kind", "must be one of mcp-server, mask, prompts, openapi-plugin, library, runtime");
    }
    m.kind = *kind;
    const std::pair<const char*, std::string*> texts[] = {{"summary", &m.summary},
                                                          {"license", &m.license},
                                                          {"homepage", &m.homepage},
                                                          {"publisher", &m.publisher}};
    for (auto [key, slot] : texts) {
        if (const json* t = member(doc, key)) {
            auto s = detail::get_string(*t, key);
            if (!s) return tl::unexpected(s.error());
            *slot = std::move(*s);
        }
    }
    return {};
}

Result<void> parse_relations(const json& doc, PackageMeta& m) {
    const std::pair<const char*, std::vector<DepSpec>*> specs[] = {
        {"requires", &m.requires_}, {"conflicts", &m.conflicts}, {"recommends", &m.recommends}};
    for (auto [key, slot] : specs) {
        if (const json* v = member(doc, key)) {
            auto list = parse_dep_spec_list(*v, key);
            if (!list) return tl::unexpected(list.error());
            *slot = std::move(*list);
        }
    }
    const std::pair<const char*, std::vector<Dep>*> deps[] = {{"provides", &m.provides},
                                                              {"replaces", &m.replaces}};
    for (auto [key, slot] : deps) {
        if (const json* v = member(doc, key)) {
            auto list = parse_dep_list(*v, key);
            if (!list) return tl::unexpected(list.error());
            *slot = std::move(*list);
        }
    }
    if (auto ok = detail::check_provides(m.provides, "provides"); !ok) return ok;
    return detail::check_replaces(m.replaces, "replaces");
}

Result<Manifest> manifest_from_json(const json& doc) {
    if (!doc.is_object()) return invalid("", "expected a JSON object");
    auto known = detail::reject_unknown_keys(
        doc, "",
        {"name", "version", "kind", "summary", "license", "homepage", "publisher", "requires",
         "conflicts", "provides", "replaces", "recommends", "mcp", "config", "permissions", "hooks",
         "check", "source", "tools"});
    if (!known) return tl::unexpected(known.error());
    Manifest m;
    if (auto ok = parse_identity(doc, m); !ok) return tl::unexpected(ok.error());
    if (auto ok = parse_relations(doc, m); !ok) return tl::unexpected(ok.error());
    if (const json* v = member(doc, "mcp")) {
        auto mcp = parse_mcp(*v);
        if (!mcp) return tl::unexpected(mcp.error());
        m.mcp = std::move(*mcp);
    }
    if (const json* v = member(doc, "config")) {
        auto config = detail::parse_config(*v);
        if (!config) return tl::unexpected(config.error());
        m.config = std::move(*config);
    }
    if (const json* v = member(doc, "permissions")) {
        auto p = parse_permissions(*v, "permissions");
        if (!p) return tl::unexpected(p.error());
        m.permissions = std::move(*p);
    }
    if (const json* v = member(doc, "hooks")) {
        auto h = parse_hooks(*v);
        if (!h) return tl::unexpected(h.error());
        m.hooks = std::move(*h);
    }
    if (const json* v = member(doc, "check")) {
        auto c = parse_check(*v);
        if (!c) return tl::unexpected(c.error());
        m.check = *c;
    }
    if (const json* v = member(doc, "tools")) {
        auto t = parse_declared_tools(*v);
        if (!t) return tl::unexpected(t.error());
        m.tools = std::move(*t);
    }
    // "source" is a record for people (nxp import writes it): checked, not kept.
    if (const json* v = member(doc, "source")) {
        if (auto ok = check_source(*v); !ok) return tl::unexpected(ok.error());
    }
    if (auto ok = check_cross_fields(m); !ok) return tl::unexpected(ok.error());
    // The remote server's host:port is a permission the plugin asks for, shown and granted
    // like any other (and in the index `nxp repo build` writes).
    if (m.mcp && m.mcp->remote) detail::add_remote_permission(*m.mcp->remote, m.permissions);
    return m;
}

}  // namespace

std::string_view kind_name(Kind k) { return kKinds[static_cast<int>(k)]; }

std::optional<Kind> parse_kind(std::string_view s) {
    for (int i = 0; i < static_cast<int>(std::size(kKinds)); ++i) {
        if (kKinds[i] == s) return static_cast<Kind>(i);
    }
    return std::nullopt;
}

Result<Manifest> parse_manifest(std::string_view json_text) {
    if (json_text.size() > kMaxManifestBytes) {
        return invalid("", "manifest too large (over 16 MiB)");
    }
    auto doc = detail::parse_json_text(json_text, kMaxDepth);
    if (!doc) return tl::unexpected(doc.error());
    return manifest_from_json(*doc);
}

std::vector<std::string> dep_strings(const std::vector<DepSpec>& deps) {
    std::vector<std::string> out;
    for (const auto& d : deps) out.push_back(d.str());
    return out;
}

std::vector<std::string> dep_strings(const std::vector<Dep>& deps) {
    std::vector<std::string> out;
    for (const auto& d : deps) out.push_back(d.str());
    return out;
}

Result<std::vector<DepSpec>> parse_dep_spec_list(const nlohmann::json& arr,
                                                 std::string_view field) {
    auto strings = detail::get_strings(arr, field);
    if (!strings) return tl::unexpected(strings.error());
    std::vector<DepSpec> out;
    for (std::size_t i = 0; i < strings->size(); ++i) {
        auto d = parse_dep_spec((*strings)[i]);
        if (!d) return tl::unexpected(in_context(d.error(), detail::at(field, i)));
        out.push_back(std::move(*d));
    }
    return out;
}

Result<std::vector<Dep>> parse_dep_list(const nlohmann::json& arr, std::string_view field) {
    auto strings = detail::get_strings(arr, field);
    if (!strings) return tl::unexpected(strings.error());
    std::vector<Dep> out;
    for (std::size_t i = 0; i < strings->size(); ++i) {
        auto d = parse_dep((*strings)[i]);
        if (!d) return tl::unexpected(in_context(d.error(), detail::at(field, i)));
        out.push_back(std::move(*d));
    }
    return out;
}

}  // namespace nxp::formats
