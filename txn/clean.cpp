#include "txn/clean.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "txn/package_cache.hpp"
#include "txn/repo_cache.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;

namespace {

struct Entry {
    std::string name;
    bool dir = false;
    std::uint64_t bytes = 0;
};

// Bytes under a directory entry of `dir` (not following symlinks).
std::uint64_t tree_bytes(int dir, const std::string& name);

// The entries of the open directory `dir`, without . and .., with their sizes.
Result<std::vector<Entry>> entries_of(int dir, const std::string& shown) {
    int copy = ::dup(dir);
    if (copy < 0) return fail(ErrorKind::Io, shown, std::strerror(errno));
    DIR* d = ::fdopendir(copy);
    if (d == nullptr) {
        ::close(copy);
        return fail(ErrorKind::Io, shown, std::strerror(errno));
    }
    ::rewinddir(d);
    std::vector<Entry> out;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        struct stat st {};
        if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        Entry entry{name, S_ISDIR(st.st_mode) != 0, static_cast<std::uint64_t>(st.st_size)};
        if (entry.dir) entry.bytes = tree_bytes(dir, name);
        out.push_back(std::move(entry));
    }
    ::closedir(d);
    return out;
}

std::uint64_t tree_bytes(int dir, const std::string& name) {
    int fd = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 0;
    std::uint64_t total = 0;
    if (auto entries = entries_of(fd, name))
        for (const auto& e : *entries) total += e.bytes;
    ::close(fd);
    return total;
}

// Removes `name` in `dir`: a file or symlink by name, a directory with everything in it.
void remove_entry(int dir, const Entry& e) {
    if (!e.dir) {
        ::unlinkat(dir, e.name.c_str(), 0);
        return;
    }
    int fd = ::openat(dir, e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        if (auto entries = entries_of(fd, e.name))
            for (const auto& child : *entries) remove_entry(fd, child);
        ::close(fd);
    }
    ::unlinkat(dir, e.name.c_str(), AT_REMOVEDIR);
}

bool is_temporary(const std::string& name) {
    return name.ends_with(".part") || name.starts_with(".tmp-") ||
           name.find(".tmp-") != std::string::npos;
}

// The sha256 of every archive a kept generation's store trees were extracted from.
Result<std::set<std::string>> needed_archives(const Root& root) {
    auto& db = root.db();
    auto trees = db.store_trees();
    if (!trees) return tl::unexpected(trees.error());
    std::map<std::string, std::string> sha_of;
    for (const auto& t : *trees) sha_of[t.path] = t.sha256;
    auto gens = db.generations();
    if (!gens) return tl::unexpected(gens.error());
    std::set<std::string> needed;
    for (const auto& g : *gens) {
        auto pkgs = db.generation_packages(g.id);
        if (!pkgs) return tl::unexpected(pkgs.error());
        for (const auto& p : *pkgs)
            if (auto it = sha_of.find(p.store_path); it != sha_of.end()) needed.insert(it->second);
    }
    return needed;
}

// A file of a configured repository's cache that is in use: the index, its signatures,
// the resolver's caches (and SQLite's companions of graph.db).
bool in_use_repo_file(const std::string& name) {
    return name.starts_with(repo_cache::kIndexFile) || name == repo_cache::kSolvFile ||
           name.starts_with(repo_cache::kGraphFile);
}

class Cleaner {
  public:
    Cleaner(bool dry_run, CleanReport& report) : dry_run_(dry_run), report_(report) {}
    void take(int dir, const std::string& rel_dir, const Entry& e, std::vector<CleanItem>& into) {
        into.push_back({rel_dir + "/" + e.name, e.bytes});
        report_.freed_bytes += e.bytes;
        if (!dry_run_) remove_entry(dir, e);
    }

  private:
    bool dry_run_;
    CleanReport& report_;
};

Result<void> clean_packages(const Root& root, Cleaner& cleaner, CleanReport& report) {
    auto needed = needed_archives(root);
    if (!needed) return tl::unexpected(needed.error());
    auto dir = open_package_dir(root);
    if (!dir) return tl::unexpected(dir.error());
    auto entries = entries_of(dir->get(), (root.cache_dir() / "packages").string());
    if (!entries) return tl::unexpected(entries.error());
    for (const auto& e : *entries) {
        if (is_temporary(e.name)) {
            cleaner.take(dir->get(), "cache/packages", e, report.partial);
        } else if (!e.dir && e.name.ends_with(".nxp") &&
                   !needed->count(e.name.substr(0, e.name.size() - 4))) {
            cleaner.take(dir->get(), "cache/packages", e, report.packages);
        }
    }
    return {};
}

Result<void> clean_indexes(const Root& root, Cleaner& cleaner, CleanReport& report) {
    auto rows = root.db().repos();
    if (!rows) return tl::unexpected(rows.error());
    std::set<std::string> configured;
    for (const auto& r : *rows) configured.insert(r.name);
    auto dir = open_cache_dir(root, {"repos"});
    if (!dir) return tl::unexpected(dir.error());
    auto entries = entries_of(dir->get(), (root.cache_dir() / "repos").string());
    if (!entries) return tl::unexpected(entries.error());
    for (const auto& e : *entries) {
        if (!e.dir || !configured.count(e.name)) {
            cleaner.take(dir->get(), "cache/repos", e, report.indexes);
            continue;
        }
        auto sub = open_repo_cache_dir(root, e.name);
        if (!sub) return tl::unexpected(sub.error());
        const std::string rel = "cache/repos/" + e.name;
        auto files = entries_of(sub->get(), rel);
        if (!files) return tl::unexpected(files.error());
        // A temporary copy of the index (an atomic write cut short) is an old index copy too.
        for (const auto& f : *files)
            if (is_temporary(f.name) || f.dir || !in_use_repo_file(f.name))
                cleaner.take(sub->get(), rel, f, report.indexes);
    }
    return {};
}

// Temporary files directly in ROOT/cache (an atomic write cut short).
Result<void> clean_top(const Root& root, Cleaner& cleaner, CleanReport& report) {
    auto dir = open_cache_dir(root, {});
    if (!dir) return tl::unexpected(dir.error());
    auto entries = entries_of(dir->get(), root.cache_dir().string());
    if (!entries) return tl::unexpected(entries.error());
    for (const auto& e : *entries)
        if (is_temporary(e.name)) cleaner.take(dir->get(), "cache", e, report.partial);
    return {};
}

}  // namespace

Result<CleanReport> clean_cache(Root& root, bool dry_run) {
    CleanReport report;
    Cleaner cleaner(dry_run, report);
    if (auto r = clean_packages(root, cleaner, report); !r) return tl::unexpected(r.error());
    if (auto r = clean_indexes(root, cleaner, report); !r) return tl::unexpected(r.error());
    if (auto r = clean_top(root, cleaner, report); !r) return tl::unexpected(r.error());
    return report;
}

}  // namespace nxp::txn
