#include "db/repo_graph.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <string_view>
#include <unordered_set>

#include "db/sqlite.hpp"
#include "formats/index_entries.hpp"

namespace nxp::db {
namespace {

constexpr int kFormat = 4;  // bump when the schema, what is followed or the entry text changes
// (2: entries carry pinned tools, issue 16; 4: and config keys, issue 18)

// Schema. `names` maps every name a package answers to (its own, its provides) and every
// name it replaces to the package; `refs` lists, one per line, the names the package
// reaches (requires with all alternatives, recommends, replaces).
constexpr const char* kSchema =
    "CREATE TABLE meta(format INTEGER NOT NULL, key TEXT NOT NULL, expires INTEGER NOT NULL,"
    "                  packages INTEGER NOT NULL);"
    "CREATE TABLE pkg(id INTEGER PRIMARY KEY, refs TEXT NOT NULL, entry TEXT NOT NULL);"
    "CREATE TABLE names(name TEXT NOT NULL, pkg INTEGER NOT NULL, PRIMARY KEY(name, pkg))"
    "  WITHOUT ROWID;";

struct DbCloser {
    void operator()(sqlite3* db) const { sqlite::close(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

// A statement of `fill`, stepped with its parameters bound SQLITE_STATIC: the bytes are the
// caller's until the step, no copy per row (issue 20: 100,000 packages, 150,000 names).
class BulkInsert {
  public:
    BulkInsert(sqlite3* db, const char* sql) : db_(db) {
        rc_ = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st_, nullptr);
    }
    BulkInsert(const BulkInsert&) = delete;
    BulkInsert& operator=(const BulkInsert&) = delete;
    ~BulkInsert() { sqlite3_finalize(st_); }

    BulkInsert& int64(int i, std::int64_t v) {
        if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_int64(st_, i, v);
        return *this;
    }
    BulkInsert& text(int i, std::string_view v) {
        if (rc_ == SQLITE_OK)
            rc_ = sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
        return *this;
    }
    Result<void> run() {
        if (rc_ == SQLITE_OK) {
            const int rc = sqlite3_step(st_);
            rc_ = rc == SQLITE_DONE ? sqlite3_reset(st_) : rc;
        }
        if (rc_ != SQLITE_OK) return tl::unexpected(sqlite::error(db_, rc_, "cannot write"));
        return {};
    }

  private:
    sqlite3* db_;
    sqlite3_stmt* st_ = nullptr;
    int rc_ = SQLITE_OK;
};

Result<void> fill(sqlite3* db, const GraphStamp& stamp, std::size_t count,
                  const std::function<Result<void>(std::size_t, GraphRow&)>& row_at) {
    // A file renamed into place only when complete and synced (write_repo_graph): no
    // journal and no syncs are needed while writing it. A temporary file left by a crash
    // is never opened, and the next refresh removes it and writes the graph again.
    if (auto r = sqlite::exec(db,
                              "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                              " PRAGMA locking_mode = EXCLUSIVE;");
        !r)
        return r;
    if (auto r = sqlite::exec(db, kSchema); !r) return r;
    if (auto r = sqlite::exec(db, "BEGIN"); !r) return r;
    {
        BulkInsert meta(db, "INSERT INTO meta VALUES (?, ?, ?, ?)");
        if (auto r = meta.int64(1, kFormat)
                         .text(2, stamp.key)
                         .int64(3, stamp.expires)
                         .int64(4, static_cast<std::int64_t>(count))
                         .run();
            !r)
            return r;
    }
    // The names go in after the packages, sorted: in key order the b-tree only appends,
    // where 100,000 packages' names in package order split pages all over it (issue 20).
    // Each package's names are kept (moved, not copied) and sorted as views into them.
    std::vector<std::string> name_lists;
    name_lists.reserve(count);
    std::vector<std::pair<std::string_view, std::int64_t>> names;
    names.reserve(count + count / 2);
    {
        BulkInsert pkg(db, "INSERT INTO pkg(id, refs, entry) VALUES (?, ?, ?)");
        GraphRow row;
        for (std::size_t i = 0; i < count; ++i) {
            if (auto r = row_at(i, row); !r) return r;
            const auto id = static_cast<std::int64_t>(i);
            if (auto r = pkg.int64(1, id).text(2, row.refs).text(3, row.entry).run(); !r) return r;
            const std::string_view list = name_lists.emplace_back(std::move(row.names));
            row.names.clear();
            std::size_t start = 0;
            while (start <= list.size()) {
                std::size_t end = list.find('\n', start);
                if (end == std::string_view::npos) end = list.size();
                names.emplace_back(list.substr(start, end - start), id);
                start = end + 1;
            }
        }
    }
    std::sort(names.begin(), names.end());
    // INSERT OR IGNORE as before: a pair given twice (a package providing its own name) is
    // stored once. Sorted, the repeats are neighbours and are skipped here.
    BulkInsert name(db, "INSERT OR IGNORE INTO names(name, pkg) VALUES (?, ?)");
    for (std::size_t k = 0; k < names.size(); ++k) {
        if (k > 0 && names[k] == names[k - 1]) continue;
        if (auto r = name.text(1, names[k].first).int64(2, names[k].second).run(); !r) return r;
    }
    return sqlite::exec(db, "COMMIT");
}

Result<void> sync_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const int err = errno;
        if (fd >= 0) ::close(fd);
        return fail(ErrorKind::Io, path,
                    std::string("cannot sync the graph: ") + std::strerror(err));
    }
    ::close(fd);
    return {};
}

}  // namespace

std::string graph_refs(const formats::IndexEntry& e) {
    // Sorted and unique, as a std::set<std::string> gave them, from views of the entry's
    // names: no node and no copy per name (done for every entry of a refresh, issue 20).
    std::vector<std::string_view> names;
    for (const auto& r : e.requires_)
        for (const auto& alt : r.alternatives) names.emplace_back(alt.name);
    for (const auto& r : e.recommends)
        for (const auto& alt : r.alternatives) names.emplace_back(alt.name);
    for (const auto& r : e.replaces) names.emplace_back(r.name);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::size_t size = 0;
    for (const auto n : names) size += n.size() + 1;
    std::string out;
    out.reserve(size);
    for (const auto n : names) {
        if (!out.empty()) out += '\n';
        out += n;
    }
    return out;
}

std::string graph_names(const formats::IndexEntry& e) {
    std::string out = e.name;
    for (const auto& p : e.provides) (out += '\n') += p.name;
    for (const auto& p : e.replaces) (out += '\n') += p.name;
    return out;
}

Result<void> write_repo_graph(const std::string& path, const GraphStamp& stamp,
                              const std::vector<const formats::IndexEntry*>& entries) {
    return write_repo_graph(path, stamp, entries.size(), [&](std::size_t i, GraphRow& row) {
        const formats::IndexEntry& e = *entries[i];
        row.refs = graph_refs(e);
        row.names = graph_names(e);
        row.entry = formats::write_index_entry(e);
        return Result<void>{};
    });
}

Result<void> write_repo_graph(const std::string& path, const GraphStamp& stamp, std::size_t count,
                              const std::function<Result<void>(std::size_t, GraphRow&)>& row_at) {
    namespace fs = std::filesystem;
    const std::string tmp = path + ".tmp";
    std::error_code ec;
    fs::remove(tmp, ec);
    sqlite3* raw = nullptr;
    // One thread uses this connection: no mutex per call (SQLITE_OPEN_NOMUTEX).
    int rc =
        sqlite3_open_v2(tmp.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK) return tl::unexpected(sqlite::error(raw, rc, "cannot create"));
    if (auto r = fill(db.get(), stamp, count, row_at); !r) {
        db.reset();
        fs::remove(tmp, ec);
        return r;
    }
    db.reset();  // journal_mode=OFF: nothing is left to write at close
    // On disk before it is renamed into place: after a power cut the name then holds either
    // the previous graph or this complete one, never a torn file that opens (an unwritten
    // page of `pkg` would make reachable() fail rather than fall back to the full load).
    if (auto r = sync_file(tmp); !r) {
        fs::remove(tmp, ec);
        return r;
    }
    fs::rename(tmp, path, ec);
    if (ec) {
        fs::remove(tmp, ec);
        return fail(ErrorKind::Io, path, "cannot rename the graph into place: " + ec.message());
    }
    return {};
}

Result<RepoGraph> RepoGraph::open(const std::string& path) {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK) return tl::unexpected(sqlite::error(raw, rc, "cannot open"));
    sqlite::Statement st(db.get(), "SELECT format, key, expires, packages FROM meta");
    auto row = sqlite::first(st, [](sqlite::Statement& s) {
        return std::make_pair(s.int64(0), GraphStamp{s.text(1), s.int64(2), s.int64(3)});
    });
    if (!row) return tl::unexpected(row.error());
    if (!*row) return fail(ErrorKind::Invalid, path, "not a repository graph");
    if ((*row)->first != kFormat)
        return fail(ErrorKind::Invalid, path,
                    "graph format " + std::to_string((*row)->first) + ", this nxp reads " +
                        std::to_string(kFormat));
    // Pages come from the file mapping rather than a read() each.
    (void)sqlite::exec(db.get(), "PRAGMA mmap_size = 1073741824");
    RepoGraph g;
    g.stamp_ = (*row)->second;
    g.db_ = db.release();
    return g;
}

RepoGraph::RepoGraph(RepoGraph&& o) noexcept : db_(o.db_), stamp_(std::move(o.stamp_)) {
    o.db_ = nullptr;
}

RepoGraph& RepoGraph::operator=(RepoGraph&& o) noexcept {
    if (this != &o) {
        sqlite::close(db_);
        db_ = o.db_;
        stamp_ = std::move(o.stamp_);
        o.db_ = nullptr;
    }
    return *this;
}

RepoGraph::~RepoGraph() { sqlite::close(db_); }

Result<std::vector<std::vector<ReachedEntry>>> reachable(std::vector<RepoGraph>& graphs,
                                                         const std::vector<std::string>& seeds) {
    // One read transaction per graph for the whole walk: otherwise SQLite takes and drops
    // its file lock around every lookup, thousands of fcntl calls (half the run, measured).
    struct ReadTxn {
        explicit ReadTxn(sqlite3* d) : db(d) {}
        ReadTxn(const ReadTxn&) = delete;
        ReadTxn& operator=(const ReadTxn&) = delete;
        ~ReadTxn() { (void)sqlite::exec(db, "COMMIT"); }
        sqlite3* db;
    };
    std::vector<std::unique_ptr<ReadTxn>> txns;
    for (auto& g : graphs) {
        if (auto r = sqlite::exec(g.db_, "BEGIN"); !r) return tl::unexpected(r.error());
        txns.push_back(std::make_unique<ReadTxn>(g.db_));
    }
    std::vector<std::unique_ptr<sqlite::Statement>> lookups;
    for (auto& g : graphs) {
        lookups.push_back(std::make_unique<sqlite::Statement>(
            g.db_,
            "SELECT n.pkg, p.refs FROM names n JOIN pkg p ON p.id = n.pkg WHERE n.name = ?"));
    }
    std::vector<std::unordered_set<std::int64_t>> taken(graphs.size());
    std::unordered_set<std::string> seen;
    std::deque<std::string> queue;
    auto visit = [&](std::string n) {
        if (seen.insert(n).second) queue.push_back(std::move(n));
    };
    for (const auto& s : seeds) visit(s);
    while (!queue.empty()) {
        std::string n = std::move(queue.front());
        queue.pop_front();
        for (std::size_t g = 0; g < graphs.size(); ++g) {
            auto& st = *lookups[g];
            st.reset();
            st.bind(n);
            for (;;) {
                auto more = st.step();
                if (!more) return tl::unexpected(more.error());
                if (!*more) break;
                if (!taken[g].insert(st.int64(0)).second) continue;
                std::string refs = st.text(1);
                std::size_t start = 0;
                while (start < refs.size()) {
                    std::size_t end = refs.find('\n', start);
                    if (end == std::string::npos) end = refs.size();
                    visit(refs.substr(start, end - start));
                    start = end + 1;
                }
            }
        }
    }
    std::vector<std::vector<ReachedEntry>> out(graphs.size());
    for (std::size_t g = 0; g < graphs.size(); ++g) {
        std::vector<std::int64_t> ids(taken[g].begin(), taken[g].end());
        std::sort(ids.begin(), ids.end());
        sqlite::Statement st(graphs[g].db_, "SELECT entry FROM pkg WHERE id = ?");
        for (std::int64_t id : ids) {
            st.reset();
            st.bind(id);
            auto row = sqlite::first(st, [](sqlite::Statement& s) { return s.text(0); });
            if (!row) return tl::unexpected(row.error());
            if (!*row)
                return fail(ErrorKind::Invalid, sqlite::db_name(graphs[g].db_),
                            "package " + std::to_string(id) + " is missing");
            out[g].push_back({id, std::move(**row)});
        }
    }
    return out;
}

}  // namespace nxp::db
