// Opening database files: mode, WAL, migrations on reopen, bad files.
#include <sqlite3.h>

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
        auto db = Database::open(path);
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
        auto db = Database::open(path);
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

    auto nodir = Database::open(dir.path / "missing" / "nxp.db");
    REQUIRE_FALSE(nodir);
    CHECK(nodir.error().context.find("missing") != std::string::npos);
    CHECK(nodir.error().kind == ErrorKind::Io);
}

TEST_CASE("a moved-from database can be reassigned", "[db]") {
    auto a = memory_db();
    REQUIRE(a.add_repo(repo_row("main", 0)));
    Database b = std::move(a);
    CHECK(b.repos().value().size() == 1);
    a = memory_db();
    CHECK(a.repos().value().empty());
}
