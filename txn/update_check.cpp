#include "txn/update_check.hpp"

#include <utility>
#include <variant>

#include "repo/fetch.hpp"
#include "repo/repository.hpp"

namespace nxp::txn {

Result<std::vector<RepoIndex>> fresh_indexes(Root& root, std::int64_t now, bool offline,
                                             Events& events) {
    if (offline) return load_indexes(root, now, true, events, IndexUse::Entries);
    auto rows = root.db().repos();
    if (!rows) return tl::unexpected(rows.error());
    std::vector<RepoIndex> out;
    for (const auto& row : *rows) {
        if (root.writable()) {
            // A refresh like any other: the next plain update sees what this check saw.
            events.message(Level::Debug, "refreshing the index of " + row.name);
            auto index = refresh_repo(root, row, now, true);
            if (!index) return tl::unexpected(in_context(index.error(), "repository " + row.name));
            auto accepted = root.db().repo(row.name);
            if (!accepted) return tl::unexpected(accepted.error());
            out.push_back({accepted->value_or(row), std::move(index->index), false, now});
            continue;
        }
        auto config = repo_config(row);
        if (!config) return tl::unexpected(config.error());
        events.message(Level::Debug, "fetching index of " + row.name);
        auto fetched = repo::fetch_index(*config, {row.last_version, row.last_sha256}, now);
        if (!fetched)
            return tl::unexpected(
                in_context(as_transfer_error(fetched.error()), "repository " + row.name));
        out.push_back({row, std::move(fetched->index), false, now});
    }
    return out;
}

Result<UpdateCheck> check_updates(Root& root, const std::vector<formats::Dep>& only,
                                  std::int64_t now, bool offline, Events& events) {
    resolver::Request req;
    for (const auto& dep : only) req.jobs.push_back({resolver::JobKind::Update, dep});
    if (only.empty()) req.jobs.push_back({resolver::JobKind::UpdateAll, {}});
    auto repos = fresh_indexes(root, now, offline, events);
    if (!repos) return tl::unexpected(repos.error());
    auto universe = build_universe(root, *repos);
    if (!universe) return tl::unexpected(universe.error());
    auto outcome = resolver::resolve(*universe, req);
    if (!outcome) return tl::unexpected(outcome.error());
    UpdateCheck check;
    if (auto* u = std::get_if<resolver::Unsolvable>(&*outcome))
        check.unsolvable = std::move(*u);
    else
        check.plan = std::move(std::get<resolver::Plan>(*outcome));
    return check;
}

}  // namespace nxp::txn
