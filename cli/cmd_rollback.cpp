// nxp rollback [--to N] [--force]: switch back to an earlier generation, O(1), no network.
#include "cli/context.hpp"

namespace nxp::cli {

void add_rollback(CLI::App& app, Context& ctx) {
    auto* cmd =
        app.add_subcommand("rollback", "Switch back to the previous (or a chosen) generation");
    auto to = std::make_shared<std::int64_t>(-1);
    cmd->add_option("--to", *to, "Generation to switch to (see 'nxp history')");
    auto force = std::make_shared<bool>(false);
    cmd->add_flag("--force", *force,
                  "Roll back even onto packages that an accepted repository index revokes");
    cmd->callback([&ctx, to, force] {
        ctx.action = [to, force](Context& c) -> Result<int> {
            auto root = c.open_root(c.g.dry_run ? txn::Access::Read : txn::Access::Write);
            if (!root) return tl::unexpected(root.error());
            std::optional<std::int64_t> target;
            if (*to >= 0) target = *to;
            auto opts = c.txn_options("rollback");
            auto report = txn::rollback(*root, target, opts, c, *force);
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
                text += "  " + s.name + ": " + (s.from ? s.from->str() : std::string("(none)")) +
                        " -> " + (s.to ? s.to->str() : std::string("(removed)")) + "\n";
            }
            c.out((c.g.dry_run ? "Would roll back from generation "
                               : "Rolled back from generation ") +
                  std::to_string(report->from_generation) + " to " +
                  std::to_string(report->to_generation) + ".\n" + text);
            return 0;
        };
    });
}

}  // namespace nxp::cli
