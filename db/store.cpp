// Store trees and the files they hold.
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <utility>

#include "db/database.hpp"
#include "db/sqlite.hpp"
#include "db/store_config.hpp"
#include "formats/manifest.hpp"

namespace nxp::db {
namespace {

constexpr const char* kTreeColumns =
    "path, name, version, repo, sha256, size, installed_size, manifest_json";

StoreTree read_tree(const sqlite::Statement& st) {
    StoreTree t;
    t.path = st.text(0);
    t.name = st.text(1);
    t.version = st.text(2);
    t.repo = st.text(3);
    t.sha256 = st.text(4);
    t.size = static_cast<std::uint64_t>(st.int64(5));
    t.installed_size = static_cast<std::uint64_t>(st.int64(6));
    t.manifest_json = st.text(7);
    return t;
}

FileRow read_file(const sqlite::Statement& st) {
    FileRow f;
    f.path = st.text(0);
    std::string type = st.text(1);
    f.type = type.empty() ? 'f' : type[0];
    f.mode = static_cast<std::uint32_t>(st.int64(2));
    f.size = static_cast<std::uint64_t>(st.int64(3));
    f.sha256 = st.text(4);
    f.link_target = st.text(5);
    return f;
}

}  // namespace

std::string required_config_json(std::string_view manifest_json) {
    // Only a manifest's "config" member can make a key required. A text that holds no
    // '"config"' and no escape (with which a member name could spell it otherwise) has
    // none, and is not parsed.
    if (manifest_json.find("\"config\"") == std::string_view::npos &&
        manifest_json.find('\\') == std::string_view::npos)
        return "[]";
    auto m = formats::parse_manifest(manifest_json);
    if (!m) return "[]";
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& [key, spec] : m->config)
        if (spec.required && !spec.default_json) keys.push_back(key);
    return keys.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<std::vector<std::string>> parse_required_config(std::string_view column) {
    auto doc = nlohmann::json::parse(column, nullptr, false);
    if (!doc.is_array()) return std::nullopt;
    std::vector<std::string> keys;
    for (const auto& k : doc) {
        if (!k.is_string()) return std::nullopt;
        keys.push_back(k.get<std::string>());
    }
    return keys;
}

Result<void> derive_required_config(sqlite3* db) {
    std::vector<std::pair<std::string, std::string>> trees;  // path, manifest
    {
        sqlite::Statement st(
            db, "SELECT path, manifest_json FROM store_trees WHERE required_config IS NULL");
        auto rows = sqlite::collect(st, [](const sqlite::Statement& s) {
            return std::pair<std::string, std::string>(s.text(0), s.text(1));
        });
        if (!rows) return tl::unexpected(rows.error());
        trees = std::move(*rows);
    }
    sqlite::Statement set(db, "UPDATE store_trees SET required_config = ? WHERE path = ?");
    for (const auto& [path, manifest] : trees) {
        set.reset();
        if (auto r = set.bind(required_config_json(manifest), path).run(); !r) return r;
    }
    return {};
}

Result<void> Database::add_store_tree(const StoreTree& t, const std::vector<FileRow>& files) {
    sqlite::Savepoint sp(db_);
    if (auto r = sp.started(); !r) return r;
    sqlite::Statement tree(db_, statements_.get(),
                           std::string("INSERT INTO store_trees (") + kTreeColumns +
                               ", required_config) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    tree.bind(t.path, t.name, t.version, t.repo, t.sha256, t.size, t.installed_size,
              t.manifest_json, required_config_json(t.manifest_json));
    if (auto r = tree.run(); !r) {
        if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY) {
            return fail(ErrorKind::Invalid, sqlite::db_name(db_),
                        "store tree '" + t.path + "' is already recorded");
        }
        return r;
    }
    sqlite::Statement file(db_, statements_.get(),
                           "INSERT INTO files (store_path, path, type, mode, size, sha256, "
                           "link_target) VALUES (?, ?, ?, ?, ?, ?, ?)");
    // A row per file (~41,000 for 300 node_modules-shaped plugins, issue 20): bound in place
    // (SQLITE_STATIC: the strings outlive the step) rather than copied, the tree's path once,
    // and no clearing between rows. Each copy was an allocation under SQLite's memory mutex
    // and each call a lock of the connection's: in perf of the recording thread, mutex lock
    // and unlock were 14% of its samples and malloc/free 7%, mostly under bind and step.
    sqlite3_stmt* st = file.get();
    if (st == nullptr) return file.run();  // the prepare error
    auto text = [st](int i, std::string_view v) {
        return sqlite3_bind_text(st, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    };
    int rc = text(1, t.path);
    for (const auto& f : files) {
        if (rc == SQLITE_OK) rc = text(2, f.path);
        if (rc == SQLITE_OK) rc = text(3, std::string_view(&f.type, 1));
        if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 4, static_cast<sqlite3_int64>(f.mode));
        if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 5, static_cast<sqlite3_int64>(f.size));
        if (rc == SQLITE_OK) rc = text(6, f.sha256);
        if (rc == SQLITE_OK) rc = text(7, f.link_target);
        if (rc == SQLITE_OK) rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) rc = sqlite3_reset(st);
        if (rc != SQLITE_OK) {
            // sqlite3_reset repeats the step's error; the message is the connection's.
            Error e = sqlite::error(db_, rc, "");
            sqlite3_reset(st);
            e.message = "file '" + f.path + "' of '" + t.path + "': " + e.message;
            return tl::unexpected(std::move(e));
        }
    }
    sqlite3_clear_bindings(st);  // nothing points at the rows once they are recorded
    return sp.release();
}

Result<std::optional<StoreTree>> Database::store_tree(const std::string& path) const {
    // Kept prepared: `nxp list` and NextChat's state ask once per installed plugin.
    sqlite::Statement st(
        db_, statements_.get(),
        std::string("SELECT ") + kTreeColumns + " FROM store_trees WHERE path = ?");
    st.bind(path);
    return sqlite::first(st, read_tree);
}

Result<std::vector<StoreTree>> Database::store_trees() const {
    sqlite::Statement st(db_, statements_.get(),
                         std::string("SELECT ") + kTreeColumns + " FROM store_trees ORDER BY path");
    return sqlite::collect(st, read_tree);
}

Result<std::map<std::string, std::vector<std::string>>> Database::required_config() const {
    // Only the trees that require a key, through the partial index over them (issue 20:
    // with 1,000 plugins, reading and parsing every manifest was most of `nxp list`).
    sqlite::Statement st(db_, statements_.get(),
                         "SELECT path, required_config FROM store_trees "
                         "WHERE required_config IS NOT '[]'");
    std::map<std::string, std::vector<std::string>> out;
    for (;;) {
        auto row = st.step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        std::optional<std::vector<std::string>> keys;
        if (!st.is_null(1)) keys = parse_required_config(st.text(1));
        if (!keys) {  // not derived (a salvaged row) or not readable: from the manifest
            auto tree = store_tree(st.text(0));
            if (!tree) return tl::unexpected(tree.error());
            if (*tree) keys = parse_required_config(required_config_json((*tree)->manifest_json));
        }
        if (keys && !keys->empty()) out.emplace(st.text(0), std::move(*keys));
    }
    return out;
}

Result<std::vector<FileRow>> Database::files(const std::string& store_path) const {
    sqlite::Statement st(db_, statements_.get(),
                         "SELECT path, type, mode, size, sha256, link_target FROM files "
                         "WHERE store_path = ? ORDER BY path");
    st.bind(store_path);
    return sqlite::collect(st, read_file);
}

Result<void> Database::remove_store_tree(const std::string& path) {
    sqlite::Statement st(db_, statements_.get(), "DELETE FROM store_trees WHERE path = ?");
    if (auto r = st.bind(path).run(); !r) {
        if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_FOREIGNKEY) {
            return fail(ErrorKind::Invalid, sqlite::db_name(db_),
                        "store tree '" + path + "' is still used by a generation");
        }
        return r;
    }
    if (sqlite3_changes(db_) == 0) {
        return fail(ErrorKind::NotFound, sqlite::db_name(db_), "no store tree '" + path + "'");
    }
    return {};
}

Result<std::vector<std::string>> Database::owners(const std::string& file_path) const {
    sqlite::Statement st(db_, statements_.get(),
                         "SELECT DISTINCT store_path FROM files WHERE path = ? "
                         "ORDER BY store_path");
    st.bind(file_path);
    return sqlite::collect(st, [](const sqlite::Statement& s) { return s.text(0); });
}

}  // namespace nxp::db
