#include "runtime/plugin.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <set>

#include "runtime/grants.hpp"
#include "runtime/libraries.hpp"
#include "sandbox/host_tools.hpp"

namespace nxp::runtime {
namespace fs = std::filesystem;
using nlohmann::json;

Result<formats::Manifest> installed_manifest(const db::Database& db,
                                             const std::string& store_path) {
    auto tree = db.store_tree(store_path);
    if (!tree) return tl::unexpected(tree.error());
    if (!*tree) return fail(ErrorKind::NotFound, store_path, "store tree not in the database");
    auto m = formats::parse_manifest((*tree)->manifest_json);
    if (!m) return tl::unexpected(in_context(m.error(), store_path + "/plugin.json"));
    return m;
}

fs::path egress_log_path(const fs::path& root_dir, const std::string& name) {
    return root_dir / "log" / "egress" / (name + ".jsonl");
}

Result<Plugin> load_plugin(const db::Database& db, const fs::path& root_dir,
                           const db::GenPackage& pkg, const std::vector<db::GenPackage>& generation,
                           const std::vector<db::ConfigRow>& config_rows) {
    Plugin p;
    p.name = pkg.name;
    auto m = installed_manifest(db, pkg.store_path);
    if (!m) return tl::unexpected(m.error());
    p.manifest = std::move(*m);
    std::error_code ec;
    p.plugin_dir = fs::weakly_canonical(root_dir / pkg.store_path, ec);
    if (ec) return fail(ErrorKind::Io, (root_dir / pkg.store_path).string(), ec.message());
    p.state_dir = fs::absolute(root_dir / "state" / pkg.name, ec);
    p.egress_log = egress_log_path(root_dir, pkg.name);
    // Secrets are opened and references read here, as the plugin's code is about to start.
    auto config = starting_config(p.manifest, config_rows, pkg.name, root_dir);
    if (!config) return tl::unexpected(config.error());
    p.config = std::move(*config);
    auto granted = granted_permissions(db, pkg.name);
    if (!granted) return tl::unexpected(granted.error());
    p.granted = std::move(*granted);
    auto deps = required_libraries(db, root_dir, p.manifest, generation);
    if (!deps) return tl::unexpected(in_context(deps.error(), pkg.name + ": required libraries"));
    p.deps = std::move(*deps);
    const auto& host = sandbox::host_node();
    auto node = choose_node(db, root_dir, pkg.name, p.manifest, generation,
                            host ? std::optional<std::string>(host->version) : std::nullopt);
    if (!node) return tl::unexpected(node.error());
    p.node = std::move(*node);
    p.passed_env = passed_environment(p.manifest, p.granted);
    return p;
}

std::map<std::string, std::string> passed_environment(const formats::Manifest& m,
                                                      const formats::Permissions& granted) {
    std::map<std::string, std::string> out;
    for (const auto& name : m.permissions.env) {
        if (std::find(granted.env.begin(), granted.env.end(), name) == granted.env.end()) continue;
        if (const char* value = std::getenv(name.c_str())) out[name] = value;
    }
    return out;
}

namespace {

// `text` with each ${VAR} that `value_of` knows replaced; any other placeholder, and a "${"
// without its "}", stays as written. What is inserted is not scanned again.
template <class ValueOf>
std::string replace_vars(const std::string& text, const ValueOf& value_of) {
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
        std::optional<std::string> value = value_of(text.substr(start + 2, end - start - 2));
        out += value ? *value : text.substr(start, end - start + 1);
        i = end + 1;
    }
    return out;
}

std::optional<std::string> path_var(const std::string& var, const Plugin& p) {
    if (var == "plugin_dir") return p.plugin_dir.string();
    if (var == "state_dir") return p.state_dir.string();
    if (var.starts_with("deps.")) {
        auto it = p.deps.find(var.substr(5));
        if (it != p.deps.end()) return it->second.string();
    }
    return std::nullopt;
}

// Variables the sandbox sets itself (runner.cpp) or nxp sets for libraries: never taken
// from nxp's environment.
bool sandbox_variable(const std::string& name) {
    return name == "PATH" || name == "HOME" || name == "TMPDIR" || name.starts_with("NXP_DEP_");
}

}  // namespace

std::string substitute_paths(const std::string& text, const Plugin& p) {
    return replace_vars(text, [&](const std::string& var) { return path_var(var, p); });
}

std::string config_value_text(const Plugin& p, const std::string& key, const json& value) {
    auto spec = p.manifest.config.find(key);
    if (spec != p.manifest.config.end() && spec->second.secret) return config_text(value);
    return substitute_paths(config_text(value), p);
}

std::string substitute(const std::string& text, const Plugin& p) {
    return replace_vars(text, [&](const std::string& var) -> std::optional<std::string> {
        if (var.starts_with("config.")) {
            auto it = p.config.values.find(var.substr(7));
            if (it == p.config.values.end()) return std::string();
            return config_value_text(p, it->first, it->second);
        }
        return path_var(var, p);
    });
}

sandbox::Profile plugin_profile(const Plugin& p, bool allow_unsandboxed) {
    sandbox::Profile prof;
    prof.name = p.name;
    prof.plugin_dir = p.plugin_dir;
    prof.state_dir = p.state_dir;
    prof.allow_unsandboxed = allow_unsandboxed;
    prof.tool_dirs = sandbox::host_tool_dirs();
    if (p.node.from == NodeChoice::From::Package) {
        // Its runtime package's node, not the host's: the tree read-only at its real path,
        // its bin/ alone ahead of the system's directories on PATH.
        prof.binds.push_back({p.node.dir, false});
        prof.tool_dirs = {p.node.dir / "bin"};
    }
    for (const auto& [name, value] : p.passed_env)
        if (!sandbox_variable(name)) prof.env[name] = substitute_paths(value, p);
    for (const auto& [key, spec] : p.manifest.config) {
        auto it = p.config.values.find(key);
        if (!spec.env.empty() && it != p.config.values.end())
            prof.env[spec.env] = config_value_text(p, key, it->second);
    }
    // Each library's tree, read-only at its real path, so ${deps.NAME} means the same
    // inside and out; NXP_DEP_NAME names it (the first name in order wins a shared variable).
    std::map<std::string, std::string> dep_env;
    std::set<fs::path> dep_dirs;
    for (const auto& [name, dir] : p.deps) {
        dep_env.emplace(dep_env_name(name), dir.string());
        if (dep_dirs.insert(dir).second) prof.binds.push_back({dir, false});
    }
    for (auto& [name, dir] : dep_env) prof.env[name] = std::move(dir);
    const auto needed = needed_permissions(p.manifest.permissions);
    if (!needed.network.empty() && ungranted(needed, p.granted).network.empty())
        prof.network = needed.network;
    prof.egress_log = p.egress_log;
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
    // "node" is the node chosen for the plugin: its runtime package's, by absolute path.
    if (argv.front() == "node" && p.node.from == NodeChoice::From::Package)
        argv.front() = (p.node.dir / "bin" / "node").string();
    for (const auto& a : p.manifest.mcp->args) argv.push_back(substitute(a, p));
    std::vector<std::pair<int, std::string>> singles;
    for (const auto& [key, spec] : p.manifest.config) {
        auto it = p.config.values.find(key);
        if (it == p.config.values.end()) continue;
        if (spec.arg == "spread" && it->second.is_array()) {
            for (const auto& v : it->second) argv.push_back(config_value_text(p, key, v));
        } else if (spec.arg == "spread" || spec.arg == "single") {
            singles.push_back(
                {spec.position.value_or(1 << 20), config_value_text(p, key, it->second)});
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

}  // namespace nxp::runtime
