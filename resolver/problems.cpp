// libsolv problems and solutions → plain sentences with human versions. libsolv's own
// strings (solver_problem2str) would show encoded EVRs and its own vocabulary.
#include <algorithm>
#include <optional>

#include "resolver/jobs.hpp"

namespace nxp::resolver {
namespace {

struct RuleInfo {
    SolverRuleinfo type = SOLVER_RULE_UNKNOWN;
    Id source = 0, target = 0, dep = 0;
    const JobNote* job = nullptr;  // for job rules
    std::string text;
};

class Explainer {
  public:
    Explainer(const PoolModel& m, ::Solver* solver, const JobSet& jobs)
        : m_(m), pool_(m.get()), solver_(solver), jobs_(jobs) {}

    Problem problem(Id pr) const;

  private:
    std::string rule(Id rid) const;
    RuleInfo info(Id rid) const;
    std::string headline(const RuleInfo& main, const std::vector<RuleInfo>& all) const;
    std::string job_rule(Id how, Id what) const;
    std::string unmet(Id source, Id dep) const;
    SolutionElement element(Id p, Id rp, bool& skip) const;
    std::optional<Solution> solution(Id pr, Id s) const;
    Rule structured(const RuleInfo& r) const;
    PackageRef package(Id p) const;
    Relation relation(Id dep) const;

    Id base_name(Id dep) const;
    std::vector<Id> providers(Id dep) const;
    std::string labels(const std::vector<Id>& ids) const;

    const PoolModel& m_;
    ::Pool* pool_;
    ::Solver* solver_;
    const JobSet& jobs_;
};

Id Explainer::base_name(Id dep) const {
    while (ISRELDEP(dep)) dep = GETRELDEP(pool_, dep)->name;
    return dep;
}

std::vector<Id> Explainer::providers(Id dep) const {
    std::vector<Id> out;
    for (Id off = pool_whatprovides(pool_, dep); pool_->whatprovidesdata[off]; ++off) {
        out.push_back(pool_->whatprovidesdata[off]);
    }
    return out;
}

std::string Explainer::labels(const std::vector<Id>& ids) const {
    std::vector<std::pair<formats::Version, std::string>> sorted;
    for (Id p : ids) sorted.emplace_back(m_.version(p), m_.label(p));
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return b.first < a.first; });  // newest first
    sorted.erase(std::unique(sorted.begin(), sorted.end(),
                             [](const auto& a, const auto& b) { return a.second == b.second; }),
                 sorted.end());
    std::string out;
    for (const auto& [v, label] : sorted) out += (out.empty() ? "" : ", ") + label;
    return out;
}

// "a 2.0.0 requires b >= 3, but …": say what exists instead of what is missing.
std::string Explainer::unmet(Id source, Id dep) const {
    const std::string who = m_.label(source);
    const std::string what = m_.dep_str(dep);
    const bool alternatives = ISRELDEP(dep) && GETRELDEP(pool_, dep)->flags == REL_OR;
    Id name = base_name(dep);
    std::string name_text = plain_name(pool_, name);
    std::vector<Id> by_name = alternatives ? std::vector<Id>{} : providers(name);
    if (by_name.empty()) {
        const auto& hints = m_.universe().host_hints;
        auto hint = hints.find(name_text);
        return "nothing provides " + what + " needed by " + who +
               (hint == hints.end() ? "" : "; " + hint->second);
    }
    bool host = std::any_of(by_name.begin(), by_name.end(), [&](Id p) { return m_.is_host(p); });
    if (host) return who + " requires " + what + ", but the host has " + labels(by_name);
    auto named = m_.named(name);
    if (!named.empty()) {
        return who + " requires " + what + ", but no version of " + name_text +
               " satisfies it (available: " + labels(named) + ")";
    }
    return who + " requires " + what + ", but no provider of " + name_text +
           " satisfies it (available: " + labels(by_name) + ")";
}

std::string Explainer::job_rule(Id how, Id what) const {
    const JobNote* note = jobs_.find(how, what);
    if (!note) return "";
    switch (note->role) {
        case JobRole::Hold:
            return note->name + " is held at " + m_.version(what).str();
        case JobRole::Host:
            return "the host provides " + m_.label(what) + ", which cannot change";
        case JobRole::Install:
            return "you asked to install " + note->text;
        case JobRole::Remove:
            return "you asked to remove " + note->text;
        case JobRole::Update:
            return "you asked to update " + note->text;
        case JobRole::Autoremove:
            return m_.label(what) + " is no longer needed";
        case JobRole::Mark:
        case JobRole::Favor:
        case JobRole::Chosen:
            return "";
    }
    return "";
}

std::string Explainer::rule(Id rid) const {
    Id source = 0, target = 0, dep = 0;
    SolverRuleinfo type = solver_ruleinfo(solver_, rid, &source, &target, &dep);
    if (type != SOLVER_RULE_JOB) {  // job rules name jobs, not packages
        if (source > 0) m_.learn_texts(source);
        if (target > 0) m_.learn_texts(target);
    }
    switch (type) {
        case SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP:
            return unmet(source, dep);
        case SOLVER_RULE_PKG_REQUIRES:
            return m_.label(source) + " requires " + m_.dep_str(dep) + ", provided by " +
                   labels(providers(dep));
        case SOLVER_RULE_PKG_CONFLICTS:
            if (target && !ISRELDEP(dep) && dep == pool_id2solvable(pool_, target)->name) {
                return m_.label(source) + " conflicts with " + m_.label(target);
            }
            return m_.label(source) + " conflicts with " + m_.dep_str(dep) +
                   (target ? " (" + m_.label(target) + ")" : "");
        case SOLVER_RULE_PKG_SELF_CONFLICT:
            return m_.label(source) + " conflicts with itself (" + m_.dep_str(dep) + ")";
        case SOLVER_RULE_PKG_SAME_NAME:
        case SOLVER_RULE_PKG_IMPLICIT_OBSOLETES:
            if (target && m_.name(source) == m_.name(target)) {
                return "only one version of " + m_.name(source) + " can be installed (" +
                       m_.version(source).str() + " or " + m_.version(target).str() + ")";
            }
            return m_.label(source) + " and " + m_.label(target) + " cannot both be installed";
        case SOLVER_RULE_PKG_OBSOLETES:
        case SOLVER_RULE_PKG_INSTALLED_OBSOLETES:
            return m_.label(source) + " replaces " + (target ? m_.label(target) : m_.dep_str(dep));
        case SOLVER_RULE_PKG_NOT_INSTALLABLE:
            return m_.label(source) + " cannot be installed";
        case SOLVER_RULE_JOB:
            return job_rule(target, dep);
        case SOLVER_RULE_JOB_NOTHING_PROVIDES_DEP:
            return "nothing provides " + m_.dep_str(dep);
        case SOLVER_RULE_JOB_UNKNOWN_PACKAGE:
            return "package " + m_.dep_str(dep) + " does not exist";
        case SOLVER_RULE_JOB_PROVIDED_BY_SYSTEM:
            return m_.dep_str(dep) + " is provided by the host";
        case SOLVER_RULE_UPDATE:
        case SOLVER_RULE_FEATURE:
            return "installed " + m_.label(source) + " can only be kept or upgraded";
        case SOLVER_RULE_BEST:
            return source > 0 ? "the newest version of " + m_.name(source) + " cannot be installed"
                              : "the newest candidate cannot be installed";
        default:
            return "";  // learnt, choice and recommends rules explain nothing to a user
    }
}

SolutionElement Explainer::element(Id p, Id rp, bool& skip) const {
    SolutionElement e;
    auto set = [&](const char* action, std::string name, std::string from, std::string to,
                   std::string text) {
        e.action = action;
        e.name = std::move(name);
        e.from = std::move(from);
        e.to = std::move(to);
        e.text = std::move(text);
    };
    if (p == SOLVER_SOLUTION_JOB) {
        const JobNote* note = jobs_.note_at(rp);
        if (!note) return e;
        switch (note->role) {
            case JobRole::Install:
                set("do-not-install", note->name, "", "", "do not install " + note->text);
                break;
            case JobRole::Remove:
                set("do-not-remove", note->name, "", "", "do not remove " + note->text);
                break;
            case JobRole::Update:
                set("do-not-update", note->name, "", "", "do not update " + note->text);
                break;
            case JobRole::Hold:
                set("unhold", note->name, "", "", "unhold " + note->name);
                break;
            case JobRole::Autoremove:
                set("keep", note->name, "", "", "keep " + note->name);
                break;
            case JobRole::Host:
            case JobRole::Mark:
            case JobRole::Favor:
            case JobRole::Chosen:
                skip = true;  // the host cannot be changed from here
                break;
        }
        return e;
    }
    if (p == SOLVER_SOLUTION_BEST) {
        if (m_.is_installed(rp))
            set("keep", m_.name(rp), m_.version(rp).str(), "", "keep " + m_.label(rp));
        else
            set("install-older", m_.name(rp), "", m_.version(rp).str(),
                "install " + m_.label(rp) + " (not the newest version)");
        return e;
    }
    if (p > 0 && rp == 0) {
        if (m_.is_host(p)) skip = true;
        set("remove", m_.name(p), m_.version(p).str(), "", "remove " + m_.label(p));
        return e;
    }
    if (p > 0 && rp > 0) {
        if (m_.is_host(p)) skip = true;
        auto from = m_.version(p), to = m_.version(rp);
        if (m_.name(p) != m_.name(rp)) {
            set("replace", m_.name(p), from.str(), to.str(),
                "replace " + m_.label(p) + " with " + m_.label(rp));
            e.replacement = m_.name(rp);
        } else {
            const bool down = to < from;
            set(down ? "downgrade" : "upgrade", m_.name(p), from.str(), to.str(),
                std::string(down ? "downgrade " : "upgrade ") + m_.name(p) + " from " + from.str() +
                    " to " + to.str());
        }
        return e;
    }
    if (rp > 0) set("install", m_.name(rp), "", m_.version(rp).str(), "install " + m_.label(rp));
    return e;
}

std::optional<Solution> Explainer::solution(Id pr, Id s) const {
    Solution out;
    out.id = s;
    bool skip = false;
    Id p = 0, rp = 0;
    for (Id el = 0; (el = solver_next_solutionelement(solver_, pr, s, el, &p, &rp)) != 0;) {
        SolutionElement part = element(p, rp, skip);
        if (part.text.empty()) continue;
        out.text += (out.text.empty() ? "" : ", ") + part.text;
        out.elements.push_back(std::move(part));
    }
    if (skip || out.text.empty()) return std::nullopt;
    return out;
}

PackageRef Explainer::package(Id p) const {
    PackageRef r;
    r.name = m_.name(p);
    r.version = m_.version(p).str();
    r.installed = m_.is_installed(p);
    r.host = m_.is_host(p);
    if (m_.is_available(p)) r.repo = m_.repo_name(p);
    return r;
}

Relation Explainer::relation(Id dep) const {
    Relation r;
    r.text = m_.dep_str(dep);
    if (ISRELDEP(dep) && GETRELDEP(pool_, dep)->flags == REL_OR) {
        const Reldep* rd = GETRELDEP(pool_, dep);
        for (Id side : {rd->name, rd->evr}) {
            Relation alt = relation(side);
            if (!alt.alternatives.empty()) {  // "a | b | c" is ((a | b) | c): flattened
                for (auto& a : alt.alternatives) r.alternatives.push_back(std::move(a));
            } else {
                r.alternatives.push_back(std::move(alt));
            }
        }
        return r;
    }
    r.name = plain_name(pool_, base_name(dep));
    if (r.text.rfind(r.name, 0) == 0) {
        r.constraint = r.text.substr(r.name.size());
        r.constraint.erase(0, r.constraint.find_first_not_of(' '));
    }
    return r;
}

namespace {

const char* rule_kind(SolverRuleinfo type) {
    switch (type) {
        case SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP:
            return "nothing-provides";
        case SOLVER_RULE_PKG_REQUIRES:
            return "requires";
        case SOLVER_RULE_PKG_CONFLICTS:
            return "conflicts";
        case SOLVER_RULE_PKG_SELF_CONFLICT:
            return "self-conflict";
        case SOLVER_RULE_PKG_SAME_NAME:
        case SOLVER_RULE_PKG_IMPLICIT_OBSOLETES:
            return "same-name";
        case SOLVER_RULE_PKG_OBSOLETES:
        case SOLVER_RULE_PKG_INSTALLED_OBSOLETES:
            return "obsoletes";
        case SOLVER_RULE_PKG_NOT_INSTALLABLE:
            return "not-installable";
        case SOLVER_RULE_JOB:
            return "job";
        case SOLVER_RULE_JOB_NOTHING_PROVIDES_DEP:
            return "job-nothing-provides";
        case SOLVER_RULE_JOB_UNKNOWN_PACKAGE:
            return "job-unknown-package";
        case SOLVER_RULE_JOB_PROVIDED_BY_SYSTEM:
            return "job-provided-by-host";
        case SOLVER_RULE_UPDATE:
        case SOLVER_RULE_FEATURE:
            return "update";
        case SOLVER_RULE_BEST:
            return "best";
        default:
            return "other";
    }
}

const char* job_role_name(JobRole role) {
    switch (role) {
        case JobRole::Install:
            return "install";
        case JobRole::Remove:
            return "remove";
        case JobRole::Update:
            return "update";
        case JobRole::Hold:
            return "hold";
        case JobRole::Host:
            return "host";
        case JobRole::Autoremove:
            return "autoremove";
        case JobRole::Mark:
            return "mark";
        case JobRole::Favor:
            return "favor";
        case JobRole::Chosen:
            return "chosen";
    }
    return "other";
}

}  // namespace

Rule Explainer::structured(const RuleInfo& r) const {
    Rule out;
    out.kind = rule_kind(r.type);
    out.text = r.text;
    if (r.type == SOLVER_RULE_JOB) {  // target and dep are the job's how and what
        if (r.job) {
            out.job = job_role_name(r.job->role);
            out.job_spec = r.job->text;
        }
        return out;
    }
    if (r.source > 0) out.source = package(r.source);
    if (r.target > 0) out.target = package(r.target);
    if (r.dep != 0) out.relation = relation(r.dep);
    return out;
}

RuleInfo Explainer::info(Id rid) const {
    RuleInfo r;
    r.type = solver_ruleinfo(solver_, rid, &r.source, &r.target, &r.dep);
    if (r.type == SOLVER_RULE_JOB) r.job = jobs_.find(r.target, r.dep);
    r.text = rule(rid);
    return r;
}

// One sentence that says what clashes with what; libsolv's chosen rule alone often tells
// only half ("a requires b >= 2" without "but b is held at 1.0.0").
std::string Explainer::headline(const RuleInfo& main, const std::vector<RuleInfo>& all) const {
    auto find = [&](auto pred) -> const RuleInfo* {
        for (const auto& r : all) {
            if (pred(r)) return &r;
        }
        return nullptr;
    };
    auto job_role = [](const RuleInfo& r, JobRole role) { return r.job && r.job->role == role; };
    if (main.type == SOLVER_RULE_PKG_REQUIRES) {
        std::string name = plain_name(pool_, base_name(main.dep));
        std::string lead = m_.label(main.source) + " requires " + m_.dep_str(main.dep);
        if (auto* h = find([&](const RuleInfo& r) {
                return job_role(r, JobRole::Hold) && r.job->name == name;
            })) {
            return lead + ", but " + h->text;
        }
        if (auto* rm = find([&](const RuleInfo& r) {
                return job_role(r, JobRole::Remove) && r.job->name == name;
            })) {
            return rm->text + ", but " + lead;
        }
        if (auto* asked = find([&](const RuleInfo& r) {
                return job_role(r, JobRole::Install) && r.job->name == name;
            })) {
            return lead + ", but " + asked->text;
        }
        // Another package's requirement on the same name; not the same package again (an
        // installed plugin and its repository copy are two solvables with one label).
        if (auto* other = find([&](const RuleInfo& r) {
                return r.type == SOLVER_RULE_PKG_REQUIRES && r.source != main.source &&
                       m_.label(r.source) != m_.label(main.source) &&
                       plain_name(pool_, base_name(r.dep)) == name;
            })) {
            return lead + ", but " + other->text.substr(0, other->text.find(", provided by"));
        }
        return lead + ", but none of " + labels(providers(main.dep)) + " can be installed";
    }
    if (auto* h = find([&](const RuleInfo& r) { return job_role(r, JobRole::Hold); })) {
        if (auto* asked = find([&](const RuleInfo& r) {
                return job_role(r, JobRole::Install) || job_role(r, JobRole::Remove) ||
                       job_role(r, JobRole::Update);
            })) {
            return asked->text + ", but " + h->text;
        }
        return h->text;
    }
    return main.text;
}

Problem Explainer::problem(Id pr) const {
    Problem out;
    solv::IdQueue rules;
    solver_findallproblemrules(solver_, pr, rules.get());
    std::vector<RuleInfo> all;
    for (Id rid : rules) {
        RuleInfo r = info(rid);
        if (r.text.empty()) continue;
        if (std::find(out.details.begin(), out.details.end(), r.text) == out.details.end()) {
            out.details.push_back(r.text);
            out.rules.push_back(structured(r));
        }
        all.push_back(std::move(r));
    }
    out.id = pr;
    RuleInfo main = info(solver_findproblemrule(solver_, pr));
    out.text = headline(main, all);
    if (out.text.empty() && !out.details.empty()) out.text = out.details.front();
    if (out.text.empty()) out.text = "the request cannot be satisfied";
    unsigned n = solver_solution_count(solver_, pr);
    for (Id s = 1; s <= static_cast<Id>(n); ++s) {
        if (auto sol = solution(pr, s)) out.solutions.push_back(std::move(*sol));
    }
    return out;
}

}  // namespace

Unsolvable explain(const PoolModel& m, ::Solver* solver, const JobSet& jobs) {
    Unsolvable u;
    Explainer ex(m, solver, jobs);
    unsigned n = solver_problem_count(solver);
    for (Id pr = 1; pr <= static_cast<Id>(n); ++pr) u.problems.push_back(ex.problem(pr));
    return u;
}

}  // namespace nxp::resolver
