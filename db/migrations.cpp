#include "db/migrations.hpp"

#include <array>
#include <string>

#include "db/sqlite.hpp"
#include "db/store_config.hpp"

namespace nxp::db {
namespace {

constexpr std::string_view kV1 = R"sql(
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE repos (
    name         TEXT PRIMARY KEY,
    url          TEXT NOT NULL,
    keys         TEXT NOT NULL DEFAULT '[]',
    mirrors      TEXT NOT NULL DEFAULT '[]',
    priority     INTEGER NOT NULL DEFAULT 0,
    last_version INTEGER NOT NULL DEFAULT 0,
    last_sha256  TEXT NOT NULL DEFAULT '',
    last_fetched INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE store_trees (
    path           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    version        TEXT NOT NULL,
    repo           TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    size           INTEGER NOT NULL,
    installed_size INTEGER NOT NULL,
    manifest_json  TEXT NOT NULL
);
CREATE TABLE files (
    store_path  TEXT NOT NULL REFERENCES store_trees(path) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('f', 'd', 'l')),
    mode        INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    link_target TEXT NOT NULL,
    PRIMARY KEY (store_path, path)
);
CREATE INDEX files_by_path ON files(path);
CREATE TABLE transactions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    state           TEXT NOT NULL,
    started_at      INTEGER NOT NULL,
    finished_at     INTEGER NOT NULL,
    user            TEXT NOT NULL,
    command_line    TEXT NOT NULL,
    from_generation INTEGER NOT NULL,
    to_generation   INTEGER NOT NULL,
    plan_json       TEXT NOT NULL,
    error           TEXT NOT NULL
);
CREATE INDEX transactions_by_state ON transactions(state);
CREATE TABLE generations (
    id         INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    txn_id     INTEGER NOT NULL
);
CREATE TABLE generation_packages (
    generation INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    store_path TEXT NOT NULL REFERENCES store_trees(path),
    reason     TEXT NOT NULL CHECK (reason IN ('explicit', 'dependency')),
    repo       TEXT NOT NULL,
    enabled    INTEGER NOT NULL,
    PRIMARY KEY (generation, name)
);
CREATE INDEX generation_packages_by_store ON generation_packages(store_path);
CREATE TABLE generation_config (
    generation INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
    package    TEXT NOT NULL,
    key        TEXT NOT NULL,
    value_json TEXT NOT NULL,
    secret     INTEGER NOT NULL,
    PRIMARY KEY (generation, package, key)
);
CREATE TABLE holds (
    name TEXT PRIMARY KEY
);
CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    user   TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
INSERT INTO generations (id, created_at, txn_id) VALUES (0, CAST(strftime('%s', 'now') AS INTEGER), 0);
INSERT INTO meta (key, value) VALUES ('current_generation', '0');
INSERT INTO meta (key, value) VALUES ('last_generation', '0');
)sql";

// Plugins (issue 5): secret config values of a journalled transaction live here, not in
// plan_json, until it finishes; permission grants; tool names recorded by health checks.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE txn_secrets (
    txn_id     INTEGER NOT NULL REFERENCES transactions(id) ON DELETE CASCADE,
    package    TEXT NOT NULL,
    key        TEXT NOT NULL,
    value_json TEXT NOT NULL,
    PRIMARY KEY (txn_id, package, key)
);
CREATE TABLE grants (
    package     TEXT PRIMARY KEY,
    permissions TEXT NOT NULL,
    granted_at  INTEGER NOT NULL
);
CREATE TABLE plugin_tools (
    package    TEXT NOT NULL,
    version    TEXT NOT NULL,
    tools_json TEXT NOT NULL,
    checked_at INTEGER NOT NULL,
    PRIMARY KEY (package, version)
);
)sql";

// Repositories (issue 4): the key set accepted along the keys/N.json rotation chain (the
// `keys` column then holds that set), the signatures it needs, and the metadata max age
// ("" = the root's repo.max_age setting, else 24 h).
constexpr std::string_view kV3 = R"sql(
ALTER TABLE repos ADD COLUMN key_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE repos ADD COLUMN threshold INTEGER NOT NULL DEFAULT 1;
ALTER TABLE repos ADD COLUMN max_age TEXT NOT NULL DEFAULT '';
)sql";

// The audit log a person can read (issue 18 item 19): the uid, and a hash chain (each row's
// hash covers the previous row's hash and its own content; meta audit_head is the newest).
// The rows written before are hashed once, in C++ (db/audit_chain.hpp), after this script.
constexpr std::string_view kV4 = R"sql(
ALTER TABLE audit_log ADD COLUMN uid INTEGER NOT NULL DEFAULT -1;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_chain_pending', '1');
)sql";

// Start-up (issue 20 item 2): each store tree's required config keys, derived from its
// manifest when the tree is recorded, so that `nxp list` reads a short column instead of
// parsing every manifest. A JSON array of key names in the manifest's order ('[]': none);
// NULL: not derived (a row salvaged from a database older than this column), derived by
// the reader then. The partial index holds only the trees that can pause a plugin, which
// is all list reads. The rows already recorded are derived after this script, in C++, in
// the same transaction (db/store_config.hpp).
constexpr std::string_view kV5 = R"sql(
ALTER TABLE store_trees ADD COLUMN required_config TEXT;
CREATE INDEX store_trees_requiring_config ON store_trees(path, required_config)
    WHERE required_config IS NOT '[]';
)sql";

constexpr std::array<std::string_view, 5> kMigrations = {kV1, kV2, kV3, kV4, kV5};

// What a migration computes in C++ after its script, inside its transaction (index: the
// migration's position in kMigrations).
Result<void> after_script(sqlite3* db, int index) {
    if (index == 4) return derive_required_config(db);
    return {};
}

Result<int> user_version(sqlite3* db) {
    sqlite::Statement st(db, "PRAGMA user_version");
    auto row = st.step();
    if (!row) return tl::unexpected(row.error());
    return static_cast<int>(st.int64(0));
}

}  // namespace

std::span<const std::string_view> migrations() { return kMigrations; }

Result<int> migrate(sqlite3* db) {
    auto current = user_version(db);
    if (!current) return current;
    const int known = static_cast<int>(kMigrations.size());
    if (*current > known) {
        return fail(ErrorKind::Invalid, sqlite::db_name(db),
                    "schema version " + std::to_string(*current) +
                        " was written by a newer nxp (this one knows up to " +
                        std::to_string(known) + ")");
    }
    for (int v = *current; v < known; ++v) {
        std::string script = "BEGIN IMMEDIATE;\n" + std::string(kMigrations[v]) +
                             "\nPRAGMA user_version = " + std::to_string(v + 1) + ";";
        auto r = sqlite::exec(db, script);
        if (r) r = after_script(db, v);
        if (r) r = sqlite::exec(db, "COMMIT");
        if (!r) {
            (void)sqlite::exec(db, "ROLLBACK");
            Error e = r.error();
            e.message =
                "migration to schema version " + std::to_string(v + 1) + " failed: " + e.message;
            return tl::unexpected(std::move(e));
        }
    }
    return known;
}

}  // namespace nxp::db
