// nxp doctor [--repair]: every check an operator needs after something went wrong (database,
// audit log, generation, store, indexes, revocations and advisories, missing config, sandbox,
// NextChat drift), each finding with the command that fixes it. Exit 1 when any error or
// warning is found; notices (an index expiring soon) alone exit 0. A database that cannot be
// opened is itself the finding (with SQLite's own words); --repair rebuilds it.
#include <iostream>

#include "cli/context.hpp"
#include "txn/db_repair.hpp"
#include "txn/health.hpp"

namespace nxp::cli {

namespace {

constexpr const char* kRepairFix =
    "nxp doctor --repair (rebuilds nxp.db from what it still holds, generations/, the store "
    "and the package cache), or restore the whole root from a backup";

Result<int> report(Context& c, const std::vector<txn::DoctorFinding>& findings) {
    bool wrong = std::any_of(findings.begin(), findings.end(),
                             [](const auto& f) { return f.severity != txn::Severity::Notice; });
    if (c.g.json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& f : findings)
            arr.push_back({{"check", f.check},
                           {"severity", txn::severity_name(f.severity)},
                           {"subject", f.subject},
                           {"problem", f.problem},
                           {"fix", f.fix}});
        c.emit({{"command", "doctor"}, {"ok", !wrong}, {"findings", arr}});
        return wrong ? 1 : 0;
    }
    std::string text;
    for (const auto& f : findings) {
        const char* sgr = f.severity == txn::Severity::Error     ? "1;31"
                          : f.severity == txn::Severity::Warning ? "1;33"
                                                                 : "1;36";
        text += c.paint(txn::severity_name(f.severity), sgr) + " [" + f.check + "] " + f.subject +
                ": " + f.problem + "\n";
        if (!f.fix.empty()) text += "    fix: " + f.fix + "\n";
    }
    text += findings.empty() ? "No problems found."
            : wrong ? std::to_string(findings.size()) + " finding(s); the root needs attention."
                    : "Only notices; nothing is wrong yet.";
    c.out(text);
    return wrong ? 1 : 0;
}

// The database's damage as the finding, when it cannot be opened at all.
std::vector<txn::DoctorFinding> damage_findings(const db::Damage& d) {
    std::string problem = d.problem;
    for (const auto& line : d.details) problem += "\n      " + line;
    return {{"database", txn::Severity::Error, "nxp.db",
             problem + "\n    nothing that reads the database works until it is repaired",
             kRepairFix}};
}

Result<int> repair(Context& c) {
    const db::Damage damage = txn::diagnose_database(c.root_dir());
    if (damage.damaged) {
        const std::string what = "nxp.db: " + damage.problem;
        if (c.g.dry_run) {
            c.out("Would rebuild nxp.db (" + damage.problem + "), keeping the damaged file aside.");
            return 0;
        }
        if (!c.confirm(what + ". Rebuild it, keeping the damaged file aside?"))
            return fail(ErrorKind::Invalid, (c.root_dir() / "nxp.db").string(),
                        damage.problem + "; not rebuilt (run again with --yes to rebuild it)");
    } else if (c.g.dry_run) {
        c.out("nxp.db passes SQLite's integrity check; nothing to rebuild.");
        return 0;
    }
    auto rep = txn::repair_database(c.root_dir(), c);
    if (!rep) return tl::unexpected(rep.error());
    if (c.g.json) {
        nlohmann::json tables = nlohmann::json::array();
        for (const auto& t : rep->tables)
            tables.push_back({{"table", t.table}, {"rows", t.rows}, {"error", t.error}});
        c.emit({{"command", "doctor repair"},
                {"ok", rep->missing.empty()},
                {"rebuilt", rep->rebuilt},
                {"kept_as", rep->kept_as},
                {"tables", tables},
                {"lost", rep->lost},
                {"generations", rep->generations},
                {"plugins", rep->plugins},
                {"missing", rep->missing}});
        return rep->missing.empty() ? 0 : 1;
    }
    std::string text;
    if (rep->rebuilt) {
        text += "Rebuilt nxp.db. The damaged file is kept as " +
                (rep->kept_as.empty() ? std::string("(there was none)") : rep->kept_as) + ".\n";
        for (const auto& t : rep->tables)
            if (t.rows > 0)
                text += "  recovered " + t.table + ": " + std::to_string(t.rows) + " row(s)\n";
        if (!rep->lost.empty()) {
            text += "Lost:\n";
            for (const auto& l : rep->lost) text += "  - " + l + "\n";
        }
    } else {
        text += "nxp.db passes SQLite's integrity check; it was kept.\n";
    }
    for (auto g : rep->generations)
        text += "Recorded generation " + std::to_string(g) + " again from generations/" +
                std::to_string(g) + ".\n";
    text += "Installed now: " + std::to_string(rep->plugins.size()) + " plugin(s)\n";
    for (const auto& p : rep->plugins) text += "  " + p + "\n";
    for (const auto& m : rep->missing) text += "could not record " + m + "\n";
    c.out(text);
    return rep->missing.empty() ? 0 : 1;
}

}  // namespace

void add_doctor(CLI::App& app, Context& ctx) {
    auto* cmd =
        app.add_subcommand("doctor", "Check the root, repositories, plugins, sandbox and NextChat");
    auto repair_flag = std::make_shared<bool>(false);
    cmd->add_flag("--repair", *repair_flag,
                  "Rebuild a damaged install database from what it still holds, generations/, "
                  "the store and the package cache (the damaged file is kept aside)");
    cmd->callback([&ctx, repair_flag] {
        ctx.action = [repair_flag](Context& c) -> Result<int> {
            if (*repair_flag) return repair(c);
            auto root = c.open_root(txn::Access::Read);
            if (!root) {
                const db::Damage damage = txn::diagnose_database(c.root_dir());
                if (!damage.damaged || !std::filesystem::is_directory(c.root_dir() / "generations"))
                    return tl::unexpected(root.error());
                // What every other command says about it, then what doctor found.
                c.clear_progress();
                std::cerr << c.paint("nxp: " + root.error().str(), "31") << '\n';
                (void)report(c, damage_findings(damage));
                return 1;
            }
            txn::DoctorOptions opts;
            opts.now = txn::now_or_clock(0);
            opts.nxp_exe = self_exe();
            auto findings = txn::doctor(*root, opts);
            if (!findings) return tl::unexpected(findings.error());
            return report(c, *findings);
        };
    });
}

}  // namespace nxp::cli
