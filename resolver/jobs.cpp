// Request → libsolv job queue.
#include "resolver/jobs.hpp"

#include <algorithm>

#include "formats/nearest.hpp"

namespace nxp::resolver {
namespace {

Problem problem(std::string text) {
    Problem p;
    p.text = std::move(text);
    return p;
}

// Every package name the pool holds (installed and available): for "did you mean".
std::vector<std::string> package_names(const PoolModel& m) {
    ::Pool* pool = m.get();
    std::vector<std::string> out;
    for (Id p = 2; p < pool->nsolvables; ++p) {
        const Solvable* s = pool->solvables + p;
        if (s->repo != nullptr && !m.is_host(p)) out.push_back(m.name(p));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<Id> providers(::Pool* pool, Id dep) {
    std::vector<Id> out;
    for (Id off = pool_whatprovides(pool, dep); pool->whatprovidesdata[off]; ++off) {
        out.push_back(pool->whatprovidesdata[off]);
    }
    return out;
}

// Installed (not host) solvables named `name`.
std::vector<Id> installed_named(const PoolModel& m, const std::string& name) {
    std::vector<Id> out;
    for (Id p : m.installed_ids()) {
        if (m.name(p) == name) out.push_back(p);
    }
    return out;
}

bool is_host_name(const PoolModel& m, const std::string& name) {
    return std::any_of(m.host_ids().begin(), m.host_ids().end(),
                       [&](Id p) { return m.name(p) == name; });
}

void add_install(PoolModel& m, const formats::Dep& spec, JobSet& out) {
    ::Pool* pool = m.get();
    Id dep = m.dep(spec);
    Id name = pool_name_id(pool, spec.name, true);
    std::vector<Id> candidates = providers(pool, dep);
    std::vector<Id> named;
    std::copy_if(candidates.begin(), candidates.end(), std::back_inserter(named),
                 [&](Id p) { return pool_id2solvable(pool, p)->name == name; });
    JobNote note{JobRole::Install, spec.name, spec.str()};
    if (!named.empty()) {
        // Exactly these versions: an installed one outside them may be downgraded.
        solv::IdQueue q;
        for (Id p : named) q.push(p);
        Id what = pool_queuetowhatprovides(pool, q.get());
        out.add(SOLVER_INSTALL | SOLVER_SOLVABLE_ONE_OF | SOLVER_SETEVR | SOLVER_SETNAME, what,
                note);
        out.explicit_targets.insert(named.begin(), named.end());
        for (Id i : installed_named(m, spec.name)) {
            if (std::all_of(named.begin(), named.end(),
                            [&](Id p) { return m.version(p) < m.version(i); }))
                out.downgrade = true;
        }
    } else if (!candidates.empty()) {  // a virtual name: any provider will do
        out.add(SOLVER_INSTALL | SOLVER_SOLVABLE_PROVIDES, dep, note);
        out.explicit_targets.insert(candidates.begin(), candidates.end());
    } else if (!m.named(name).empty()) {
        out.precheck.push_back(problem("no version of " + spec.name + " matches " +
                                       spec.constraint.text +
                                       " (available: " + m.versions_of(name) + ")"));
    } else if (!providers(pool, name).empty()) {
        out.precheck.push_back(
            problem("nothing that provides " + spec.name + " matches " + spec.constraint.text));
    } else {
        out.precheck.push_back(problem("no package " + spec.name + " is available" +
                                       formats::did_you_mean(spec.name, package_names(m))));
    }
}

// Remove and update name installed packages; the host's virtuals are not packages.
bool check_installed(const PoolModel& m, const std::string& name, std::string_view verb,
                     JobSet& out) {
    if (is_host_name(m, name)) {
        out.precheck.push_back(
            problem(name + " is provided by the host and cannot be " + std::string(verb)));
        return false;
    }
    if (installed_named(m, name).empty()) {
        out.precheck.push_back(problem("package " + name + " is not installed"));
        return false;
    }
    return true;
}

}  // namespace

void JobSet::add(Id how, Id what, JobNote note) {
    queue.push2(how, what);
    notes.push_back(std::move(note));
}

const JobNote* JobSet::note_at(int index) const {
    int pair = (index - 1) / 2;
    if (index < 1 || pair < 0 || static_cast<std::size_t>(pair) >= notes.size()) return nullptr;
    return &notes[static_cast<std::size_t>(pair)];
}

const JobNote* JobSet::find(Id how, Id what) const {
    for (int i = 0; i + 1 < queue.size(); i += 2) {
        if (queue[i] == how && queue[i + 1] == what) return &notes[static_cast<std::size_t>(i / 2)];
    }
    return nullptr;
}

void build_jobs(PoolModel& m, const Request& request, JobSet& out) {
    for (Id p : m.installed_ids()) {
        const Installed* i = m.installed(p);
        if (i->explicit_)
            out.add(SOLVER_USERINSTALLED | SOLVER_SOLVABLE, p,
                    {JobRole::Mark, i->meta.name, i->meta.name});
        if (i->held)
            out.add(SOLVER_LOCK | SOLVER_SOLVABLE, p, {JobRole::Hold, i->meta.name, i->meta.name});
    }
    for (Id p : m.host_ids()) {
        std::string name = m.name(p);
        out.add(SOLVER_USERINSTALLED | SOLVER_SOLVABLE, p, {JobRole::Mark, name, name});
        out.add(SOLVER_LOCK | SOLVER_SOLVABLE, p, {JobRole::Host, name, name});
    }
    Id cleandeps = request.keep_deps ? 0 : SOLVER_CLEANDEPS;
    for (const auto& job : request.jobs) {
        const std::string& name = job.spec.name;
        switch (job.kind) {
            case JobKind::Install:
                add_install(m, job.spec, out);
                break;
            case JobKind::Remove:
                if (check_installed(m, name, "removed", out)) {
                    out.add(SOLVER_ERASE | SOLVER_SOLVABLE_NAME | cleandeps,
                            pool_name_id(m.get(), name, true), {JobRole::Remove, name, name});
                }
                break;
            case JobKind::Update:
                // With --allow-erasing a named update takes the newest version, removing
                // what stands in its way (dnf5's upgrade --allowerasing); otherwise the newest
                // version that fits, which may be the installed one.
                if (check_installed(m, name, "updated", out)) {
                    out.add(SOLVER_UPDATE | SOLVER_SOLVABLE_NAME |
                                (request.allow_erasing ? SOLVER_FORCEBEST : 0),
                            pool_name_id(m.get(), name, true), {JobRole::Update, name, name});
                }
                break;
            case JobKind::UpdateAll:
                out.add(SOLVER_UPDATE | SOLVER_SOLVABLE_ALL, 0,
                        {JobRole::Update, "", "everything"});
                break;
            case JobKind::Autoremove:
                out.autoremove = true;
                break;
        }
    }
}

namespace {

// The alternatives of a requirement, in the order written ("a | b | c" is ((a OR b) OR c)).
void alternatives(::Pool* pool, Id dep, std::vector<Id>& out) {
    if (ISRELDEP(dep)) {
        const Reldep* rd = GETRELDEP(pool, dep);
        if (rd->flags == REL_OR) {
            alternatives(pool, rd->name, out);
            alternatives(pool, rd->evr, out);
            return;
        }
    }
    out.push_back(dep);
}

// How many alternatives of `alts` the solved state passed over for no reason: the index of the
// first one that met the requirement, or 0 when nothing is to be favored (the first one was
// taken, or the one taken was installed before, asked for, or another version of a package
// an earlier alternative names: "node ^20 | node ^22" takes the newest node either allows).
std::size_t passed_over(const PoolModel& m, ::Solver* solver, const JobSet& jobs,
                        const std::vector<Id>& alts) {
    ::Pool* pool = m.get();
    std::set<Id> earlier_names;
    for (std::size_t i = 0; i < alts.size(); ++i) {
        bool met = false;
        for (Id p : providers(pool, alts[i])) {
            bool taken = solver_get_decisionlevel(solver, p) > 0;
            if ((taken || jobs.explicit_targets.count(p)) &&
                (m.is_installed(p) || jobs.explicit_targets.count(p) ||
                 earlier_names.count(pool_id2solvable(pool, p)->name)))
                return 0;
            met = met || taken;
        }
        if (met) return i;
        for (Id p : providers(pool, alts[i])) earlier_names.insert(pool_id2solvable(pool, p)->name);
    }
    return 0;
}

}  // namespace

bool add_favor_jobs(PoolModel& m, ::Solver* solver, JobSet& jobs) {
    ::Pool* pool = m.get();
    solv::IdQueue decisions;
    solver_get_decisionqueue(solver, decisions.get());
    std::set<Id> seen;
    std::vector<Id> alts;
    bool added = false;
    for (Id p : decisions) {
        if (p <= 1 || !m.is_available(p)) continue;  // only what this solution newly installs
        const Solvable* s = pool_id2solvable(pool, p);
        if (!s->dep_requires) continue;
        for (const Id* d = s->repo->idarraydata + s->dep_requires; *d; ++d) {
            if (!ISRELDEP(*d) || GETRELDEP(pool, *d)->flags != REL_OR) continue;
            if (!seen.insert(*d).second) continue;
            alts.clear();
            alternatives(pool, *d, alts);
            // Favor each passed-over alternative, the first one last: the last favor wins.
            for (std::size_t i = passed_over(m, solver, jobs, alts); i-- > 0;) {
                if (!jobs.favored.insert(alts[i]).second || providers(pool, alts[i]).empty())
                    continue;
                std::string text = m.dep_str(alts[i]);
                jobs.add(SOLVER_FAVOR | SOLVER_SOLVABLE_PROVIDES, alts[i],
                         {JobRole::Favor, text, text});
                added = true;
            }
        }
    }
    return added;
}

bool add_erased_deps_jobs(PoolModel& m, ::Solver* solver, JobSet& jobs) {
    // Each installed plugin the solution erases outright (not one an upgrade or a replacement
    // takes the place of) gets an erase job with SOLVER_CLEANDEPS, as `nxp remove` asks:
    // libsolv then takes along the dependencies only it needed.
    solv::TransactionPtr trans(solver_create_transaction(solver));
    const Id how = SOLVER_ERASE | SOLVER_SOLVABLE | SOLVER_CLEANDEPS;
    bool added = false;
    for (Id p : m.installed_ids()) {
        if (solver_get_decisionlevel(solver, p) >= 0 || jobs.find(how, p) ||
            transaction_type(trans.get(), p, 0) != SOLVER_TRANSACTION_ERASE)
            continue;
        const Installed* i = m.installed(p);
        jobs.add(how, p, {JobRole::Chosen, i->meta.name, i->meta.name});
        added = true;
    }
    return added;
}

void add_autoremove_jobs(PoolModel& m, ::Solver* solver, JobSet& jobs) {
    solv::IdQueue unneeded;
    solver_get_unneeded(solver, unneeded.get(), 0);  // 0: all of them, not only the tops
    for (Id p : unneeded) {
        const Installed* i = m.installed(p);
        if (!i || i->held) continue;
        jobs.add(SOLVER_ERASE | SOLVER_SOLVABLE, p,
                 {JobRole::Autoremove, i->meta.name, i->meta.name});
    }
}

}  // namespace nxp::resolver
