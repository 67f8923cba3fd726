#pragma once
// Internal RAII wrappers over the SQLite C API, after dnf5's libdnf5/utils/sqlite3: a
// Statement prepares in its constructor and finalises in its destructor. Failures are
// remembered and reported as values by step()/run(), so binding needs no error plumbing.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "formats/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace nxp::db::sqlite {

// The database's file name for error contexts (":memory:" for an in-memory database).
std::string db_name(sqlite3* db);

// An Error naming the database and carrying SQLite's message for result code `rc`.
Error error(sqlite3* db, int rc, std::string_view what);

// `message`, with what to do when SQLite's result code `rc` says the file is damaged
// (SQLITE_CORRUPT, SQLITE_NOTADB): nxp doctor, nxp doctor --repair, a backup.
std::string damage_hint(int rc, std::string message);

// Closes a connection (its StatementCache, if any, must be destroyed first).
void close(sqlite3* db);

// Prepared statements of one connection kept for reuse, by SQL text: preparing was 8% of a
// 1,000-plugin install's CPU (the same few statements, thousands of times). A Statement
// given the cache takes an idle one from it and gives it back, reset, when destroyed.
// Owned by whoever owns the connection (db::Database), destroyed (finalising every
// statement) before the connection closes; no Statement may outlive it.
class StatementCache {
  public:
    StatementCache();
    ~StatementCache();
    StatementCache(const StatementCache&) = delete;
    StatementCache& operator=(const StatementCache&) = delete;

    sqlite3_stmt* take(std::string_view sql);  // nullptr when none is idle
    void give_back(sqlite3_stmt* st);          // reset and kept

  private:
    struct Idle;
    std::unique_ptr<Idle> idle_;
};

// Runs one or more statements that return no rows of interest.
Result<void> exec(sqlite3* db, const std::string& sql);

class Statement {
  public:
    Statement(sqlite3* db, std::string_view sql);  // prepared afresh, finalised at the end
    Statement(sqlite3* db, StatementCache* cache, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Binds the arguments to parameters 1..N in order.
    template <class... A>
    Statement& bind(const A&... args) {
        int i = 1;
        (bind_one(i++, args), ...);
        return *this;
    }

    Result<bool> step();  // true: a row is ready; false: the statement is done
    Result<void> run();   // steps to completion, ignoring rows
    void reset();         // ready to bind and step again

    std::int64_t int64(int col) const;
    std::string text(int col) const;
    bool is_null(int col) const;

    sqlite3_stmt* get() const { return stmt_; }

  private:
    template <class T>
    void bind_one(int i, const T& v) {
        if constexpr (std::is_same_v<T, bool>) {
            bind_int64(i, v ? 1 : 0);
        } else if constexpr (std::is_integral_v<T>) {
            bind_int64(i, static_cast<std::int64_t>(v));
        } else if constexpr (std::is_same_v<T, std::nullptr_t>) {
            bind_null(i);
        } else {
            bind_text(i, std::string_view(v));
        }
    }
    void bind_int64(int i, std::int64_t v);
    void bind_text(int i, std::string_view v);
    void bind_null(int i);
    void note(int rc);  // keeps the first failure

    sqlite3* db_;
    StatementCache* cache_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
    int rc_ = 0;
    std::string failed_;  // what failed first: "prepare …", "bind …"
};

// Steps through every row, converting each with `row(st)`.
template <class F>
auto collect(Statement& st, F row) -> Result<std::vector<decltype(row(st))>> {
    std::vector<decltype(row(st))> out;
    for (;;) {
        auto r = st.step();
        if (!r) return tl::unexpected(r.error());
        if (!*r) return out;
        out.push_back(row(st));
    }
}

// Steps once; the converted row, or nullopt when there is none.
template <class F>
auto first(Statement& st, F row) -> Result<std::optional<decltype(row(st))>> {
    auto r = st.step();
    if (!r) return tl::unexpected(r.error());
    if (!*r) return std::optional<decltype(row(st))>{};
    return std::optional<decltype(row(st))>(row(st));
}

// A SAVEPOINT: nests inside an explicit transaction or stands alone. Rolled back on
// destruction unless release() succeeded.
class Savepoint {
  public:
    explicit Savepoint(sqlite3* db);
    ~Savepoint();
    Savepoint(const Savepoint&) = delete;
    Savepoint& operator=(const Savepoint&) = delete;

    Result<void> started() const { return start_; }
    Result<void> release();

  private:
    sqlite3* db_;
    Result<void> start_;
    bool open_ = false;
};

}  // namespace nxp::db::sqlite
