// Opening, migrating and the small tables (settings, holds). The other tables live in
// repos.cpp, store.cpp, generations.cpp, journal.cpp and audit.cpp.
#include "db/database.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "db/audit_chain.hpp"
#include "db/migrations.hpp"
#include "db/sqlite.hpp"

namespace nxp::db {
namespace {

// SQLite creates a file with 0644 under the usual umask; the database holds secrets, so a
// new file is created 0600 first. SQLite gives its -wal and -shm files the database's mode.
Result<void> create_private_file(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return {};
        return fail(ErrorKind::Io, path.string(),
                    std::string("cannot create database: ") + std::strerror(errno));
    }
    if (::fchmod(fd, 0600) != 0) {  // in case the umask was stricter than useful, or not
        int err = errno;
        ::close(fd);
        return fail(ErrorKind::Io, path.string(),
                    std::string("cannot set mode 0600: ") + std::strerror(err));
    }
    ::close(fd);
    return {};
}

Result<sqlite3*> open_handle(const std::string& name, int flags) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(name.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        Error e = sqlite::error(db, rc, "cannot open database");
        e.context = name;
        sqlite::close(db);
        return tl::unexpected(std::move(e));
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

using Fix = std::function<std::string()>;

std::string with_fix(std::string message, const Fix& fix) {
    if (fix) message += "; " + fix();
    return message;
}

enum class FileState { Missing, Empty, Present };

// What is at `path` before SQLite sees it. Only a regular file may be the install database:
// a symlink could make nxp write its records (and secrets) into any file, and SQLite would
// happily start a new, empty database in place of a missing or 0-byte one.
Result<FileState> inspect_file(const std::filesystem::path& path, const Fix& fix) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return FileState::Missing;
        return fail(
            ErrorKind::Io, path.string(),
            with_fix(std::string("cannot inspect the install database: ") + std::strerror(errno),
                     fix));
    }
    if (S_ISLNK(st.st_mode))
        return fail(ErrorKind::Invalid, path.string(),
                    with_fix("is a symbolic link; the install database must be a regular file "
                             "(nxp does not follow links here)",
                             fix));
    if (S_ISDIR(st.st_mode))
        return fail(ErrorKind::Invalid, path.string(),
                    with_fix("is a directory, not the install database", fix));
    if (!S_ISREG(st.st_mode))
        return fail(ErrorKind::Invalid, path.string(),
                    with_fix("is not a regular file, so not the install database", fix));
    return st.st_size == 0 ? FileState::Empty : FileState::Present;
}

// Whether the file holds nxp's schema, read before anything is written (the WAL pragma
// would create nxp.db-wal beside a file that turns out not to be the database).
Result<bool> has_schema(sqlite3* db, const std::filesystem::path& path, const Fix& fix) {
    sqlite3_stmt* st = nullptr;
    int rc =
        sqlite3_prepare_v2(db,
                           "SELECT (SELECT user_version FROM pragma_user_version), "
                           "(SELECT count(*) FROM sqlite_master "
                           " WHERE type = 'table' AND name IN ('generations', 'transactions'))",
                           -1, &st, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        const int primary = rc & 0xff;
        std::string detail = sqlite3_errmsg(db);
        sqlite3_finalize(st);
        if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
            return fail(
                ErrorKind::Invalid, path.string(),
                with_fix("is not an nxp install database (damaged or overwritten: " + detail + ")",
                         fix));
        Error e = sqlite::error(db, rc, "cannot read the install database");
        e.context = path.string();
        e.message = with_fix(e.message, fix);
        return tl::unexpected(std::move(e));
    }
    const bool ok = sqlite3_column_int64(st, 0) > 0 && sqlite3_column_int64(st, 1) == 2;
    sqlite3_finalize(st);
    return ok;
}

// Pragmas, then migrations; returns the schema version.
Result<int> configure(sqlite3* db) {
    sqlite3_busy_timeout(db, 5000);
    // journal_mode answers with a row; for :memory: it stays "memory", which is fine.
    auto r = sqlite::exec(db,
                          "PRAGMA journal_mode = WAL;"
                          "PRAGMA synchronous = FULL;"
                          "PRAGMA foreign_keys = ON;"
                          // Statement journals (one per SAVEPOINT in a long transaction:
                          // a 1,000-plugin install writes 1,000 store records) stay in
                          // memory; on disk they were 30,000 page writes (measured).
                          "PRAGMA temp_store = MEMORY;");
    if (!r) return tl::unexpected(r.error());
    // Keep the WAL between runs and do not checkpoint when a connection closes. By default
    // the last connection to close copies the WAL into nxp.db and deletes it, and the next
    // run creates it again: three more fdatasyncs and a directory sync on every command,
    // which were most of a rollback's wall time (measured: 6 syncs, of which this saves 4).
    // Durability does not change: with synchronous=FULL a commit is durable once its WAL
    // frames are synced; SQLite still checkpoints automatically every 1000 pages.
    // Consequence for backups: copy nxp.db together with nxp.db-wal (or the whole root).
    int persist = 1;
    sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    auto version = migrate(db);
    if (!version) return version;
    // The migration that adds the audit log's hash chain leaves the rows before it to hash.
    if (auto r = audit_chain::finish_pending(db); !r) return tl::unexpected(r.error());
    return version;
}

// A write-ahead log holding more than this is emptied when the connection closes.
constexpr off_t kWalTruncateBytes = 1 << 20;

// The WAL is kept between runs (see configure), and SQLite cannot trust the shared index of
// a log no process has open: every nxp that opens the database first reads the log's valid
// frames again and checks their checksums. After a 1,000-plugin install that was ~900
// frames, 3.6 MB: about 3 ms of every later `nxp list` or `nxp exec` (issue 20, measured with
// strace and perf). So a connection that closes with a log larger than kWalTruncateBytes
// copies it into the database and truncates it (a checkpoint: what SQLite does by default
// on close, here only when the log is large). It waits for nobody: with another connection
// reading, the log stays as it is (SQLITE_BUSY, ignored), and the next close tries again.
void truncate_large_wal(sqlite3* db) {
    if (db == nullptr) return;
    const char* file = sqlite3_db_filename(db, "main");
    if (file == nullptr || *file == '\0') return;
    struct stat st {};
    if (::stat((std::string(file) + "-wal").c_str(), &st) != 0 || st.st_size <= kWalTruncateBytes)
        return;
    sqlite3_busy_timeout(db, 0);
    (void)sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
}

}  // namespace

Database::Database(sqlite3* db)
    : db_(db), statements_(std::make_unique<sqlite::StatementCache>()) {}

Database::Database(Database&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)),
      statements_(std::move(o.statements_)),
      schema_version_(o.schema_version_) {}

Database& Database::operator=(Database&& o) noexcept {
    if (this != &o) {
        statements_.reset();  // finalised before their connection closes
        truncate_large_wal(db_);
        sqlite::close(db_);
        db_ = std::exchange(o.db_, nullptr);
        statements_ = std::move(o.statements_);
        schema_version_ = o.schema_version_;
    }
    return *this;
}

Database::~Database() {
    statements_.reset();
    truncate_large_wal(db_);
    sqlite::close(db_);
}

Result<Database> Database::open(const std::filesystem::path& path, const Fix& fix) {
    auto state = inspect_file(path, fix);
    if (!state) return tl::unexpected(state.error());
    if (*state == FileState::Missing)
        return fail(ErrorKind::NotFound, path.string(),
                    with_fix("the install database is missing", fix));
    if (*state == FileState::Empty)
        return fail(ErrorKind::Invalid, path.string(),
                    with_fix("the install database is empty (0 bytes)", fix));
    // No SQLITE_OPEN_CREATE: only `nxp init` makes a database.
    auto h = open_handle(path.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW);
    if (!h) return tl::unexpected(h.error());
    Database d(*h);  // owns the handle from here, also on failure
    auto schema = has_schema(d.db_, path, fix);
    if (!schema) return tl::unexpected(schema.error());
    if (!*schema)
        return fail(ErrorKind::Invalid, path.string(),
                    with_fix("has no nxp schema (an emptied or foreign SQLite file, not the "
                             "install database)",
                             fix));
    auto v = configure(d.db_);
    if (!v) return tl::unexpected(v.error());
    d.schema_version_ = *v;
    return d;
}

Result<Database> Database::create(const std::filesystem::path& path) {
    auto state = inspect_file(path, {});
    if (!state) return tl::unexpected(state.error());
    if (*state == FileState::Missing) {
        if (auto r = create_private_file(path); !r) return tl::unexpected(r.error());
    } else if (*state == FileState::Empty && ::chmod(path.c_str(), 0600) != 0) {
        return fail(ErrorKind::Io, path.string(),
                    std::string("cannot set mode 0600: ") + std::strerror(errno));
    }
    auto h = open_handle(path.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW);
    if (!h) return tl::unexpected(h.error());
    Database d(*h);
    auto v = configure(d.db_);
    if (!v) return tl::unexpected(v.error());
    d.schema_version_ = *v;
    return d;
}

Result<Database> Database::open_memory() {
    auto h = open_handle(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (!h) return tl::unexpected(h.error());
    Database d(*h);
    auto v = configure(d.db_);
    if (!v) return tl::unexpected(v.error());
    d.schema_version_ = *v;
    return d;
}

int Database::schema_version() const { return schema_version_; }

Result<void> Database::begin() { return sqlite::exec(db_, "BEGIN IMMEDIATE"); }

Result<void> Database::commit() { return sqlite::exec(db_, "COMMIT"); }

void Database::rollback() noexcept {
    if (!sqlite3_get_autocommit(db_)) (void)sqlite::exec(db_, "ROLLBACK");
}

Result<std::optional<std::string>> Database::setting(const std::string& key) const {
    sqlite::Statement st(db_, statements_.get(), "SELECT value FROM settings WHERE key = ?");
    st.bind(key);
    auto row = st.step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return std::optional<std::string>{};
    return std::optional<std::string>(st.text(0));
}

Result<void> Database::set_setting(const std::string& key, const std::string& value) {
    sqlite::Statement st(db_, statements_.get(),
                         "INSERT INTO settings (key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    return st.bind(key, value).run();
}

Result<void> Database::set_hold(const std::string& name, bool held) {
    sqlite::Statement st(db_, statements_.get(),
                         held ? "INSERT OR IGNORE INTO holds (name) VALUES (?)"
                              : "DELETE FROM holds WHERE name = ?");
    return st.bind(name).run();
}

Result<std::vector<std::string>> Database::holds() const {
    sqlite::Statement st(db_, statements_.get(), "SELECT name FROM holds ORDER BY name");
    std::vector<std::string> out;
    for (;;) {
        auto row = st.step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) return out;
        out.push_back(st.text(0));
    }
}

Result<std::string> Database::integrity_check() const {
    sqlite::Statement st(db_, statements_.get(), "PRAGMA integrity_check");
    std::string out;
    for (;;) {
        auto row = st.step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) return out;
        if (!out.empty()) out += '\n';
        out += st.text(0);
    }
}

}  // namespace nxp::db
