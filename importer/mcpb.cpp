// `nxp import mcpb`: an MCPB bundle's manifest.json mapped to plugin.json, the bundle's tree
// as files/ (importer/mcpb.hpp).
#include "importer/mcpb.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "formats/json_util.hpp"
#include "importer/npm.hpp"
#include "importer/staging.hpp"
#include "repo/archive_util.hpp"

namespace nxp::importer {
namespace fs = std::filesystem;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

std::string str_field(const json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<std::string> split_ws(std::string_view s) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (!cur.empty()) out.push_back(std::move(cur)), cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
}

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

bool is_wild(std::string_view p) { return p == "x" || p == "X" || p == "*"; }

// One npm comparator ("^20", ">=18.0.0", "18.x", "<=20") in nxp's syntax; "" for any.
Result<std::string> convert_comparator(std::string op, std::string ver, const std::string& field,
                                       std::string_view range) {
    auto bad = [&](const std::string& why) {
        return fail(ErrorKind::Invalid, field,
                    "\"" + std::string(range) + "\": " + why +
                        " (nxp reads =, <, <=, >, >=, ^, ~, X.x, hyphen ranges and ||)");
    };
    if (!ver.empty() && (ver[0] == 'v' || ver[0] == '=')) ver.erase(0, 1);
    // Split off wildcards: "18.x" -> "18", "*" -> "".
    std::vector<std::string> parts;
    std::stringstream ss(ver);
    std::string piece;
    while (std::getline(ss, piece, '.')) parts.push_back(piece);
    std::vector<std::string> fixed;
    for (const auto& p : parts) {
        if (is_wild(p)) break;
        if (p.empty()) return bad("an empty version part");
        fixed.push_back(p);
    }
    if (fixed.size() > 3) return bad("more than three version parts");
    std::string v;
    for (const auto& p : fixed) v += (v.empty() ? "" : ".") + p;
    if (v.empty()) {
        if (op.empty() || op == ">=" || op == "=") return std::string();
        return bad("a comparator without a version");
    }
    // The prerelease or build of a full version is kept as written.
    if (fixed.size() < 3 && !ver.empty() && ver.find_first_of("-+") != std::string::npos)
        return bad("a prerelease on a partial version");
    if (auto pv = formats::parse_partial_version(v); !pv) return bad(pv.error().message);
    const bool partial = fixed.size() < 3;
    if (op.empty() || op == "=") return partial ? "~" + v : "= " + v;
    if (op == "^" || op == "~") return op + v;
    if (op == "<=" && partial) {
        // npm: "<=20" allows every 20.x; nxp's "<= 20" would mean 20.0.0.
        int parts_n = 0;
        auto pv = formats::parse_partial_version(v, &parts_n);
        if (!pv) return bad(pv.error().message);
        return parts_n == 1
                   ? "< " + std::to_string(pv->major + 1)
                   : "< " + std::to_string(pv->major) + "." + std::to_string(pv->minor + 1);
    }
    if (op == ">" && partial) {
        int parts_n = 0;
        auto pv = formats::parse_partial_version(v, &parts_n);
        if (!pv) return bad(pv.error().message);
        return parts_n == 1
                   ? ">= " + std::to_string(pv->major + 1)
                   : ">= " + std::to_string(pv->major) + "." + std::to_string(pv->minor + 1);
    }
    if (op == ">=" || op == "<" || op == "<=" || op == ">") return op + " " + v;
    return bad("unknown operator \"" + op + "\"");
}

// A ${…} placeholder of an MCPB string.
struct Placeholder {
    std::size_t start, end;  // [start, end) of "${…}"
    std::string name;        // inside the braces
};
std::vector<Placeholder> placeholders(const std::string& s) {
    std::vector<Placeholder> out;
    for (std::size_t i = s.find("${"); i != std::string::npos; i = s.find("${", i + 2)) {
        const std::size_t close = s.find('}', i);
        if (close == std::string::npos) break;
        out.push_back({i, close + 1, s.substr(i + 2, close - i - 2)});
    }
    return out;
}

constexpr std::string_view kUserConfig = "user_config.";

// How one user_config key is used by mcp_config.
struct KeyUse {
    std::string env;       // the variable that carries it (exactly "${user_config.KEY}")
    bool in_args = false;  // ${config.KEY} inside an argument
    bool spread = false;   // an array spread as the last arguments
};

}  // namespace

Result<std::string> node_runtime_requirement(std::string_view range, const std::string& field) {
    std::vector<std::string> alts;
    bool any = false;
    std::string r(range);
    std::size_t start = 0;
    while (true) {
        const std::size_t bar = r.find("||", start);
        const std::string alt =
            trim(r.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
        auto toks = split_ws(alt);
        std::vector<std::string> out;
        // Hyphen range: "A - B" -> ">= A, <= B" (B partial: below the next A.B).
        if (toks.size() == 3 && toks[1] == "-") {
            auto lo = convert_comparator(">=", toks[0], field, range);
            if (!lo) return tl::unexpected(lo.error());
            auto hi = convert_comparator("<=", toks[2], field, range);
            if (!hi) return tl::unexpected(hi.error());
            for (auto* c : {&*lo, &*hi})
                if (!c->empty()) out.push_back(*c);
        } else {
            for (std::size_t i = 0; i < toks.size(); ++i) {
                std::string t = toks[i];
                std::size_t k = 0;
                while (k < t.size() && std::string_view("<>=^~").find(t[k]) != std::string::npos)
                    ++k;
                std::string op = t.substr(0, k), ver = t.substr(k);
                if (ver.empty() && !op.empty() && i + 1 < toks.size()) ver = toks[++i];  // ">= 18"
                if (op == "==") op = "=";
                auto c = convert_comparator(op, ver, field, range);
                if (!c) return tl::unexpected(c.error());
                if (!c->empty()) out.push_back(*c);
            }
        }
        if (out.empty()) any = true;
        std::string joined;
        for (const auto& c : out) joined += (joined.empty() ? "" : ", ") + c;
        alts.push_back(joined);
        if (bar == std::string::npos) break;
        start = bar + 2;
    }
    if (any) return std::string("node-runtime");
    std::string dep;
    for (const auto& a : alts) dep += (dep.empty() ? "" : " | ") + ("node-runtime " + a);
    if (auto p = formats::parse_dep_spec(dep); !p)
        return fail(ErrorKind::Invalid, field,
                    "\"" + std::string(range) + "\" gives \"" + dep + "\": " + p.error().message);
    return dep;
}

Result<McpbPlan> plan_from_mcpb(const json& mcpb, const std::set<std::string>& files,
                                const McpbOptions& opts, const std::string& where) {
    auto bad = [&](const std::string& field, const std::string& why) {
        return fail(ErrorKind::Invalid, where + ": " + field, why);
    };
    if (!mcpb.is_object()) return fail(ErrorKind::Invalid, where, "expected a JSON object");
    McpbPlan p;
    // manifest_version (dxt_version before 0.3): the versions whose fields nxp reads.
    std::string mv = str_field(mcpb, "manifest_version");
    const char* mv_field = "manifest_version";
    if (mv.empty()) mv = str_field(mcpb, "dxt_version"), mv_field = "dxt_version";
    if (mv.empty()) return bad("manifest_version", "missing: not an MCPB manifest");
    if (mv != "0.1" && mv != "0.2" && mv != "0.3")
        return bad(mv_field, "\"" + mv + "\" is not a manifest version nxp reads (0.1 to 0.3)");

    p.bundle_name = str_field(mcpb, "name");
    p.version = str_field(mcpb, "version");
    if (p.bundle_name.empty()) return bad("name", "missing or not a string");
    if (p.version.empty()) return bad("version", "missing or not a string");
    p.plugin_name = opts.name.empty() ? plugin_name_for(p.bundle_name) : opts.name;
    if (!formats::is_valid_package_name(p.plugin_name))
        return bad("name", "\"" + repo::detail::escaped(p.bundle_name) +
                               "\" gives no valid plugin name ([a-z0-9][a-z0-9._-]{0,63}); "
                               "choose one with --name");

    // compatibility: Linux, and the Node.js versions.
    const json* compat = formats::detail::member(mcpb, "compatibility");
    std::string node_dep = "node-runtime";
    if (compat != nullptr && !compat->is_object())
        return bad("compatibility", "expected an object");
    if (compat != nullptr) {
        if (const json* plats = formats::detail::member(*compat, "platforms")) {
            auto list = formats::detail::get_strings(*plats, "compatibility.platforms", 64);
            if (!list) return tl::unexpected(in_context(list.error(), where));
            if (std::find(list->begin(), list->end(), "linux") == list->end())
                return bad("compatibility.platforms",
                           "the bundle does not run on Linux (it lists no \"linux\"), where nxp "
                           "runs it");
        }
        if (const json* rt = formats::detail::member(*compat, "runtimes")) {
            if (!rt->is_object()) return bad("compatibility.runtimes", "expected an object");
            if (const json* n = formats::detail::member(*rt, "node")) {
                if (!n->is_string()) return bad("compatibility.runtimes.node", "expected a string");
                auto d = node_runtime_requirement(n->get<std::string>(),
                                                  where + ": compatibility.runtimes.node");
                if (!d) return tl::unexpected(d.error());
                node_dep = *d;
            }
            if (formats::detail::member(*rt, "python") != nullptr)
                p.notes.push_back(
                    "compatibility.runtimes.python is not checked: the host's python3 runs the "
                    "server");
        }
    }

    // server: type, entry point, command.
    const json* server = formats::detail::member(mcpb, "server");
    if (server == nullptr || !server->is_object()) return bad("server", "missing or not an object");
    p.server_type = str_field(*server, "type");
    if (p.server_type != "node" && p.server_type != "python" && p.server_type != "binary")
        return bad("server.type", "\"" + repo::detail::escaped(p.server_type) +
                                      "\" is not a server type nxp runs (node, python, binary)");
    p.entry_point = str_field(*server, "entry_point");
    {
        std::vector<std::string> parts;
        std::string e = p.entry_point;
        while (e.rfind("./", 0) == 0) e.erase(0, 2);
        if (e.empty()) return bad("server.entry_point", "missing or not a string");
        if (auto why = repo::detail::split_safe(e, parts))
            return bad("server.entry_point",
                       "\"" + repo::detail::escaped(p.entry_point) + "\": " + *why);
        if (!files.count(e))
            return bad("server.entry_point", "\"" + repo::detail::escaped(p.entry_point) +
                                                 "\" is not a file in the bundle");
        p.entry_point = e;
    }
    const json* mcp = formats::detail::member(*server, "mcp_config");
    if (mcp == nullptr || !mcp->is_object())
        return bad("server.mcp_config", "missing or not an object");
    json cfg = *mcp;
    std::string cfg_field = "server.mcp_config";
    // Claude Desktop applies the override for its platform: Linux here.
    if (const json* ov = formats::detail::member(*mcp, "platform_overrides")) {
        if (!ov->is_object()) return bad(cfg_field + ".platform_overrides", "expected an object");
        if (const json* lin = formats::detail::member(*ov, "linux")) {
            if (!lin->is_object())
                return bad(cfg_field + ".platform_overrides.linux", "expected an object");
            for (const char* k : {"command", "args", "env"})
                if (lin->contains(k)) cfg[k] = (*lin)[k];
        }
    }
    std::string command = str_field(cfg, "command");
    if (command.empty()) return bad(cfg_field + ".command", "missing or not a string");
    std::vector<std::string> args;
    if (cfg.contains("args")) {
        auto a = formats::detail::get_strings(cfg["args"], cfg_field + ".args", 0);
        if (!a) return tl::unexpected(in_context(a.error(), where));
        args = *a;
    }
    std::vector<std::pair<std::string, std::string>> env;
    if (cfg.contains("env")) {
        if (!cfg["env"].is_object()) return bad(cfg_field + ".env", "expected an object");
        for (const auto& [k, v] : cfg["env"].items()) {
            if (!v.is_string()) return bad(cfg_field + ".env." + k, "expected a string");
            env.emplace_back(k, v.get<std::string>());
        }
    }

    // user_config, checked before it is referred to.
    const json* uc = formats::detail::member(mcpb, "user_config");
    if (uc != nullptr && !uc->is_object()) return bad("user_config", "expected an object");
    const json no_keys = json::object();
    const json& keys = uc != nullptr ? *uc : no_keys;
    std::map<std::string, KeyUse> uses;

    // ${__dirname} -> ${plugin_dir}; ${user_config.KEY} -> ${config.KEY}; "/" and
    // pathSeparator -> "/"; anything else (${HOME}, ${DOCUMENTS}) has no meaning in the
    // sandbox and is refused.
    auto map_text = [&](const std::string& s, const std::string& field,
                        bool allow_config) -> Result<std::string> {
        std::string out;
        std::size_t at = 0;
        for (const auto& ph : placeholders(s)) {
            out += s.substr(at, ph.start - at);
            at = ph.end;
            if (ph.name == "__dirname") {
                out += "${plugin_dir}";
            } else if (ph.name == "/" || ph.name == "pathSeparator") {
                out += "/";
            } else if (ph.name.rfind(kUserConfig, 0) == 0) {
                const std::string key = ph.name.substr(kUserConfig.size());
                if (!keys.contains(key))
                    return bad(field, "${" + ph.name + "} names no key of user_config");
                if (!allow_config)
                    return bad(field, "${" + ph.name +
                                          "} must be the whole value (nxp passes a setting to a "
                                          "variable as it is)");
                out += "${config." + key + "}";
                uses[key].in_args = true;
            } else {
                return bad(field, "${" + repo::detail::escaped(ph.name) +
                                      "} has no meaning in nxp's sandbox (known: ${__dirname}, "
                                      "${user_config.KEY}, ${/})");
            }
        }
        return out + s.substr(at);
    };

    ojson m;
    m["name"] = p.plugin_name;
    m["version"] = p.version;
    m["kind"] = "mcp-server";
    std::string summary = trim(str_field(mcpb, "description"));
    if (summary.empty()) summary = trim(str_field(mcpb, "display_name"));
    m["summary"] = summary.empty() ? p.bundle_name + " (MCPB bundle)" : summary;
    if (auto l = str_field(mcpb, "license"); !l.empty()) m["license"] = l;
    if (auto h = str_field(mcpb, "homepage"); !h.empty()) m["homepage"] = h;
    if (const json* author = formats::detail::member(mcpb, "author");
        author != nullptr && author->is_object())
        if (auto n = trim(str_field(*author, "name")); !n.empty()) m["publisher"] = n;

    // The command: the runtime of the server type on the host, or a program in the bundle.
    auto cmd = map_text(command, cfg_field + ".command", false);
    if (!cmd) return tl::unexpected(cmd.error());
    std::string mapped_cmd = *cmd;
    std::vector<std::string> requires_{"nextchat >= 2.15"};
    const std::string own = "${plugin_dir}/";
    if (mapped_cmd.rfind(own, 0) == 0) {
        const std::string rel = mapped_cmd.substr(own.size());
        std::vector<std::string> parts;
        if (auto why = repo::detail::split_safe(rel, parts))
            return bad(cfg_field + ".command",
                       "\"" + repo::detail::escaped(command) + "\" leaves the bundle: " + *why);
        if (!files.count(rel))
            return bad(cfg_field + ".command",
                       "\"" + repo::detail::escaped(command) + "\" is not a file in the bundle");
        p.executables.push_back(rel);
    } else if (p.server_type == "node" && (command == "node" || command == "nodejs")) {
        mapped_cmd = "node";
        requires_.push_back(node_dep);
    } else if (p.server_type == "python" && (command == "python" || command == "python3")) {
        mapped_cmd = "python3";
    } else {
        return bad(cfg_field + ".command", "\"" + repo::detail::escaped(command) +
                                               "\" is outside the bundle: nxp runs a " +
                                               p.server_type + " server with " +
                                               (p.server_type == "node"     ? "node"
                                                : p.server_type == "python" ? "the host's python3"
                                                                            : "no host program") +
                                               " or a program of the bundle (${__dirname}/…)");
    }
    if (p.server_type == "node" && mapped_cmd != "node" &&
        std::find(requires_.begin(), requires_.end(), node_dep) == requires_.end() &&
        compat != nullptr && compat->contains("runtimes"))
        requires_.push_back(node_dep);

    // Arguments: an array setting spread as the last arguments, else ${config.KEY}.
    std::vector<std::string> mapped_args;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string field = cfg_field + ".args[" + std::to_string(i) + "]";
        const auto ph = placeholders(args[i]);
        if (ph.size() == 1 && ph[0].start == 0 && ph[0].end == args[i].size() &&
            ph[0].name.rfind(kUserConfig, 0) == 0) {
            const std::string key = ph[0].name.substr(kUserConfig.size());
            const json* spec = formats::detail::member(keys, key);
            if (spec == nullptr)
                return bad(field, "${" + ph[0].name + "} names no key of user_config");
            if (spec->is_object() && spec->value("multiple", false) == true) {
                if (i + 1 != args.size())
                    return bad(field, "${" + ph[0].name +
                                          "} (several values) must be the last argument: nxp "
                                          "spreads an array setting at the end");
                uses[key].spread = true;
                continue;
            }
        }
        auto a = map_text(args[i], field, true);
        if (!a) return tl::unexpected(a.error());
        mapped_args.push_back(*a);
    }
    if (p.server_type != "binary") {
        const std::string entry = "${plugin_dir}/" + p.entry_point;
        if (std::find(mapped_args.begin(), mapped_args.end(), entry) == mapped_args.end() &&
            mapped_cmd.rfind(own, 0) != 0)
            p.notes.push_back("server.mcp_config.args do not name the entry point " +
                              p.entry_point);
    }
    m["requires"] = requires_;
    m["mcp"] = {{"command", mapped_cmd}, {"args", mapped_args}};

    // Environment: "${user_config.KEY}" becomes the key's variable; a fixed value becomes a
    // key of its own, with that value as default.
    ojson config = ojson::object();
    std::map<std::string, std::string> fixed_env;  // variable -> mapped value
    for (const auto& [name, value] : env) {
        const std::string field = cfg_field + ".env." + name;
        const auto ph = placeholders(value);
        if (ph.size() == 1 && ph[0].start == 0 && ph[0].end == value.size() &&
            ph[0].name.rfind(kUserConfig, 0) == 0) {
            const std::string key = ph[0].name.substr(kUserConfig.size());
            if (!keys.contains(key))
                return bad(field, "${" + ph[0].name + "} names no key of user_config");
            auto& u = uses[key];
            if (!u.env.empty() && u.env != name)
                return bad(field, "user_config." + key + " is passed in " + u.env + " and " + name +
                                      "; nxp passes a setting in one variable");
            u.env = name;
            continue;
        }
        auto v = map_text(value, field, false);
        if (!v) return tl::unexpected(v.error());
        fixed_env[name] = *v;
    }

    // user_config -> config.
    ojson filesystem = ojson::array();
    for (const auto& [key, spec] : keys.items()) {
        const std::string field = "user_config." + key;
        if (!spec.is_object()) return bad(field, "expected an object");
        const std::string type = str_field(spec, "type");
        const bool multiple = spec.value("multiple", false) == true;
        const bool secret = spec.value("sensitive", false) == true;
        ojson k;
        if (type == "string" || type == "directory" || type == "file") {
            k["type"] = multiple ? "array" : "string";
            if (multiple) k["items"] = "string";
        } else if (type == "number") {
            k["type"] = multiple ? "array" : "number";
            if (multiple) k["items"] = "number";
        } else if (type == "boolean") {
            if (multiple) return bad(field + ".multiple", "several booleans make no setting");
            k["type"] = "boolean";
        } else {
            return bad(field + ".type", "\"" + repo::detail::escaped(type) +
                                            "\" is not a user_config type (string, number, "
                                            "boolean, directory, file)");
        }
        std::string title = trim(str_field(spec, "title"));
        std::string desc = trim(str_field(spec, "description"));
        std::string text = title.empty()                   ? desc
                           : desc.empty() || desc == title ? title
                                                           : title + ": " + desc;
        if (!text.empty()) k["description"] = text;
        if (secret) k["secret"] = true;
        if (spec.value("required", false) == true) k["required"] = true;
        if (spec.contains("min")) k["minimum"] = spec["min"];
        if (spec.contains("max")) k["maximum"] = spec["max"];
        if (spec.contains("default")) {
            json d = spec["default"];
            bool keep = true;
            auto map_default = [&](json& v) {
                if (!v.is_string()) return;
                const std::string s = v.get<std::string>();
                for (const auto& ph : placeholders(s))
                    if (ph.name != "__dirname" && ph.name != "/" && ph.name != "pathSeparator")
                        keep = false;
                if (!keep) return;
                auto mapped = map_text(s, field + ".default", false);
                if (mapped) v = *mapped;
            };
            if (d.is_array())
                for (auto& v : d) map_default(v);
            else
                map_default(d);
            if (keep) {
                k["default"] = d;
            } else {
                p.notes.push_back(field + ".default " + d.dump() +
                                  " names a desktop directory; left without a default");
            }
        }
        const auto u = uses.count(key) ? uses[key] : KeyUse{};
        if (!u.env.empty()) k["env"] = u.env;
        if (u.spread) k["arg"] = "spread";
        if (secret && (u.in_args || u.spread))
            return bad(field,
                       "a sensitive setting is passed on the command line (mcp_config.args); "
                       "nxp passes secrets only in the environment, where other users "
                       "cannot read them");
        if (!u.in_args && !u.spread && u.env.empty())
            p.notes.push_back(field + " is not used by server.mcp_config");
        if (type == "directory" || type == "file") {
            if (multiple)
                return bad(field + ".multiple",
                           "several " + type +
                               " paths cannot each become a filesystem grant; nxp grants one "
                               "path per setting");
            // The path the operator sets is bound into the sandbox once granted: install and
            // `nxp config` ask for it (MCPB has no access mode: read-write).
            filesystem.push_back({{"path", "${config." + key + "}"}, {"access", "read-write"}});
        }
        config[key] = std::move(k);
    }
    for (const auto& [name, value] : fixed_env) {
        std::string key = name;
        if (config.contains(key)) key += "_env";
        if (config.contains(key))
            return bad(cfg_field + ".env." + name, "clashes with a user_config key");
        config[key] = {{"type", "string"},
                       {"description", "Set by the bundle (server.mcp_config.env)"},
                       {"default", value},
                       {"env", name}};
    }
    if (!config.empty()) m["config"] = config;
    ojson perms = ojson::object();
    if (!filesystem.empty()) perms["filesystem"] = filesystem;
    m["permissions"] = perms;
    m["check"] = {{"mcp", opts.check}, {"timeout", 30}};

    // Tools as declared: plugin.json's "tools", which `nxp repo build` pins by name (the
    // install health check then holds the server to exactly these names and nxp exec withholds
    // any other). An empty list, or tools_generated (the server makes more at run time),
    // declares nothing to hold it to.
    if (const json* tools = formats::detail::member(mcpb, "tools")) {
        if (!tools->is_array()) return bad("tools", "expected an array");
        if (tools->size() > formats::kMaxDeclaredTools)
            return bad("tools", std::to_string(tools->size()) + " tools; at most " +
                                    std::to_string(formats::kMaxDeclaredTools) +
                                    " may be declared");
        std::set<std::string> names;
        for (std::size_t i = 0; i < tools->size(); ++i) {
            const json& t = (*tools)[i];
            const std::string f = "tools[" + std::to_string(i) + "]";
            if (!t.is_object() || !t.contains("name") || !t["name"].is_string())
                return bad(f, "expected an object with a string name");
            const std::string n = t["name"].get<std::string>();
            if (!formats::is_valid_tool_name(n))
                return bad(f + ".name", "\"" + repo::detail::escaped(n) +
                                            "\" is not a valid tool name (1 to " +
                                            std::to_string(formats::kMaxToolName) +
                                            " bytes, no control characters)");
            if (!names.insert(n).second)
                return bad(f + ".name", "\"" + repo::detail::escaped(n) + "\" is declared twice");
            std::string desc;
            if (const json* d = formats::detail::member(t, "description")) {
                if (!d->is_string()) return bad(f + ".description", "expected a string");
                desc = d->get<std::string>();
                if (desc.size() > formats::kMaxDeclaredToolDescription)
                    return bad(f + ".description",
                               "longer than " +
                                   std::to_string(formats::kMaxDeclaredToolDescription) + " bytes");
            }
            p.tools.emplace_back(n, desc);
        }
    }
    const json* generated = formats::detail::member(mcpb, "tools_generated");
    if (generated && !generated->is_boolean()) return bad("tools_generated", "expected a boolean");
    const bool tools_generated = generated && generated->get<bool>();
    if (!p.tools.empty() && !tools_generated) {
        ojson declared = ojson::array();
        for (const auto& [n, d] : p.tools) {
            ojson one = {{"name", n}};
            if (!d.empty()) one["description"] = d;
            declared.push_back(std::move(one));
        }
        m["tools"] = std::move(declared);
        p.tools_pinned = true;
    } else if (tools_generated) {
        p.notes.push_back(
            "tools_generated: the server makes tools at run time, so its declared tools are "
            "not pinned (nxp repo build --pin-tools pins what it answers)");
    }
    if (mcpb.contains("prompts"))
        p.notes.push_back("prompts are not imported (nxp pins a server's tools, not prompts)");

    if (auto parsed = formats::parse_manifest(m.dump()); !parsed) {
        auto e = in_context(parsed.error(), where + " as plugin.json");
        return tl::unexpected(e);
    }
    p.manifest = std::move(m);
    return p;
}

namespace {}  // namespace

Result<McpbPlan> import_mcpb(const McpbOptions& opts) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(opts.out, ec)) &&
        (!fs::is_directory(opts.out, ec) || !fs::is_empty(opts.out, ec)))
        return fail(ErrorKind::Invalid, opts.out.string(), "exists and is not an empty directory");
    Staging tmp(opts.out);
    fs::create_directories(tmp.dir, ec);
    if (ec)
        return fail(ErrorKind::Io, tmp.dir.string(), "cannot create directory: " + ec.message());
    const fs::path files = tmp.dir / "files";
    auto zip = extract_mcpb(opts.bundle, files, opts.limits);
    if (!zip) return tl::unexpected(zip.error());
    const std::string where = opts.bundle.string() + ": manifest.json";
    auto parsed = formats::parse_json(zip->manifest_text, where);
    if (!parsed) return tl::unexpected(parsed.error());
    std::set<std::string> regular;
    for (const auto& e : zip->entries)
        if (e.type == 'f') regular.insert(e.path);
    auto plan = plan_from_mcpb(*parsed, regular, opts, where);
    if (!plan) return tl::unexpected(plan.error());
    plan->signed_bundle = zip->signed_bundle;
    if (zip->signed_bundle)
        plan->notes.push_back(
            "the bundle's MCPB signature (PKCS#7) is ignored: trust comes from the nxp "
            "repository that signs the package");
    // A binary server: a Linux ELF program, executable whatever the zip's attributes said.
    for (const auto& rel : plan->executables) {
        const fs::path f = files / rel;
        std::ifstream in(f, std::ios::binary);
        char magic[4] = {};
        in.read(magic, 4);
        if (plan->server_type == "binary" && std::string_view(magic, 4) !=
                                                 "\x7f"
                                                 "ELF")
            return fail(ErrorKind::Invalid, where + ": server.mcp_config.command",
                        "\"" + rel + "\" is not a Linux (ELF) program");
        fs::permissions(f, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                        fs::perm_options::add, ec);
    }
    if (auto ok = finish_plugin_dir(tmp, plan->manifest, opts.out); !ok)
        return tl::unexpected(ok.error());
    return plan;
}

}  // namespace nxp::importer
