// Keeping NextChat's MCP configuration in step with the current generation (DESIGN.md §8).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <set>

#include "formats/constraint.hpp"
#include "formats/json_util.hpp"
#include "repo/keys.hpp"
#include "runtime/grants.hpp"
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

// What a server runs with, as one hash: what nxp installed (store path, version), the entry,
// whether nxp pauses it, its configuration rows (tool filters' reserved @tools.* rows too;
// a secret only by the hash of its sealed value) and its grants. NextChat starts a server
// only when it starts, so a server whose fingerprint changed needs a restart (issue 17).
std::string fingerprint(const db::GenPackage& pkg, const nextchat::ServerEntry& e,
                        const std::vector<db::ConfigRow>& config,
                        const formats::Permissions& granted) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& c : config)
        if (c.package == pkg.name)
            rows.push_back(
                {c.key, c.secret ? "sha256:" + repo::sha256_hex(c.value_json) : c.value_json});
    std::sort(rows.begin(), rows.end());
    nlohmann::json fs_grants = nlohmann::json::array();
    for (const auto& f : granted.filesystem) fs_grants.push_back({f.access, f.path});
    std::sort(fs_grants.begin(), fs_grants.end());
    auto sorted = [](std::vector<std::string> v) {
        std::sort(v.begin(), v.end());
        return v;
    };
    nlohmann::json doc = {{"store_path", pkg.store_path},
                          {"version", pkg.version},
                          {"command", e.command},
                          {"args", e.args},
                          {"env", e.env},
                          {"paused", e.paused},
                          {"config", rows},
                          {"network", sorted(granted.network)},
                          {"filesystem", fs_grants},
                          {"granted_env", sorted(granted.env)}};
    return repo::sha256_hex(doc.dump());
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
        st.fingerprints[pkg.name] = fingerprint(pkg, e, config, *granted);
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

// A JSON list of names in a setting (empty when unset or not a list); nullopt when unset.
Result<std::optional<std::set<std::string>>> name_list(Root& root, const char* key) {
    auto text = root.db().setting(key);
    if (!text) return tl::unexpected(text.error());
    if (!*text) return std::optional<std::set<std::string>>();
    std::set<std::string> out;
    auto j = formats::parse_json(**text, key);
    if (j && j->is_array())
        for (const auto& n : *j)
            if (n.is_string()) out.insert(n.get<std::string>());
    return std::optional<std::set<std::string>>(std::move(out));
}

Result<void> set_name_list(Root& root, const char* key, const std::set<std::string>& names) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& n : names) list.push_back(n);
    return root.db().set_setting(key, list.dump());
}

// What nxp remembers of NextChat's pauses: the entries it wrote paused itself (setting
// nextchat.paused_by_nxp; before it existed, every managed entry: a "paused" found then is
// taken as nxp's own, as nxp did) and the NextChat pauses seen (nextchat.paused_in_nextchat).
Result<nextchat::NextchatPauses> remembered_pauses(Root& root) {
    nextchat::NextchatPauses memory;
    auto by_nxp = name_list(root, "nextchat.paused_by_nxp");
    if (!by_nxp) return tl::unexpected(by_nxp.error());
    if (*by_nxp) {
        memory.written_paused = std::move(**by_nxp);
    } else {
        auto managed = managed_servers(root);
        if (!managed) return tl::unexpected(managed.error());
        memory.written_paused = std::move(*managed);
    }
    auto seen = name_list(root, "nextchat.paused_in_nextchat");
    if (!seen) return tl::unexpected(seen.error());
    if (*seen) memory.in_nextchat = std::move(**seen);
    return memory;
}

// The server fingerprints remembered after NextChat last (re)started with them (setting
// nextchat.fingerprints, {"NAME": "SHA256"}); nullopt when none were ever remembered.
Result<std::optional<std::map<std::string, std::string>>> remembered_fingerprints(Root& root) {
    using Out = std::optional<std::map<std::string, std::string>>;
    auto text = root.db().setting("nextchat.fingerprints");
    if (!text) return tl::unexpected(text.error());
    if (!*text) return Out();
    std::map<std::string, std::string> out;
    auto j = formats::parse_json(**text, "nextchat.fingerprints");
    if (j && j->is_object())
        for (const auto& [name, hash] : j->items())
            // Only plugin names: a removed one reaches the restart command's environment.
            if (hash.is_string() && formats::is_valid_package_name(name))
                out[name] = hash.get<std::string>();
    return Out(std::move(out));
}

Result<void> remember_fingerprints(Root& root, const std::map<std::string, std::string>& fps) {
    nlohmann::json doc = nlohmann::json::object();
    for (const auto& [name, hash] : fps) doc[name] = hash;
    return root.db().set_setting("nextchat.fingerprints", doc.dump());
}

// The current generation's state, without NextChat's own pauses.
Result<NextchatState> current_state(Root& root, const std::string& nxp_exe,
                                    const std::string& path_map) {
    auto snap = current_snapshot(root);
    if (!snap) return tl::unexpected(snap.error());
    return nextchat_state_of(root, snap->packages, snap->config, nxp_exe, path_map);
}

}  // namespace

ExportPaths export_paths(const Root& root) {
    std::error_code ec;
    fs::path dir = fs::absolute(root.dir(), ec).lexically_normal() / "export";
    return {dir, dir / "nxp-launch", dir / "nxp.sock"};
}

Result<NextchatState> nextchat_state(Root& root, const std::string& nxp_exe,
                                     const std::string& path_map) {
    auto st = current_state(root, nxp_exe, path_map);
    if (!st) return tl::unexpected(st.error());
    auto dir = root.db().setting("nextchat.dir");
    if (!dir) return tl::unexpected(dir.error());
    if (!*dir || (*dir)->empty()) return st;
    // NextChat's own pauses, as the file holds them now (also before any transaction saw
    // them). A file that cannot be read is the drift check's to report.
    auto memory = remembered_pauses(root);
    if (!memory) return tl::unexpected(memory.error());
    std::map<std::string, std::string> statuses;
    if (!nextchat::read_mcp_config(**dir, &statuses)) return st;
    for (auto& e : st->servers) {
        auto status = statuses.find(e.name);
        if (status == statuses.end() || !nextchat::paused_in_nextchat(e, status->second, *memory))
            continue;
        st->paused_in_nextchat.insert(e.name);
        if (!e.paused) st->paused_why[e.name] = "in NextChat";
        e.paused = true;
    }
    return st;
}

Result<std::set<std::string>> nextchat_paused(Root& root) {
    auto st = nextchat_state(root, "", "");
    if (!st) return tl::unexpected(st.error());
    return st->paused_in_nextchat;
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

Result<NextchatSync> sync_nextchat(Root& root, const std::string& nxp_exe,
                                   const std::set<std::string>& resume) {
    NextchatSync out;
    auto dir = root.db().setting("nextchat.dir");
    if (!dir) return tl::unexpected(dir.error());
    if (!*dir || (*dir)->empty()) return out;
    auto map = root.db().setting("nextchat.path_map");
    if (!map) return tl::unexpected(map.error());
    auto state = current_state(root, nxp_exe, map->value_or(""));
    if (!state) return tl::unexpected(state.error());
    auto previously = managed_servers(root);
    if (!previously) return tl::unexpected(previously.error());
    auto pauses = remembered_pauses(root);
    if (!pauses) return tl::unexpected(pauses.error());
    pauses->resume = resume;
    auto mcp = nextchat::sync_mcp_config(**dir, state->servers, *previously, &*pauses);
    if (!mcp) {
        out.errors.push_back(mcp.error());
    } else {
        if (*mcp) out.changed.push_back("app/mcp/mcp_config.json");
        std::set<std::string> now;
        for (const auto& s : state->servers) now.insert(s.name);
        if (auto r = set_name_list(root, "nextchat.managed", now); !r)
            return tl::unexpected(r.error());
        if (auto r = set_name_list(root, "nextchat.paused_by_nxp", pauses->written_paused); !r)
            return tl::unexpected(r.error());
        if (auto r = set_name_list(root, "nextchat.paused_in_nextchat", pauses->in_nextchat); !r)
            return tl::unexpected(r.error());
        // The servers NextChat must start again: those whose entry the write changed, and
        // those added, removed or changed since NextChat was last restarted with them.
        // A NextChat pause changes neither (NextChat made it).
        std::set<std::string> changed = pauses->rewritten;
        auto before = remembered_fingerprints(root);
        if (!before) return tl::unexpected(before.error());
        if (*before) {
            for (const auto& [name, hash] : state->fingerprints) {
                auto was = (*before)->find(name);
                if (was == (*before)->end() || was->second != hash) changed.insert(name);
            }
            for (const auto& [name, hash] : **before)
                if (!state->fingerprints.count(name)) changed.insert(name);
        }
        out.servers_changed.assign(changed.begin(), changed.end());
        out.fingerprints = state->fingerprints;
        out.servers_synced = true;
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

// `command` run by /bin/sh -c, as system(3) does, with `env` added to (or replacing in) nxp's
// environment and its standard output on nxp's standard error; its wait status (-1 when it
// could not start).
int run_shell(const std::string& command, const std::map<std::string, std::string>& env) {
    std::vector<std::string> vars;
    for (char** e = environ; e && *e; ++e) {
        std::string_view var(*e);
        auto eq = var.find('=');
        if (eq != std::string_view::npos && env.count(std::string(var.substr(0, eq)))) continue;
        vars.emplace_back(var);
    }
    for (const auto& [name, value] : env) vars.push_back(name + "=" + value);
    std::vector<char*> envp;
    for (auto& v : vars) envp.push_back(v.data());
    envp.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        // nxp's standard output is its result (a JSON document with --json): what the
        // command prints goes to standard error, with nxp's messages.
        ::dup2(STDERR_FILENO, STDOUT_FILENO);
        const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
        ::execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return status;
}

}  // namespace

bool restart_nextchat(Root& root, const std::vector<std::string>& servers, Events& events) {
    std::string names, listed;
    for (const auto& n : servers) {
        names += (names.empty() ? "" : " ") + n;
        listed += (listed.empty() ? "" : ", ") + n;
    }
    auto setting = root.db().setting("nextchat.restart_cmd");
    std::string restart = setting && *setting ? **setting : std::string();
    if (restart.empty()) {
        events.message(Level::Info, "Restart NextChat to load the changes to: " + listed +
                                        " (no restart command set).");
        return true;
    }
    auto dir = root.db().setting("nextchat.dir");
    int rc = run_shell(restart, {{"NXP_CHANGED_SERVERS", names},
                                 {"NXP_NEXTCHAT_DIR", dir && *dir ? **dir : std::string()}});
    if (rc != 0) {
        events.message(Level::Warning,
                       "the restart command '" + restart + "' failed (status " +
                           std::to_string(rc) + ") for: " + listed +
                           "; restart NextChat yourself (the next change names these again)");
        return false;
    }
    events.message(Level::Info, "Restarted NextChat ('" + restart + "') for: " + listed + ".");
    return true;
}

void integrate_nextchat(Root& root, const std::string& nxp_exe, Events& events,
                        const std::set<std::string>& resume) {
    auto sync = sync_nextchat(root, nxp_exe.empty() ? std::string("nxp") : nxp_exe, resume);
    if (!sync) {
        events.after_commit_error(Error{sync.error().kind, sync.error().context,
                                        sync.error().message + not_updated_tail});
        return;
    }
    for (const auto& e : sync->errors)
        events.after_commit_error(Error{e.kind, e.context, e.message + not_updated_tail});
    if (!sync->changed.empty()) {
        std::string files;
        for (const auto& f : sync->changed) files += (files.empty() ? "" : ", ") + f;
        events.message(Level::Info, "Updated NextChat's " + files + ".");
    }
    // NextChat starts its MCP servers only when it starts: a server that changed (its entry,
    // version, configuration, grants, tool filters, paused or not) needs a restart, even
    // when mcp_config.json's text did not change. masks.json and prompts.json are static
    // files its pages fetch, so a change to them alone needs none. The fingerprints are
    // remembered once NextChat has been restarted (or told to be): after a failed restart
    // the same servers are named again by the next change.
    if (!sync->servers_synced) return;
    if (!sync->servers_changed.empty() && !restart_nextchat(root, sync->servers_changed, events))
        return;
    if (auto r = remember_fingerprints(root, sync->fingerprints); !r)
        events.message(Level::Warning,
                       "could not remember the servers NextChat runs: " + r.error().str());
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
    std::string what = "dir " + settings.dir;
    if (!settings.version.empty()) what += ", version " + settings.version;
    if (!settings.restart_cmd.empty()) what += ", restart command '" + settings.restart_cmd + "'";
    if (!settings.path_map.empty()) what += ", path map " + settings.path_map;
    if (settings.launcher) what += std::string(", launcher ") + (*settings.launcher ? "on" : "off");
    if (auto r = db.audit("", "nextchat-set", what); !r) return tl::unexpected(r.error());
    // The launcher the entries name is in place before NextChat may start one.
    if (settings.launcher && *settings.launcher)
        if (auto r = prepare_export(root); !r) return tl::unexpected(r.error());
    auto sync = sync_nextchat(root, nxp_exe);
    // The first time, what NextChat runs is taken as it is now (`set` restarts nothing);
    // later, changes not yet restarted (a failed restart command) stay pending.
    auto known = remembered_fingerprints(root);
    if (!known) return tl::unexpected(known.error());
    if (sync && sync->servers_synced && !*known)
        if (auto r = remember_fingerprints(root, sync->fingerprints); !r)
            return tl::unexpected(r.error());
    return sync;
}

}  // namespace nxp::txn
