// `nxp lock` and `nxp update --check`: read-only views of the installed set against the
// repositories.
#include <algorithm>

#include "deploy/apply.hpp"
#include "repo/fetch.hpp"
#include "repo/repository.hpp"
#include "txn/plugins.hpp"

namespace nxp::deploy {

Result<std::vector<txn::RepoIndex>> fresh_indexes(txn::Root& root, std::int64_t now, bool offline,
                                                  Events& events) {
    if (offline) return load_indexes(root, now, true, events, txn::IndexUse::Entries);
    auto rows = root.db().repos();
    if (!rows) return tl::unexpected(rows.error());
    std::vector<txn::RepoIndex> out;
    for (const auto& row : *rows) {
        auto config = txn::repo_config(row);
        if (!config) return tl::unexpected(config.error());
        events.message(Level::Debug, "fetching index of " + row.name);
        auto fetched = repo::fetch_index(*config, {row.last_version, row.last_sha256}, now);
        if (!fetched)
            return tl::unexpected(
                in_context(txn::as_transfer_error(fetched.error()), "repository " + row.name));
        out.push_back({row, std::move(fetched->index), false, now});
    }
    return out;
}

Result<formats::Lockfile> make_lockfile(txn::Root& root, Events& events) {
    auto snap = current_snapshot(root);
    if (!snap) return tl::unexpected(snap.error());
    // The cached, verified indexes: a lock describes what is installed, not what is new.
    auto repos = load_indexes(root, txn::now_or_clock(0), true, events, txn::IndexUse::Entries);
    if (!repos) return tl::unexpected(repos.error());
    formats::Lockfile lock;
    for (const auto& p : snap->packages) {
        auto tree = root.db().store_tree(p.store_path);
        if (!tree) return tl::unexpected(tree.error());
        if (!*tree)
            return fail(ErrorKind::Invalid, p.store_path,
                        p.name + " has no store record; run 'nxp doctor'");
        auto repo = std::find_if(repos->begin(), repos->end(),
                                 [&](const auto& r) { return r.row.name == p.repo; });
        if (repo == repos->end())
            return fail(
                ErrorKind::NotFound, p.name + " " + p.version,
                "its repository " + p.repo + " is no longer configured; a lockfile needs it");
        auto entry = std::find_if(
            repo->index.packages.begin(), repo->index.packages.end(),
            [&](const auto& e) { return e.name == p.name && e.sha256 == (*tree)->sha256; });
        if (entry == repo->index.packages.end())
            return fail(ErrorKind::NotFound, p.name + " " + p.version,
                        "repository " + p.repo + " no longer offers this package; update it first");
        formats::LockPackage lp;
        lp.name = p.name;
        lp.version = entry->version;
        lp.repo = p.repo;
        lp.path = entry->path;
        lp.url = repo::join_url(repo->row.url, entry->path);
        lp.sha256 = entry->sha256;
        lp.size = entry->size;
        lp.reason = p.reason;
        lock.packages.push_back(std::move(lp));
        if (std::none_of(lock.repos.begin(), lock.repos.end(),
                         [&](const auto& r) { return r.name == p.repo; }))
            lock.repos.push_back(
                {repo->row.name, repo->row.url, repo->row.keys, repo->row.mirrors});
    }
    return lock;
}

}  // namespace nxp::deploy
