// Keeping NextChat's MCP configuration in step with the current generation (DESIGN.md §8).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>

#include "formats/json_util.hpp"
#include "txn/export.hpp"
#include "txn/nextchat_check.hpp"
#include "txn/permissions.hpp"
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
    auto via = root.db().setting("nextchat.launcher");
    if (!via) return tl::unexpected(via.error());
    const bool launcher = *via && **via == "1";
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
        if (launcher) {
            // NextChat elsewhere (a container, another user): the static launcher in the
            // export directory asks the host's `nxp serve` to run `nxp exec NAME` (issue 17).
            auto exported = export_paths(root);
            e.command = map_path(exported.launcher.string(), path_map);
            e.args = {"--socket", map_path(exported.socket.string(), path_map), pkg.name};
        } else {
            e.command = map_path(nxp_exe, path_map);
            e.args = {"--root", map_path(root_dir, path_map), "exec", pkg.name};
        }
        auto effective = runtime::effective_config(*m, config, pkg.name);
        auto granted = runtime::granted_permissions(root.db(), pkg.name);
        if (!granted) return tl::unexpected(granted.error());
        // nxp exec refuses a plugin missing a grant (require_granted): NextChat shows it paused.
        auto ungranted = runtime::ungranted(requested_permissions(*m, effective), *granted);
        if (!pkg.enabled)
            st.paused_why[pkg.name] = "disabled";
        else if (!effective.missing.empty())
            st.paused_why[pkg.name] = "needs config " + effective.missing.front();
        else if (!ungranted.empty())
            st.paused_why[pkg.name] = "needs permissions granted";
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

ExportPaths export_paths(const Root& root) {
    std::error_code ec;
    fs::path dir = fs::absolute(root.dir(), ec).lexically_normal() / "export";
    return {dir, dir / "nxp-launch", dir / "nxp.sock"};
}

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

namespace {

constexpr const char* not_updated_tail =
    "; the change itself took effect, but NextChat's files do not show it: fix this, then run "
    "'nxp nextchat set DIR' (or any transaction) to write them";

// `command` run by /bin/sh -c, as system(3) does; its wait status (-1 when it could not start).
int run_shell(const std::string& command) {
    pid_t pid = ::fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return status;
}

}  // namespace

void restart_nextchat(Root& root, Events& events) {
    auto setting = root.db().setting("nextchat.restart_cmd");
    std::string restart = setting && *setting ? **setting : std::string();
    if (restart.empty()) {
        events.message(Level::Info, "Restart NextChat to load it (no restart command set).");
        return;
    }
    int rc = run_shell(restart);
    if (rc != 0)
        events.message(Level::Warning, "the restart command '" + restart + "' failed (status " +
                                           std::to_string(rc) + "); restart NextChat yourself");
    else
        events.message(Level::Info, "Restarted NextChat ('" + restart + "').");
}

void integrate_nextchat(Root& root, const std::string& nxp_exe, Events& events) {
    auto sync = sync_nextchat(root, nxp_exe.empty() ? std::string("nxp") : nxp_exe);
    if (!sync) {
        events.after_commit_error(Error{sync.error().kind, sync.error().context,
                                        sync.error().message + not_updated_tail});
        return;
    }
    for (const auto& e : sync->errors)
        events.after_commit_error(Error{e.kind, e.context, e.message + not_updated_tail});
    if (sync->changed.empty()) return;
    std::string files;
    for (const auto& f : sync->changed) files += (files.empty() ? "" : ", ") + f;
    events.message(Level::Info, "Updated NextChat's " + files + ".");
    // NextChat reads its MCP config only at start; masks.json and prompts.json are static
    // files its pages fetch, so a change to them alone needs no restart.
    if (std::find(sync->changed.begin(), sync->changed.end(), "app/mcp/mcp_config.json") !=
        sync->changed.end())
        restart_nextchat(root, events);
}

Result<NextchatSync> set_nextchat(Root& root, const NextchatSettings& settings,
                                  const std::string& nxp_exe) {
    auto& db = root.db();
    if (auto r = db.set_setting("nextchat.dir", settings.dir); !r) return tl::unexpected(r.error());
    if (!settings.version.empty())
        if (auto r = db.set_setting("nextchat.version", settings.version); !r)
            return tl::unexpected(r.error());
    if (!settings.restart_cmd.empty())
        if (auto r = db.set_setting("nextchat.restart_cmd", settings.restart_cmd); !r)
            return tl::unexpected(r.error());
    if (!settings.path_map.empty())
        if (auto r = db.set_setting("nextchat.path_map", settings.path_map); !r)
            return tl::unexpected(r.error());
    if (settings.launcher)
        if (auto r = db.set_setting("nextchat.launcher", *settings.launcher ? "1" : "0"); !r)
            return tl::unexpected(r.error());
    // The launcher the entries name is in place before NextChat may start one.
    if (settings.launcher && *settings.launcher)
        if (auto r = prepare_export(root); !r) return tl::unexpected(r.error());
    return sync_nextchat(root, nxp_exe);
}

}  // namespace nxp::txn
