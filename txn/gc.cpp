#include "txn/gc.hpp"

#include <algorithm>
#include <set>

namespace nxp::txn {
namespace fs = std::filesystem;

Result<GcReport> collect_garbage(Root& root, std::int64_t keep, bool dry_run) {
    auto& db = root.db();
    auto current = db.current_generation();
    if (!current) return tl::unexpected(current.error());
    auto gens = db.generations();
    if (!gens) return tl::unexpected(gens.error());
    GcReport report;
    std::set<std::string> used;
    std::int64_t kept_others = 0;
    // Newest first: the `keep` newest non-current generations survive.
    for (auto it = gens->rbegin(); it != gens->rend(); ++it) {
        bool is_current = it->id == *current;
        if (!is_current && (kept_others >= keep || it->id == 0)) {
            report.removed_generations.push_back(it->id);
            continue;
        }
        if (!is_current) ++kept_others;
        auto pkgs = db.generation_packages(it->id);
        if (!pkgs) return tl::unexpected(pkgs.error());
        for (const auto& p : *pkgs) used.insert(p.store_path);
    }
    auto trees = db.store_trees();
    if (!trees) return tl::unexpected(trees.error());
    for (const auto& t : *trees) {
        if (used.count(t.path)) continue;
        report.removed_trees.push_back(t.path);
        report.freed_bytes += t.installed_size;
    }
    if (dry_run) return report;
    // Database first: a crash part-way leaves unreferenced directories, which the next gc
    // (or nothing at all) cares about, never a record pointing at a deleted tree.
    if (auto r = db.begin(); !r) return tl::unexpected(r.error());
    for (auto id : report.removed_generations) {
        if (auto r = db.remove_generation(id); !r) {
            db.rollback();
            return tl::unexpected(r.error());
        }
    }
    for (const auto& t : report.removed_trees) {
        if (auto r = db.remove_store_tree(t); !r) {
            db.rollback();
            return tl::unexpected(r.error());
        }
    }
    if (auto r = db.commit(); !r) return tl::unexpected(r.error());
    std::error_code ec;
    for (auto id : report.removed_generations) fs::remove_all(root.generation_dir(id), ec);
    for (const auto& t : report.removed_trees) fs::remove_all(root.dir() / t, ec);
    return report;
}

}  // namespace nxp::txn
