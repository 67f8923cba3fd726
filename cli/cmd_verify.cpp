// nxp verify [NAME…]: every installed file against its recorded sha256 and mode.
#include "cli/context.hpp"
#include "txn/repair.hpp"
#include "txn/verify.hpp"

namespace nxp::cli {

void add_verify(CLI::App& app, Context& ctx) {
    auto names = std::make_shared<std::vector<std::string>>();
    auto* cmd = app.add_subcommand("verify", "Check installed files against the database");
    cmd->add_option("plugins", *names, "Only these plugins");
    cmd->callback([&ctx, names] {
        ctx.action = [names](Context& c) -> Result<int> {
            // The write lock lets an interrupted transaction be recovered before checking.
            auto root = c.open_root(txn::Access::Write);
            if (!root) return tl::unexpected(root.error());
            auto findings = txn::verify(*root, *names);
            if (!findings) return tl::unexpected(findings.error());
            if (c.g.json) {
                nlohmann::json arr = nlohmann::json::array();
                for (const auto& f : *findings)
                    arr.push_back(
                        {{"package", f.package}, {"path", f.path}, {"problem", f.problem}});
                c.emit({{"command", "verify"}, {"ok", findings->empty()}, {"findings", arr}});
            } else if (findings->empty()) {
                c.out("All installed files match the database.");
            } else {
                for (const auto& f : *findings)
                    c.message(txn::Level::Warning, f.path + ": " + f.problem);
            }
            return findings->empty() ? 0 : 1;
        };
    });

    auto rnames = std::make_shared<std::vector<std::string>>();
    auto* rep = app.add_subcommand("repair",
                                   "Restore damaged installed files from the cache or repository");
    rep->add_option("plugins", *rnames, "Only these plugins");
    rep->callback([&ctx, rnames] {
        ctx.action = [rnames](Context& c) -> Result<int> {
            auto root = c.open_root(txn::Access::Write);
            if (!root) return tl::unexpected(root.error());
            auto report = txn::repair(*root, *rnames, c.g.offline, c);
            if (!report) return tl::unexpected(report.error());
            auto left = txn::verify(*root, *rnames);
            if (!left) return tl::unexpected(left.error());
            if (c.g.json)
                c.emit({{"command", "repair"},
                        {"repaired", report->repaired},
                        {"fetched", report->fetched},
                        {"ok", left->empty()}});
            else if (report->repaired.empty() && left->empty())
                c.out("Nothing to repair.");
            else
                c.out("Repaired " + std::to_string(report->repaired.size()) + " store tree(s)" +
                      (left->empty() ? "; all installed files match the database."
                                     : "; some problems remain, see 'nxp verify'."));
            return left->empty() ? 0 : 1;
        };
    });
}

}  // namespace nxp::cli
