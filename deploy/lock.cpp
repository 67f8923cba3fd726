// `nxp lock`: the installed set as a lockfile, against the repositories' cached indexes.
#include <algorithm>

#include "deploy/apply.hpp"
#include "repo/fetch.hpp"
#include "txn/local_package.hpp"
#include "txn/plugins.hpp"

namespace nxp::deploy {

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
        if (txn::is_untrusted_repo(p.repo))
            return fail(ErrorKind::Invalid, p.name + " " + p.version,
                        "was installed from an untrusted package file (--allow-untrusted); a "
                        "lockfile pins only what a signed repository offers: publish it in one "
                        "and install it from there, or remove it");
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
