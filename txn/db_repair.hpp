#pragma once
// A damaged install database (issue 18 item 11). `nxp doctor` names the damage without
// needing a healthy database; `nxp doctor --repair` keeps the damaged file aside, copies
// every row it still gives into a new nxp.db, and records again from ROOT what the rows
// lost: each generations/N (its plugins, from the links on disk), the store trees they use
// (from the verified package cache) and which generation is current.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "db/salvage.hpp"
#include "txn/events.hpp"

namespace nxp::txn {

// ROOT/nxp.db as SQLite sees it, read-only (db::inspect).
db::Damage diagnose_database(const std::filesystem::path& root_dir);

struct DatabaseRepair {
    bool rebuilt = false;                   // the database was damaged and replaced
    std::string kept_as;                    // where the damaged file (and its -wal) now are
    std::vector<db::SalvagedTable> tables;  // what was copied from it
    std::vector<std::string> lost;          // what could not be read, in the operator's words
    std::vector<std::int64_t> generations;  // recorded again from generations/N
    std::vector<std::string> plugins;       // the current generation afterwards, "name version"
    std::vector<std::string> missing;       // plugins on disk that could not be recorded
};

// Takes ROOT's lock. With a damaged (or missing) nxp.db: moves it and its -wal aside as
// nxp.db.damaged-YYYYMMDDTHHMMSSZ, creates a new one and salvages into it. Then, damaged or
// not, records every generation on disk whose plugins the database does not hold, and
// points the database at the generation `current` links to.
Result<DatabaseRepair> repair_database(const std::filesystem::path& root_dir, Events& events);

}  // namespace nxp::txn
