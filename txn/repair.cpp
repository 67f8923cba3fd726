#include "txn/repair.hpp"

#include <unistd.h>

#include <set>

#include "repo/archive.hpp"
#include "repo/keys.hpp"
#include "txn/fsutil.hpp"
#include "txn/installed.hpp"
#include "txn/repos.hpp"
#include "txn/settings.hpp"
#include "txn/stage.hpp"
#include "txn/transaction.hpp"
#include "txn/verify.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;

namespace {

// The signed index entry for a recorded tree, searched by its archive's sha256.
Result<std::pair<formats::IndexEntry, Source>> find_entry(const std::vector<RepoIndex>& repos,
                                                          const db::StoreTree& tree) {
    for (const auto& r : repos)
        for (const auto& e : r.index.packages)
            if (e.sha256 == tree.sha256) {
                Source s{r.row.name, {r.row.url}};
                s.base_urls.insert(s.base_urls.end(), r.row.mirrors.begin(), r.row.mirrors.end());
                return std::make_pair(e, s);
            }
    return fail(ErrorKind::NotFound, tree.path,
                "no repository offers " + tree.name + " " + tree.version +
                    " any more and the cache has no verified copy");
}

// Extracts next to the damaged tree, then swaps them with two renames.
Result<void> rebuild_tree(Root& root, const db::StoreTree& tree, const fs::path& archive) {
    fs::path final_dir = root.dir() / tree.path;
    fs::path fresh = root.store_dir() / (".tmp-repair-" + std::to_string(::getpid()));
    fs::path old = root.store_dir() / (".tmp-damaged-" + std::to_string(::getpid()));
    std::error_code ec;
    fs::remove_all(fresh, ec);
    fs::remove_all(old, ec);
    auto limits = extract_limits(root);
    if (!limits) return tl::unexpected(limits.error());
    auto extracted = repo::extract_package(archive, fresh, *limits);
    if (!extracted) return tl::unexpected(extracted.error());
    if (fs::exists(final_dir) && ::rename(final_dir.c_str(), old.c_str()) != 0)
        return fail(ErrorKind::Io, final_dir.string(), "cannot move the damaged tree aside");
    if (::rename(fresh.c_str(), final_dir.c_str()) != 0)
        return fail(ErrorKind::Io, final_dir.string(), "cannot move the repaired tree into place");
    fs::remove_all(old, ec);
    return sync_filesystem(root.dir());
}

}  // namespace

Result<RepairReport> repair(Root& root, const std::vector<std::string>& names, bool offline,
                            Events& events) {
    auto findings = verify(root, names);
    if (!findings) return tl::unexpected(findings.error());
    RepairReport report;
    auto pkgs = current_packages(root);
    if (!pkgs) return tl::unexpected(pkgs.error());
    std::set<std::string> damaged;
    for (const auto& f : *findings) {
        if (f.package.empty()) continue;
        for (const auto& p : *pkgs)
            if (p.name == f.package) damaged.insert(p.store_path);
    }
    std::optional<std::vector<RepoIndex>> repos;
    for (const auto& path : damaged) {
        auto tree = root.db().store_tree(path);
        if (!tree) return tl::unexpected(tree.error());
        if (!*tree) return fail(ErrorKind::Invalid, path, "no store record; reinstall the plugin");
        fs::path archive = root.package_cache_path((*tree)->sha256);
        auto data = read_file(archive, (*tree)->size);
        bool cached =
            data && data->size() == (*tree)->size && repo::sha256_hex(*data) == (*tree)->sha256;
        if (!cached) {
            if (!repos) {
                auto loaded = load_indexes(root, now_or_clock(0), offline, events);
                if (!loaded) return tl::unexpected(loaded.error());
                repos = std::move(*loaded);
            }
            auto found = find_entry(*repos, **tree);
            if (!found) return tl::unexpected(found.error());
            std::uint64_t downloaded = 0;
            auto fetched =
                fetch_package(root, found->first, found->second, offline, downloaded, events);
            if (!fetched) return tl::unexpected(fetched.error());
            report.fetched.push_back((*tree)->name);
        }
        if (auto r = rebuild_tree(root, **tree, archive); !r) return tl::unexpected(r.error());
        events.message(Level::Info, "repaired " + path);
        report.repaired.push_back(path);
    }
    return report;
}

}  // namespace nxp::txn
