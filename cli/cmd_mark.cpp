// nxp mark NAME… --explicit|--dependency (pacman -D --asexplicit/--asdeps): parse and render;
// the change is txn::mark_plugins, a new generation (undo with 'nxp rollback').
#include "cli/context.hpp"
#include "txn/mark.hpp"

namespace nxp::cli {

namespace {

struct Flags {
    std::vector<std::string> names;
    bool as_explicit = false;
    bool as_dependency = false;
};

Result<int> run(Context& c, const Flags& f) {
    if (f.as_explicit == f.as_dependency)
        return fail(ErrorKind::Usage, "mark", "give exactly one of --explicit and --dependency");
    const auto reason = f.as_explicit ? txn::Reason::Explicit : txn::Reason::Dependency;
    const std::string reason_text(txn::reason_name(reason));
    auto root = c.open_root(c.g.dry_run ? txn::Access::Read : txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    auto opts = c.txn_options(txn::TxnKind::Mark, *root);
    if (!opts) return tl::unexpected(opts.error());
    auto marked = txn::mark_plugins(*root, f.names, reason, *opts, c);
    if (!marked) return tl::unexpected(marked.error());
    const auto& report = marked->report;
    if (c.g.json) {
        c.emit({{"command", "mark"},
                {"reason", reason_text},
                {"applied", report.applied},
                {"changed", marked->changed},
                {"unchanged", marked->unchanged},
                {"generation", report.applied ? report.to_generation : report.from_generation}});
        return 0;
    }
    std::string text;
    for (const auto& n : marked->changed)
        text += n + (report.applied ? ": now " : ": would be ") + reason_text + "\n";
    for (const auto& n : marked->unchanged) text += n + ": already " + reason_text + "\n";
    if (marked->changed.empty())
        text += "Nothing to do.";
    else if (!report.applied)
        text += "Dry run: nothing was changed.";
    else
        text += "Generation " + std::to_string(report.to_generation) +
                " is current (undo with 'nxp rollback').";
    c.out(text);
    return 0;
}

}  // namespace

void add_mark(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand(
        "mark", "Change why installed plugins are installed (explicit or dependency)");
    cmd->add_option("plugins", f->names, "Installed plugin names")->required();
    auto* e = cmd->add_flag("--explicit", f->as_explicit,
                            "Mark as explicitly installed: autoremove keeps them");
    auto* d =
        cmd->add_flag("--dependency", f->as_dependency,
                      "Mark as dependencies: autoremove removes them once nothing needs them");
    e->excludes(d);
    cmd->callback([&ctx, f] { ctx.action = [f](Context& c) { return run(c, *f); }; });
}

}  // namespace nxp::cli
