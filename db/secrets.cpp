// Issue 15's migration: secret config values an older nxp kept in plain text, sealed in
// place, and every trace of them in the file rebuilt away.
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "db/audit_chain.hpp"
#include "db/database.hpp"
#include "db/sqlite.hpp"
#include "formats/redact.hpp"
#include "formats/sealed.hpp"

namespace nxp::db {
namespace {

struct PlainRow {
    std::int64_t owner = 0;  // generation or transaction id
    ConfigRow row;
};

Result<std::vector<PlainRow>> plain_rows(sqlite3* db, const std::string& sql) {
    sqlite::Statement st(db, sql);
    std::vector<PlainRow> out;
    for (;;) {
        auto row = st.step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        if (formats::is_sealed_value(st.text(3))) continue;
        out.push_back({st.int64(0), {st.text(1), st.text(2), st.text(3), true}});
    }
    return out;
}

// The rows of `table` (generation_config or txn_secrets, owned by `owner`) sealed in place;
// the texts of their plain values added to `plain`.
Result<int> seal_table(sqlite3* db, const std::string& table, const std::string& owner,
                       const Database::SealFn& seal, std::vector<std::string>& plain) {
    const std::string where = table == "generation_config" ? " WHERE secret = 1" : "";
    auto rows =
        plain_rows(db, "SELECT " + owner + ", package, key, value_json FROM " + table + where);
    if (!rows) return tl::unexpected(rows.error());
    sqlite::Statement up(db, "UPDATE " + table + " SET value_json = ? WHERE " + owner +
                                 " = ? AND package = ? AND key = ?");
    for (const auto& r : *rows) {
        auto sealed = seal(r.row);
        if (!sealed) return tl::unexpected(sealed.error());
        up.reset();
        if (auto ok = up.bind(*sealed, r.owner, r.row.package, r.row.key).run(); !ok)
            return tl::unexpected(ok.error());
        auto value = nlohmann::json::parse(r.row.value_json, nullptr, false);
        if (value.is_discarded()) value = r.row.value_json;
        for (auto& t : formats::secret_texts(value)) plain.push_back(std::move(t));
    }
    return static_cast<int>(rows->size());
}

// Old transactions' command lines, plans and errors and the audit log, without `plain`.
Result<void> scrub(sqlite3* db, const std::vector<std::string>& plain) {
    sqlite::Statement txns(db, "SELECT id, command_line, plan_json, error FROM transactions");
    sqlite::Statement put(db,
                          "UPDATE transactions SET command_line = ?, plan_json = ?, error = ? "
                          "WHERE id = ?");
    for (;;) {
        auto row = txns.step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        std::string cols[3] = {txns.text(1), txns.text(2), txns.text(3)};
        bool changed = false;
        for (auto& c : cols) {
            std::string clean = formats::redact_secrets(c, plain);
            changed = changed || clean != c;
            c = std::move(clean);
        }
        if (!changed) continue;
        put.reset();
        if (auto ok = put.bind(cols[0], cols[1], cols[2], txns.int64(0)).run(); !ok) return ok;
    }
    sqlite::Statement audit(db, "SELECT id, detail FROM audit_log");
    sqlite::Statement fix(db, "UPDATE audit_log SET detail = ? WHERE id = ?");
    bool rewritten = false;
    for (;;) {
        auto row = audit.step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        std::string clean = formats::redact_secrets(audit.text(1), plain);
        if (clean == audit.text(1)) continue;
        fix.reset();
        if (auto ok = fix.bind(clean, audit.int64(0)).run(); !ok) return ok;
        rewritten = true;
    }
    // The scrub rewrites history on purpose, once: the chain is made again over what remains.
    return rewritten ? audit_chain::rechain(db) : Result<void>{};
}

}  // namespace

Result<int> Database::seal_plain_secrets(const SealFn& seal) {
    {
        sqlite::Statement st(db_, "SELECT value FROM meta WHERE key = 'secrets_sealed'");
        auto row = st.step();
        if (!row) return tl::unexpected(row.error());
        if (*row && st.text(0) == "1") return 0;
    }
    // Freed cells are zeroed instead of left in the page.
    if (auto r = sqlite::exec(db_, "PRAGMA secure_delete = ON"); !r)
        return tl::unexpected(r.error());
    int sealed = 0;
    std::vector<std::string> plain;
    if (auto r = begin(); !r) return tl::unexpected(r.error());
    auto done = [&]() -> Result<void> {
        auto a = seal_table(db_, "generation_config", "generation", seal, plain);
        if (!a) return tl::unexpected(a.error());
        auto b = seal_table(db_, "txn_secrets", "txn_id", seal, plain);
        if (!b) return tl::unexpected(b.error());
        sealed = *a + *b;
        return plain.empty() ? Result<void>{} : scrub(db_, plain);
    }();
    if (!done) {
        rollback();
        (void)sqlite::exec(db_, "PRAGMA secure_delete = OFF");
        return tl::unexpected(done.error());
    }
    if (auto r = commit(); !r) return tl::unexpected(r.error());
    // Pages freed before (a removed generation's rows) may still hold plain values: the file
    // is rebuilt, then the WAL, which held the old pages, is emptied.
    if (auto r = sqlite::exec(db_, "VACUUM; PRAGMA secure_delete = OFF"); !r)
        return tl::unexpected(r.error());
    sqlite::Statement ckpt(db_, "PRAGMA wal_checkpoint(TRUNCATE)");
    auto row = ckpt.step();
    if (!row) return tl::unexpected(row.error());
    if (*row && ckpt.int64(0) != 0) return sealed;  // a reader held it: the next writer retries
    if (auto r = sqlite::exec(db_,
                              "INSERT OR REPLACE INTO meta (key, value) "
                              "VALUES ('secrets_sealed', '1')");
        !r)
        return tl::unexpected(r.error());
    return sealed;
}

}  // namespace nxp::db
