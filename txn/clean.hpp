#pragma once
// `nxp clean`: what ROOT/cache holds that nothing needs any more (pacman -Sc, dnf clean):
// downloaded packages no kept generation was built from, partial downloads and temporary
// files left by a failed or interrupted run, and index copies of repositories no longer
// configured (or stale temporary copies beside a repository's current index).
#include <cstdint>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

struct CleanItem {
    std::string path;  // relative to ROOT: "cache/packages/SHA256.nxp"
    std::uint64_t bytes = 0;
};

struct CleanReport {
    std::vector<CleanItem> packages;  // archives no kept generation needs
    std::vector<CleanItem> partial;   // *.part downloads and .tmp-* files
    std::vector<CleanItem> indexes;   // index caches of removed repositories, stale copies
    std::uint64_t freed_bytes = 0;    // the sum of the above
};

// Collects (and unless `dry_run`, removes) what clean removes. The generations kept are the
// ones in the database (`nxp gc` decides which those are); a package archive whose sha256
// one of their store trees was extracted from stays, so a reinstall or an undo needs no
// network. Nothing is followed through a symlink: the cache directories are opened
// component by component (txn/package_cache.hpp) and entries are removed by name.
// The caller holds the root's write lock (no download is running).
Result<CleanReport> clean_cache(Root& root, bool dry_run);

}  // namespace nxp::txn
