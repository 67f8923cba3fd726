#include "txn/stage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

#include "db/sqlite.hpp"
#include "formats/redact.hpp"
#include "repo/archive.hpp"
#include "repo/download.hpp"
#include "repo/fetch.hpp"
#include "repo/keys.hpp"
#include "txn/fsutil.hpp"
#include "txn/interrupt.hpp"
#include "txn/local_package.hpp"
#include "txn/package_cache.hpp"
#include "txn/repos.hpp"
#include "txn/settings.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;

namespace {

std::string cache_name(const formats::IndexEntry& entry) { return entry.sha256 + ".nxp"; }

std::string tmp_name(std::string_view what) {
    return ".tmp-" + std::string(what) + "-" + std::to_string(::getpid());
}

}  // namespace

namespace {

// Sums per-file progress into one total for the renderer.
class ProgressTotal {
  public:
    ProgressTotal(const std::vector<repo::DownloadItem>& items, Events& events)
        : items_(items), done_(items.size(), 0), events_(events) {
        for (const auto& i : items) total_ += i.size;
    }
    void update(std::size_t i, std::uint64_t done, std::uint64_t size) {
        sum_ = sum_ - done_[i] + done;
        done_[i] = done;
        events_.progress(items_[i].label, done, size);
        events_.progress("", sum_, total_);
    }

  private:
    const std::vector<repo::DownloadItem>& items_;
    std::vector<std::uint64_t> done_;
    std::uint64_t sum_ = 0;
    std::uint64_t total_ = 0;
    Events& events_;
};

}  // namespace

Result<std::vector<fs::path>> fetch_packages(Root& root, const std::vector<Wanted>& wanted,
                                             bool offline, std::uint64_t& downloaded,
                                             Events& events) {
    std::map<const RepoIndex*, std::vector<const formats::IndexEntry*>> from_cache;
    for (const auto& w : wanted)
        if (w.source->cached) from_cache[w.source->cached].push_back(w.entry);
    for (const auto& [repo, entries] : from_cache)
        if (auto r = confirm_cached_entries(root, *repo, entries); !r)
            return tl::unexpected(r.error());
    auto dir = open_package_dir(root);
    if (!dir) return tl::unexpected(dir.error());
    std::vector<fs::path> paths;
    std::vector<repo::DownloadItem> items;
    for (const auto& w : wanted) {
        const auto& entry = *w.entry;
        const fs::path dest = cache_name(entry);
        paths.push_back(root.package_cache_path(entry.sha256));
        PhaseTimer cache_timer(events, "download");
        auto cached = take_cached(dir->get(), dest, entry);
        if (cached) {
            cache_timer.done(entry.name + " " + entry.version.str() +
                             ": in the package cache, sha256 verified");
            continue;
        }
        if (cached.error().kind != ErrorKind::NotFound)
            events.message(Level::Debug,
                           "cached package refused, fetching it again: " + cached.error().str());
        if (offline)
            return fail(ErrorKind::Network, entry.name + " " + entry.version.str(),
                        "not in the package cache and --offline was given");
        // Two plan steps may name the same archive: one transfer is enough.
        if (std::any_of(items.begin(), items.end(), [&](const auto& i) { return i.dest == dest; }))
            continue;
        repo::DownloadItem item;
        item.label = entry.name + " " + entry.version.str();
        item.bases = w.source->base_urls;
        item.path = entry.path;
        item.dest = dest;
        item.size = entry.size;
        item.sha256 = entry.sha256;
        item.dir_fd = dir->get();
        items.push_back(std::move(item));
    }
    if (items.empty()) return paths;
    std::uint64_t needed = 0;
    for (const auto& i : items) needed += i.size;
    if (auto r = check_free_space(dir->get(), root.cache_dir() / "packages", needed,
                                  "downloading " + std::to_string(items.size()) + " package(s)");
        !r)
        return tl::unexpected(r.error());
    repo::DownloadOptions options;
    options.parallel = download_parallel(root);
    ProgressTotal progress(items, events);
    options.on_progress = [&](std::size_t i, std::uint64_t done, std::uint64_t size) {
        progress.update(i, done, size);
    };
    options.on_warning = [&](std::string_view text) { events.message(Level::Warning, text); };
    options.stop = [] { return interrupt_requested(); };
    repo::MirrorHealth health;
    for (const auto& i : items) events.message(Level::Debug, "fetching " + i.path);
    PhaseTimer download_timer(events, "download");
    options.on_done = [&](std::size_t i, std::string_view url) {
        events.phase("download",
                     items[i].label + " from " + formats::redact_url_credentials(url) + " (" +
                         std::to_string(items[i].size) + " bytes, sha256 verified)",
                     download_timer.elapsed());
    };
    auto results = repo::download_all(items, options, health);
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (!results[i]) return tl::unexpected(as_transfer_error(results[i].error()));
        downloaded += items[i].size;
    }
    return paths;
}

Result<void> cache_package_file(const Root& root, const std::string& sha256, const fs::path& from) {
    auto dir = open_package_dir(root);
    if (!dir) return tl::unexpected(dir.error());
    return copy_into(dir->get(), sha256 + ".nxp", from);
}

Result<fs::path> fetch_package(Root& root, const formats::IndexEntry& entry, const Source& source,
                               bool offline, std::uint64_t& downloaded, Events& events) {
    auto paths = fetch_packages(root, {Wanted{&entry, &source}}, offline, downloaded, events);
    if (!paths) return tl::unexpected(paths.error());
    return paths->front();
}

std::string store_path_for(const formats::IndexEntry& entry) {
    return "store/" + entry.name + "-" + entry.version.str() + "-" + entry.sha256.substr(0, 16);
}

namespace {

// The filesystem half of staging one tree: extracts into a temporary directory and
// renames it into the store. Touches no database, so several run at once.
Result<db::StoreTree> extract_tree(const Root& root, const formats::IndexEntry& entry,
                                   const std::string& repo, const fs::path& archive,
                                   const repo::ExtractLimits& limits,
                                   std::vector<db::FileRow>& files,
                                   std::chrono::steady_clock::duration& verify_took) {
    std::string rel = store_path_for(entry);
    fs::path final_dir = root.dir() / rel;
    std::error_code ec;
    fs::remove_all(final_dir, ec);  // an unrecorded leftover of a crash: rebuild it
    fs::path tmp = root.store_dir() / tmp_name(entry.name);
    fs::remove_all(tmp, ec);
    // Extracted from a descriptor no one else can change (open_unchanging), read once: the
    // bytes are hashed as libarchive reads them and the tree is used only when they were the
    // signed package (check_digest): what is checked is what is installed, whatever happens
    // to the name. The download hashed them too; reading them once here instead of twice
    // (hash, then extract) is the guard against a cache file changed in between.
    const auto verify_start = std::chrono::steady_clock::now();
    auto fd = open_unchanging(AT_FDCWD, archive, entry);
    verify_took = std::chrono::steady_clock::now() - verify_start;
    if (!fd) return tl::unexpected(fd.error());
    repo::ArchiveDigest digest;
    auto extracted = repo::extract_package_fd(fd->get(), entry.size, archive, tmp, limits, digest);
    if (auto r = check_digest(archive, entry, digest.bytes, digest.sha256); !r) {
        fs::remove_all(tmp, ec);  // made of bytes that were not the package
        return tl::unexpected(r.error());
    }
    if (!extracted)
        return tl::unexpected(
            in_context(extracted.error(), entry.name + " " + entry.version.str()));
    if (extracted->manifest.name != entry.name || extracted->manifest.version != entry.version) {
        fs::remove_all(tmp, ec);
        return fail(ErrorKind::Verification, archive.string(),
                    "package contains " + extracted->manifest.name + " " +
                        extracted->manifest.version.str() + " but the signed index says " +
                        entry.name + " " + entry.version.str());
    }
    if (::rename(tmp.c_str(), final_dir.c_str()) != 0) {
        fs::remove_all(tmp, ec);
        return fail(ErrorKind::Io, final_dir.string(),
                    "cannot move the extracted tree into the store");
    }
    files.reserve(extracted->files.size());
    for (auto& f : extracted->files)
        files.push_back({std::move(f.path), f.type, f.mode, f.size, std::move(f.sha256),
                         std::move(f.link_target)});
    return db::StoreTree{
        rel,          entry.name, entry.version.str(),       repo,
        entry.sha256, entry.size, extracted->installed_size, extracted->manifest_text};
}

// The records of a plan are one SQLite transaction of a row per file (~41,000 rows, 12.7 MB
// of pages for 300 node_modules-shaped plugins). With SQLite's default page cache (2 MB) the
// pager wrote dirty pages to the write-ahead log long before the commit and wrote most of
// them again later: 6,500 frames (26 MB, 13,000 pwrite calls) for a 3,100-page database,
// all of it for the writeback and the final syncfs to carry too (issue 20, strace). With a
// cache that holds the transaction, each page is written once, at the commit. The cache
// takes memory only as pages are used; 128 MiB is a bound, not an allocation.
// The automatic checkpoint is left to the connection's close (db::Database's destructor
// checkpoints and truncates a log over 1 MiB): run at the commit of the records too, it
// copied the log into nxp.db and synced it there, and the close synced nxp.db again for
// the few pages the later commits add. One checkpoint and one fdatasync of nxp.db instead
// of two; the commits themselves stay durable (synchronous=FULL syncs the log).
void keep_records_in_memory(db::Database& db) {
    (void)db::sqlite::exec(db.handle(),
                           "PRAGMA cache_size = -131072; PRAGMA wal_autocheckpoint = 0;");
}

}  // namespace

std::map<std::string, Source> sources_of(const std::vector<RepoIndex>& repos) {
    std::map<std::string, Source> sources;
    for (const auto& r : repos) {
        Source s{r.row.name, {r.row.url}, r.from_cache ? &r : nullptr};
        s.base_urls.insert(s.base_urls.end(), r.row.mirrors.begin(), r.row.mirrors.end());
        sources[r.row.name] = std::move(s);
    }
    // Files named on the command line: already in the package cache, nowhere to fetch from.
    sources[std::string(kCommandLineRepo)] = Source{std::string(kCommandLineRepo), {}, nullptr};
    return sources;
}

Result<std::vector<std::string>> stage_trees(Root& root, const std::vector<StageItem>& items,
                                             const repo::ExtractLimits& limits, unsigned threads,
                                             const std::function<void()>& after_each,
                                             Events* events) {
    // Which trees exist already (recorded and on disk): read from the database up front,
    // since the extraction below runs on several threads and the database is not theirs.
    std::vector<std::string> rels(items.size());
    std::vector<bool> recorded(items.size()), needed(items.size());
    std::vector<std::size_t> todo;
    for (std::size_t i = 0; i < items.size(); ++i) {
        rels[i] = store_path_for(*items[i].entry);
        auto rec = root.db().store_tree(rels[i]);
        if (!rec) return tl::unexpected(rec.error());
        recorded[i] = rec->has_value();
        std::error_code ec;
        needed[i] = !(recorded[i] && fs::is_directory(root.dir() / rels[i], ec));
        if (needed[i]) todo.push_back(i);
    }
    // Extraction is file creation, which the kernel does on the calling CPU: with a plan of
    // many packages, one thread per core nearly halves it (1,000 plugins, measured). The
    // calling thread meanwhile records each tree in plan order as soon as it is extracted,
    // so that the database's work (a row per file: ~40,000 rows for 300 node_modules-shaped
    // plugins: 0.6-1.4 s here when it ran after the extraction) overlaps the extraction.
    std::vector<std::optional<Result<db::StoreTree>>> trees(items.size());
    std::vector<std::vector<db::FileRow>> files(items.size());
    std::vector<std::chrono::steady_clock::duration> verify_took(items.size()),
        stage_took(items.size());
    if (!todo.empty()) keep_records_in_memory(root.db());
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mutex;
    std::condition_variable finished;  // a tree was extracted (or failed)
    auto work = [&] {
        for (;;) {
            std::size_t k = next.fetch_add(1);
            if (k >= todo.size() || failed.load()) return;
            std::size_t i = todo[k];
            const auto started = std::chrono::steady_clock::now();
            std::vector<db::FileRow> rows;
            std::chrono::steady_clock::duration took{};
            auto tree = extract_tree(root, *items[i].entry, items[i].repo, items[i].archive, limits,
                                     rows, took);
            {
                std::lock_guard lock(mutex);
                if (!tree) failed = true;
                trees[i] = std::move(tree);
                files[i] = std::move(rows);
                verify_took[i] = took;
                stage_took[i] = std::chrono::steady_clock::now() - started - took;
            }
            finished.notify_one();
        }
    };
    threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(todo.size())));
    std::vector<std::size_t> counts(items.size());
    std::optional<Error> error;
    {
        std::vector<std::jthread> pool;
        for (unsigned t = 0; t < threads && !todo.empty(); ++t) pool.emplace_back(work);
        auto join_all = [&] {
            for (auto& t : pool)
                if (t.joinable()) t.join();
        };
        for (std::size_t k = 0; k < todo.size() && !error; ++k) {
            const std::size_t i = todo[k];
            bool ready = false;
            {
                std::unique_lock lock(mutex);
                finished.wait(lock, [&] { return trees[i].has_value() || failed.load(); });
                ready = trees[i].has_value() && trees[i]->has_value();
            }
            if (!ready) {
                // This tree or another failed: the workers stop taking new ones; wait for
                // those under way, then report the first failure in plan order.
                failed = true;
                join_all();
                for (std::size_t j : todo)
                    if (trees[j] && !*trees[j]) {
                        error = trees[j]->error();
                        break;
                    }
                if (!error)
                    error =
                        Error{ErrorKind::Io, rels[i], "not extracted (an earlier package failed)"};
                break;
            }
            counts[i] = files[i].size();
            if (!recorded[i]) {  // recorded but missing on disk: the record stands
                if (auto r = root.db().add_store_tree(**trees[i], files[i]); !r) error = r.error();
            }
            std::vector<db::FileRow>().swap(files[i]);  // recorded: the rows are not needed
        }
        if (error) failed = true;
    }
    if (error) return tl::unexpected(*error);
    for (std::size_t i = 0; events && i < items.size(); ++i) {
        const std::string label = items[i].entry->name + " " + items[i].entry->version.str();
        if (!needed[i]) {
            events->phase("stage", label + ": " + rels[i] + " already in the store", {});
            continue;
        }
        events->phase("verify", label + ": sha256 matches the signed index", verify_took[i]);
        events->phase("stage",
                      label + " -> " + rels[i] + " (" + std::to_string(counts[i]) + " files)",
                      stage_took[i]);
    }
    // Every tree is extracted and recorded (not yet committed): a crash here leaves the trees
    // unrecorded, rebuilt by the next transaction that needs them.
    for (std::size_t i = 0; i < items.size(); ++i)
        if (after_each) after_each();
    return rels;
}

Result<void> build_generation(Root& root, std::int64_t id,
                              const std::vector<db::GenPackage>& pkgs) {
    fs::path final_dir = root.generation_dir(id);
    fs::path tmp = root.generations_dir() / tmp_name(std::to_string(id));
    std::error_code ec;
    fs::remove_all(tmp, ec);
    fs::remove_all(final_dir, ec);  // never recorded (ids are not reused): a crash leftover
    fs::create_directories(tmp / "plugins", ec);
    if (ec) return fail(ErrorKind::Io, tmp.string(), "cannot create generation: " + ec.message());
    for (const auto& p : pkgs) {
        // Relative, so the root keeps working wherever it is mounted.
        fs::path target = fs::path("../../..") / p.store_path;
        fs::create_symlink(target, tmp / "plugins" / p.name, ec);
        if (ec) return fail(ErrorKind::Io, (tmp / "plugins" / p.name).string(), ec.message());
    }
    if (::rename(tmp.c_str(), final_dir.c_str()) != 0)
        return fail(ErrorKind::Io, final_dir.string(), "cannot move the new generation into place");
    return {};
}

}  // namespace nxp::txn
