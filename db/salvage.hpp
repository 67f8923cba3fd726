#pragma once
// A damaged install database (issue 18 item 11): looking at it without trusting it, and
// copying whatever rows can still be read into a new one. SQLite's own errors ("database
// disk image is malformed", "file is not a database") are what the operator is shown.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "db/database.hpp"

namespace nxp::db {

struct Damage {
    bool damaged = false;
    std::string problem;               // a sentence, "" when healthy
    std::vector<std::string> details;  // PRAGMA quick_check's lines (at most 20)
};

// Opens `path` read-only (no migration, no WAL checkpoint, nothing written to it) and runs
// PRAGMA quick_check. A missing, empty, foreign or unreadable file is damage too.
Damage inspect(const std::filesystem::path& path);

struct SalvagedTable {
    std::string table;
    std::int64_t rows = 0;  // copied
    std::string error;      // "" when every row was read
};

// Copies every row `damaged` still gives, table by table (the tables of `fresh`'s schema),
// into `fresh`, in one transaction with foreign keys off. A table that cannot be read, or
// stops part way, keeps what was read and says why. When file lists were lost, the store
// records left without one are dropped (to be recorded again from their packages). The
// damaged file is opened read-only.
Result<std::vector<SalvagedTable>> salvage(Database& fresh, const std::filesystem::path& damaged);

}  // namespace nxp::db
