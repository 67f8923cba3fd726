#include "txn/undo.hpp"

#include <string>

#include "formats/constraint.hpp"
#include "txn/journal.hpp"
#include "txn/transaction.hpp"

namespace nxp::txn {

namespace {

// The job that reverses one recorded step; false when the step changed no plugin version
// (config, enable, disable).
Result<bool> add_reverse_job(const StepRecord& s, resolver::Request& req) {
    formats::Dep dep;
    dep.name = s.name;
    const auto action = s.kind();
    if (action == StepAction::Install) {
        req.jobs.push_back({resolver::JobKind::Remove, dep});
        return true;
    }
    if (action == StepAction::Remove || action == StepAction::Upgrade ||
        action == StepAction::Downgrade || action == StepAction::Reinstall) {
        auto constraint = formats::parse_constraint("= " + s.from);
        if (!constraint) return tl::unexpected(constraint.error());
        dep.constraint = *constraint;
        req.jobs.push_back({resolver::JobKind::Install, dep});
        return true;
    }
    return false;
}

}  // namespace

Result<resolver::Request> undo_request(const Root& root, std::int64_t id) {
    const std::string what = "transaction " + std::to_string(id);
    auto t = root.db().txn(id);
    if (!t) return tl::unexpected(t.error());
    if (!*t) return fail(ErrorKind::NotFound, what, "no such transaction");
    if ((*t)->state != "done")
        return fail(ErrorKind::Invalid, what,
                    "it is " + (*t)->state + ", so there is nothing to undo");
    auto in = intent_from_json((*t)->plan_json);
    if (!in) return tl::unexpected(in.error());
    if (in->kind == txn_kind_name(TxnKind::Rollback))
        return fail(ErrorKind::Invalid, what,
                    "a rollback is undone with 'nxp rollback --to " +
                        std::to_string((*t)->from_generation) + "'");
    resolver::Request req;
    req.keep_deps = true;  // reverse exactly the listed changes, nothing more
    for (const auto& s : in->steps)
        if (auto r = add_reverse_job(s, req); !r) return tl::unexpected(r.error());
    if (req.jobs.empty()) return fail(ErrorKind::Invalid, what, "changed no plugins");
    return req;
}

}  // namespace nxp::txn
