// The transaction journal: one row per transaction, for history and crash recovery.
#include <sqlite3.h>

#include "db/database.hpp"
#include "db/sealed_rows.hpp"
#include "db/sqlite.hpp"

namespace nxp::db {
namespace {

constexpr const char* kColumns =
    "id, state, started_at, finished_at, user, command_line, from_generation, to_generation, "
    "plan_json, error";

TxnRow read_txn(const sqlite::Statement& st) {
    TxnRow t;
    t.id = st.int64(0);
    t.state = st.text(1);
    t.started_at = st.int64(2);
    t.finished_at = st.int64(3);
    t.user = st.text(4);
    t.command_line = st.text(5);
    t.from_generation = st.int64(6);
    t.to_generation = st.int64(7);
    t.plan_json = st.text(8);
    t.error = st.text(9);
    return t;
}

}  // namespace

Result<std::int64_t> Database::insert_txn(const TxnRow& t) {
    for (const auto& c : t.secrets)
        if (!formats::is_sealed_value(c.value_json)) return unsealed_secret("transaction", c);
    sqlite::Statement st(db_, statements_.get(),
                         "INSERT INTO transactions (state, started_at, finished_at, user, "
                         "command_line, from_generation, to_generation, plan_json, error) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(t.state, t.started_at, t.finished_at, t.user, t.command_line, t.from_generation,
            t.to_generation, t.plan_json, t.error);
    sqlite::Savepoint sp(db_);
    if (auto r = sp.started(); !r) return tl::unexpected(r.error());
    if (auto r = st.run(); !r) return tl::unexpected(r.error());
    auto id = static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
    sqlite::Statement put(db_, statements_.get(),
                          "INSERT INTO txn_secrets (txn_id, package, key, value_json) "
                          "VALUES (?, ?, ?, ?)");
    for (const auto& c : t.secrets) {
        put.reset();
        if (auto r = put.bind(id, c.package, c.key, c.value_json).run(); !r)
            return tl::unexpected(r.error());
    }
    if (auto r = sp.release(); !r) return tl::unexpected(r.error());
    return id;
}

Result<std::vector<ConfigRow>> Database::txn_secrets(std::int64_t id) const {
    sqlite::Statement st(db_, statements_.get(),
                         "SELECT package, key, value_json FROM txn_secrets WHERE txn_id = ? "
                         "ORDER BY package, key");
    st.bind(id);
    return sqlite::collect(st, [](const sqlite::Statement& s) {
        return ConfigRow{s.text(0), s.text(1), s.text(2), true};
    });
}

Result<void> Database::update_txn(std::int64_t id, const std::string& state,
                                  const std::string& error, std::int64_t finished_at) {
    sqlite::Statement st(db_, statements_.get(),
                         "UPDATE transactions SET state = ?, error = ?, finished_at = ? "
                         "WHERE id = ?");
    if (auto r = st.bind(state, error, finished_at, id).run(); !r) return r;
    if (sqlite3_changes(db_) == 0) {
        return fail(ErrorKind::NotFound, sqlite::db_name(db_),
                    "no transaction " + std::to_string(id));
    }
    if (state == "pending" || state == "staged") return {};
    // Finished either way: the secrets now live in generation_config or nowhere.
    sqlite::Statement drop(db_, statements_.get(), "DELETE FROM txn_secrets WHERE txn_id = ?");
    return drop.bind(id).run();
}

Result<std::optional<TxnRow>> Database::txn(std::int64_t id) const {
    sqlite::Statement st(db_, statements_.get(),
                         std::string("SELECT ") + kColumns + " FROM transactions WHERE id = ?");
    st.bind(id);
    return sqlite::first(st, read_txn);
}

Result<std::vector<TxnRow>> Database::txns() const {
    sqlite::Statement st(db_, statements_.get(),
                         std::string("SELECT ") + kColumns + " FROM transactions ORDER BY id");
    return sqlite::collect(st, read_txn);
}

Result<std::vector<TxnRow>> Database::unfinished_txns() const {
    sqlite::Statement st(db_, statements_.get(),
                         std::string("SELECT ") + kColumns +
                             " FROM transactions WHERE state IN ('pending', 'staged') "
                             "ORDER BY id");
    return sqlite::collect(st, read_txn);
}

}  // namespace nxp::db
