// Opening database files: mode, WAL, migrations on reopen, bad files.
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>

#include "db/sqlite.hpp"
#include "tests/db/helpers.hpp"

using nxp::ErrorKind;
using namespace nxp::db;
using namespace nxp::db::test;
namespace fs = std::filesystem;

TEST_CASE("a database file is private, in WAL mode, and keeps its data on reopen", "[db]") {
    TempDir dir;
    auto path = dir.path / "nxp.db";
    int version = 0;
    {
        auto db = Database::create(path);
        REQUIRE(db);
        version = db->schema_version();
        REQUIRE(db->add_repo(repo_row("main", 3)));
        REQUIRE(db->add_generation(Generation{1, 1, 0}, {}, {}));
        REQUIRE(db->set_current_generation(1));
        CHECK(mode_of(path) == 0600);
        CHECK(fs::exists(dir.path / "nxp.db-wal"));
        CHECK(mode_of(dir.path / "nxp.db-wal") == 0600);

        sqlite3_stmt* st = nullptr;
        REQUIRE(sqlite3_prepare_v2(db->handle(), "PRAGMA journal_mode", -1, &st, nullptr) == 0);
        REQUIRE(sqlite3_step(st) == SQLITE_ROW);
        CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
        sqlite3_finalize(st);

        auto err = db->remove_repo("ghost");
        REQUIRE_FALSE(err);
        CHECK(err.error().context == path.string());  // errors name the database file
    }
    auto again = Database::open(path);
    REQUIRE(again);
    CHECK(again->schema_version() == version);
    CHECK(again->current_generation().value() == 1);
    CHECK(again->repo("main").value()->priority == 3);
    CHECK(again->generations().value().size() == 2);
}

TEST_CASE("open refuses a newer schema and names the file", "[db]") {
    TempDir dir;
    auto path = dir.path / "nxp.db";
    {
        auto db = Database::create(path);
        REQUIRE(db);
        REQUIRE(sqlite3_exec(db->handle(), "PRAGMA user_version = 999", nullptr, nullptr,
                             nullptr) == SQLITE_OK);
    }
    auto db = Database::open(path);
    REQUIRE_FALSE(db);
    CHECK(db.error().context == path.string());
    CHECK(db.error().message.find("newer") != std::string::npos);
    CHECK(db.error().message.find("999") != std::string::npos);
}

TEST_CASE("open reports a file that is not a database, or a missing directory", "[db]") {
    TempDir dir;
    auto junk = dir.path / "junk.db";
    {
        std::FILE* f = std::fopen(junk.c_str(), "w");
        REQUIRE(f);
        std::fputs("this is not an sqlite database, just text that is long enough......", f);
        std::fclose(f);
    }
    auto db = Database::open(junk);
    REQUIRE_FALSE(db);
    CHECK(db.error().context == junk.string());
    CHECK(db.error().message.find("not a database") != std::string::npos);

    auto nodir = Database::create(dir.path / "missing" / "nxp.db");
    REQUIRE_FALSE(nodir);
    CHECK(nodir.error().context.find("missing") != std::string::npos);
    CHECK(nodir.error().kind == ErrorKind::Io);
}

namespace {

std::vector<std::string> listing(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
}

void write_bytes(const fs::path& p, const std::string& bytes) {
    std::FILE* f = std::fopen(p.c_str(), "w");
    REQUIRE(f);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
}

}  // namespace

TEST_CASE("open never creates a database: every unusable file is an error naming it", "[db]") {
    TempDir dir;
    auto path = dir.path / "nxp.db";
    // A real database elsewhere, to point links at and to copy a damaged header from.
    auto real = dir.path / "real" / "nxp.db";
    fs::create_directories(real.parent_path());
    REQUIRE(Database::create(real));

    struct Case {
        const char* what;
        std::function<void()> make;
        const char* says;
    };
    const std::vector<Case> cases = {
        {"missing", [] {}, "missing"},
        {"0 bytes", [&] { write_bytes(path, ""); }, "empty"},
        {"a directory", [&] { fs::create_directory(path); }, "directory"},
        {"a symlink to a real database", [&] { fs::create_symlink(real, path); }, "symbolic link"},
        {"a dangling symlink", [&] { fs::create_symlink(dir.path / "nowhere", path); },
         "symbolic link"},
        {"a fifo", [&] { REQUIRE(::mkfifo(path.c_str(), 0600) == 0); }, "not a regular file"},
        {"text", [&] { write_bytes(path, std::string(5000, 'x')); }, "not an nxp install database"},
        {"a damaged header",
         [&] {
             fs::copy_file(real, path);
             std::FILE* f = std::fopen(path.c_str(), "r+");
             REQUIRE(f);
             std::fputs("NOT SQLITE FORMAT", f);
             std::fclose(f);
         },
         "not an nxp install database"},
        {"an SQLite file with no tables",
         [&] {
             sqlite3* db = nullptr;
             REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
             REQUIRE(sqlite3_exec(db, "CREATE TABLE t(x); DROP TABLE t;", nullptr, nullptr,
                                  nullptr) == SQLITE_OK);
             sqlite3_close(db);
         },
         "no nxp schema"},
        {"another program's SQLite file",
         [&] {
             sqlite3* db = nullptr;
             REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
             REQUIRE(sqlite3_exec(db, "CREATE TABLE notes(x); PRAGMA user_version = 3;", nullptr,
                                  nullptr, nullptr) == SQLITE_OK);
             sqlite3_close(db);
         },
         "no nxp schema"},
    };
    for (const auto& c : cases) {
        SECTION(c.what) {
            c.make();
            const auto before = listing(dir.path);
            auto db = Database::open(path, [] { return std::string("restore it from a backup"); });
            REQUIRE_FALSE(db);
            INFO(db.error().str());
            CHECK(db.error().context == path.string());
            CHECK(db.error().message.find(c.says) != std::string::npos);
            CHECK(db.error().message.find("restore it from a backup") != std::string::npos);
            CHECK(listing(dir.path) == before);  // no nxp.db, -wal or -shm appeared
            if (fs::is_symlink(path)) CHECK(fs::file_size(real) > 0);
        }
    }
}

TEST_CASE("create makes a private database, and gives an empty file the schema", "[db]") {
    TempDir dir;
    auto path = dir.path / "nxp.db";
    write_bytes(path, "");
    ::chmod(path.c_str(), 0644);
    {
        auto db = Database::create(path);
        REQUIRE(db);
        CHECK(db->current_generation().value() == 0);
    }
    CHECK(mode_of(path) == 0600);
    CHECK(Database::open(path));

    fs::remove(path);
    fs::create_symlink(dir.path / "elsewhere.db", path);
    auto linked = Database::create(path);
    REQUIRE_FALSE(linked);
    CHECK(linked.error().message.find("symbolic link") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.path / "elsewhere.db"));
}

TEST_CASE("a moved-from database can be reassigned", "[db]") {
    auto a = memory_db();
    REQUIRE(a.add_repo(repo_row("main", 0)));
    Database b = std::move(a);
    CHECK(b.repos().value().size() == 1);
    a = memory_db();
    CHECK(a.repos().value().empty());
}

namespace {

StoreTree with_manifest(std::string name, std::string manifest) {
    StoreTree t = tree(std::move(name), "1.0.0");
    t.manifest_json = std::move(manifest);
    return t;
}

void exec_sql(Database& db, const char* sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db.handle(), sql, nullptr, nullptr, &err);
    INFO((err ? err : ""));
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("each store tree's required config keys are kept, also for trees recorded before",
          "[db]") {
    TempDir dir;
    auto path = dir.path / "nxp.db";
    const std::string mcp =
        R"("version": "1.0.0", "kind": "mcp-server", "summary": "s", "mcp": {"command": "node"})";
    const std::map<std::string, std::vector<std::string>> want = {
        {"store/duo-1.0.0-abc", {"a_key", "b_key"}}, {"store/esc-1.0.0-abc", {"token"}}};
    auto check = [&](const Database& db) {
        auto got = db.required_config();
        REQUIRE(got);
        CHECK(*got == want);
    };
    {
        auto db = Database::create(path);
        REQUIRE(db);
        // Required without a default, in key order; optional and defaulted keys are not.
        REQUIRE(
            db->add_store_tree(with_manifest("duo", R"({"name": "duo", )" + mcp + R"(, "config": {
                "b_key": {"type": "string", "required": true},
                "a_key": {"type": "string", "required": true, "secret": true},
                "c_opt": {"type": "string"},
                "d_dflt": {"type": "string", "required": true, "default": "x"}}})"),
                               {}));
        // A member name spelled with an escape is still the config member.
        REQUIRE(db->add_store_tree(
            with_manifest(
                "esc", R"({"name": "esc", )" + mcp +
                           R"(, "\u0063onfig": {"token": {"type": "string", "required": true}}})"),
            {}));
        // No config, and a manifest that does not parse: nothing required.
        REQUIRE(
            db->add_store_tree(with_manifest("plain", R"({"name": "plain", )" + mcp + "}"), {}));
        REQUIRE(db->add_store_tree(
            with_manifest("broken", R"({"name": "broken", "config": {"x": {"required": 7}}})"),
            {}));
        check(*db);
        // As a database from before the column (schema 4).
        exec_sql(*db,
                 "DROP INDEX store_trees_requiring_config;"
                 "ALTER TABLE store_trees DROP COLUMN required_config; PRAGMA user_version = 4;");
    }
    {
        auto db = Database::open(path);
        REQUIRE(db);
        CHECK(db->schema_version() == 5);
        sqlite::Statement st(db->handle(),
                             "SELECT count(*) FROM store_trees WHERE required_config IS NULL");
        REQUIRE(st.step().value());
        CHECK(st.int64(0) == 0);  // derived by the migration
        check(*db);
        // Rows salvaged from an older database (NULL) or unreadable: derived when read.
        exec_sql(*db,
                 "UPDATE store_trees SET required_config = NULL WHERE name = 'duo';"
                 "UPDATE store_trees SET required_config = '[1' WHERE name = 'esc';"
                 "UPDATE store_trees SET required_config = NULL WHERE name = 'plain';");
        check(*db);
    }
}

TEST_CASE("a large write-ahead log is emptied into the database when the connection closes",
          "[db]") {
    TempDir dir;
    auto path = dir.path / "nxp.db";
    const fs::path wal = path.string() + "-wal";
    {
        auto db = Database::create(path);
        REQUIRE(db);
        REQUIRE(db->add_store_tree(tree("small", "1.0.0"), {}));
    }
    CHECK(fs::exists(wal));  // kept between runs while small (no checkpoint on close)
    CHECK(fs::file_size(wal) > 0);
    {
        auto db = Database::open(path);
        REQUIRE(db);
        REQUIRE(db->begin());
        for (int i = 0; i < 300; ++i) {
            StoreTree t = tree("big" + std::to_string(i), "1.0.0");
            t.manifest_json =
                R"({"name": ")" + t.name + R"(", "pad": ")" + std::string(8000, 'x') + "\"}";
            REQUIRE(db->add_store_tree(t, {}));
        }
        REQUIRE(db->commit());
        CHECK(fs::file_size(wal) > (1u << 20));
    }
    CHECK(fs::file_size(wal) == 0);
    auto db = Database::open(path);
    REQUIRE(db);
    CHECK(db->store_trees().value().size() == 301);
}
