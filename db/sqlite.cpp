#include "db/sqlite.hpp"

#include <sqlite3.h>

#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace nxp::db::sqlite {

std::string db_name(sqlite3* db) {
    const char* f = db ? sqlite3_db_filename(db, "main") : nullptr;
    return f && *f ? std::string(f) : std::string(":memory:");
}

Error error(sqlite3* db, int rc, std::string_view what) {
    ErrorKind kind = ErrorKind::Io;
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            kind = ErrorKind::Locked;
            break;
        case SQLITE_CONSTRAINT:
            kind = ErrorKind::Invalid;
            break;
        default:
            break;
    }
    std::string msg(what);
    const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if (detail && *detail) msg += std::string(msg.empty() ? "" : ": ") + detail;
    return Error{kind, db_name(db), damage_hint(rc, std::move(msg))};
}

std::string damage_hint(int rc, std::string message) {
    const int primary = rc & 0xff;
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
        message +=
            " (the install database is damaged: 'nxp doctor' names the damage, 'nxp doctor "
            "--repair' rebuilds it; or restore the whole root from a backup)";
    return message;
}

Result<void> exec(sqlite3* db, const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    if (rc == SQLITE_OK) return {};
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Error e = error(nullptr, rc, "");
    e.context = db_name(db);
    e.message = damage_hint(rc, msg);
    return tl::unexpected(std::move(e));
}

struct StatementCache::Idle {
    std::mutex mutex;
    std::map<std::string, std::vector<sqlite3_stmt*>, std::less<>> stmts;
};

StatementCache::StatementCache() : idle_(std::make_unique<Idle>()) {}

StatementCache::~StatementCache() {
    for (auto& [sql, stmts] : idle_->stmts)
        for (sqlite3_stmt* st : stmts) sqlite3_finalize(st);
}

sqlite3_stmt* StatementCache::take(std::string_view sql) {
    std::lock_guard lock(idle_->mutex);
    auto it = idle_->stmts.find(sql);
    if (it == idle_->stmts.end() || it->second.empty()) return nullptr;
    sqlite3_stmt* st = it->second.back();
    it->second.pop_back();
    return st;
}

void StatementCache::give_back(sqlite3_stmt* st) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    std::lock_guard lock(idle_->mutex);
    idle_->stmts[std::string(sqlite3_sql(st))].push_back(st);
}

void close(sqlite3* db) {
    if (db) sqlite3_close_v2(db);
}

Statement::Statement(sqlite3* db, std::string_view sql) : Statement(db, nullptr, sql) {}

Statement::Statement(sqlite3* db, StatementCache* cache, std::string_view sql)
    : db_(db), cache_(cache) {
    if (cache_) stmt_ = cache_->take(sql);
    if (stmt_) return;
    int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                cache_ ? SQLITE_PREPARE_PERSISTENT : 0, &stmt_, nullptr);
    if (rc != SQLITE_OK) {
        rc_ = rc;
        failed_ =
            "cannot prepare \"" + std::string(sql.substr(0, 60)) + "\": " + sqlite3_errmsg(db);
    }
}

Statement::~Statement() {
    if (!stmt_) return;
    // A statement that failed, or whose SQL holds more than one statement, is not kept.
    if (cache_ && rc_ == SQLITE_OK) {
        cache_->give_back(stmt_);
    } else {
        sqlite3_finalize(stmt_);
    }
}

void Statement::note(int rc) {
    if (rc != SQLITE_OK && rc_ == SQLITE_OK) {
        rc_ = rc;
        failed_ = std::string("cannot bind a parameter: ") + sqlite3_errmsg(db_);
    }
}

void Statement::bind_int64(int i, std::int64_t v) {
    if (stmt_) note(sqlite3_bind_int64(stmt_, i, v));
}

void Statement::bind_text(int i, std::string_view v) {
    if (stmt_) {
        note(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    }
}

void Statement::bind_null(int i) {
    if (stmt_) note(sqlite3_bind_null(stmt_, i));
}

Result<bool> Statement::step() {
    if (rc_ != SQLITE_OK) {
        return tl::unexpected(
            Error{rc_ == SQLITE_BUSY ? ErrorKind::Locked : ErrorKind::Io, db_name(db_), failed_});
    }
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return tl::unexpected(error(db_, rc, ""));
}

Result<void> Statement::run() {
    for (;;) {
        auto r = step();
        if (!r) return tl::unexpected(r.error());
        if (!*r) return {};
    }
}

void Statement::reset() {
    if (!stmt_) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Statement::text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    if (!p) return {};
    return std::string(reinterpret_cast<const char*>(p),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Savepoint::Savepoint(sqlite3* db) : db_(db), start_(exec(db, "SAVEPOINT nxp")) {
    open_ = start_.has_value();
}

Savepoint::~Savepoint() {
    if (open_) (void)exec(db_, "ROLLBACK TO nxp; RELEASE nxp");
}

Result<void> Savepoint::release() {
    auto r = exec(db_, "RELEASE nxp");
    if (r) open_ = false;
    return r;
}

}  // namespace nxp::db::sqlite
