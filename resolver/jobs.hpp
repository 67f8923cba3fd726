#pragma once
// Internal: a Request as libsolv jobs, with what each job means in nxp's words (for
// explaining problems and solutions) and the checks that need no solver at all.
#include <set>
#include <string>
#include <vector>

#include "resolver/pool.hpp"

namespace nxp::resolver {

enum class JobRole {
    Install,     // asked to install text
    Remove,      // asked to remove name
    Update,      // asked to update name / everything
    Hold,        // keeps a held package
    Host,        // keeps a host virtual
    Mark,        // SOLVER_USERINSTALLED: explicit, never a rule
    Autoremove,  // erases an unneeded dependency
    Favor,       // SOLVER_FAVOR: the first alternative of "a | b" is preferred, never a rule
    Chosen,      // added by a solution the user chose (solver_take_solution)
};

struct JobNote {
    JobRole role = JobRole::Install;
    std::string name;  // the package or virtual name
    std::string text;  // "a >= 2" for installs; the name otherwise
};

class JobSet {
  public:
    JobSet() = default;
    JobSet(const JobSet&) = delete;
    JobSet& operator=(const JobSet&) = delete;

    void add(Id how, Id what, JobNote note);
    const JobNote* note_at(int index) const;  // index of `what` in the queue, as libsolv gives
    const JobNote* find(Id how, Id what) const;

    solv::IdQueue queue;
    std::vector<JobNote> notes;     // one per (how, what) pair
    std::set<Id> explicit_targets;  // solvables an install job asked for
    std::set<Id> favored;           // first alternatives with a favor job
    std::vector<Problem> precheck;  // jobs that name nothing installable
    bool autoremove = false;
    // An install job asks for an older version of an installed package: its dependencies
    // may then have to move back too (libsolv refuses downgrades unless allowed).
    bool downgrade = false;
};

// Fills `out` from the request: marks for explicit packages, locks for held packages and
// host virtuals, then one job per request job.
void build_jobs(PoolModel& model, const Request& request, JobSet& out);

// "a | b": the first alternative that can be installed is the default. For each package the
// solved state newly installs, a requirement with alternatives that the solver met with a
// later one, while nothing of a later one was installed before or asked for, gets a favor job
// for the first one's providers. True when a job was added (the caller solves again; the
// solver still takes a later alternative when the first cannot be installed).
bool add_favor_jobs(PoolModel& model, ::Solver* solver, JobSet& jobs);

// Adds erase jobs for the dependencies the solved state no longer needs.
void add_autoremove_jobs(PoolModel& model, ::Solver* solver, JobSet& jobs);

// The installed plugins the solved state erases (--allow-erasing, a chosen removal) get erase
// jobs that take along the dependencies only they needed, as a removal does; other unneeded
// dependencies stay. True when a job was added (the caller solves again).
bool add_erased_deps_jobs(PoolModel& model, ::Solver* solver, JobSet& jobs);

// The solved transaction as steps, in libsolv's order.
Plan make_plan(const PoolModel& model, ::Solver* solver, const JobSet& jobs);

// Problems and solutions in plain sentences with human versions.
Unsolvable explain(const PoolModel& model, ::Solver* solver, const JobSet& jobs);

}  // namespace nxp::resolver
