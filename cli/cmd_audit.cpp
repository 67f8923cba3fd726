// nxp audit: installed plugins that a repository has revoked or has advisories for.
// Exit 1 when any finding applies, so it can gate a deployment.
#include <iostream>

#include "cli/context.hpp"
#include "cli/table.hpp"
#include "txn/health.hpp"

namespace nxp::cli {

void add_audit(CLI::App& app, Context& ctx) {
    auto* cmd =
        app.add_subcommand("audit", "Report installed plugins that are revoked or have advisories");
    cmd->callback([&ctx] {
        ctx.action = [](Context& c) -> Result<int> {
            auto root = c.open_root(txn::Access::Read);
            if (!root) return tl::unexpected(root.error());
            auto repos = txn::load_indexes(*root, txn::now_or_clock(0), c.g.offline, c);
            if (!repos) return tl::unexpected(repos.error());
            auto findings = txn::audit(*root, *repos);
            if (!findings) return tl::unexpected(findings.error());
            const int rc = findings->empty() ? 0 : 1;
            if (c.g.json) {
                nlohmann::json arr = nlohmann::json::array();
                for (const auto& f : *findings)
                    arr.push_back({{"name", f.name},
                                   {"version", f.version},
                                   {"repo", f.repo},
                                   {"kind", f.kind},
                                   {"id", f.id},
                                   {"severity", f.severity},
                                   {"summary", f.summary}});
                c.emit({{"command", "audit"}, {"ok", rc == 0}, {"findings", arr}});
                return rc;
            }
            if (findings->empty()) {
                c.out("No installed plugin is revoked or has an advisory.");
                return 0;
            }
            Table t({"NAME", "VERSION", "KIND", "SEVERITY", "ID", "SUMMARY"});
            for (const auto& f : *findings)
                t.add(
                    {f.name, f.version, f.kind, f.severity, f.id.empty() ? "-" : f.id, f.summary});
            c.out(t.render());
            for (const auto& f : *findings)
                if (f.kind == "revoked")
                    c.message(txn::Level::Warning,
                              f.name + " " + f.version +
                                  " is REVOKED by its publisher; remove or update it now");
            return rc;
        };
    });
}

}  // namespace nxp::cli
