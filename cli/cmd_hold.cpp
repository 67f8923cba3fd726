// nxp hold/unhold NAME…, nxp autoremove, nxp why NAME.
#include "cli/context.hpp"
#include "txn/installed.hpp"
#include "txn/repos.hpp"

namespace nxp::cli {

namespace {

Result<int> set_hold(Context& c, const std::vector<std::string>& names, bool held) {
    auto root = c.open_root(txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    auto pkgs = txn::current_packages(*root);
    if (!pkgs) return tl::unexpected(pkgs.error());
    for (const auto& n : names) {
        if (held &&
            std::none_of(pkgs->begin(), pkgs->end(), [&](const auto& p) { return p.name == n; }))
            return fail(ErrorKind::NotFound, n,
                        "not installed; only installed plugins can be held");
    }
    for (const auto& n : names) {
        if (auto r = root->db().set_hold(n, held); !r) return tl::unexpected(r.error());
        (void)root->db().audit(c.user(), held ? "hold" : "unhold", n);
    }
    if (c.g.json)
        c.emit({{"command", held ? "hold" : "unhold"}, {"names", names}});
    else
        for (const auto& n : names)
            c.out(n + (held ? " is held: it will not be upgraded, downgraded or removed."
                            : " is no longer held."));
    return 0;
}

Result<int> why(Context& c, const std::string& name) {
    auto root = c.open_root(txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto universe = txn::build_universe(*root, {});
    if (!universe) return tl::unexpected(universe.error());
    const resolver::Installed* inst = nullptr;
    for (const auto& i : universe->installed)
        if (i.meta.name == name) inst = &i;
    if (inst == nullptr) return fail(ErrorKind::NotFound, name, "not installed");
    auto chains = resolver::why(*universe, name);
    if (c.g.json) {
        c.emit({{"command", "why"},
                {"name", name},
                {"explicit", inst->explicit_},
                {"chains", chains}});
        return 0;
    }
    std::string text;
    if (inst->explicit_) text += name + " was installed explicitly.\n";
    for (const auto& chain : chains) {
        std::string line;
        for (const auto& link : chain) line += (line.empty() ? "" : " → ") + link;
        text += line + "\n";
    }
    if (!inst->explicit_ && chains.empty())
        text += name + " is a dependency nothing needs any more; 'nxp autoremove' removes it.\n";
    c.out(text);
    return 0;
}

}  // namespace

void add_hold(CLI::App& app, Context& ctx) {
    for (bool held : {true, false}) {
        auto names = std::make_shared<std::vector<std::string>>();
        auto* cmd = app.add_subcommand(
            held ? "hold" : "unhold",
            held ? "Keep plugins at their installed version" : "Let held plugins change again");
        cmd->add_option("plugins", *names, "Plugin names")->required();
        cmd->callback([&ctx, names, held] {
            ctx.action = [names, held](Context& c) { return set_hold(c, *names, held); };
        });
    }
    auto* autoremove =
        app.add_subcommand("autoremove", "Remove dependencies nothing needs any more");
    autoremove->callback([&ctx] {
        ctx.action = [](Context& c) -> Result<int> {
            auto root = c.open_root(c.g.dry_run ? txn::Access::Read : txn::Access::Write);
            if (!root) return tl::unexpected(root.error());
            resolver::Request req;
            req.jobs.push_back({resolver::JobKind::Autoremove, {}});
            return run_and_report(c, *root, req, "autoremove");
        };
    });
    auto name = std::make_shared<std::string>();
    auto* w = app.add_subcommand("why", "Show what keeps a plugin installed");
    w->add_option("name", *name, "Installed plugin")->required();
    w->callback([&ctx, name] { ctx.action = [name](Context& c) { return why(c, *name); }; });
}

}  // namespace nxp::cli
