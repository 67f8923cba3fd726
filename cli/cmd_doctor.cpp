// nxp doctor: every check an operator needs after something went wrong (database, generation,
// store, indexes, revocations and advisories, missing config, sandbox, NextChat drift), each
// finding with the command that fixes it. Exit 1 when any error or warning is found;
// notices (an index expiring soon) alone exit 0.
#include "cli/context.hpp"
#include "txn/health.hpp"

namespace nxp::cli {

void add_doctor(CLI::App& app, Context& ctx) {
    auto* cmd =
        app.add_subcommand("doctor", "Check the root, repositories, plugins, sandbox and NextChat");
    cmd->callback([&ctx] {
        ctx.action = [](Context& c) -> Result<int> {
            auto root = c.open_root(txn::Access::Read);
            if (!root) return tl::unexpected(root.error());
            txn::DoctorOptions opts;
            opts.now = txn::now_or_clock(0);
            opts.nxp_exe = self_exe();
            auto findings = txn::doctor(*root, opts);
            if (!findings) return tl::unexpected(findings.error());
            bool wrong = std::any_of(findings->begin(), findings->end(), [](const auto& f) {
                return f.severity != txn::Severity::Notice;
            });
            if (c.g.json) {
                nlohmann::json arr = nlohmann::json::array();
                for (const auto& f : *findings)
                    arr.push_back({{"check", f.check},
                                   {"severity", txn::severity_name(f.severity)},
                                   {"subject", f.subject},
                                   {"problem", f.problem},
                                   {"fix", f.fix}});
                c.emit({{"command", "doctor"}, {"ok", !wrong}, {"findings", arr}});
                return wrong ? 1 : 0;
            }
            std::string text;
            for (const auto& f : *findings) {
                const char* sgr = f.severity == txn::Severity::Error     ? "1;31"
                                  : f.severity == txn::Severity::Warning ? "1;33"
                                                                         : "1;36";
                text += c.paint(txn::severity_name(f.severity), sgr) + " [" + f.check + "] " +
                        f.subject + ": " + f.problem + "\n";
                if (!f.fix.empty()) text += "    fix: " + f.fix + "\n";
            }
            text += findings->empty() ? "No problems found."
                    : wrong           ? std::to_string(findings->size()) +
                                  " finding(s); the root needs attention."
                            : "Only notices; nothing is wrong yet.";
            c.out(text);
            return wrong ? 1 : 0;
        };
    });
}

}  // namespace nxp::cli
