#include "txn/listing.hpp"

#include <algorithm>
#include <map>
#include <utility>
#include <variant>

#include "formats/manifest.hpp"
#include "resolver/resolver.hpp"
#include "txn/repos.hpp"
#include "txn/update_check.hpp"

namespace nxp::txn {

Result<std::vector<std::string>> orphan_names(const Root& root) {
    // The installed set alone: what is unneeded depends only on what is installed.
    auto universe = build_universe(root, {});
    if (!universe) return tl::unexpected(universe.error());
    resolver::Request req;
    req.jobs.push_back({resolver::JobKind::Autoremove, {}});
    auto outcome = resolver::resolve(*universe, req);
    if (!outcome) return tl::unexpected(outcome.error());
    if (auto* u = std::get_if<resolver::Unsolvable>(&*outcome))
        return fail(ErrorKind::Unsolvable, "orphans", u->str());
    std::vector<std::string> out;
    for (const auto& step : std::get<resolver::Plan>(*outcome).steps)
        if (step.kind == resolver::StepKind::Remove) out.push_back(step.name);
    std::sort(out.begin(), out.end());
    return out;
}

Result<std::vector<Upgradable>> upgradable_plugins(Root& root, std::int64_t now, Events& events) {
    auto check = check_updates(root, {}, now, /*offline=*/true, events);
    if (!check) return tl::unexpected(check.error());
    if (check->unsolvable)
        return fail(ErrorKind::Unsolvable, "upgradable plugins",
                    "the update cannot be resolved:\n" + check->unsolvable->str());
    std::vector<Upgradable> out;
    for (const auto& step : check->plan.steps)
        if (step.kind == resolver::StepKind::Upgrade && step.from && step.to)
            out.push_back({step.name, step.from->str(), step.to->str(), step.repo});
    std::sort(out.begin(), out.end(),
              [](const Upgradable& a, const Upgradable& b) { return a.name < b.name; });
    return out;
}

Result<std::vector<AvailablePlugin>> available_plugins(Root& root, std::int64_t now, bool offline,
                                                       Events& events) {
    auto repos = load_indexes(root, now, offline, events, IndexUse::Entries);
    if (!repos) return tl::unexpected(repos.error());
    std::map<std::pair<std::string, std::string>, const formats::IndexEntry*> best;
    for (const auto& r : *repos)
        for (const auto& e : r.index.packages) {
            auto& slot = best[{e.name, r.row.name}];
            if (slot == nullptr || slot->version < e.version) slot = &e;
        }
    std::vector<AvailablePlugin> out;
    for (const auto& [key, e] : best)
        out.push_back({e->name, e->version.str(), std::string(formats::kind_name(e->kind)),
                       key.second, e->summary});
    return out;
}

}  // namespace nxp::txn
