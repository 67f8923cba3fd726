// Store trees and the files they hold.
#include <sqlite3.h>

#include "db/database.hpp"
#include "db/sqlite.hpp"

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

Result<void> Database::add_store_tree(const StoreTree& t, const std::vector<FileRow>& files) {
    sqlite::Savepoint sp(db_);
    if (auto r = sp.started(); !r) return r;
    sqlite::Statement tree(db_, statements_.get(),
                           std::string("INSERT INTO store_trees (") + kTreeColumns +
                               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    tree.bind(t.path, t.name, t.version, t.repo, t.sha256, t.size, t.installed_size,
              t.manifest_json);
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
    for (const auto& f : files) {
        file.reset();
        file.bind(t.path, f.path, std::string(1, f.type), f.mode, f.size, f.sha256, f.link_target);
        if (auto r = file.run(); !r) {
            Error e = r.error();
            e.message = "file '" + f.path + "' of '" + t.path + "': " + e.message;
            return tl::unexpected(std::move(e));
        }
    }
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
