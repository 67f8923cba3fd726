#include "importer/server_json.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include "formats/json_util.hpp"
#include "formats/manifest.hpp"
#include "formats/semver.hpp"
#include "formats/text_util.hpp"
#include "repo/fetch.hpp"

namespace nxp::importer {
namespace fs = std::filesystem;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;
using formats::detail::at;
using formats::detail::quote;

namespace {

constexpr std::size_t kMaxBytes = 1u << 20;
constexpr std::size_t kMaxText = 2000;

Error bad(const std::string& field, const std::string& message) {
    return Error{ErrorKind::Invalid, "server.json: " + field, message};
}

// An optional string member: "" when absent; an error when of another type or too long.
Result<std::string> text(const json& obj, const char* key, const std::string& field,
                         std::size_t cap = kMaxText) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::string();
    if (!it->is_string())
        return tl::unexpected(bad(formats::detail::dot(field, key), "expected a string"));
    const auto& s = it->get_ref<const std::string&>();
    if (s.size() > cap)
        return tl::unexpected(
            bad(formats::detail::dot(field, key), "longer than " + std::to_string(cap)));
    if (s.find('\0') != std::string::npos)
        return tl::unexpected(bad(formats::detail::dot(field, key), "holds a NUL byte"));
    return s;
}

Result<bool> flag(const json& obj, const char* key, const std::string& field) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return false;
    if (!it->is_boolean())
        return tl::unexpected(bad(formats::detail::dot(field, key), "expected true or false"));
    return it->get<bool>();
}

Result<std::vector<std::string>> choices(const json& obj, const std::string& field) {
    std::vector<std::string> out;
    auto it = obj.find("choices");
    if (it == obj.end() || it->is_null()) return out;
    if (!it->is_array() || it->size() > 100)
        return tl::unexpected(bad(field + ".choices", "expected an array of at most 100 strings"));
    for (std::size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_string() || (*it)[i].get_ref<const std::string&>().size() > 200)
            return tl::unexpected(bad(at(field + ".choices", i), "expected a short string"));
        out.push_back((*it)[i].get<std::string>());
    }
    return out;
}

// The parts every input (a variable, an argument, a header) shares.
struct Input {
    std::string description, default_value;
    bool has_default = false, required = false, secret = false;
    std::vector<std::string> choices;
};

Result<Input> read_input(const json& obj, const std::string& field) {
    Input in;
    auto d = text(obj, "description", field);
    if (!d) return tl::unexpected(d.error());
    in.description = *d;
    auto r = flag(obj, "isRequired", field);
    if (!r) return tl::unexpected(r.error());
    in.required = *r;
    auto s = flag(obj, "isSecret", field);
    if (!s) return tl::unexpected(s.error());
    in.secret = *s;
    auto def = obj.find("default");
    if (def != obj.end() && !def->is_null()) {
        auto dv = text(obj, "default", field);
        if (!dv) return tl::unexpected(dv.error());
        in.default_value = *dv;
        in.has_default = true;
    }
    auto c = choices(obj, field);
    if (!c) return tl::unexpected(c.error());
    in.choices = std::move(*c);
    if (in.has_default && !in.choices.empty() &&
        std::find(in.choices.begin(), in.choices.end(), in.default_value) == in.choices.end())
        return tl::unexpected(bad(field + ".default", "is not one of its choices"));
    return in;
}

// A config key name from free text ("--api-key" -> "api-key", "target dir" -> "target_dir").
std::string key_name(std::string_view s, std::string_view fallback) {
    while (!s.empty() && s.front() == '-') s.remove_prefix(1);
    std::string out;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        formats::detail::is_digit(c) || c == '_' || c == '-';
        out += ok ? static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) : '_';
        if (out.size() == 60) break;
    }
    if (out.empty() || formats::detail::is_digit(out[0]) || out[0] == '-')
        return std::string(fallback);
    return out;
}

Result<std::vector<EnvSetting>> read_env(const json& pkg, const std::string& field) {
    std::vector<EnvSetting> out;
    auto it = pkg.find("environmentVariables");
    if (it == pkg.end() || it->is_null()) return out;
    if (!it->is_array() || it->size() > 64)
        return tl::unexpected(
            bad(field + ".environmentVariables", "expected an array of at most 64 variables"));
    std::set<std::string> seen;
    for (std::size_t i = 0; i < it->size(); ++i) {
        const std::string f = at(field + ".environmentVariables", i);
        const json& v = (*it)[i];
        if (!v.is_object()) return tl::unexpected(bad(f, "expected an object"));
        auto name = text(v, "name", f, 200);
        if (!name) return tl::unexpected(name.error());
        if (name->empty()) return tl::unexpected(bad(f + ".name", "required"));
        if (!formats::detail::is_env_name(*name) || name->size() > 63)
            return tl::unexpected(
                bad(f + ".name", quote(*name) + " is not an environment variable name "
                                                "nxp passes ([A-Z_][A-Z0-9_]*, at most 63)"));
        if (*name == "PATH" || *name == "HOME" || *name == "TMPDIR" ||
            name->starts_with("NXP_DEP_"))
            return tl::unexpected(bad(f + ".name", *name + " is set by the sandbox itself"));
        if (!seen.insert(*name).second) return tl::unexpected(bad(f + ".name", "given twice"));
        auto in = read_input(v, f);
        if (!in) return tl::unexpected(in.error());
        EnvSetting e;
        e.name = *name;
        e.secret = in->secret;
        e.required = in->required;
        e.description = in->description;
        if (in->has_default) e.default_value = in->default_value;
        e.choices = in->choices;
        e.origin = "server.json";
        out.push_back(std::move(e));
    }
    return out;
}

// packageArguments: fixed values go into mcp.args; the others become config keys. An
// optional argument without a default cannot be a key (its position would shift): a note.
Result<void> read_args(const json& pkg, const std::string& field, ServerJsonPlan& plan) {
    auto it = pkg.find("packageArguments");
    if (it == pkg.end() || it->is_null()) return {};
    if (!it->is_array() || it->size() > 64)
        return tl::unexpected(
            bad(field + ".packageArguments", "expected an array of at most 64 arguments"));
    for (std::size_t i = 0; i < it->size(); ++i) {
        const std::string f = at(field + ".packageArguments", i);
        const json& a = (*it)[i];
        if (!a.is_object()) return tl::unexpected(bad(f, "expected an object"));
        auto type = text(a, "type", f, 32);
        if (!type) return tl::unexpected(type.error());
        if (*type != "positional" && *type != "named")
            return tl::unexpected(bad(f + ".type", "must be positional or named"));
        auto name = text(a, "name", f, 200);
        auto hint = text(a, "valueHint", f, 200);
        auto value = text(a, "value", f);
        if (!name || !hint || !value)
            return tl::unexpected((!name ? name : !hint ? hint : value).error());
        auto in = read_input(a, f);
        if (!in) return tl::unexpected(in.error());
        const bool named = *type == "named";
        if (named && (name->empty() || name->front() != '-'))
            return tl::unexpected(
                bad(f + ".name", "a named argument's name is its flag (\"--x\")"));
        if (in->secret)
            return tl::unexpected(
                bad(f,
                    "a secret argument would be readable by every local user in /proc/PID/cmdline; "
                    "nxp passes secrets only through the environment"));
        if (!value->empty() && value->find('{') == std::string::npos) {
            if (named) plan.npm.fixed_args.push_back(*name);
            plan.npm.fixed_args.push_back(*value);
            continue;
        }
        if (!in->required && !in->has_default) {
            plan.notes.push_back(f + " (" +
                                 (named           ? *name
                                  : hint->empty() ? "positional"
                                                  : *hint) +
                                 ") is optional and has no default: not mapped; add it to "
                                 "plugin.json by hand if needed");
            continue;
        }
        ArgSetting s;
        s.key = key_name(named ? *name : *hint, "arg" + std::to_string(i + 1));
        s.required = in->required;
        s.description = in->description;
        if (in->has_default) s.default_value = in->default_value;
        s.choices = in->choices;
        if (named) s.flag = *name;
        plan.npm.preset_args.push_back(std::move(s));
    }
    return {};
}

// npm's rule for new package names: [@scope/]name, lower case, [a-z0-9-._~], not starting
// with '.' or '_'; so every identifier gives a valid plugin name.
bool is_npm_name(std::string_view id) {
    auto part_ok = [](std::string_view p) {
        return !p.empty() && p.front() != '.' && p.front() != '_' &&
               std::all_of(p.begin(), p.end(), [](char c) {
                   return formats::detail::is_lower_alnum(c) || c == '-' || c == '.' || c == '_' ||
                          c == '~';
               });
    };
    if (id.empty() || id.size() > 214) return false;
    if (id.front() != '@') return part_ok(id);
    const auto slash = id.find('/');
    return slash != std::string_view::npos && part_ok(id.substr(1, slash - 1)) &&
           part_ok(id.substr(slash + 1));
}

// A server name: "namespace/name", each part starting with a letter or digit.
bool is_server_name(std::string_view n) {
    auto part_ok = [](std::string_view p, bool dots_dashes_only) {
        auto alnum = [](char c) {
            return formats::detail::is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
        };
        return !p.empty() && alnum(p.front()) && std::all_of(p.begin(), p.end(), [&](char c) {
            return alnum(c) || c == '.' || c == '-' || (!dots_dashes_only && c == '_');
        });
    };
    const auto slash = n.find('/');
    return n.size() <= 200 && slash != std::string_view::npos &&
           part_ok(n.substr(0, slash), true) && part_ok(n.substr(slash + 1), false);
}

Result<void> plan_package(const json& pkg, const std::string& field, ServerJsonPlan& plan) {
    auto type = text(pkg, "registryType", field, 64);
    if (!type) return tl::unexpected(type.error());
    if (*type != "npm")
        return tl::unexpected(bad(field + ".registryType",
                                  quote(*type) + " packages are not supported; nxp imports npm "
                                                 "packages and remote servers"));
    auto id = text(pkg, "identifier", field, 214);
    if (!id) return tl::unexpected(id.error());
    if (!is_npm_name(*id))
        return tl::unexpected(
            bad(field + ".identifier", quote(*id) + " is not an npm package name ([@scope/]name in "
                                                    "lower case)"));
    auto version = text(pkg, "version", field, 256);
    if (!version) return tl::unexpected(version.error());
    if (!formats::parse_version(*version))
        return tl::unexpected(
            bad(field + ".version", quote(*version) + " is not an exact version (SemVer)"));
    if (auto t = pkg.find("transport"); t != pkg.end() && t->is_object()) {
        auto tt = text(*t, "type", field + ".transport", 64);
        if (!tt) return tl::unexpected(tt.error());
        if (!tt->empty() && *tt != "stdio")
            return tl::unexpected(bad(field + ".transport.type",
                                      quote(*tt) + ": nxp runs packaged servers over stdio"));
    }
    // An untrusted document does not choose where packages come from: npm's own
    // configuration (registry, proxy) applies.
    auto base = text(pkg, "registryBaseUrl", field, 2048);
    if (!base) return tl::unexpected(base.error());
    if (!base->empty() && *base != "https://registry.npmjs.org" &&
        *base != "https://registry.npmjs.org/")
        plan.notes.push_back(field + ".registryBaseUrl " + quote(*base, 200) +
                             " is not used: npm's configured registry is asked");
    if (auto r = pkg.find("runtimeArguments"); r != pkg.end() && r->is_array() && !r->empty())
        plan.notes.push_back(field + ".runtimeArguments are not used (nxp runs node itself)");
    plan.npm.spec = *id + "@" + *version;
    plan.npm.expect_version = *version;
    plan.npm.scan = false;
    auto env = read_env(pkg, field);
    if (!env) return tl::unexpected(env.error());
    plan.npm.preset_env = std::move(*env);
    return read_args(pkg, field, plan);
}

// "Bearer {api_key}" -> "Bearer ${config.api_key}", each variable a secret config key.
Result<void> plan_remote(const json& r, const std::string& field, ServerJsonPlan& plan,
                         const ServerJsonOptions& opts) {
    auto type = text(r, "type", field, 64);
    auto url = text(r, "url", field, 4096);
    if (!type || !url) return tl::unexpected((!type ? type : url).error());
    if (*type != "streamable-http" && *type != "sse")
        return tl::unexpected(bad(field + ".type", "must be streamable-http or sse"));
    if (url->find('{') != std::string::npos)
        return tl::unexpected(bad(field + ".url", "URL variables are not supported"));
    auto parsed = formats::parse_remote_url(*url);
    if (!parsed) return tl::unexpected(bad(field + ".url", parsed.error().message));
    ojson& m = plan.manifest;
    ojson remote = {{"url", *url}, {"transport", *type}};
    ojson headers = ojson::object();
    ojson config = ojson::object();
    auto hs = r.find("headers");
    if (hs != r.end() && !hs->is_null()) {
        if (!hs->is_array() || hs->size() > 32)
            return tl::unexpected(bad(field + ".headers", "expected an array of at most 32"));
        for (std::size_t i = 0; i < hs->size(); ++i) {
            const std::string f = at(field + ".headers", i);
            const json& h = (*hs)[i];
            if (!h.is_object()) return tl::unexpected(bad(f, "expected an object"));
            auto name = text(h, "name", f, 200);
            auto value = text(h, "value", f);
            if (!name || !value) return tl::unexpected((!name ? name : value).error());
            auto in = read_input(h, f);
            if (!in) return tl::unexpected(in.error());
            std::string v = *value;
            if (v.empty()) v = "{" + key_name(*name, "header" + std::to_string(i + 1)) + "}";
            std::string out;
            for (std::size_t p = 0; p < v.size();) {
                auto open = v.find('{', p);
                if (open == std::string::npos) {
                    out += v.substr(p);
                    break;
                }
                auto close = v.find('}', open);
                if (close == std::string::npos)
                    return tl::unexpected(bad(f + ".value", "unclosed \"{\""));
                out += v.substr(p, open - p);
                const std::string key = key_name(v.substr(open + 1, close - open - 1),
                                                 "header" + std::to_string(i + 1));
                ojson k = {{"type", "string"}, {"secret", true}};
                std::string desc = in->description;
                if (auto vars = h.find("variables"); vars != h.end() && vars->is_object()) {
                    auto var = vars->find(v.substr(open + 1, close - open - 1));
                    if (var != vars->end() && var->is_object()) {
                        auto d = text(*var, "description", f + ".variables");
                        if (!d) return tl::unexpected(d.error());
                        if (!d->empty()) desc = *d;
                    }
                }
                if (!desc.empty()) k["description"] = desc;
                if (in->required) k["required"] = true;
                config[key] = k;
                out += "${config." + key + "}";
                p = close + 1;
            }
            headers[*name] = out;
        }
    }
    if (!headers.empty()) remote["headers"] = headers;
    m["mcp"] = {{"remote", remote}};
    if (!config.empty()) m["config"] = config;
    m["permissions"] = {{"network", {parsed->network_entry}}};
    m["check"] = {{"mcp", opts.check && config.empty()}, {"timeout", 30}};
    return {};
}

}  // namespace

Result<ServerJsonPlan> plan_from_server_json(const json& input, const ServerJsonOptions& opts) {
    const json* doc = &input;
    // The registry's API wraps a server: {"server": {…}, "_meta": {…}}.
    if (input.is_object() && input.contains("server") && input["server"].is_object())
        doc = &input["server"];
    if (!doc->is_object()) return tl::unexpected(bad("", "expected a JSON object"));
    ServerJsonPlan plan;
    auto name = text(*doc, "name", "", 200);
    if (!name) return tl::unexpected(name.error());
    if (!is_server_name(*name))
        return tl::unexpected(bad("name", quote(*name) + " is not a server name "
                                                         "(\"namespace/name\", e.g. "
                                                         "io.github.owner/server)"));
    plan.server = *name;
    auto version = text(*doc, "version", "", 256);
    auto description = text(*doc, "description", "");
    auto website = text(*doc, "websiteUrl", "", 2048);
    if (!version || !description || !website)
        return tl::unexpected((!version ? version : !description ? description : website).error());
    plan.version = *version;

    const json* packages = nullptr;
    const json* remotes = nullptr;
    for (auto [key, slot] : {std::pair{"packages", &packages}, std::pair{"remotes", &remotes}}) {
        auto it = doc->find(key);
        if (it == doc->end() || it->is_null()) continue;
        if (!it->is_array() || it->size() > 32)
            return tl::unexpected(bad(key, "expected an array of at most 32 entries"));
        if (!it->empty()) *slot = &*it;
    }
    if (!packages && !remotes)
        return tl::unexpected(bad("packages", "the server offers no package and no remote"));
    const bool use_remote = remotes && (opts.remote || !packages);
    if (opts.remote && !remotes)
        return tl::unexpected(bad("remotes", "--remote: the server offers no remote"));
    if (use_remote) {
        plan.remote = true;
        if (!(*remotes)[0].is_object())
            return tl::unexpected(bad("remotes[0]", "expected an object"));
        auto v = formats::parse_version(*version);
        if (!v) return tl::unexpected(bad("version", quote(*version) + " is not SemVer"));
        const std::string plugin = opts.name.empty() ? plugin_name_for(*name) : opts.name;
        ojson& m = plan.manifest;
        m["name"] = plugin;
        m["version"] = *version;
        m["kind"] = "mcp-server";
        m["summary"] = description->empty() ? *name + " (remote MCP server)" : *description;
        if (!website->empty()) m["homepage"] = *website;
        m["requires"] = {"nextchat >= 2.15"};
        if (auto ok = plan_remote((*remotes)[0], "remotes[0]", plan, opts); !ok)
            return tl::unexpected(ok.error());
        m["source"] = {{"type", "mcp-registry"}, {"server", *name}, {"version", *version}};
        auto parsed = formats::parse_manifest(m.dump());
        if (!parsed) {
            auto e = in_context(parsed.error(), "plugin.json from server.json " + *name);
            if (opts.name.empty() && e.context.find("name") != std::string::npos)
                e.message += " (choose a plugin name with --name)";
            return tl::unexpected(e);
        }
        return plan;
    }
    // The first npm package; another registry type alone is refused naming it.
    std::size_t pick = packages->size();
    for (std::size_t i = 0; i < packages->size(); ++i) {
        const json& p = (*packages)[i];
        if (p.is_object() && p.value("registryType", json()).is_string() &&
            p["registryType"] == "npm") {
            pick = i;
            break;
        }
    }
    if (pick == packages->size()) pick = 0;
    const std::string field = at("packages", pick);
    if (!(*packages)[pick].is_object()) return tl::unexpected(bad(field, "expected an object"));
    plan.index = pick;
    plan.npm.name = opts.name;
    plan.npm.out = opts.out;
    plan.npm.check = opts.check;
    plan.npm.npm = opts.npm;
    if (auto ok = plan_package((*packages)[pick], field, plan); !ok)
        return tl::unexpected(ok.error());
    plan.npm.source_extra = {{"server", *name}};
    return plan;
}

Result<json> read_server_json(const std::string& source) {
    std::string body;
    if (source.starts_with("http://") || source.starts_with("https://")) {
        repo::FetchLimits limits;
        limits.max_bytes = kMaxBytes;
        limits.deadline_s = 60;
        auto got = repo::fetch_bytes(source, limits);
        if (!got) return tl::unexpected(got.error());
        body = std::move(*got);
    } else if (source.find("://") != std::string::npos) {
        return fail(ErrorKind::Usage, source, "a server.json is a file or an http(s) URL");
    } else {
        std::error_code ec;
        if (!fs::is_regular_file(source, ec))
            return fail(ErrorKind::NotFound, source, "no such file");
        if (fs::file_size(source, ec) > kMaxBytes)
            return fail(ErrorKind::Invalid, source, "larger than 1 MiB: not a server.json");
        std::ifstream in(source, std::ios::binary);
        body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (body.size() > kMaxBytes)
        return fail(ErrorKind::Invalid, source, "larger than 1 MiB: not a server.json");
    return formats::parse_json(body, source, {.max_depth = 32});
}

Result<ServerJsonResult> import_server_json(const ServerJsonOptions& opts) {
    auto doc = read_server_json(opts.source);
    if (!doc) return tl::unexpected(doc.error());
    auto plan = plan_from_server_json(*doc, opts);
    if (!plan) return tl::unexpected(in_context(plan.error(), opts.source));
    ServerJsonResult r;
    if (plan->remote) {
        std::error_code ec;
        if (fs::exists(fs::symlink_status(opts.out, ec)) &&
            (!fs::is_directory(opts.out, ec) || !fs::is_empty(opts.out, ec)))
            return fail(ErrorKind::Invalid, opts.out.string(),
                        "exists and is not an empty directory");
        fs::create_directories(opts.out / "files", ec);
        if (ec) return fail(ErrorKind::Io, opts.out.string(), ec.message());
        std::ofstream f(opts.out / "plugin.json");
        f << plan->manifest.dump(2) << '\n';
        f.close();
        if (!f) return fail(ErrorKind::Io, (opts.out / "plugin.json").string(), "cannot write");
        r.plugin_name = plan->manifest["name"];
        r.version = plan->manifest["version"];
        r.manifest = plan->manifest;
        if (plan->manifest.contains("config"))
            for (const auto& [k, v] : plan->manifest["config"].items()) r.config_keys.push_back(k);
    } else {
        auto npm = import_npm(plan->npm);
        if (!npm) return tl::unexpected(npm.error());
        r.plugin_name = npm->plugin_name;
        r.version = npm->version;
        r.manifest = npm->manifest;
        r.config_keys = npm->config_keys;
    }
    r.plan = std::move(*plan);
    return r;
}

}  // namespace nxp::importer
