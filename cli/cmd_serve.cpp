// nxp serve: the host runner that NextChat's launcher entries (nxp nextchat set --launcher)
// ask to start plugins (runtime/serve.hpp). Prepares ROOT/export (the launcher), then serves
// until SIGTERM; one line per session on stderr.
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "cli/context.hpp"
#include "runtime/serve.hpp"
#include "txn/export.hpp"

namespace nxp::cli {

namespace {

struct ServeFlags {
    std::vector<unsigned> allow_uids;
    std::size_t max_sessions = 64;
};

// The first directory on the way to `dir` that other users cannot search (o+x), if any: they
// cannot reach the socket then (a container that mounts `dir` itself still can).
std::string closed_ancestor(const std::filesystem::path& dir) {
    std::filesystem::path p;
    for (const auto& part : dir) {
        p /= part;
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0 && (st.st_mode & S_IXOTH) == 0) return p.string();
    }
    return {};
}

std::string uid_list(const std::vector<uid_t>& uids) {
    std::string s;
    for (auto u : uids) s += (s.empty() ? "" : ", ") + std::to_string(u);
    return s;
}

Result<int> run(Context& c, const ServeFlags& f) {
    std::filesystem::path root_dir;
    txn::ExportPaths exported;
    {
        auto root = c.open_root(txn::Access::Read);
        if (!root) return tl::unexpected(root.error());
        auto made = txn::prepare_export(*root);
        if (!made) return tl::unexpected(made.error());
        exported = *made;
        root_dir = root->dir();
        auto via = root->db().setting("nextchat.launcher");
        if (via && (!*via || **via != "1"))
            c.message(txn::Level::Warning,
                      "NextChat's entries run nxp exec, not the launcher: nothing will connect "
                      "until 'nxp nextchat set DIR --launcher'");
    }  // the database is closed: each nxp exec opens its own
    auto activated = runtime::systemd_listen_fd();
    if (!activated) return tl::unexpected(activated.error());
    runtime::ServeOptions opts;
    opts.root = std::filesystem::absolute(root_dir).lexically_normal();
    opts.socket = exported.socket;
    opts.nxp_exe = self_exe();
    opts.listen_fd = activated->value_or(-1);
    opts.max_sessions = f.max_sessions;
    std::vector<uid_t> allowed = {0};
    if (::geteuid() != 0) allowed.push_back(::geteuid());
    for (auto u : f.allow_uids) {
        opts.allow_uids.push_back(static_cast<uid_t>(u));
        allowed.push_back(static_cast<uid_t>(u));
    }
    if (auto closed = closed_ancestor(exported.dir); !closed.empty() && !f.allow_uids.empty())
        c.message(txn::Level::Warning,
                  closed +
                      " is not searchable by other users: an allowed uid on this host "
                      "cannot reach " +
                      exported.socket.string() + " (a container that mounts " +
                      exported.dir.string() + " still can)");
    runtime::ServeEvents events;
    events.listening = [&](const std::filesystem::path& socket, bool by_systemd) {
        if (c.g.json) {
            nlohmann::json uids = allowed;
            c.emit({{"command", "serve"},
                    {"socket", socket.string()},
                    {"launcher", exported.launcher.string()},
                    {"export_dir", exported.dir.string()},
                    {"socket_activated", by_systemd},
                    {"allowed_uids", uids},
                    {"max_sessions", f.max_sessions}});
        } else {
            c.out("nxp serve: listening on " + socket.string() +
                  (by_systemd ? " (socket from systemd)" : "") + "; plugins start for uid " +
                  uid_list(allowed) + "; launcher " + exported.launcher.string());
        }
        std::cout.flush();
    };
    events.session = [](const std::string& line) { std::cerr << "nxp serve: " << line << '\n'; };
    auto served = runtime::serve(opts, events);
    if (!served) return tl::unexpected(served.error());
    return 0;
}

}  // namespace

void add_serve(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<ServeFlags>();
    auto* cmd = app.add_subcommand(
        "serve", "Start plugins for NextChat's launcher entries (a container, another user)");
    cmd->add_option("--allow-uid", f->allow_uids,
                    "Also start plugins for this uid (repeatable; root and nxp's own uid always)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--max-sessions", f->max_sessions, "Sessions at once (default 64)")
        ->check(CLI::Range(1, 4096));
    cmd->callback([&ctx, f] { ctx.action = [f](Context& c) { return run(c, *f); }; });
}

}  // namespace nxp::cli
