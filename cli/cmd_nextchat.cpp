// nxp nextchat set DIR | status. Keeping NextChat in step after a transaction is txn's
// (txn::integrate_nextchat).
#include "cli/context.hpp"
#include "nextchat/catalog.hpp"
#include "nextchat/mcp_config.hpp"
#include "os/unix_socket.hpp"
#include "txn/health.hpp"
#include "txn/nextchat_version.hpp"

namespace nxp::cli {

namespace {

std::string setting(txn::Root& root, const char* key) {
    auto v = root.db().setting(key);
    return v && *v ? **v : std::string();
}

// "from src-tauri/tauri.conf.json", "set explicitly" or "unknown".
std::string version_from(const txn::NextchatVersion& v) {
    if (v.version.empty()) return "unknown";
    if (v.source.empty()) return "source not recorded";
    return v.source == txn::kExplicitVersion ? "set explicitly" : "from " + v.source;
}

struct SetFlags {
    std::string dir, restart_cmd, path_map, version;
    bool launcher = false, no_launcher = false;
};

Result<int> set(Context& c, const SetFlags& f) {
    auto root = c.open_root(txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    auto abs = std::filesystem::absolute(f.dir).lexically_normal();
    if (!std::filesystem::is_directory(abs))
        return fail(ErrorKind::NotFound, abs.string(), "not a directory");
    // The version given (kept until given again), else the one detected in DIR.
    auto recorded = txn::record_nextchat_version(root->db(), abs, f.version);
    if (!recorded) return tl::unexpected(recorded.error());
    const std::string version = recorded->version;
    if (version.empty())
        c.message(txn::Level::Warning, txn::unknown_nextchat_version(abs.string()));
    txn::NextchatSettings settings{abs.string(), "", f.restart_cmd, f.path_map, {}};
    if (f.launcher || f.no_launcher) settings.launcher = f.launcher;
    auto sync = txn::set_nextchat(*root, settings, self_exe());
    if (!sync) return tl::unexpected(sync.error());
    if (!sync->errors.empty()) return tl::unexpected(sync->errors.front());
    if (c.g.json) {
        c.emit({{"command", "nextchat set"},
                {"dir", abs.string()},
                {"version", version},
                {"version_source", recorded->source},
                {"changed", !sync->changed.empty()},
                {"files", sync->changed}});
    } else {
        std::string files;
        for (const auto& f : sync->changed) files += (files.empty() ? "" : ", ") + f;
        c.out(
            "NextChat at " + abs.string() +
            (version.empty() ? "" : " (version " + version + ", " + version_from(*recorded) + ")") +
            (files.empty() ? "; its files are in step." : "; updated " + files + "."));
    }
    return 0;
}

Result<int> status(Context& c) {
    auto root = c.open_root(txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    std::string dir = setting(*root, "nextchat.dir");
    if (dir.empty())
        return fail(ErrorKind::NotFound, "nextchat", "not set; run 'nxp nextchat set DIR'");
    auto want = txn::nextchat_state(*root, self_exe(), setting(*root, "nextchat.path_map"));
    if (!want) return tl::unexpected(want.error());
    auto found = txn::nextchat_drift(*want, dir);
    if (!found) return tl::unexpected(found.error());
    nlohmann::json drift = nlohmann::json::array();
    for (const auto& [name, problem] : *found)
        drift.push_back({{"name", name}, {"problem", problem}});
    auto exported = txn::export_paths(*root);
    const bool launcher = setting(*root, "nextchat.launcher") == "1";
    const bool listening = os::unix_socket_listening(exported.socket.string());
    nlohmann::json paused = nlohmann::json::array();
    for (const auto& [name, why] : want->paused_why)
        paused.push_back({{"name", name}, {"why", why}});
    // Detected again (not recorded: the next transaction records it).
    auto ver = txn::check_nextchat_version(root->db());
    if (!ver) return tl::unexpected(ver.error());
    if (!ver->problem.empty()) c.message(txn::Level::Warning, ver->problem);
    if (ver->now.version.empty())
        c.message(txn::Level::Warning, txn::unknown_nextchat_version(dir));
    std::string version_line = version_from(ver->now);
    if (!ver->now.version.empty()) version_line = ver->now.version + " (" + version_line + ")";
    if (ver->now.version != ver->recorded.version)
        version_line += "; " + (ver->recorded.version.empty() ? "unknown" : ver->recorded.version) +
                        " recorded until the next transaction";
    if (c.g.json) {
        c.emit({{"command", "nextchat status"},
                {"dir", dir},
                {"export_dir", exported.dir.string()},
                {"launcher", launcher},
                {"socket", exported.socket.string()},
                {"serve_listening", listening},
                {"version", ver->now.version},
                {"version_source", ver->now.source},
                {"version_recorded", ver->recorded.version},
                {"servers", want->servers.size()},
                {"paused", paused},
                {"masks", want->masks.size()},
                {"prompts", want->prompts.size()},
                {"drift", drift}});
        return drift.empty() ? 0 : 1;
    }
    std::string text = "NextChat    " + dir + "\nVersion     " + version_line + "\n" +
                       "Entries     " +
                       (launcher ? "the launcher in " + exported.dir.string() +
                                       (listening ? " (nxp serve listening)"
                                                  : " (nothing listens on its socket: run 'nxp "
                                                    "serve')")
                                 : std::string("nxp exec")) +
                       "\nExport dir  " + exported.dir.string() + "\n";
    for (const auto& w : want->servers) {
        auto why = want->paused_why.find(w.name);
        text += "  " + w.name + "  " +
                (why == want->paused_why.end() ? "active" : "paused (" + why->second + ")") + "\n";
    }
    for (const auto& m : want->masks) text += "  " + m.plugin + "  mask\n";
    for (const auto& p : want->prompts) text += "  " + p.plugin + "  prompts\n";
    for (const auto& d : drift)
        text += "drift: " + d["name"].get<std::string>() + ": " + d["problem"].get<std::string>() +
                "\n";
    text += drift.empty() ? "In step."
                          : "Out of step; any transaction (or 'nxp nextchat set DIR') rewrites it.";
    c.out(text);
    return drift.empty() ? 0 : 1;
}

}  // namespace

void add_nextchat(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("nextchat", "Point nxp at NextChat and check it is in step");
    cmd->require_subcommand(1);
    auto f = std::make_shared<SetFlags>();
    auto* s = cmd->add_subcommand("set", "Keep DIR's app/mcp/mcp_config.json in step");
    s->add_option("dir", f->dir, "NextChat checkout or mounted volume")->required();
    s->add_option("--restart-cmd", f->restart_cmd,
                  "Run after each change, e.g. 'docker restart nextchat'");
    s->add_option("--path-map", f->path_map, "HOST=CONTAINER: where NextChat sees nxp's paths");
    s->add_option("--nextchat-version", f->version,
                  "NextChat version, kept until given again ('detect': detect it again; "
                  "default: detected)");
    auto* via = s->add_flag("--launcher", f->launcher,
                            "Entries start plugins through the export directory's launcher and "
                            "'nxp serve' (NextChat in a container or as another user)");
    s->add_flag("--no-launcher", f->no_launcher, "Entries run 'nxp exec' directly (the default)")
        ->excludes(via);
    s->callback([&ctx, f] { ctx.action = [f](Context& c) { return set(c, *f); }; });
    auto* st = cmd->add_subcommand("status", "Show drift between nxp's state and NextChat's files");
    st->callback([&ctx] { ctx.action = [](Context& c) { return status(c); }; });
}

}  // namespace nxp::cli
