#include "txn/mark.hpp"

#include <algorithm>

#include "txn/plugins.hpp"

namespace nxp::txn {

Result<MarkReport> mark_plugins(Root& root, const std::vector<std::string>& names, Reason reason,
                                const TxnOptions& opts, Events& events) {
    auto snap = current_snapshot(root);
    if (!snap) return tl::unexpected(snap.error());
    for (const auto& name : names)
        if (!snap->find(name))
            return fail(ErrorKind::NotFound, name,
                        "not installed; only installed plugins can be marked");
    const std::string wanted(reason_name(reason));
    const StepAction action =
        reason == Reason::Explicit ? StepAction::MarkExplicit : StepAction::MarkDependency;
    MarkReport out;
    out.report.from_generation = snap->generation;
    out.report.to_generation = snap->generation;
    std::vector<StepRecord> steps;
    for (const auto& name : names) {
        if (std::find(out.changed.begin(), out.changed.end(), name) != out.changed.end() ||
            std::find(out.unchanged.begin(), out.unchanged.end(), name) != out.unchanged.end())
            continue;  // named twice
        auto* pkg = snap->find(name);
        if (pkg->reason == wanted) {
            out.unchanged.push_back(name);
            continue;
        }
        pkg->reason = wanted;
        out.changed.push_back(name);
        steps.push_back({action, name, pkg->version, pkg->version, pkg->repo});
    }
    if (steps.empty()) return out;
    auto report = apply_change(root, *snap, steps, opts, events);
    if (!report) return tl::unexpected(report.error());
    out.report = std::move(*report);
    return out;
}

}  // namespace nxp::txn
