// nxp hold/unhold NAME…, nxp autoremove, nxp why NAME.
#include "cli/context.hpp"
#include "txn/admin.hpp"
#include "txn/repos.hpp"

namespace nxp::cli {

namespace {

namespace hold {

struct Flags {
    std::vector<std::string> names;
    bool held = true;  // false: unhold
};

Result<int> run(Context& c, const Flags& f) {
    auto root = c.open_root(txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    if (auto r = txn::set_holds(*root, f.names, f.held, c.user()); !r)
        return tl::unexpected(r.error());
    if (c.g.json)
        c.emit({{"command", f.held ? "hold" : "unhold"}, {"names", f.names}});
    else
        for (const auto& n : f.names)
            c.out(n + (f.held ? " is held: it will not be upgraded, downgraded or removed."
                              : " is no longer held."));
    return 0;
}

}  // namespace hold

namespace why {

struct Flags {
    std::string name;
};

Result<int> run(Context& c, const Flags& f) {
    const std::string& name = f.name;
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

}  // namespace why

namespace autoremove {

struct Flags {};

Result<int> run(Context& c, const Flags&) {
    auto root = c.open_root(c.g.dry_run ? txn::Access::Read : txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    resolver::Request req;
    req.jobs.push_back({resolver::JobKind::Autoremove, {}});
    return run_and_report(c, *root, req, txn::TxnKind::Autoremove);
}

}  // namespace autoremove

}  // namespace

void add_hold(CLI::App& app, Context& ctx) {
    for (bool held : {true, false}) {
        auto f = std::make_shared<hold::Flags>();
        f->held = held;
        auto* cmd = app.add_subcommand(
            held ? "hold" : "unhold",
            held ? "Keep plugins at their installed version" : "Let held plugins change again");
        cmd->add_option("plugins", f->names, "Plugin names")->required();
        cmd->callback([&ctx, f] { ctx.action = [f](Context& c) { return hold::run(c, *f); }; });
    }
    auto* cmd = app.add_subcommand("autoremove", "Remove dependencies nothing needs any more");
    cmd->callback([&ctx] {
        ctx.action = [](Context& c) { return autoremove::run(c, autoremove::Flags{}); };
    });
    auto why_flags = std::make_shared<why::Flags>();
    auto* w = app.add_subcommand("why", "Show what keeps a plugin installed");
    w->add_option("name", why_flags->name, "Installed plugin")->required();
    w->callback([&ctx, why_flags] {
        ctx.action = [why_flags](Context& c) { return why::run(c, *why_flags); };
    });
}

}  // namespace nxp::cli
