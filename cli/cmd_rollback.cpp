// nxp rollback [--to N] [--force]: switch back to an earlier generation, O(1), no network.
#include "cli/context.hpp"

namespace nxp::cli {

namespace {

struct Flags {
    std::int64_t to = -1;  // -1: the newest generation older than current
    bool force = false;
};

Result<int> run(Context& c, const Flags& f) {
    auto root = c.open_root(c.g.dry_run ? txn::Access::Read : txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    std::optional<std::int64_t> target;
    if (f.to >= 0) target = f.to;
    auto opts = c.txn_options(txn::TxnKind::Rollback, *root);
    if (!opts) return tl::unexpected(opts.error());
    auto report = txn::rollback(*root, target, *opts, c, f.force);
    if (!report) return tl::unexpected(report.error());
    if (c.g.json) {
        c.emit({{"command", "rollback"},
                {"ok", true},
                {"dry_run", c.g.dry_run},
                {"from_generation", report->from_generation},
                {"to_generation", report->to_generation},
                {"plan", plan_json(report->plan)},
                {"transaction", report->txn_id}});
        return 0;
    }
    std::string text;
    for (const auto& s : report->plan.steps) {
        text += "  " + s.name + ": " + (s.from ? s.from->str() : std::string("(none)")) + " -> " +
                (s.to ? s.to->str() : std::string("(removed)")) + "\n";
    }
    c.out((c.g.dry_run ? "Would roll back from generation " : "Rolled back from generation ") +
          std::to_string(report->from_generation) + " to " + std::to_string(report->to_generation) +
          ".\n" + text);
    return 0;
}

}  // namespace

void add_rollback(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<Flags>();
    auto* cmd =
        app.add_subcommand("rollback", "Switch back to the previous (or a chosen) generation");
    cmd->add_option("--to", f->to, "Generation to switch to (see 'nxp history')");
    cmd->add_flag("--force", f->force,
                  "Roll back even onto packages that an accepted repository index revokes");
    cmd->callback([&ctx, f] { ctx.action = [f](Context& c) { return run(c, *f); }; });
}

}  // namespace nxp::cli
