// Reading a damaged install database without trusting it (db/salvage.hpp).
#include "db/salvage.hpp"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "db/sqlite.hpp"

namespace nxp::db {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxDetails = 20;

// A read-only connection to a file nxp does not trust: no following of links, no creation.
struct ReadOnly {
    sqlite3* db = nullptr;
    std::string error;
    explicit ReadOnly(const fs::path& path) {
        const int rc = sqlite3_open_v2(path.c_str(), &db,
                                       SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, nullptr);
        if (rc != SQLITE_OK) error = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        if (db) sqlite3_busy_timeout(db, 5000);
    }
    ~ReadOnly() { sqlite3_close_v2(db); }
    ReadOnly(const ReadOnly&) = delete;
    ReadOnly& operator=(const ReadOnly&) = delete;
};

std::vector<std::string> table_columns(sqlite3* db, const std::string& table) {
    std::vector<std::string> cols;
    sqlite::Statement st(db, "SELECT name FROM pragma_table_info(?)");
    st.bind(table);
    for (;;) {
        auto row = st.step();
        if (!row || !*row) return cols;
        cols.push_back(st.text(0));
    }
}

std::string quoted(const std::string& name) {
    std::string q = "\"";
    for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

// Copies one table; returns the rows copied and why it stopped early ("" when it did not).
SalvagedTable copy_table(sqlite3* from, sqlite3* to, const std::string& table) {
    SalvagedTable out{table, 0, ""};
    // The columns both have: a database written by an older nxp lacks the newer ones, which
    // keep their defaults.
    std::vector<std::string> cols;
    const auto theirs = table_columns(from, table);
    for (auto& c : table_columns(to, table))
        if (theirs.empty() || std::find(theirs.begin(), theirs.end(), c) != theirs.end())
            cols.push_back(std::move(c));
    std::string list, marks;
    for (const auto& c : cols) {
        list += (list.empty() ? "" : ", ") + quoted(c);
        marks += marks.empty() ? "?" : ", ?";
    }
    sqlite3_stmt* sel = nullptr;
    const std::string select = "SELECT " + list + " FROM " + quoted(table);
    if (sqlite3_prepare_v2(from, select.c_str(), -1, &sel, nullptr) != SQLITE_OK) {
        out.error = sqlite3_errmsg(from);
        sqlite3_finalize(sel);
        return out;
    }
    sqlite3_stmt* ins = nullptr;
    const std::string insert =
        "INSERT OR REPLACE INTO " + quoted(table) + " (" + list + ") VALUES (" + marks + ")";
    if (sqlite3_prepare_v2(to, insert.c_str(), -1, &ins, nullptr) != SQLITE_OK) {
        out.error = sqlite3_errmsg(to);
        sqlite3_finalize(sel);
        return out;
    }
    for (;;) {
        const int rc = sqlite3_step(sel);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            out.error = sqlite3_errmsg(from);
            break;
        }
        for (int i = 0; i < static_cast<int>(cols.size()); ++i)
            sqlite3_bind_value(ins, i + 1, sqlite3_column_value(sel, i));
        const int put = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (put != SQLITE_DONE) {
            out.error = std::string("cannot copy a row: ") + sqlite3_errmsg(to);
            continue;
        }
        ++out.rows;
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    return out;
}

}  // namespace

Damage inspect(const fs::path& path) {
    Damage d;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        d.damaged = true;
        std::error_code ec;
        d.problem = "the install database is missing";
        if (fs::exists(path.string() + "-wal", ec))
            d.problem += " (" + path.filename().string() +
                         "-wal is left, but the changes it holds cannot be read without it)";
        return d;
    }
    if (!S_ISREG(st.st_mode)) {
        d.damaged = true;
        d.problem = "is not a regular file";
        return d;
    }
    // Another user's database (0600) is not damaged: the caller's own error says what to do.
    if (::access(path.c_str(), R_OK) != 0) return d;
    if (st.st_size == 0) {
        d.damaged = true;
        d.problem = "the install database is empty (0 bytes)";
        return d;
    }
    ReadOnly ro(path);
    if (!ro.error.empty()) {
        d.damaged = true;
        d.problem = "cannot be opened: " + ro.error;
        return d;
    }
    sqlite3_stmt* q = nullptr;
    int rc = sqlite3_prepare_v2(ro.db, "PRAGMA quick_check", -1, &q, nullptr);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(q);
        if (rc != SQLITE_ROW) break;
        const auto* text = sqlite3_column_text(q, 0);
        const std::string row = text ? reinterpret_cast<const char*>(text) : "";
        if (row == "ok") continue;
        // One row may hold several lines ("*** in database main ***\nPage 6: …").
        std::size_t start = 0;
        while (start <= row.size() && d.details.size() < kMaxDetails) {
            const std::size_t end = std::min(row.find('\n', start), row.size());
            if (end > start) d.details.push_back(row.substr(start, end - start));
            start = end + 1;
        }
    }
    if (rc != SQLITE_DONE) {
        d.damaged = true;
        d.problem = std::string("SQLite cannot read it: ") + sqlite3_errmsg(ro.db);
    } else if (!d.details.empty()) {
        d.damaged = true;
        d.problem = "SQLite's integrity check (PRAGMA quick_check) fails";
    }
    sqlite3_finalize(q);
    if (d.damaged) return d;
    sqlite::Statement schema(ro.db,
                             "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                             "name IN ('generations', 'generation_packages', 'store_trees')");
    auto row = schema.step();
    if (!row || !*row || schema.int64(0) != 3) {
        d.damaged = true;
        d.problem = "has no nxp schema (an emptied or foreign SQLite file)";
    }
    return d;
}

Result<std::vector<SalvagedTable>> salvage(Database& fresh, const fs::path& damaged) {
    std::vector<std::string> tables;
    {
        sqlite::Statement st(fresh.handle(),
                             "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                             "name NOT LIKE 'sqlite_%' ORDER BY name");
        auto names = sqlite::collect(st, [](const sqlite::Statement& s) { return s.text(0); });
        if (!names) return tl::unexpected(names.error());
        tables = std::move(*names);
    }
    std::vector<SalvagedTable> out;
    ReadOnly ro(damaged);
    if (!ro.error.empty()) {
        for (const auto& t : tables) out.push_back({t, 0, ro.error});
        return out;
    }
    if (auto r = sqlite::exec(fresh.handle(), "PRAGMA foreign_keys = OFF"); !r)
        return tl::unexpected(r.error());
    if (auto r = fresh.begin(); !r) return tl::unexpected(r.error());
    for (const auto& t : tables) out.push_back(copy_table(ro.db, fresh.handle(), t));
    // A store record whose file list was lost would make nxp verify pass over its tree
    // unchecked: it is dropped, for the caller to record again from the package.
    const bool files_lost = std::any_of(out.begin(), out.end(), [](const SalvagedTable& t) {
        return t.table == "files" && !t.error.empty();
    });
    if (files_lost)
        if (auto r = sqlite::exec(fresh.handle(),
                                  "DELETE FROM store_trees WHERE path NOT IN "
                                  "(SELECT DISTINCT store_path FROM files)");
            !r) {
            fresh.rollback();
            return tl::unexpected(r.error());
        }
    if (auto r = fresh.commit(); !r) {
        fresh.rollback();
        return tl::unexpected(r.error());
    }
    if (auto r = sqlite::exec(fresh.handle(), "PRAGMA foreign_keys = ON"); !r)
        return tl::unexpected(r.error());
    return out;
}

}  // namespace nxp::db
