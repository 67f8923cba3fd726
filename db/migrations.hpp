#pragma once
// The schema as an ordered list of migration scripts. PRAGMA user_version holds how many
// have been applied; each runs in its own transaction. Append only: never edit a shipped one.
#include <span>
#include <string_view>

struct sqlite3;

#include "formats/error.hpp"

namespace nxp::db {

std::span<const std::string_view> migrations();

// Applies the pending migrations; returns the resulting schema version. Refuses a database
// written by a newer nxp.
Result<int> migrate(sqlite3* db);

}  // namespace nxp::db
