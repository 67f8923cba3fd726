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
    solver_set_flag(solver.get(), SOLVER_FLAG_ALLOW_UNINSTALL, request.allow_erasing ? 1 : 0);
    return solver;
}

// Applies one round of chosen solutions to the problems `solver` found; the jobs they add
// get notes so that explanations and later rounds still find every job's meaning. Choices
// naming no problem or solution of this solve (a stale choice) are left out.
void take_solutions(::Solver* solver, const std::vector<Choice>& round, JobSet& jobs) {
    const int problems = static_cast<int>(solver_problem_count(solver));
    for (const auto& c : round) {
        if (c.problem < 1 || c.problem > problems || c.solution < 1 ||
            c.solution > static_cast<int>(solver_solution_count(solver, c.problem)))
            continue;
        solver_take_solution(solver, c.problem, c.solution, jobs.queue.get());
    }
    while (jobs.notes.size() * 2 < static_cast<std::size_t>(jobs.queue.size()))
        jobs.notes.push_back({JobRole::Chosen, "", ""});
}

// Solves with the jobs as they are; on problems, takes the next round of the request's
// chosen solutions (`round` counts those taken) and solves again. False: problems remain.
bool solve(const PoolModel& m, const Request& request, JobSet& jobs, solv::SolverPtr& solver,
           std::size_t& round) {
    solver = make_solver(m, request, jobs);
    while (solver_solve(solver.get(), jobs.queue.get()) != 0) {
        if (round >= request.choices.size()) return false;
        take_solutions(solver.get(), request.choices[round++], jobs);
        solver = make_solver(m, request, jobs);
    }
    return true;
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

    solv::SolverPtr solver;
    std::size_t chosen = 0;  // rounds of request.choices taken
    if (!solve(*model, request, jobs, solver, chosen))
        return Outcome{explain(*model, solver.get(), jobs)};
    // "a | b" prefers a: solve again while the solution passed over a first alternative that
    // nothing rules out. Each round favors at least one more, and new packages bring new
    // requirements, so the rounds are few; the bound only keeps a pathological pool fast.
    for (int round = 0; round < 8 && add_favor_jobs(*model, solver.get(), jobs); ++round) {
        if (!solve(*model, request, jobs, solver, chosen))
            return Outcome{explain(*model, solver.get(), jobs)};
    }
    if ((request.allow_erasing || !request.choices.empty()) && !request.keep_deps &&
        add_erased_deps_jobs(*model, solver.get(), jobs)) {
        if (!solve(*model, request, jobs, solver, chosen))
            return Outcome{explain(*model, solver.get(), jobs)};
    }
    if (jobs.autoremove) {
        // What the solved state no longer needs, then solve again with those erased.
        add_autoremove_jobs(*model, solver.get(), jobs);
        if (!solve(*model, request, jobs, solver, chosen))
            return Outcome{explain(*model, solver.get(), jobs)};
    }
    return Outcome{make_plan(*model, solver.get(), jobs)};
}

}  // namespace nxp::resolver
