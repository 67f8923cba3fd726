#pragma once
// The intent journal: what a transaction will make generation N+1, written to the database
// before any file is touched, so that the next writer can finish or undo it after a crash.
#include <cstdint>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "txn/events.hpp"

namespace nxp::txn {

class Root;

struct StepRecord {
    std::string action;  // install, upgrade, downgrade, reinstall, remove, rollback, …
    std::string name;
    std::string from;  // version before ("" when newly installed)
    std::string to;    // version after ("" when removed)
    std::string repo;
};

struct Intent {
    std::string kind;  // "install", "remove", "update", "rollback", …
    std::vector<StepRecord> steps;
    std::vector<db::GenPackage> packages;  // the complete package set of the new generation
    std::vector<db::ConfigRow> config;     // its configuration (secrets included, db only)
};

std::string intent_to_json(const Intent& intent, bool with_config = true);
Result<Intent> intent_from_json(const std::string& text);

// Finishes (when `current` already points at the new generation) or undoes (otherwise) every
// transaction left pending or staged by a crash, and says which through `events`.
Result<void> recover_interrupted(Root& root, Events& events);

}  // namespace nxp::txn
