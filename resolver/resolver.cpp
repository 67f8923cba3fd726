// resolve(): Universe + Request → Plan or Unsolvable, via libsolv.
#include "resolver/resolver.hpp"

#include "resolver/jobs.hpp"

namespace nxp::resolver {
namespace {

solv::SolverPtr make_solver(const PoolModel& m, const Request& request, const JobSet& jobs) {
    solv::SolverPtr solver(solver_create(m.get()));
    solver_set_flag(solver.get(), SOLVER_FLAG_IGNORE_RECOMMENDED, request.no_recommends ? 1 : 0);
    // Only when a downgrade was asked for: otherwise an install or update never moves
    // anything back on its own.
    solver_set_flag(solver.get(), SOLVER_FLAG_ALLOW_DOWNGRADE, jobs.downgrade ? 1 : 0);
    return solver;
}

}  // namespace

std::string_view step_kind_name(StepKind k) {
    switch (k) {
        case StepKind::Install:
            return "install";
        case StepKind::Upgrade:
            return "upgrade";
        case StepKind::Downgrade:
            return "downgrade";
        case StepKind::Reinstall:
            return "reinstall";
        case StepKind::Remove:
            return "remove";
    }
    return "unknown";
}

std::string Unsolvable::str() const {
    std::string out;
    for (std::size_t i = 0; i < problems.size(); ++i) {
        const Problem& p = problems[i];
        out += "Problem " + std::to_string(i + 1) + ": " + p.text + "\n";
        for (const auto& d : p.details) {
            if (d != p.text) out += "  - " + d + "\n";
        }
        for (std::size_t s = 0; s < p.solutions.size(); ++s) {
            out += "  " + std::to_string(s + 1) + ") " + p.solutions[s].text + "\n";
        }
    }
    return out;
}

Result<Outcome> resolve(const Universe& universe, const Request& request) {
    auto model = PoolModel::build(universe);
    if (!model) return tl::unexpected(model.error());
    JobSet jobs;
    build_jobs(*model, request, jobs);
    if (!jobs.precheck.empty()) return Outcome{Unsolvable{std::move(jobs.precheck)}};

    auto solver = make_solver(*model, request, jobs);
    if (solver_solve(solver.get(), jobs.queue.get()) != 0) {
        return Outcome{explain(*model, solver.get(), jobs)};
    }
    // "a | b" prefers a: solve again while the solution passed over a first alternative that
    // nothing rules out. Each round favors at least one more, and new packages bring new
    // requirements, so the rounds are few; the bound only keeps a pathological pool fast.
    for (int round = 0; round < 8 && add_favor_jobs(*model, solver.get(), jobs); ++round) {
        solver = make_solver(*model, request, jobs);
        if (solver_solve(solver.get(), jobs.queue.get()) != 0) {
            return Outcome{explain(*model, solver.get(), jobs)};
        }
    }
    if (jobs.autoremove) {
        // What the solved state no longer needs, then solve again with those erased.
        add_autoremove_jobs(*model, solver.get(), jobs);
        solver = make_solver(*model, request, jobs);
        if (solver_solve(solver.get(), jobs.queue.get()) != 0) {
            return Outcome{explain(*model, solver.get(), jobs)};
        }
    }
    return Outcome{make_plan(*model, solver.get(), jobs)};
}

}  // namespace nxp::resolver
