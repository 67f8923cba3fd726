// Generations: the package list and configuration of each view of the world, and which one
// is current. meta.last_generation remembers the highest id ever used so ids never repeat.
#include <sqlite3.h>

#include <string>

#include "db/database.hpp"
#include "db/sealed_rows.hpp"
#include "db/sqlite.hpp"

namespace nxp::db {
namespace {

Generation read_generation(const sqlite::Statement& st) {
    return Generation{st.int64(0), st.int64(1), st.int64(2)};
}

Result<bool> generation_exists(sqlite3* db, std::int64_t id) {
    sqlite::Statement st(db, "SELECT 1 FROM generations WHERE id = ?");
    st.bind(id);
    return st.step();
}

Result<void> no_generation(sqlite3* db, std::int64_t id) {
    return fail(ErrorKind::NotFound, sqlite::db_name(db), "no generation " + std::to_string(id));
}

Result<void> insert_packages(sqlite3* db, std::int64_t gen,
                             const std::vector<GenPackage>& packages) {
    sqlite::Statement st(db,
                         "INSERT INTO generation_packages (generation, name, version, store_path, "
                         "reason, repo, enabled) VALUES (?, ?, ?, ?, ?, ?, ?)");
    for (const auto& p : packages) {
        st.reset();
        st.bind(gen, p.name, p.version, p.store_path, p.reason, p.repo, p.enabled);
        if (auto r = st.run(); !r) {
            Error e = r.error();
            e.message =
                "generation " + std::to_string(gen) + ", package '" + p.name + "': " + e.message;
            return tl::unexpected(std::move(e));
        }
    }
    return {};
}

Result<void> insert_config(sqlite3* db, std::int64_t gen, const std::vector<ConfigRow>& config) {
    sqlite::Statement st(db,
                         "INSERT INTO generation_config (generation, package, key, value_json, "
                         "secret) VALUES (?, ?, ?, ?, ?)");
    for (const auto& c : config) {
        if (c.secret && !formats::is_sealed_value(c.value_json))
            return unsealed_secret("generation " + std::to_string(gen), c);
        st.reset();
        st.bind(gen, c.package, c.key, c.value_json, c.secret);
        if (auto r = st.run(); !r) {
            Error e = r.error();
            e.message = "generation " + std::to_string(gen) + ", config '" + c.package + "." +
                        c.key + "': " + e.message;
            return tl::unexpected(std::move(e));
        }
    }
    return {};
}

}  // namespace

Result<std::int64_t> Database::current_generation() const {
    sqlite::Statement st(db_, statements_.get(),
                         "SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?");
    st.bind("current_generation");
    auto row = st.step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) {
        return fail(ErrorKind::Io, sqlite::db_name(db_), "the current generation is not recorded");
    }
    return st.int64(0);
}

Result<void> Database::set_current_generation(std::int64_t id) {
    auto exists = generation_exists(db_, id);
    if (!exists) return tl::unexpected(exists.error());
    if (!*exists) return no_generation(db_, id);
    sqlite::Statement st(db_, statements_.get(),
                         "UPDATE meta SET value = ? WHERE key = 'current_generation'");
    return st.bind(std::to_string(id)).run();
}

Result<void> Database::add_generation(const Generation& g, const std::vector<GenPackage>& packages,
                                      const std::vector<ConfigRow>& config) {
    sqlite::Savepoint sp(db_);
    if (auto r = sp.started(); !r) return r;
    sqlite::Statement st(db_, statements_.get(),
                         "INSERT INTO generations (id, created_at, txn_id) VALUES (?, ?, ?)");
    if (auto r = st.bind(g.id, g.created_at, g.txn_id).run(); !r) {
        if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY) {
            return fail(ErrorKind::Invalid, sqlite::db_name(db_),
                        "generation " + std::to_string(g.id) + " already exists");
        }
        return r;
    }
    if (auto r = insert_packages(db_, g.id, packages); !r) return r;
    if (auto r = insert_config(db_, g.id, config); !r) return r;
    sqlite::Statement last(db_, statements_.get(),
                           "UPDATE meta SET value = CAST(max(CAST(value AS INTEGER), ?) AS TEXT) "
                           "WHERE key = 'last_generation'");
    if (auto r = last.bind(g.id).run(); !r) return r;
    return sp.release();
}

Result<std::vector<Generation>> Database::generations() const {
    sqlite::Statement st(db_, statements_.get(),
                         "SELECT id, created_at, txn_id FROM generations ORDER BY id");
    return sqlite::collect(st, read_generation);
}

Result<std::optional<Generation>> Database::generation(std::int64_t id) const {
    sqlite::Statement st(db_, statements_.get(),
                         "SELECT id, created_at, txn_id FROM generations WHERE id = ?");
    st.bind(id);
    return sqlite::first(st, read_generation);
}

Result<std::vector<GenPackage>> Database::generation_packages(std::int64_t id) const {
    sqlite::Statement st(db_, statements_.get(),
                         "SELECT name, version, store_path, reason, repo, enabled "
                         "FROM generation_packages WHERE generation = ? ORDER BY name");
    st.bind(id);
    return sqlite::collect(st, [](const sqlite::Statement& s) {
        return GenPackage{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.int64(5) != 0};
    });
}

Result<std::vector<ConfigRow>> Database::generation_config(std::int64_t id) const {
    sqlite::Statement st(db_, statements_.get(),
                         "SELECT package, key, value_json, secret FROM generation_config "
                         "WHERE generation = ? ORDER BY package, key");
    st.bind(id);
    return sqlite::collect(st, [](const sqlite::Statement& s) {
        return ConfigRow{s.text(0), s.text(1), s.text(2), s.int64(3) != 0};
    });
}

Result<void> Database::remove_generation(std::int64_t id) {
    auto current = current_generation();
    if (!current) return tl::unexpected(current.error());
    if (*current == id) {
        return fail(ErrorKind::Invalid, sqlite::db_name(db_),
                    "generation " + std::to_string(id) + " is current and cannot be removed");
    }
    sqlite::Statement st(db_, statements_.get(), "DELETE FROM generations WHERE id = ?");
    if (auto r = st.bind(id).run(); !r) return r;
    if (sqlite3_changes(db_) == 0) return no_generation(db_, id);
    return {};
}

Result<std::int64_t> Database::next_generation_id() const {
    sqlite::Statement st(db_, statements_.get(),
                         "SELECT max(coalesce((SELECT max(id) FROM generations), 0), "
                         "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'last_generation'))"
                         " + 1");
    auto row = st.step();
    if (!row) return tl::unexpected(row.error());
    return st.int64(0);
}

}  // namespace nxp::db
