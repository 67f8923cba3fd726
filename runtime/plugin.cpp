#include "runtime/plugin.hpp"

#include <algorithm>

#include "runtime/grants.hpp"
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
                           const db::GenPackage& pkg,
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
    return p;
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

}  // namespace nxp::runtime
