// nxp enable / disable NAME…: a new generation with the plugins' enabled flag changed; a
// disabled MCP server stays installed and shows as paused in NextChat. `nxp enable NAME`
// also clears a pause the operator made in NextChat's UI (issue 17), even when the plugin is
// enabled already: then only NextChat's file is written, without a new generation.
#include "cli/context.hpp"
#include "formats/nearest.hpp"
#include "txn/plugins.hpp"

namespace nxp::cli {

namespace {

struct Flags {
    std::vector<std::string> names;
    bool enable = true;  // false: disable
};

Result<int> run(Context& c, const Flags& f) {
    const auto& names = f.names;
    const bool enable = f.enable;
    const std::string kind = enable ? "enable" : "disable";
    auto root = c.open_root(c.g.dry_run ? txn::Access::Read : txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    auto snap = txn::current_snapshot(*root);
    if (!snap) return tl::unexpected(snap.error());
    std::vector<txn::StepRecord> steps;
    for (const auto& name : names) {
        auto* pkg = snap->find(name);
        if (!pkg)
            return fail(ErrorKind::NotFound, name,
                        "not installed" + formats::did_you_mean_name(name, snap->packages));
        if (pkg->enabled == enable) continue;
        pkg->enabled = enable;
        steps.push_back({kind, name, pkg->version, pkg->version, pkg->repo});
    }
    // The named servers the operator paused in NextChat: enable resumes them there too.
    std::set<std::string> resumed;
    if (enable) {
        auto paused = txn::nextchat_paused(*root);
        if (!paused) return tl::unexpected(paused.error());
        for (const auto& name : names)
            if (paused->count(name)) resumed.insert(name);
    }
    const std::vector<std::string> resumed_list(resumed.begin(), resumed.end());
    std::string resumed_text;
    for (const auto& n : resumed) resumed_text += (resumed_text.empty() ? "" : ", ") + n;
    if (steps.empty() && resumed.empty()) {
        if (c.g.json)
            c.emit({{"command", kind},
                    {"applied", false},
                    {"names", names},
                    {"resumed_in_nextchat", resumed_list}});
        else
            c.out("Nothing to do: already " + kind + "d.");
        return 0;
    }
    if (steps.empty()) {
        // Enabled in nxp already, paused in NextChat: only NextChat's file changes.
        if (!c.g.dry_run) txn::integrate_nextchat(*root, self_exe(), c, resumed);
        if (c.g.json)
            c.emit({{"command", kind},
                    {"applied", !c.g.dry_run},
                    {"names", names},
                    {"resumed_in_nextchat", resumed_list}});
        else if (c.g.dry_run)
            c.out("Dry run: would resume " + resumed_text + " (paused in NextChat).");
        else
            c.message(txn::Level::Info,
                      "Resumed " + resumed_text + " in NextChat (it was paused there).");
        return 0;
    }
    auto opts = c.txn_options(enable ? txn::TxnKind::Enable : txn::TxnKind::Disable, *root);
    if (!opts) return tl::unexpected(opts.error());
    opts->resume_in_nextchat = resumed;
    auto report = txn::apply_change(*root, *snap, steps, *opts, c);
    if (!report) return tl::unexpected(report.error());
    if (c.g.json) {
        c.emit({{"command", kind},
                {"applied", report->applied},
                {"names", names},
                {"resumed_in_nextchat", resumed_list},
                {"generation", report->applied ? report->to_generation : report->from_generation}});
    } else if (!report->applied) {
        c.out("Dry run: would " + kind + " " + std::to_string(steps.size()) + " plugin(s)" +
              (resumed.empty() ? "" : " and resume " + resumed_text + " in NextChat") + ".");
    } else {
        c.message(txn::Level::Info,
                  std::string(enable ? "Enabled" : "Disabled") + ": generation " +
                      std::to_string(report->to_generation) +
                      " is current (undo with 'nxp rollback')" +
                      (resumed.empty() ? "" : "; resumed " + resumed_text + " in NextChat") + ".");
    }
    return 0;
}

void add_one(CLI::App& app, Context& ctx, bool enable) {
    auto f = std::make_shared<Flags>();
    f->enable = enable;
    auto* cmd =
        app.add_subcommand(enable ? "enable" : "disable",
                           enable ? "Enable plugins" : "Disable plugins (paused in NextChat)");
    cmd->add_option("plugins", f->names, "Installed plugin names")->required();
    cmd->callback([&ctx, f] { ctx.action = [f](Context& c) { return run(c, *f); }; });
}

}  // namespace

void add_enable(CLI::App& app, Context& ctx) {
    add_one(app, ctx, true);
    add_one(app, ctx, false);
}

}  // namespace nxp::cli
