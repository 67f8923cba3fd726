// nxp gc [--keep N]: drop old generations and unused store trees.
#include "cli/context.hpp"
#include "txn/gc.hpp"

namespace nxp::cli {

void add_gc(CLI::App& app, Context& ctx) {
    auto keep = std::make_shared<std::int64_t>(-1);
    auto* cmd = app.add_subcommand("gc", "Drop old generations and store trees nothing uses");
    cmd->add_option("--keep", *keep,
                    "Generations to keep besides the current one "
                    "(default: setting gc.keep, else 5)")
        ->check(CLI::NonNegativeNumber);
    cmd->callback([&ctx, keep] {
        ctx.action = [keep](Context& c) -> Result<int> {
            auto root = c.open_root(c.g.dry_run ? txn::Access::Read : txn::Access::Write);
            if (!root) return tl::unexpected(root.error());
            std::int64_t k = *keep;
            if (k < 0) {
                auto s = root->db().setting("gc.keep");
                if (!s) return tl::unexpected(s.error());
                k = 5;
                if (*s) {
                    try {
                        k = std::stoll(**s);
                    } catch (const std::exception&) {
                        return fail(ErrorKind::Invalid, "setting gc.keep", "not a number: " + **s);
                    }
                }
            }
            auto report = txn::collect_garbage(*root, k, c.g.dry_run);
            if (!report) return tl::unexpected(report.error());
            if (c.g.json) {
                c.emit({{"command", "gc"},
                        {"dry_run", c.g.dry_run},
                        {"removed_generations", report->removed_generations},
                        {"removed_trees", report->removed_trees},
                        {"freed_bytes", report->freed_bytes}});
                return 0;
            }
            c.out(std::string(c.g.dry_run ? "Would remove " : "Removed ") +
                  std::to_string(report->removed_generations.size()) + " generation(s) and " +
                  std::to_string(report->removed_trees.size()) + " store tree(s), " +
                  human_size(report->freed_bytes) + ".");
            return 0;
        };
    });
}

}  // namespace nxp::cli
