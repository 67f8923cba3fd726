#include "txn/plugins.hpp"

#include <algorithm>
#include <ctime>

#include "formats/json_util.hpp"
#include "sandbox/host_tools.hpp"
#include "txn/installed.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;
using nlohmann::json;

PluginConfig effective_config(const formats::Manifest& m, const std::vector<db::ConfigRow>& rows,
                              const std::string& package) {
    PluginConfig out;
    for (const auto& [key, spec] : m.config) {
        // The binding is captured by name: clang 14 (-Dfuzz=true) cannot capture it implicitly.
        auto row = std::find_if(rows.begin(), rows.end(), [&, &key = key](const db::ConfigRow& r) {
            return r.package == package && r.key == key;
        });
        if (row != rows.end()) {
            out.values[key] = json::parse(row->value_json, nullptr, false);
        } else if (spec.default_json) {
            out.values[key] = json::parse(*spec.default_json, nullptr, false);
        } else if (spec.required) {
            out.missing.push_back(key);
        }
    }
    return out;
}

Result<formats::Manifest> installed_manifest(const Root& root, const std::string& store_path) {
    auto tree = root.db().store_tree(store_path);
    if (!tree) return tl::unexpected(tree.error());
    if (!*tree) return fail(ErrorKind::NotFound, store_path, "store tree not in the database");
    auto m = formats::parse_manifest((*tree)->manifest_json);
    if (!m) return tl::unexpected(in_context(m.error(), store_path + "/plugin.json"));
    return m;
}

namespace {

bool has_dotdot(std::string_view p) {
    for (std::size_t s = 0; s <= p.size();) {
        auto e = p.find('/', s);
        if (e == std::string_view::npos) e = p.size();
        if (p.substr(s, e - s) == "..") return true;
        s = e + 1;
    }
    return false;
}

// A path in the plugin's own directories: the placeholder, then a fixed path below it.
bool own_path(const std::string& path) {
    for (std::string_view var : {"${plugin_dir}", "${state_dir}"}) {
        if (!path.starts_with(var)) continue;
        if (path.size() > var.size() && path[var.size()] != '/') return false;
        return path.find("${", var.size()) == std::string::npos && !has_dotdot(path);
    }
    return false;
}

// Why an expanded ${config.KEY} path cannot be bound (empty when it can).
std::string host_path_problem(const std::string& path) {
    if (path.find("${") != std::string::npos) return "a configuration key it names is unset";
    if (path.empty() || path.front() != '/') return "not an absolute path";
    if (has_dotdot(path)) return "holds \"..\"";
    for (char c : path)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "holds control characters";
    return {};
}

bool names_config(const std::string& path) { return path.find("${config.") != std::string::npos; }

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

bool covers(const formats::FsPermission& have, const formats::FsPermission& want, bool prefix) {
    bool path_ok =
        have.path == want.path ||
        (prefix && want.path.starts_with(have.path.ends_with("/") ? have.path : have.path + "/"));
    return path_ok && (have.access == want.access || have.access == "read-write");
}

}  // namespace

formats::Permissions needed_permissions(const formats::Permissions& requested) {
    formats::Permissions p = requested;
    std::erase_if(p.filesystem, [](const formats::FsPermission& f) { return own_path(f.path); });
    return p;
}

formats::Permissions config_paths(const formats::Manifest& m, const PluginConfig& config,
                                  std::vector<std::string>* problems) {
    formats::Permissions out;
    for (const auto& f : m.permissions.filesystem) {
        if (own_path(f.path) || !names_config(f.path)) continue;
        std::string path = expand_config(f.path, config);
        if (auto why = host_path_problem(path); !why.empty()) {
            if (problems) problems->push_back(f.path + " (\"" + path + "\"): " + why);
            continue;
        }
        formats::FsPermission e{path, f.access};
        if (std::find(out.filesystem.begin(), out.filesystem.end(), e) == out.filesystem.end())
            out.filesystem.push_back(std::move(e));
    }
    return out;
}

formats::Permissions merged_permissions(formats::Permissions a, const formats::Permissions& b) {
    auto add = [](auto& to, const auto& from) {
        for (const auto& x : from)
            if (std::find(to.begin(), to.end(), x) == to.end()) to.push_back(x);
    };
    add(a.network, b.network);
    add(a.filesystem, b.filesystem);
    add(a.env, b.env);
    return a;
}

formats::Permissions ungranted(const formats::Permissions& needed,
                               const formats::Permissions& granted) {
    formats::Permissions out;
    for (const auto& h : needed.network)
        if (!contains(granted.network, h)) out.network.push_back(h);
    for (const auto& f : needed.filesystem) {
        bool ok = std::any_of(granted.filesystem.begin(), granted.filesystem.end(),
                              [&](const auto& g) { return covers(g, f, false); });
        if (!ok) out.filesystem.push_back(f);
    }
    for (const auto& e : needed.env)
        if (!contains(granted.env, e)) out.env.push_back(e);
    return out;
}

Result<formats::Permissions> granted_permissions(const Root& root, const std::string& package) {
    auto text = root.db().grant(package);
    if (!text) return tl::unexpected(text.error());
    if (!*text) return formats::Permissions{};
    json j = json::parse(**text, nullptr, false);
    if (j.is_discarded()) return formats::Permissions{};
    return formats::parse_permissions(j, "grants." + package);
}

Result<void> store_grant(Root& root, const std::string& package,
                         const formats::Permissions& permissions) {
    return root.db().set_grant(package, formats::permissions_to_json(permissions).dump(),
                               static_cast<std::int64_t>(std::time(nullptr)));
}

std::string describe_permissions(const formats::Permissions& p) {
    std::vector<std::string> parts;
    for (const auto& h : p.network) parts.push_back("network " + h);
    for (const auto& f : p.filesystem) parts.push_back(f.access + " " + f.path);
    for (const auto& e : p.env) parts.push_back("env " + e);
    std::string s;
    for (const auto& x : parts) s += (s.empty() ? "" : "; ") + x;
    return s;
}

Result<std::vector<HeldBack>> upgrades_to_hold(const Root& root, const resolver::Plan& plan,
                                               const MayGrant& may_grant) {
    std::vector<HeldBack> out;
    for (const auto& s : plan.steps) {
        if (!s.entry || !s.from || !s.to || s.kind == resolver::StepKind::Remove) continue;
        auto granted = granted_permissions(root, s.name);
        if (!granted) return tl::unexpected(granted.error());
        auto missing = ungranted(needed_permissions(s.entry->permissions), *granted);
        if (!missing.empty() && !may_grant(s.name, missing))
            out.push_back({s.name, *s.from, *s.to, std::move(missing)});
    }
    return out;
}

Result<std::vector<UngrantedPaths>> ungranted_config_paths(const Root& root, const Intent& intent) {
    std::vector<UngrantedPaths> out;
    if (intent.kind == "rollback") return out;
    for (const auto& step : intent.steps) {
        const std::string& a = step.action;
        if (a != "install" && a != "upgrade" && a != "downgrade" && a != "reinstall" &&
            a != "config" && a != "enable")
            continue;
        auto pkg = std::find_if(intent.packages.begin(), intent.packages.end(),
                                [&](const db::GenPackage& g) { return g.name == step.name; });
        if (pkg == intent.packages.end()) continue;
        auto m = installed_manifest(root, pkg->store_path);
        if (!m) return tl::unexpected(m.error());
        UngrantedPaths u{step.name, {}, {}};
        auto wanted = config_paths(*m, effective_config(*m, intent.config, step.name), &u.problems);
        if (wanted.empty() && u.problems.empty()) continue;
        auto granted = granted_permissions(root, step.name);
        if (!granted) return tl::unexpected(granted.error());
        u.missing = ungranted(wanted, *granted);
        if (!u.missing.empty() || !u.problems.empty()) out.push_back(std::move(u));
    }
    return out;
}

Result<formats::Permissions> parse_policy(std::string_view json_text, const std::string& file) {
    auto parsed = formats::parse_json(json_text, file);
    if (!parsed) return tl::unexpected(parsed.error());
    json j = std::move(*parsed);
    // "*" (any host, any variable) is policy syntax, not a permission: parse around it.
    std::vector<std::string> wildcards;
    for (const char* field : {"network", "env"}) {
        if (!j.is_object() || !j.contains(field) || !j[field].is_array()) continue;
        auto& arr = j[field];
        auto before = arr.size();
        arr.erase(std::remove(arr.begin(), arr.end(), json("*")), arr.end());
        if (arr.size() != before) wildcards.push_back(field);
    }
    auto p = formats::parse_permissions(j, "policy");
    if (!p) return tl::unexpected(in_context(p.error(), file));
    for (const auto& f : wildcards) (f == "network" ? p->network : p->env).push_back("*");
    return p;
}

formats::Permissions outside_policy(const formats::Permissions& needed,
                                    const formats::Permissions& policy) {
    formats::Permissions out;
    bool any_host = contains(policy.network, "*");
    for (const auto& h : needed.network)
        if (!any_host && !contains(policy.network, h)) out.network.push_back(h);
    for (const auto& f : needed.filesystem) {
        bool ok = std::any_of(policy.filesystem.begin(), policy.filesystem.end(),
                              [&](const auto& g) { return covers(g, f, true); });
        if (!ok) out.filesystem.push_back(f);
    }
    bool any_env = contains(policy.env, "*");
    for (const auto& e : needed.env)
        if (!any_env && !contains(policy.env, e)) out.env.push_back(e);
    return out;
}

Result<Plugin> load_plugin(const Root& root, const db::GenPackage& pkg,
                           const std::vector<db::ConfigRow>& config_rows) {
    Plugin p;
    p.name = pkg.name;
    auto m = installed_manifest(root, pkg.store_path);
    if (!m) return tl::unexpected(m.error());
    p.manifest = std::move(*m);
    std::error_code ec;
    p.plugin_dir = fs::weakly_canonical(root.dir() / pkg.store_path, ec);
    if (ec) return fail(ErrorKind::Io, (root.dir() / pkg.store_path).string(), ec.message());
    p.state_dir = fs::absolute(root.state_dir(pkg.name), ec);
    p.config = effective_config(p.manifest, config_rows, pkg.name);
    auto granted = granted_permissions(root, pkg.name);
    if (!granted) return tl::unexpected(granted.error());
    p.granted = std::move(*granted);
    return p;
}

std::string config_text(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_array()) {
        std::string s;
        for (const auto& v : value) s += (s.empty() ? "" : ",") + config_text(v);
        return s;
    }
    return value.dump();
}

std::string substitute(const std::string& text, const Plugin& p) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        auto start = text.find("${", i);
        auto end = start == std::string::npos ? start : text.find('}', start);
        if (end == std::string::npos) {
            out += text.substr(i);
            break;
        }
        out += text.substr(i, start - i);
        std::string var = text.substr(start + 2, end - start - 2);
        if (var == "plugin_dir") {
            out += p.plugin_dir.string();
        } else if (var == "state_dir") {
            out += p.state_dir.string();
        } else if (var.starts_with("config.")) {
            auto it = p.config.values.find(var.substr(7));
            if (it != p.config.values.end()) out += config_text(it->second);
        } else {
            out += text.substr(start, end - start + 1);
        }
        i = end + 1;
    }
    return out;
}

std::string expand_config(const std::string& text, const PluginConfig& config) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        auto start = text.find("${config.", i);
        auto end = start == std::string::npos ? start : text.find('}', start);
        if (end == std::string::npos) {
            out += text.substr(i);
            break;
        }
        out += text.substr(i, start - i);
        auto it = config.values.find(text.substr(start + 9, end - start - 9));
        // An unset key stays visible: "${config.root}/x" must not become "/x".
        out += it != config.values.end() ? config_text(it->second)
                                         : text.substr(start, end - start + 1);
        i = end + 1;
    }
    return out;
}

sandbox::Profile plugin_profile(const Plugin& p, bool allow_unsandboxed) {
    sandbox::Profile prof;
    prof.name = p.name;
    prof.plugin_dir = p.plugin_dir;
    prof.state_dir = p.state_dir;
    prof.allow_unsandboxed = allow_unsandboxed;
    prof.tool_dirs = sandbox::host_tool_dirs();
    for (const auto& [key, spec] : p.manifest.config) {
        auto it = p.config.values.find(key);
        if (!spec.env.empty() && it != p.config.values.end())
            prof.env[spec.env] = config_text(it->second);
    }
    const auto needed = needed_permissions(p.manifest.permissions);
    prof.network = !needed.network.empty() && ungranted(needed, p.granted).network.empty();
    auto is_granted = [&](const formats::FsPermission& f) {
        return std::any_of(p.granted.filesystem.begin(), p.granted.filesystem.end(),
                           [&](const auto& g) { return covers(g, f, false); });
    };
    for (const auto& f : p.manifest.permissions.filesystem) {
        const bool own = own_path(f.path);
        if (!own && !is_granted(f)) continue;
        std::string path = own ? substitute(f.path, p) : expand_config(f.path, p.config);
        // A ${config.KEY} path: the value it has now must have been granted, not only the
        // placeholder (a changed value is asked for again; until then it is not bound).
        if (!own && names_config(f.path) &&
            (!host_path_problem(path).empty() || !is_granted({path, f.access})))
            continue;
        if (path.empty() || path.front() != '/') continue;
        prof.binds.push_back({path, f.access == "read-write"});
    }
    return prof;
}

std::vector<std::string> mcp_argv(const Plugin& p) {
    std::vector<std::string> argv;
    if (!p.manifest.mcp) return argv;
    argv.push_back(substitute(p.manifest.mcp->command, p));
    for (const auto& a : p.manifest.mcp->args) argv.push_back(substitute(a, p));
    std::vector<std::pair<int, std::string>> singles;
    for (const auto& [key, spec] : p.manifest.config) {
        auto it = p.config.values.find(key);
        if (it == p.config.values.end()) continue;
        if (spec.arg == "spread" && it->second.is_array()) {
            for (const auto& v : it->second) argv.push_back(config_text(v));
        } else if (spec.arg == "spread" || spec.arg == "single") {
            singles.push_back({spec.position.value_or(1 << 20), config_text(it->second)});
        }
    }
    std::stable_sort(singles.begin(), singles.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [pos, value] : singles) {
        // Positions count arguments after the command, as NextChat's argsMapping does.
        std::size_t at = std::min<std::size_t>(argv.size(), static_cast<std::size_t>(pos) + 1);
        argv.insert(argv.begin() + static_cast<std::ptrdiff_t>(at), value);
    }
    return argv;
}

}  // namespace nxp::txn

#include "txn/transaction.hpp"

namespace nxp::txn {

db::GenPackage* Snapshot::find(const std::string& name) {
    auto it = std::find_if(packages.begin(), packages.end(),
                           [&](const db::GenPackage& p) { return p.name == name; });
    return it == packages.end() ? nullptr : &*it;
}

Result<Snapshot> current_snapshot(Root& root) {
    Snapshot s;
    auto pkgs = current_packages(root, &s.generation);
    if (!pkgs) return tl::unexpected(pkgs.error());
    s.packages = std::move(*pkgs);
    auto config = root.db().generation_config(s.generation);
    if (!config) return tl::unexpected(config.error());
    s.config = std::move(*config);
    return s;
}

Result<TxnReport> apply_change(Root& root, const Snapshot& next, const std::string& kind,
                               const std::vector<StepRecord>& steps, const TxnOptions& opts) {
    TxnReport report;
    report.from_generation = next.generation;
    auto id = root.db().next_generation_id();
    if (!id) return tl::unexpected(id.error());
    report.to_generation = *id;
    Intent intent;
    intent.kind = kind;
    intent.steps = steps;
    intent.packages = next.packages;
    intent.config = next.config;
    if (opts.dry_run) return report;
    if (auto r = apply_intent(root, report, intent, opts); !r) return tl::unexpected(r.error());
    report.applied = true;
    return report;
}

}  // namespace nxp::txn
