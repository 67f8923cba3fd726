// Keeping NextChat's MCP configuration in step with the current generation (DESIGN.md §8).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "formats/json_util.hpp"
#include "txn/nextchat_check.hpp"
#include "txn/plugins.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;

namespace {

std::string map_path(const std::string& s, const std::string& path_map) {
    auto eq = path_map.find('=');
    if (eq == std::string::npos) return s;
    std::string host = path_map.substr(0, eq), container = path_map.substr(eq + 1);
    if (!host.empty() && (s == host || s.starts_with(host + "/")))
        return container + s.substr(host.size());
    return s;
}

// What NextChat should hold for a generation made of `packages` with `config`.
Result<NextchatState> nextchat_state_of(Root& root, const std::vector<db::GenPackage>& packages,
                                        const std::vector<db::ConfigRow>& config,
                                        const std::string& nxp_exe, const std::string& path_map) {
    NextchatState st;
    std::error_code ec;
    std::string root_dir = fs::absolute(root.dir(), ec).lexically_normal().string();
    for (const auto& pkg : packages) {
        auto m = runtime::installed_manifest(root.db(), pkg.store_path);
        if (!m) return tl::unexpected(m.error());
        if (m->kind == formats::Kind::Mask || m->kind == formats::Kind::Prompts) {
            // Disabled masks and prompts leave NextChat's lists: it has no paused state for them.
            if (!pkg.enabled) continue;
            auto dir = fs::weakly_canonical(root.dir() / pkg.store_path, ec);
            if (ec)
                return fail(ErrorKind::Io, (root.dir() / pkg.store_path).string(), ec.message());
            (m->kind == formats::Kind::Mask ? st.masks : st.prompts).push_back({pkg.name, dir});
            continue;
        }
        if (m->kind != formats::Kind::McpServer || !m->mcp) continue;
        nextchat::ServerEntry e;
        e.name = pkg.name;
        e.command = map_path(nxp_exe, path_map);
        e.args = {"--root", map_path(root_dir, path_map), "exec", pkg.name};
        auto missing = runtime::effective_config(*m, config, pkg.name).missing;
        if (!pkg.enabled)
            st.paused_why[pkg.name] = "disabled";
        else if (!missing.empty())
            st.paused_why[pkg.name] = "needs config " + missing.front();
        e.paused = st.paused_why.count(pkg.name) > 0;
        st.servers.push_back(std::move(e));
    }
    return st;
}

// The server names nxp created in NextChat's config (it wrote this setting itself).
Result<std::set<std::string>> managed_servers(Root& root) {
    auto text = root.db().setting("nextchat.managed");
    if (!text) return tl::unexpected(text.error());
    std::set<std::string> out;
    auto j = formats::parse_json(text->value_or("[]"), "nextchat.managed");
    if (j && j->is_array())
        for (const auto& n : *j)
            if (n.is_string()) out.insert(n.get<std::string>());
    return out;
}

}  // namespace

Result<NextchatState> nextchat_state(Root& root, const std::string& nxp_exe,
                                     const std::string& path_map) {
    auto snap = current_snapshot(root);
    if (!snap) return tl::unexpected(snap.error());
    return nextchat_state_of(root, snap->packages, snap->config, nxp_exe, path_map);
}

Result<void> check_nextchat_before_switch(Root& root, const Intent& intent) {
    auto dir = root.db().setting("nextchat.dir");
    if (!dir) return tl::unexpected(dir.error());
    if (!*dir || (*dir)->empty()) return {};
    auto map = root.db().setting("nextchat.path_map");
    if (!map) return tl::unexpected(map.error());
    auto state = nextchat_state_of(root, intent.packages, intent.config, "", map->value_or(""));
    if (!state) return tl::unexpected(state.error());
    auto managed = managed_servers(root);
    if (!managed) return tl::unexpected(managed.error());
    auto refused = [](const Error& e) {
        return fail(e.kind, e.context, e.message + "; nothing was changed");
    };
    if (!state->servers.empty() || !managed->empty())
        if (auto r = nextchat::check_mcp_config(**dir, state->servers, *managed); !r)
            return refused(r.error());
    for (auto [kind, sources] : {std::pair{nextchat::Catalog::Masks, &state->masks},
                                 std::pair{nextchat::Catalog::Prompts, &state->prompts}}) {
        if (sources->empty()) continue;
        if (auto r = nextchat::check_catalog_target(**dir, kind); !r) return refused(r.error());
    }
    return {};
}

Result<NextchatSync> sync_nextchat(Root& root, const std::string& nxp_exe) {
    NextchatSync out;
    auto dir = root.db().setting("nextchat.dir");
    if (!dir) return tl::unexpected(dir.error());
    if (!*dir || (*dir)->empty()) return out;
    auto map = root.db().setting("nextchat.path_map");
    if (!map) return tl::unexpected(map.error());
    auto state = nextchat_state(root, nxp_exe, map->value_or(""));
    if (!state) return tl::unexpected(state.error());
    auto previously = managed_servers(root);
    if (!previously) return tl::unexpected(previously.error());
    auto mcp = nextchat::sync_mcp_config(**dir, state->servers, *previously);
    if (!mcp) {
        out.errors.push_back(mcp.error());
    } else {
        if (*mcp) out.changed.push_back("app/mcp/mcp_config.json");
        nlohmann::json now = nlohmann::json::array();
        for (const auto& s : state->servers) now.push_back(s.name);
        if (auto r = root.db().set_setting("nextchat.managed", now.dump()); !r)
            return tl::unexpected(r.error());
    }
    for (auto [kind, sources] : {std::pair{nextchat::Catalog::Masks, &state->masks},
                                 std::pair{nextchat::Catalog::Prompts, &state->prompts}}) {
        auto r = nextchat::sync_catalog(**dir, kind, *sources);
        if (!r)
            out.errors.push_back(r.error());
        else if (*r)
            out.changed.push_back(nextchat::catalog_file(kind));
    }
    return out;
}

}  // namespace nxp::txn
