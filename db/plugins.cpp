// Plugin policy tables: permission grants and the tool names MCP health checks recorded.
#include "db/database.hpp"
#include "db/sqlite.hpp"

namespace nxp::db {

Result<std::optional<std::string>> Database::grant(const std::string& package) const {
    sqlite::Statement st(db_, statements_.get(),
                         "SELECT permissions FROM grants WHERE package = ?");
    st.bind(package);
    return sqlite::first(st, [](const sqlite::Statement& s) { return s.text(0); });
}

Result<void> Database::set_grant(const std::string& package, const std::string& permissions_json,
                                 std::int64_t at) {
    sqlite::Statement st(db_, statements_.get(),
                         "INSERT INTO grants (package, permissions, granted_at) VALUES (?, ?, ?) "
                         "ON CONFLICT (package) DO UPDATE SET permissions = excluded.permissions, "
                         "granted_at = excluded.granted_at");
    return st.bind(package, permissions_json, at).run();
}

Result<void> Database::revoke_grant(const std::string& package) {
    sqlite::Statement st(db_, statements_.get(), "DELETE FROM grants WHERE package = ?");
    return st.bind(package).run();
}

Result<void> Database::set_tools(const std::string& package, const std::string& version,
                                 const std::string& tools_json, std::int64_t at) {
    sqlite::Statement st(db_, statements_.get(),
                         "INSERT INTO plugin_tools (package, version, tools_json, checked_at) "
                         "VALUES (?, ?, ?, ?) ON CONFLICT (package, version) DO UPDATE SET "
                         "tools_json = excluded.tools_json, checked_at = excluded.checked_at");
    return st.bind(package, version, tools_json, at).run();
}

Result<std::optional<std::string>> Database::tools(const std::string& package,
                                                   const std::string& version) const {
    sqlite::Statement st(db_, statements_.get(),
                         "SELECT tools_json FROM plugin_tools WHERE package = ? AND version = ?");
    st.bind(package, version);
    return sqlite::first(st, [](const sqlite::Statement& s) { return s.text(0); });
}

}  // namespace nxp::db
