// nxp gc [--keep N]: drop old generations and unused store trees.
#include "cli/context.hpp"
#include "formats/display.hpp"
#include "txn/gc.hpp"
#include "txn/settings.hpp"

namespace nxp::cli {

namespace {

struct Flags {
    std::int64_t keep = -1;  // -1: setting gc.keep, else 5
};

Result<int> run(Context& c, const Flags& f) {
    auto root = c.open_root(c.g.dry_run ? txn::Access::Read : txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    std::int64_t k = f.keep;
    if (k < 0) {
        auto setting = txn::gc_keep(*root);
        if (!setting) return tl::unexpected(setting.error());
        k = static_cast<std::int64_t>(*setting);
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
          formats::human_size(report->freed_bytes) + ".");
    return 0;
}

}  // namespace

void add_gc(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand("gc", "Drop old generations and store trees nothing uses");
    cmd->add_option("--keep", f->keep,
                    "Generations to keep besides the current one "
                    "(default: setting gc.keep, else 5)")
        ->check(CLI::NonNegativeNumber);
    cmd->callback([&ctx, f] { ctx.action = [f](Context& c) { return run(c, *f); }; });
}

}  // namespace nxp::cli
