// A solved libsolv transaction → Plan steps.
#include <algorithm>

#include "resolver/jobs.hpp"

namespace nxp::resolver {
namespace {

StepKind kind_of(Id type) {
    switch (type) {
        case SOLVER_TRANSACTION_UPGRADE:
            return StepKind::Upgrade;
        case SOLVER_TRANSACTION_DOWNGRADE:
            return StepKind::Downgrade;
        case SOLVER_TRANSACTION_REINSTALL:
            return StepKind::Reinstall;
        default:
            return StepKind::Install;
    }
}

Step removal(const PoolModel& m, Id p, std::string replaced_by) {
    Step s;
    s.kind = StepKind::Remove;
    s.name = m.name(p);
    s.from = m.version(p);
    if (const Installed* i = m.installed(p)) {
        s.repo = i->repo;
        s.explicit_ = i->explicit_;
        s.removed_size = i->installed_size;
    }
    s.replaced_by = std::move(replaced_by);
    return s;
}

// The new package p and the installed packages it replaces: the same name gives the
// "from" version; other names (replaces) become removals.
void add_incoming(const PoolModel& m, ::Transaction* trans, Id p, Id type, const JobSet& jobs,
                  std::vector<Step>& out) {
    Step s;
    s.kind = kind_of(type);
    s.name = m.name(p);
    s.to = m.version(p);
    if (m.is_available(p)) {
        s.repo = m.repo_name(p);
        s.entry = m.entry(p);
    }
    s.explicit_ = jobs.explicit_targets.count(p) > 0;

    solv::IdQueue obs;
    transaction_all_obs_pkgs(trans, p, obs.get());
    std::vector<Step> replaced;
    for (Id q : obs) {
        const Installed* i = m.installed(q);
        if (i && i->explicit_) s.explicit_ = true;  // a replacement keeps the reason
        if (m.name(q) == s.name) {
            s.from = m.version(q);
            if (i) s.removed_size = i->installed_size;
        } else {
            replaced.push_back(removal(m, q, s.name));
        }
    }
    if (s.kind == StepKind::Install && s.from) {  // same name, libsolv called it a change
        s.kind = *s.to < *s.from   ? StepKind::Downgrade
                 : *s.from < *s.to ? StepKind::Upgrade
                                   : StepKind::Reinstall;
    }
    out.push_back(std::move(s));
    for (auto& r : replaced) out.push_back(std::move(r));
}

}  // namespace

Plan make_plan(const PoolModel& m, ::Solver* solver, const JobSet& jobs) {
    solv::TransactionPtr trans(solver_create_transaction(solver));
    transaction_order(trans.get(), 0);
    // Active side for incoming packages; removals that something replaces are shown with
    // the package replacing them (SHOW_ALL|SHOW_OBSOLETES makes libsolv skip them here).
    const int mode = SOLVER_TRANSACTION_SHOW_ACTIVE | SOLVER_TRANSACTION_SHOW_ALL |
                     SOLVER_TRANSACTION_SHOW_OBSOLETES | SOLVER_TRANSACTION_CHANGE_IS_REINSTALL;
    Plan plan;
    const ::Queue& steps = trans->steps;
    for (int i = 0; i < steps.count; ++i) {
        Id p = steps.elements[i];
        Id type = transaction_type(trans.get(), p, mode);
        switch (type) {
            case SOLVER_TRANSACTION_IGNORE:
                break;
            case SOLVER_TRANSACTION_ERASE:
                if (!m.is_host(p)) plan.steps.push_back(removal(m, p, ""));
                break;
            case SOLVER_TRANSACTION_INSTALL:
            case SOLVER_TRANSACTION_UPGRADE:
            case SOLVER_TRANSACTION_DOWNGRADE:
            case SOLVER_TRANSACTION_REINSTALL:
            case SOLVER_TRANSACTION_OBSOLETES:
                add_incoming(m, trans.get(), p, type, jobs, plan.steps);
                break;
            default:
                break;  // the passive side of a change, shown with the incoming package
        }
    }
    for (Id p : jobs.explicit_targets) {
        const Installed* i = m.installed(p);
        if (!i || i->explicit_) continue;
        bool changed = std::any_of(plan.steps.begin(), plan.steps.end(),
                                   [&](const Step& s) { return s.name == i->meta.name; });
        if (!changed) plan.marked_explicit.push_back(i->meta.name);
    }
    std::sort(plan.marked_explicit.begin(), plan.marked_explicit.end());
    return plan;
}

}  // namespace nxp::resolver
