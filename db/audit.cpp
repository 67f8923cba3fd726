// The audit log (who changed what, when) and its hash chain (db/audit_chain.hpp).
#include <pwd.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>

#include "db/audit_chain.hpp"
#include "db/database.hpp"
#include "db/sqlite.hpp"

namespace nxp::db {
namespace {

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string user_name() {
    if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr) return pw->pw_name;
    return std::to_string(::getuid());
}

void add_field(crypto_hash_sha256_state& st, const std::string& field) {
    const std::string len = std::to_string(field.size()) + ":";
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(len.data()), len.size());
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(field.data()),
                              field.size());
}

constexpr const char* kColumns = "id, at, user, uid, action, detail, prev_hash, hash";

AuditRow read_row(const sqlite::Statement& st) {
    return AuditRow{st.int64(0), st.int64(1), st.text(2), st.int64(3),
                    st.text(4),  st.text(5),  st.text(6), st.text(7)};
}

Result<void> set_head(sqlite3* db, const std::string& hash) {
    sqlite::Statement st(db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)");
    return st.bind(hash).run();
}

Result<std::optional<std::string>> head(sqlite3* db) {
    sqlite::Statement st(db, "SELECT value FROM meta WHERE key = 'audit_head'");
    return sqlite::first(st, [](const sqlite::Statement& s) { return s.text(0); });
}

}  // namespace

namespace audit_chain {

std::string row_hash(const std::string& prev_hash, std::int64_t id, std::int64_t at,
                     const std::string& user, std::int64_t uid, const std::string& action,
                     const std::string& detail) {
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    for (const std::string& f : {std::string("nxp-audit-1"), prev_hash, std::to_string(id),
                                 std::to_string(at), user, std::to_string(uid), action, detail})
        add_field(st, f);
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, out);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned char c : out) {
        hex += kHex[c >> 4];
        hex += kHex[c & 15];
    }
    return hex;
}

Result<void> rechain(sqlite3* db) {
    sqlite::Statement rows(db, std::string("SELECT ") + kColumns + " FROM audit_log ORDER BY id");
    auto all = sqlite::collect(rows, read_row);
    if (!all) return tl::unexpected(all.error());
    sqlite::Statement put(db, "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?");
    std::string prev;
    for (const auto& r : *all) {
        std::string h = row_hash(prev, r.id, r.at, r.user, r.uid, r.action, r.detail);
        put.reset();
        if (auto ok = put.bind(prev, h, r.id).run(); !ok) return ok;
        prev = std::move(h);
    }
    return set_head(db, prev);
}

Result<void> finish_pending(sqlite3* db) {
    {
        sqlite::Statement st(db, "SELECT 1 FROM meta WHERE key = 'audit_chain_pending'");
        auto row = st.step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) return {};
    }
    if (auto r = sqlite::exec(db, "BEGIN IMMEDIATE"); !r) return r;
    auto r = rechain(db);
    if (r) r = sqlite::exec(db, "DELETE FROM meta WHERE key = 'audit_chain_pending'");
    if (!r) {
        (void)sqlite::exec(db, "ROLLBACK");
        return r;
    }
    return sqlite::exec(db, "COMMIT");
}

}  // namespace audit_chain

Result<void> Database::audit(const std::string& user, const std::string& action,
                             const std::string& detail) {
    const std::string who = user.empty() ? user_name() : user;
    const auto uid = static_cast<std::int64_t>(::getuid());
    const std::int64_t at = now_seconds();
    sqlite::Savepoint sp(db_);
    if (auto r = sp.started(); !r) return r;
    sqlite::Statement last(db_, statements_.get(),
                           "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1");
    auto prev = sqlite::first(last, [](const sqlite::Statement& s) { return s.text(0); });
    if (!prev) return tl::unexpected(prev.error());
    const std::string prev_hash = prev->value_or("");
    sqlite::Statement ins(db_, statements_.get(),
                          "INSERT INTO audit_log (at, user, uid, action, detail, prev_hash, hash) "
                          "VALUES (?, ?, ?, ?, ?, ?, '')");
    if (auto r = ins.bind(at, who, uid, action, detail, prev_hash).run(); !r) return r;
    const auto id = static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
    const std::string hash = audit_chain::row_hash(prev_hash, id, at, who, uid, action, detail);
    sqlite::Statement put(db_, statements_.get(), "UPDATE audit_log SET hash = ? WHERE id = ?");
    if (auto r = put.bind(hash, id).run(); !r) return r;
    if (auto r = set_head(db_, hash); !r) return r;
    return sp.release();
}

Result<std::vector<AuditRow>> Database::audit_log() const {
    sqlite::Statement st(db_, statements_.get(),
                         std::string("SELECT ") + kColumns + " FROM audit_log ORDER BY id");
    return sqlite::collect(st, read_row);
}

Result<std::optional<AuditBreak>> Database::check_audit_chain() const {
    auto rows = audit_log();
    if (!rows) return tl::unexpected(rows.error());
    std::string prev;
    std::int64_t prev_id = 0;
    for (const auto& r : *rows) {
        const std::string want =
            audit_chain::row_hash(r.prev_hash, r.id, r.at, r.user, r.uid, r.action, r.detail);
        if (r.hash != want)
            return std::optional<AuditBreak>(
                AuditBreak{r.id, "row " + std::to_string(r.id) +
                                     " was changed after it was written (its content no longer "
                                     "matches its hash)"});
        if (r.prev_hash != prev)
            return std::optional<AuditBreak>(AuditBreak{
                r.id, prev_id == 0 ? "row " + std::to_string(r.id) +
                                         " does not start the log: the rows before it were deleted"
                                   : "row " + std::to_string(r.id) + " does not follow row " +
                                         std::to_string(prev_id) +
                                         ": a row between them was deleted or replaced"});
        prev = r.hash;
        prev_id = r.id;
    }
    auto h = head(db_);
    if (!h) return tl::unexpected(h.error());
    if (h->value_or("") != prev)
        return std::optional<AuditBreak>(AuditBreak{
            prev_id + 1, rows->empty() ? "the log is empty, but rows were written to it: they "
                                         "were deleted"
                                       : "the log ends at row " + std::to_string(prev_id) +
                                             ", but a newer row was written: it was deleted"});
    return std::optional<AuditBreak>();
}

}  // namespace nxp::db
