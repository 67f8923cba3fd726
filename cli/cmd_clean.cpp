// nxp clean: remove from ROOT/cache what nothing needs (txn/clean.hpp) and say how much.
#include "cli/context.hpp"
#include "formats/display.hpp"
#include "txn/clean.hpp"

namespace nxp::cli {

namespace {

nlohmann::json items_json(const std::vector<txn::CleanItem>& items) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& i : items) out.push_back({{"path", i.path}, {"bytes", i.bytes}});
    return out;
}

std::string count_of(std::size_t n, const char* what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

Result<int> run(Context& c) {
    auto root = c.open_root(c.g.dry_run ? txn::Access::Read : txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    auto report = txn::clean_cache(*root, c.g.dry_run);
    if (!report) return tl::unexpected(report.error());
    if (c.g.json) {
        c.emit({{"command", "clean"},
                {"dry_run", c.g.dry_run},
                {"freed_bytes", report->freed_bytes},
                {"packages", items_json(report->packages)},
                {"partial", items_json(report->partial)},
                {"indexes", items_json(report->indexes)}});
        return 0;
    }
    if (c.g.verbose > 0 || c.g.dry_run) {
        for (const auto* list : {&report->packages, &report->partial, &report->indexes})
            for (const auto& i : *list)
                c.out(std::string(c.g.dry_run ? "would remove " : "removed ") + i.path + " (" +
                      formats::human_size(i.bytes) + ")");
    }
    const std::string what = count_of(report->packages.size(), "cached package") + ", " +
                             count_of(report->partial.size(), "partial download") + ", " +
                             count_of(report->indexes.size(), "old index file");
    c.out(std::string(c.g.dry_run ? "would free " : "freed ") +
          formats::human_size(report->freed_bytes) + " (" + what + ")");
    return 0;
}

}  // namespace

void add_clean(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "clean",
        "Remove cached packages no kept generation needs, partial downloads and old index copies");
    cmd->callback([&ctx] { ctx.action = [](Context& c) { return run(c); }; });
}

}  // namespace nxp::cli
