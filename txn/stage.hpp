#pragma once
// Staging: verified downloads into the cache, extraction into immutable store trees, and
// the directory of a new generation. Nothing here changes what is in effect.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "formats/index.hpp"
#include "repo/archive.hpp"
#include "resolver/resolver.hpp"
#include "txn/events.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

struct RepoIndex;

struct Source {
    std::string repo;
    std::vector<std::string> base_urls;  // repository URL then mirrors
    // Set when the plan came from the repository's caches: fetch_packages then compares
    // each entry with the verified index first (confirm_cached_entries).
    const RepoIndex* cached = nullptr;
};

// Each repository's name -> its URL and mirrors, for fetch_packages.
std::map<std::string, Source> sources_of(const std::vector<RepoIndex>& repos);

struct Wanted {
    const formats::IndexEntry* entry = nullptr;
    const Source* source = nullptr;
};

// Makes cache/packages/SHA256.nxp hold exactly each signed entry's bytes, downloading the
// ones not cached in parallel (repo::download_all: mirror failover, retries, resume, the
// signed size as cap). Entries from a cache-resolved repository (Source::cached) are first
// compared with its verified index; nothing is fetched if one differs. Returns the cached paths in
// order; the first failure is returned after every transfer has ended. Adds downloaded bytes to
// `downloaded`. Parallelism: the "download.parallel" setting, else $NXP_PARALLEL_DOWNLOADS, else 8.
// Progress goes to events.progress(label, done, size) per file ("weather 1.2.0"), and
// events.progress("", done, total) for all files together.
Result<std::vector<std::filesystem::path>> fetch_packages(Root& root,
                                                          const std::vector<Wanted>& wanted,
                                                          bool offline, std::uint64_t& downloaded,
                                                          Events& events);

// One package: fetch_packages with a single entry.
Result<std::filesystem::path> fetch_package(Root& root, const formats::IndexEntry& entry,
                                            const Source& source, bool offline,
                                            std::uint64_t& downloaded, Events& events);

// "store/NAME-VERSION-SHA16" for an entry.
std::string store_path_for(const formats::IndexEntry& entry);

// Copies an archive already verified elsewhere (a bundle's) into cache/packages, never
// through a symlink (txn/package_cache.hpp); fetch_packages then checks it like any other.
Result<void> cache_package_file(const Root& root, const std::string& sha256,
                                const std::filesystem::path& from);

// Extracts each cached archive into its store tree (reusing an existing recorded one) and
// records its files, checking the manifest inside matches the signed entry. Each archive is
// opened without following a symlink, hashed and extracted from that same descriptor. Extraction
// runs on up to `threads` threads while the calling thread writes the records in plan order as
// each tree is ready; `after_each` is called for each item once all are extracted and recorded
// (a crash point in tests). Returns the store paths in the order of `items`. On failure, the
// first failing item in order is reported; the records of the items before it may have been
// written (callers stage in one database transaction and roll it back); trees already moved into
// the store stay (unrecorded, rebuilt by the next transaction that needs them).
struct StageItem {
    const formats::IndexEntry* entry = nullptr;
    std::string repo;
    std::filesystem::path archive;
};
Result<std::vector<std::string>> stage_trees(Root& root, const std::vector<StageItem>& items,
                                             const repo::ExtractLimits& limits, unsigned threads,
                                             const std::function<void()>& after_each,
                                             Events* events = nullptr);  // -v: verify, stage

// Where the packages of a plan come from. Every step names its repository, which must be
// one of `repos` (its URL and mirrors); `packages_dir`, a directory of archives already
// verified elsewhere and named SHA256.nxp (a bundle's), is copied into the cache first and
// then nothing is downloaded.
struct PackageSources {
    const std::vector<RepoIndex>* repos = nullptr;
    std::optional<std::filesystem::path> packages_dir;
    bool offline = false;
};

// The staging of every transaction that brings packages in (install, update, apply, a
// bundle): fetch → verify → cache → extract into the store, for every step of `plan` but
// removals, filling the store path of each in `next` (the generation itself is built by
// apply_intent). A step without its signed entry, or naming a repository not in `from`, is
// an error naming it and nothing is fetched. Every download ends before anything is
// extracted; the database records of the trees are written in the caller's database
// transaction. Crash points "after-download" and "after-extract" (after each tree). Adds the
// bytes downloaded to `downloaded`.
Result<void> stage_packages(Root& root, const resolver::Plan& plan, const PackageSources& from,
                            std::map<std::string, db::GenPackage>& next, std::uint64_t& downloaded,
                            Events& events);

// --download-only: fetch → verify → cache for every step of `plan` but removals, as
// stage_packages does, and nothing more (no extraction, no database record).
Result<void> download_plan(Root& root, const resolver::Plan& plan, const PackageSources& from,
                           std::uint64_t& downloaded, Events& events);

// Builds generations/ID with plugins/NAME -> ../../../store/… for each package, via a
// temporary directory renamed into place.
Result<void> build_generation(Root& root, std::int64_t id, const std::vector<db::GenPackage>& pkgs);

}  // namespace nxp::txn
