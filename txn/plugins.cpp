#include "txn/plugins.hpp"

#include <algorithm>

#include "runtime/grants.hpp"
#include "txn/installed.hpp"
#include "txn/transaction.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;
using nlohmann::json;

Result<std::vector<UngrantedPaths>> ungranted_config_paths(const Root& root, const Intent& intent) {
    std::vector<UngrantedPaths> out;
    for (const auto& step : intent.steps) {
        auto a = step.kind();
        if (a != StepAction::Install && a != StepAction::Upgrade && a != StepAction::Downgrade &&
            a != StepAction::Reinstall && a != StepAction::Config && a != StepAction::Enable)
            continue;
        auto pkg = std::find_if(intent.packages.begin(), intent.packages.end(),
                                [&](const db::GenPackage& g) { return g.name == step.name; });
        if (pkg == intent.packages.end()) continue;
        auto m = runtime::installed_manifest(root.db(), pkg->store_path);
        if (!m) return tl::unexpected(m.error());
        UngrantedPaths u{step.name, {}, {}};
        auto wanted = runtime::config_paths(
            *m, runtime::effective_config(*m, intent.config, step.name), &u.problems);
        if (wanted.empty() && u.problems.empty()) continue;
        auto granted = runtime::granted_permissions(root.db(), step.name);
        if (!granted) return tl::unexpected(granted.error());
        u.missing = runtime::ungranted(wanted, *granted);
        if (!u.missing.empty() || !u.problems.empty()) out.push_back(std::move(u));
    }
    return out;
}

db::GenPackage* Snapshot::find(const std::string& name) {
    auto it = std::find_if(packages.begin(), packages.end(),
                           [&](const db::GenPackage& p) { return p.name == name; });
    return it == packages.end() ? nullptr : &*it;
}

Result<Snapshot> current_snapshot(Root& root) {
    Snapshot s;
    auto pkgs = current_packages(root, &s.generation);
    if (!pkgs) return tl::unexpected(pkgs.error());
    s.packages = std::move(*pkgs);
    auto config = root.db().generation_config(s.generation);
    if (!config) return tl::unexpected(config.error());
    s.config = std::move(*config);
    return s;
}

Result<TxnReport> apply_change(Root& root, const Snapshot& next,
                               const std::vector<StepRecord>& steps, const TxnOptions& opts,
                               Events& events) {
    TxnReport report;
    report.from_generation = next.generation;
    auto id = root.db().next_generation_id();
    if (!id) return tl::unexpected(id.error());
    report.to_generation = *id;
    Intent intent;
    intent.kind = std::string(txn_kind_name(opts.kind));
    intent.steps = steps;
    intent.packages = next.packages;
    intent.config = next.config;
    if (opts.dry_run) return report;
    if (auto r = apply_intent(root, report, intent, opts, events); !r)
        return tl::unexpected(r.error());
    report.applied = true;
    return report;
}

}  // namespace nxp::txn
