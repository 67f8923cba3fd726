#pragma once
// The install database (DESIGN.md §5): SQLite in WAL mode with synchronous=FULL, file mode
// 0600, schema versioned by migrations. The "installed" set is the package list of the
// current generation, so a rollback is one row update.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "formats/error.hpp"

struct sqlite3;

namespace nxp::db {

namespace sqlite {
class StatementCache;
}

struct RepoRow {
    std::string name;
    std::string url;
    std::vector<std::string> keys;     // pinned minisign public keys, base64 lines
    std::vector<std::string> mirrors;  // base URLs, in order
    int priority = 0;
    std::uint64_t last_version = 0;  // last accepted index version (rollback protection)
    std::string last_sha256;         // sha256 of that index.json.zst
    std::int64_t last_fetched = 0;   // unix seconds
    std::uint64_t key_version = 0;   // of `keys` in the keys/N.json chain (0: pinned at add)
    std::uint32_t threshold = 1;     // distinct valid index signatures required
    std::string max_age;             // "" (setting repo.max_age, else 24h), "6h", "0" = never
};

// An immutable extracted tree under ROOT/store/.
struct StoreTree {
    std::string path;  // relative to ROOT: "store/NAME-VERSION-HASH"
    std::string name;
    std::string version;
    std::string repo;
    std::string sha256;  // of the .nxp archive
    std::uint64_t size = 0;
    std::uint64_t installed_size = 0;
    std::string manifest_json;  // plugin.json as installed
};

struct FileRow {
    std::string path;  // relative to the tree
    char type = 'f';   // 'f', 'd', 'l'
    std::uint32_t mode = 0644;
    std::uint64_t size = 0;
    std::string sha256;
    std::string link_target;
};

struct Generation {
    std::int64_t id = 0;
    std::int64_t created_at = 0;
    std::int64_t txn_id = 0;  // the transaction that made it (0 for the empty generation)
};

struct GenPackage {
    std::string name;
    std::string version;
    std::string store_path;
    std::string reason = "explicit";  // "explicit" or "dependency"
    std::string repo;
    bool enabled = true;
};

struct ConfigRow {
    std::string package;
    std::string key;
    std::string value_json;
    bool secret = false;
};

struct TxnRow {
    std::int64_t id = 0;
    std::string state = "pending";  // pending → staged → done; or undone / failed
    std::int64_t started_at = 0;
    std::int64_t finished_at = 0;
    std::string user;
    std::string command_line;
    std::int64_t from_generation = 0;
    std::int64_t to_generation = 0;
    std::string plan_json;  // the steps, for history info and crash recovery; never secrets
    std::string error;
    // Secret config rows of the new generation: kept in txn_secrets (not plan_json) until
    // the transaction leaves pending/staged, for crash recovery only.
    std::vector<ConfigRow> secrets;
};

struct AuditRow {
    std::int64_t id = 0;
    std::int64_t at = 0;
    std::string user;
    std::int64_t uid = -1;  // the uid that ran nxp (-1: a row written before uids were kept)
    std::string action;
    std::string detail;     // never holds secret values
    std::string prev_hash;  // the hash of the row before ("" for the first)
    std::string hash;       // sha256 over prev_hash and this row (db/audit_chain.hpp)
};

// Where the audit log's hash chain first fails.
struct AuditBreak {
    std::int64_t id = 0;  // the first row that does not verify (last id + 1: rows cut off)
    std::string problem;  // a sentence
};

class Database {
  public:
    // Opens an existing install database: a non-empty regular file (not a symlink), with the
    // nxp schema; applies pending migrations, sets WAL, synchronous=FULL, foreign keys and a
    // busy timeout. Nothing is created: a missing, empty, schema-less or foreign file is an
    // error naming it, with fix() (what the caller knows the operator can do; asked only
    // on such an error) appended.
    static Result<Database> open(const std::filesystem::path& path,
                                 const std::function<std::string()>& fix = {});
    // For `nxp init` only: like open, but creates the file (mode 0600) when it is missing and
    // gives an empty or schema-less file the schema. Still refuses symlinks and non-files.
    static Result<Database> create(const std::filesystem::path& path);
    static Result<Database> open_memory();

    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    int schema_version() const;

    // Explicit SQL transactions: several writes commit together or not at all.
    Result<void> begin();
    Result<void> commit();
    void rollback() noexcept;

    // Repositories.
    Result<void> add_repo(const RepoRow& r);            // error if the name exists
    Result<void> remove_repo(const std::string& name);  // NotFound if missing
    Result<std::vector<RepoRow>> repos() const;         // by priority desc, then name
    Result<std::optional<RepoRow>> repo(const std::string& name) const;
    Result<void> set_repo_state(const std::string& name, std::uint64_t version,
                                const std::string& sha256, std::int64_t fetched_at);
    // The key set accepted by following the rotation chain (replaces `keys`).
    Result<void> set_repo_keys(const std::string& name, const std::vector<std::string>& keys,
                               std::uint64_t key_version, std::uint32_t threshold);

    // Store trees and their files.
    Result<void> add_store_tree(const StoreTree& t, const std::vector<FileRow>& files);
    Result<std::optional<StoreTree>> store_tree(const std::string& path) const;
    Result<std::vector<StoreTree>> store_trees() const;
    // The config keys each store tree's manifest requires (required, no default; in the
    // manifest's order), for the trees that require any, by path. Read from a column kept
    // when the tree is recorded: no manifest is parsed (issue 20, `nxp list`).
    Result<std::map<std::string, std::vector<std::string>>> required_config() const;
    Result<std::vector<FileRow>> files(const std::string& store_path) const;
    Result<void> remove_store_tree(const std::string& path);  // and its files
    // Which store paths (relative to ROOT) own a file path of a plugin tree.
    Result<std::vector<std::string>> owners(const std::string& file_path) const;

    // Generations. Generation 0 is the empty world, created with the database.
    Result<std::int64_t> current_generation() const;
    Result<void> set_current_generation(std::int64_t id);
    Result<void> add_generation(const Generation& g, const std::vector<GenPackage>& packages,
                                const std::vector<ConfigRow>& config);
    Result<std::vector<Generation>> generations() const;  // ascending id
    Result<std::optional<Generation>> generation(std::int64_t id) const;
    Result<std::vector<GenPackage>> generation_packages(std::int64_t id) const;  // by name
    Result<std::vector<ConfigRow>> generation_config(std::int64_t id) const;
    Result<void> remove_generation(std::int64_t id);
    Result<std::int64_t> next_generation_id() const;  // max(id)+1, never reused

    // Holds (policy, not part of a generation).
    Result<void> set_hold(const std::string& name, bool held);
    Result<std::vector<std::string>> holds() const;

    // The transaction journal.
    Result<std::int64_t> insert_txn(const TxnRow& t);  // returns the id
    Result<void> update_txn(std::int64_t id, const std::string& state, const std::string& error,
                            std::int64_t finished_at);
    Result<std::optional<TxnRow>> txn(std::int64_t id) const;
    Result<std::vector<TxnRow>> txns() const;             // ascending id
    Result<std::vector<TxnRow>> unfinished_txns() const;  // state pending or staged
    Result<std::vector<ConfigRow>> txn_secrets(std::int64_t id) const;

    // Permission grants (policy, like holds): the permissions JSON granted to a plugin.
    Result<std::optional<std::string>> grant(const std::string& package) const;
    Result<void> set_grant(const std::string& package, const std::string& permissions_json,
                           std::int64_t at);
    Result<void> revoke_grant(const std::string& package);

    // Tool names an MCP health check saw, per package version (JSON array of strings).
    Result<void> set_tools(const std::string& package, const std::string& version,
                           const std::string& tools_json, std::int64_t at);
    Result<std::optional<std::string>> tools(const std::string& package,
                                             const std::string& version) const;

    // Audit log: each row chained to the one before by its hash (db/audit_chain.hpp). An
    // empty `user` is the name of the uid running nxp; the uid is recorded either way.
    Result<void> audit(const std::string& user, const std::string& action,
                       const std::string& detail);
    Result<std::vector<AuditRow>> audit_log() const;
    // The first row where the chain no longer verifies (edited, deleted or added by hand),
    // or nullopt when every row and the recorded head agree.
    Result<std::optional<AuditBreak>> check_audit_chain() const;

    // Key/value settings (nextchat dir, gc keep count, …).
    Result<std::optional<std::string>> setting(const std::string& key) const;
    Result<void> set_setting(const std::string& key, const std::string& value);

    // Issue 15's migration, run by the first writer: every secret value an older nxp stored
    // in plain text (generation_config, txn_secrets) replaced by seal(row), each plain one
    // scrubbed (formats::redact_secrets) from old transactions' command lines, plans and
    // errors and from the audit log, then the file rebuilt (VACUUM) and the WAL emptied, so
    // that no page keeps them. Once done (meta secrets_sealed) it returns at once; returns
    // how many values it sealed.
    using SealFn = std::function<Result<std::string>(const ConfigRow&)>;
    Result<int> seal_plain_secrets(const SealFn& seal);

    // PRAGMA integrity_check; "ok" or the problems.
    Result<std::string> integrity_check() const;

    sqlite3* handle() const { return db_; }

  private:
    explicit Database(sqlite3* db);
    sqlite3* db_ = nullptr;
    // This connection's prepared statements, reused; finalised before db_ closes.
    std::unique_ptr<sqlite::StatementCache> statements_;
    int schema_version_ = 0;
};

}  // namespace nxp::db
