#include "txn/transaction.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "txn/fsutil.hpp"
#include "txn/grant_step.hpp"
#include "txn/installed.hpp"
#include "txn/interrupt.hpp"
#include "txn/journal.hpp"
#include "txn/nextchat_version.hpp"
#include "txn/plugins.hpp"
#include "txn/repos.hpp"
#include "txn/settings.hpp"
#include "txn/stage.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;

std::int64_t now_or_clock(std::int64_t now) {
    return now != 0 ? now : static_cast<std::int64_t>(std::time(nullptr));
}

namespace {

StepRecord record_of(const resolver::Step& s) {
    return {step_action_of(s.kind), s.name, s.from ? s.from->str() : "", s.to ? s.to->str() : "",
            s.repo};
}

// Downloads and stages every package the plan brings in; fills store paths in `next`.
Result<void> stage_plan(Root& root, const resolver::Plan& plan, const std::vector<RepoIndex>& repos,
                        const TxnOptions& opts, std::map<std::string, db::GenPackage>& next,
                        std::uint64_t& downloaded, Events& events) {
    return stage_packages(root, plan, {&repos, std::nullopt, opts.offline}, next, downloaded,
                          events);
}

}  // namespace

namespace {

// Resolves `request`; with opts.hold_back_ungranted, upgrades whose new permissions are
// refused are held: locked and the request resolved again, until no upgrade in the plan
// needs a refused permission (each round locks at least one more plugin).
Result<resolver::Outcome> resolve_holding_back(const Root& root, resolver::Universe& universe,
                                               const resolver::Request& request,
                                               const TxnOptions& opts, GrantDecider& grants,
                                               TxnReport& report) {
    auto outcome = resolver::resolve(universe, request);
    if (!outcome) return tl::unexpected(outcome.error());
    while (opts.hold_back_ungranted && std::holds_alternative<resolver::Plan>(*outcome)) {
        auto held =
            upgrades_to_hold(root, std::get<resolver::Plan>(*outcome), grants, opts.dry_run);
        if (!held) return tl::unexpected(held.error());
        if (held->empty()) break;
        for (auto& h : *held) {
            for (auto& inst : universe.installed)
                if (inst.meta.name == h.name) inst.held = true;
            report.held_back.push_back(std::move(h));
        }
        outcome = resolver::resolve(universe, request);
        if (!outcome) return tl::unexpected(outcome.error());
    }
    return outcome;
}

// Each problem's solutions offered as a choice (Events::choose: on a terminal); empty when a
// problem has none or nobody chose.
std::vector<resolver::Choice> choose_solutions(const resolver::Unsolvable& u, Events& events) {
    std::vector<resolver::Choice> out;
    for (std::size_t i = 0; i < u.problems.size(); ++i) {
        const auto& p = u.problems[i];
        if (p.id == 0 || p.solutions.empty()) return {};
        std::string prompt = "Problem " + std::to_string(i + 1) + ": " + p.text + "\n";
        for (const auto& d : p.details)
            if (d != p.text) prompt += "  - " + d + "\n";
        std::vector<std::string> options;
        for (const auto& sol : p.solutions) options.push_back(sol.text);
        auto pick = events.choose(prompt, options);
        if (!pick || *pick >= options.size()) return {};
        out.push_back({p.id, p.solutions[*pick].id});
    }
    return out;
}

// resolve_holding_back; while the request is unsolvable and someone chooses a solution for
// each problem, the request is solved again with those taken (a few rounds at most).
Result<resolver::Outcome> resolve_choosing(const Root& root, resolver::Universe& universe,
                                           const resolver::Request& request, const TxnOptions& opts,
                                           GrantDecider& grants, TxnReport& report,
                                           Events& events) {
    auto outcome = resolve_holding_back(root, universe, request, opts, grants, report);
    resolver::Request chosen = request;
    for (int round = 0;
         round < 4 && outcome && std::holds_alternative<resolver::Unsolvable>(*outcome); ++round) {
        auto picks = choose_solutions(std::get<resolver::Unsolvable>(*outcome), events);
        if (picks.empty()) break;
        chosen.choices.push_back(std::move(picks));
        outcome = resolve_holding_back(root, universe, chosen, opts, grants, report);
    }
    return outcome;
}

// -v: the resolve phase in one line; -vv: the request's jobs, each step of the plan with why
// it is there (asked for, or a dependency) and the upgrades held back.
void trace_resolution(const resolver::Request& request, const resolver::Outcome& outcome,
                      const TxnReport& report, PhaseTimer& timer, Events& events) {
    const auto* plan = std::get_if<resolver::Plan>(&outcome);
    timer.done(std::to_string(request.jobs.size()) + " job(s) → " +
               (plan ? std::to_string(plan->steps.size()) + " step(s)" : "no solution"));
    if (events.tracing() < 2) return;
    for (const auto& job : request.jobs) {
        static constexpr const char* kJobNames[] = {"install", "remove", "update", "update all",
                                                    "autoremove"};
        const auto k = static_cast<std::size_t>(job.kind);
        const bool named =
            job.kind != resolver::JobKind::UpdateAll && job.kind != resolver::JobKind::Autoremove;
        events.detail("resolve", std::string("job: ") + kJobNames[k] +
                                     (named ? " " + job.spec.str() : std::string()));
    }
    for (const auto& h : report.held_back)
        events.detail("resolve", "decision: hold back " + h.name + " at " + h.from.str() + " (" +
                                     h.to.str() + " asks for permissions not granted)");
    if (!plan) return;
    for (const auto& step : plan->steps) {
        std::string text = std::string(resolver::step_kind_name(step.kind)) + " " + step.name;
        if (step.from) text += " " + step.from->str();
        if (step.from && step.to) text += " ->";
        if (step.to) text += " " + step.to->str();
        if (!step.repo.empty()) text += " from " + step.repo;
        if (step.kind != resolver::StepKind::Remove)
            text += step.explicit_ ? " (asked for)" : " (needed by another package)";
        else if (!step.replaced_by.empty())
            text += " (replaced by " + step.replaced_by + ")";
        events.detail("resolve", "decision: " + text);
    }
    for (const auto& name : plan->marked_explicit)
        events.detail("resolve", "decision: " + name + " stays, now asked for by name");
}

// The plan is shown with the permissions it grants and what it changes in tool definitions;
// changed definitions are accepted (confirm_tool_changes), then --yes or the one answer to
// the plan and its grants decides (confirm_plan).
Result<void> proceed(const TxnReport& report, const TxnOptions& opts, GrantDecider& grants,
                     Events& events) {
    events.preview(PlanPreview(report.plan, report.grants));
    events.preview(ToolChangesPreview(report.tool_changes));
    if (auto r = confirm_tool_changes(report.tool_changes, opts.yes, events); !r) return r;
    return confirm_plan(report.grants, grants, opts.yes, events);
}

// An error while an interrupt was requested (a transfer cut off, a hook killed by the same
// Ctrl-C): the interrupt is what happened.
Error interrupted_or(Error e) {
    if (auto r = check_interrupt(); !r) return r.error();
    return e;
}

// The next generation's packages (store paths of new ones from `current`) and the steps
// recorded for the plan.
Intent intent_of(const resolver::Plan& plan, const std::vector<db::GenPackage>& current,
                 TxnKind kind, std::map<std::string, db::GenPackage>& next) {
    for (const auto& p : current) next[p.name] = p;
    Intent intent;
    intent.kind = std::string(txn_kind_name(kind));
    for (const auto& step : plan.steps) {
        intent.steps.push_back(record_of(step));
        if (step.kind == resolver::StepKind::Remove) {
            next.erase(step.name);
            continue;
        }
        auto& p = next[step.name];
        bool existed = !p.name.empty();
        p.name = step.name;
        p.version = step.to ? step.to->str() : "";
        p.repo = step.repo;
        p.reason = reason_name(step.explicit_ ? Reason::Explicit : Reason::Dependency);
        if (!existed) p.enabled = true;
    }
    for (const auto& name : plan.marked_explicit) {
        // Asked for by name while installed as a dependency: it stays, now explicitly.
        if (auto it = next.find(name); it != next.end()) {
            it->second.reason = reason_name(Reason::Explicit);
            intent.steps.push_back({StepAction::MarkExplicit, name, it->second.version,
                                    it->second.version, it->second.repo});
        }
    }
    return intent;
}

// The plugins whose removal with --purge drops their configuration and data.
std::set<std::string> purged_by(const resolver::Plan& plan, const TxnOptions& opts) {
    std::set<std::string> purged;
    for (const auto& step : plan.steps)
        if (step.kind == resolver::StepKind::Remove &&
            std::find(opts.purge.begin(), opts.purge.end(), step.name) != opts.purge.end())
            purged.insert(step.name);
    return purged;
}

// What apply_intent does around the switch.
struct Steps {
    bool journal_first = true;       // false for a rollback: nothing is built or journaled
    Events* events = nullptr;        // null: no plugin code, grants or NextChat
    GrantDecider* grants = nullptr;  // with events: this transaction's grant decisions
};

Result<void> commit_intent(Root& root, TxnReport& report, const Intent& intent,
                           const TxnOptions& opts, const Steps& steps);

}  // namespace

Result<TxnReport> run_request(Root& root, const resolver::Request& request, const TxnOptions& opts,
                              Events& events) {
    std::int64_t now = now_or_clock(opts.now);
    PhaseTimer indexes_timer(events, "indexes");
    auto repos = load_indexes(root, now, load_options_for(request, opts.offline), events);
    if (!repos) return tl::unexpected(repos.error());
    indexes_timer.done(std::to_string(repos->size()) + " repositor" +
                       (repos->size() == 1 ? "y" : "ies") + " loaded and verified");
    // NextChat upgraded since: the `nextchat` virtual package says what it is now.
    auto nextchat = redetect_nextchat_version(root, events, !opts.dry_run);
    if (!nextchat) return tl::unexpected(nextchat.error());
    auto universe = build_universe(root, *repos);
    if (!universe) return tl::unexpected(universe.error());
    provide_nextchat_version(*universe, *nextchat);
    add_local_packages(*universe, opts.local);
    narrow_universe(root, *universe, request, events);
    TxnReport report;
    GrantDecider grants(opts, events);
    PhaseTimer resolve_timer(events, "resolve");
    auto outcome = resolve_choosing(root, *universe, request, opts, grants, report, events);
    if (!outcome) return tl::unexpected(outcome.error());
    trace_resolution(request, *outcome, report, resolve_timer, events);
    if (auto* u = std::get_if<resolver::Unsolvable>(&*outcome)) {
        report.unsolvable = std::move(*u);
        return report;
    }
    report.plan = std::get<resolver::Plan>(std::move(*outcome));
    if (auto r = check_local_plan(report.plan, opts.local); !r) return tl::unexpected(r.error());
    auto tool_changes = plan_tool_changes(root, report.plan);
    if (!tool_changes) return tl::unexpected(tool_changes.error());
    report.tool_changes = std::move(*tool_changes);
    auto planned = planned_grants(root, report.plan);
    if (!planned) return tl::unexpected(planned.error());
    report.grants = std::move(*planned);
    if ((report.plan.empty() && report.plan.marked_explicit.empty()) || opts.dry_run) return report;
    // Nothing is asked: what changes is only the cache (like apt-get download).
    if (opts.download_only) {
        if (auto r = download_plan(root, report.plan, {&*repos, std::nullopt, opts.offline},
                                   report.download_bytes, events);
            !r)
            return tl::unexpected(r.error());
        return report;
    }
    if (auto r = proceed(report, opts, grants, events); !r) return tl::unexpected(r.error());
    if (auto r = check_interrupt(); !r) return tl::unexpected(r.error());
    if (auto r = grant_plan(root, report.plan, grants, events); !r)
        return tl::unexpected(r.error());

    auto current = current_packages(root, &report.from_generation);
    if (!current) return tl::unexpected(current.error());
    auto next_id = root.db().next_generation_id();
    if (!next_id) return tl::unexpected(next_id.error());
    report.to_generation = *next_id;
    std::map<std::string, db::GenPackage> next;
    Intent intent = intent_of(report.plan, *current, opts.kind, next);
    // Store trees are recorded in one SQLite transaction: one commit (and fsync) for the
    // whole plan instead of one per package. A crash loses only the records, and an
    // unrecorded tree is rebuilt by the next transaction that needs it.
    if (auto r = root.db().begin(); !r) return tl::unexpected(r.error());
    PhaseTimer stage_timer(events, "stage");
    if (auto r = stage_plan(root, report.plan, *repos, opts, next, report.download_bytes, events);
        !r) {
        root.db().rollback();
        return tl::unexpected(interrupted_or(r.error()));
    }
    stage_timer.done("the plan's packages are in the store");
    if (auto r = root.db().commit(); !r) return tl::unexpected(r.error());
    if (auto r = check_interrupt(); !r) return tl::unexpected(r.error());
    for (auto& [name, p] : next) intent.packages.push_back(p);
    auto config = root.db().generation_config(report.from_generation);
    if (!config) return tl::unexpected(config.error());
    std::set<std::string> purged = purged_by(report.plan, opts);
    for (const auto& c : *config)
        if (!purged.count(c.package)) intent.config.push_back(c);

    if (auto r = commit_intent(root, report, intent, opts, {true, &events, &grants}); !r)
        return tl::unexpected(r.error());
    report.applied = true;
    // The plugin's own data goes only once the removal is committed; a rollback brings the
    // plugin and its configuration back, but not this data (the man page says so).
    for (const auto& name : purged) {
        std::error_code ec;
        fs::remove_all(root.state_dir(name), ec);
        if (ec)
            events.message(Level::Warning, "could not delete " + root.state_dir(name).string() +
                                               ": " + ec.message());
    }
    return report;
}

Result<void> apply_intent(Root& root, TxnReport& report, const Intent& intent,
                          const TxnOptions& opts, Events& events) {
    GrantDecider grants(opts, events);
    return commit_intent(root, report, intent, opts, {true, &events, &grants});
}

Result<void> apply_intent(Root& root, TxnReport& report, const Intent& intent,
                          const TxnOptions& opts) {
    return commit_intent(root, report, intent, opts, {});
}

namespace {

db::TxnRow journal_row(const TxnReport& report, const Intent& intent, const TxnOptions& opts) {
    db::TxnRow row;
    row.state = "staged";
    row.started_at = now_or_clock(opts.now);
    row.user = opts.user;
    row.command_line = opts.command_line;
    row.from_generation = report.from_generation;
    row.to_generation = report.to_generation;
    row.plan_json = intent_to_json(intent);  // without secret values
    for (const auto& c : intent.config)
        if (c.secret) row.secrets.push_back(c);
    return row;
}

// The steps on the staged generation before the switch: configured paths granted, then the
// NextChat check, hooks and health checks (txn::run_plugin_code).
Result<void> before_switch(Root& root, const TxnReport& report, const Intent& intent,
                           const TxnOptions& opts, const Steps& steps) {
    if (auto r = grant_config_paths(root, intent, *steps.grants, *steps.events); !r) return r;
    return run_plugin_code(root, intent, report, opts.run, *steps.events);
}

// Records generation, transaction and audit entry in one database transaction.
Result<void> record(Root& root, TxnReport& report, const Intent& intent, const TxnOptions& opts,
                    db::TxnRow& row, std::int64_t& id, bool journal_first) {
    auto& db = root.db();
    if (auto r = db.begin(); !r) return r;
    auto done = [&]() -> Result<void> {
        if (journal_first) {
            db::Generation g{report.to_generation, now_or_clock(opts.now), id};
            if (auto r = db.add_generation(g, intent.packages, intent.config); !r) return r;
            if (auto r = db.update_txn(id, "done", "", std::time(nullptr)); !r) return r;
        } else {
            row.state = "done";
            row.finished_at = std::time(nullptr);
            auto inserted = db.insert_txn(row);
            if (!inserted) return tl::unexpected(inserted.error());
            id = *inserted;
            report.txn_id = id;
        }
        if (auto r = db.set_current_generation(report.to_generation); !r) return r;
        std::string detail = intent.kind + ":";
        for (const auto& s : intent.steps) detail += " " + s.action + " " + s.name;
        return db.audit(opts.user, intent.kind, detail);
    }();
    if (!done) {
        db.rollback();
        return done;
    }
    return db.commit();
}

// Journal, build, before_switch, switch, record, NextChat. Everything before the switch can
// be thrown away.
Result<void> commit_intent(Root& root, TxnReport& report, const Intent& intent,
                           const TxnOptions& opts, const Steps& steps) {
    auto& db = root.db();
    db::TxnRow row = journal_row(report, intent, opts);
    // A rollback builds nothing and needs no journal: its row is written with the record
    // after the switch (one commit), and a crash in between is reconciled by the next
    // writer, for which the `current` link is the truth.
    std::int64_t id = 0;
    if (steps.journal_first) {
        auto inserted = db.insert_txn(row);
        if (!inserted) return tl::unexpected(inserted.error());
        id = *inserted;
        report.txn_id = id;
    }
    crash_point("after-journal");

    // Stopped before the switch (a failure or an interrupt): the journal says why and the
    // staged generation goes; the current one was never touched.
    auto abandon = [&](Error e) -> Result<void> {
        e = interrupted_or(std::move(e));
        if (!steps.journal_first) return tl::unexpected(e);
        (void)db.update_txn(id, "failed", e.str(), std::time(nullptr));
        std::error_code ec;
        fs::remove_all(root.generation_dir(report.to_generation), ec);
        return tl::unexpected(e);
    };
    if (steps.journal_first) {
        if (auto r = build_generation(root, report.to_generation, intent.packages); !r) {
            (void)db.update_txn(id, "failed", r.error().str(), std::time(nullptr));
            return r;
        }
        crash_point("after-generation");
        // One syncfs makes every store tree and the generation durable before the switch;
        // far cheaper than an fsync per extracted file, and the switch below is the only
        // instant the new state can become visible.
        if (auto r = sync_filesystem(root.dir()); !r) return r;
        if (auto r = check_interrupt(); !r) return abandon(r.error());
    }
    if (steps.events && steps.journal_first) {
        if (auto r = before_switch(root, report, intent, opts, steps); !r)
            return abandon(r.error());
    }
    crash_point("before-switch");
    // The last moment to stop: after the switch the change is made and is completed.
    if (auto r = check_interrupt(); !r) return abandon(r.error());
    std::optional<PhaseTimer> switch_timer;
    if (steps.events) switch_timer.emplace(*steps.events, "switch");
    if (auto r = switch_symlink(root.current_link(),
                                "generations/" + std::to_string(report.to_generation));
        !r)
        return r;
    crash_point("after-switch");
    if (auto r = record(root, report, intent, opts, row, id, steps.journal_first); !r) return r;
    crash_point("after-commit");
    if (switch_timer)
        switch_timer->done("current -> generations/" + std::to_string(report.to_generation) +
                           ", recorded");
    if (steps.events) {
        PhaseTimer nextchat_timer(*steps.events, "nextchat");
        integrate_nextchat(root, opts.nxp_exe, *steps.events, opts.resume_in_nextchat);
        nextchat_timer.done("NextChat sync done");
    }
    return {};
}

}  // namespace

namespace {

// The packages of generation `after` that the switch brings in (not in `before` with the
// same store tree) and that an accepted index revokes: an error naming them, or a warning
// when `allow`.
Result<void> check_revoked(const Root& root, const std::vector<db::GenPackage>& before,
                           const std::vector<db::GenPackage>& after, std::int64_t to, bool allow,
                           Events& events) {
    std::set<std::string> kept;
    for (const auto& p : before) kept.insert(p.store_path);
    std::vector<db::GenPackage> incoming;
    for (const auto& p : after)
        if (!kept.count(p.store_path)) incoming.push_back(p);
    auto revoked = revoked_packages(root, incoming);
    if (!revoked) return tl::unexpected(revoked.error());
    if (revoked->empty()) return {};
    std::string names;
    for (const auto& r : *revoked)
        names += (names.empty() ? "" : "; ") + r.name + " " + r.version + " (sha256 " + r.sha256 +
                 ") is revoked by repository " + r.repo;
    if (allow) {
        events.message(Level::Warning,
                       "rolling back onto revoked packages because of --force: " + names);
        return {};
    }
    return fail(ErrorKind::Verification, "generation " + std::to_string(to),
                names + "; pass --force to roll back onto " +
                    (revoked->size() == 1 ? "it" : "them") + " anyway");
}

}  // namespace

Result<TxnReport> rollback(Root& root, std::optional<std::int64_t> target, const TxnOptions& opts,
                           Events& events, bool allow_revoked) {
    TxnReport report;
    auto cur = root.db().current_generation();
    if (!cur) return tl::unexpected(cur.error());
    report.from_generation = *cur;
    auto gens = root.db().generations();
    if (!gens) return tl::unexpected(gens.error());
    std::optional<std::int64_t> to;
    for (const auto& g : *gens) {
        if (target ? g.id == *target : g.id < *cur) to = g.id;
    }
    if (!to) {
        if (target)
            return fail(ErrorKind::NotFound, "generation " + std::to_string(*target),
                        "no such generation (see 'nxp history'; 'nxp gc' may have dropped it)");
        return fail(ErrorKind::NotFound, "generation " + std::to_string(*cur),
                    "there is no older generation to roll back to");
    }
    if (!fs::is_directory(root.generation_dir(*to)))
        return fail(ErrorKind::Io, root.generation_dir(*to).string(),
                    "generation directory is missing; run 'nxp doctor'");
    report.to_generation = *to;
    auto before = root.db().generation_packages(*cur);
    auto after = root.db().generation_packages(*to);
    if (!before) return tl::unexpected(before.error());
    if (!after) return tl::unexpected(after.error());
    if (auto r = check_revoked(root, *before, *after, *to, allow_revoked, events); !r)
        return tl::unexpected(r.error());

    Intent intent;
    intent.kind = std::string(txn_kind_name(TxnKind::Rollback));
    intent.packages = *after;
    std::map<std::string, std::string> old_versions;
    for (const auto& p : *before) old_versions[p.name] = p.version;
    for (const auto& p : *after) {
        auto it = old_versions.find(p.name);
        if (it == old_versions.end())
            intent.steps.push_back({StepAction::Install, p.name, "", p.version, p.repo});
        else if (it->second != p.version)
            intent.steps.push_back({StepAction::Change, p.name, it->second, p.version, p.repo});
        if (it != old_versions.end()) old_versions.erase(it);
    }
    for (const auto& [name, version] : old_versions)
        intent.steps.push_back({StepAction::Remove, name, version, "", ""});
    for (const auto& s : intent.steps) {
        resolver::Step step;
        step.name = s.name;
        step.kind = s.kind() == StepAction::Remove ? resolver::StepKind::Remove
                                                   : resolver::StepKind::Install;
        if (!s.from.empty())
            step.from = formats::parse_version(s.from).value_or(formats::Version{});
        if (!s.to.empty()) step.to = formats::parse_version(s.to).value_or(formats::Version{});
        report.plan.steps.push_back(std::move(step));
    }
    if (opts.dry_run) return report;
    if (auto r = commit_intent(root, report, intent, opts, {false, &events, nullptr}); !r)
        return tl::unexpected(r.error());
    report.applied = true;
    return report;
}

}  // namespace nxp::txn
