// The repos table. Keys and mirrors are stored as JSON arrays of strings.
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "db/database.hpp"
#include "db/sqlite.hpp"
#include "formats/json_util.hpp"
#include "formats/nearest.hpp"

namespace nxp::db {
namespace {

std::string to_json(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }

// Written by to_json; anything else (a damaged row) reads as no entries.
std::vector<std::string> from_json(const std::string& text) {
    return formats::parse_string_array(text, "repos").value_or(std::vector<std::string>{});
}

constexpr const char* kColumns =
    "name, url, keys, mirrors, priority, last_version, last_sha256, last_fetched, key_version, "
    "threshold, max_age";

RepoRow read_repo(const sqlite::Statement& st) {
    RepoRow r;
    r.name = st.text(0);
    r.url = st.text(1);
    r.keys = from_json(st.text(2));
    r.mirrors = from_json(st.text(3));
    r.priority = static_cast<int>(st.int64(4));
    r.last_version = static_cast<std::uint64_t>(st.int64(5));
    r.last_sha256 = st.text(6);
    r.last_fetched = st.int64(7);
    r.key_version = static_cast<std::uint64_t>(st.int64(8));
    r.threshold = static_cast<std::uint32_t>(st.int64(9));
    r.max_age = st.text(10);
    return r;
}

// "no repository named 'mian'; did you mean 'main'?"
Result<void> not_found(sqlite3* db, const std::string& name) {
    sqlite::Statement st(db, "SELECT name FROM repos ORDER BY name");
    auto names = sqlite::collect(st, [](const sqlite::Statement& s) { return s.text(0); });
    return fail(ErrorKind::NotFound, sqlite::db_name(db),
                "no repository named '" + name + "'" +
                    (names ? formats::did_you_mean(name, *names) : std::string()));
}

}  // namespace

Result<void> Database::add_repo(const RepoRow& r) {
    sqlite::Statement st(db_, statements_.get(),
                         std::string("INSERT INTO repos (") + kColumns +
                             ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(r.name, r.url, to_json(r.keys), to_json(r.mirrors), r.priority, r.last_version,
            r.last_sha256, r.last_fetched, r.key_version, static_cast<std::int64_t>(r.threshold),
            r.max_age);
    auto done = st.run();
    if (!done && sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return fail(ErrorKind::Invalid, sqlite::db_name(db_),
                    "a repository named '" + r.name + "' already exists");
    }
    return done;
}

Result<void> Database::remove_repo(const std::string& name) {
    sqlite::Statement st(db_, statements_.get(), "DELETE FROM repos WHERE name = ?");
    if (auto r = st.bind(name).run(); !r) return r;
    if (sqlite3_changes(db_) == 0) return not_found(db_, name);
    return {};
}

Result<std::vector<RepoRow>> Database::repos() const {
    sqlite::Statement st(
        db_, std::string("SELECT ") + kColumns + " FROM repos ORDER BY priority DESC, name");
    return sqlite::collect(st, read_repo);
}

Result<std::optional<RepoRow>> Database::repo(const std::string& name) const {
    sqlite::Statement st(db_, statements_.get(),
                         std::string("SELECT ") + kColumns + " FROM repos WHERE name = ?");
    st.bind(name);
    return sqlite::first(st, read_repo);
}

Result<void> Database::set_repo_state(const std::string& name, std::uint64_t version,
                                      const std::string& sha256, std::int64_t fetched_at) {
    sqlite::Statement st(db_, statements_.get(),
                         "UPDATE repos SET last_version = ?, last_sha256 = ?, last_fetched = ? "
                         "WHERE name = ?");
    if (auto r = st.bind(version, sha256, fetched_at, name).run(); !r) return r;
    if (sqlite3_changes(db_) == 0) return not_found(db_, name);
    return {};
}

Result<void> Database::set_repo_keys(const std::string& name, const std::vector<std::string>& keys,
                                     std::uint64_t key_version, std::uint32_t threshold) {
    sqlite::Statement st(
        db_, "UPDATE repos SET keys = ?, key_version = ?, threshold = ? WHERE name = ?");
    if (auto r =
            st.bind(to_json(keys), key_version, static_cast<std::int64_t>(threshold), name).run();
        !r)
        return r;
    if (sqlite3_changes(db_) == 0) return not_found(db_, name);
    return {};
}

}  // namespace nxp::db
