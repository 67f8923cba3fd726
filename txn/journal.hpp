#pragma once
// The intent journal: what a transaction will make generation N+1, written to the database
// before any file is touched, so that the next writer can finish or undo it after a crash.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "resolver/resolver.hpp"
#include "txn/events.hpp"

namespace nxp::txn {

class Root;

// What a transaction does to one plugin, as history records it.
enum class StepAction {
    Install,
    Upgrade,
    Downgrade,
    Reinstall,
    Remove,
    Change,          // a rollback's other version
    MarkExplicit,    // a dependency now asked for by name
    MarkDependency,  // an explicit plugin an apply file leaves out
    Config,
    Enable,
    Disable,
    Tools,  // the operator's tool filters changed (nxp tools); no plugin code runs
};
std::string_view step_action_name(StepAction a);  // "install", "mark-explicit", …
std::optional<StepAction> parse_step_action(std::string_view name);
StepAction step_action_of(resolver::StepKind k);

// Why a package is installed (db::GenPackage::reason holds the name).
enum class Reason { Explicit, Dependency };
std::string_view reason_name(Reason r);  // "explicit", "dependency"
bool is_explicit(const db::GenPackage& p);

struct StepRecord {
    std::string action;  // step_action_name: the name history and JSON show
    std::string name;
    std::string from;  // version before ("" when newly installed)
    std::string to;    // version after ("" when removed)
    std::string repo;

    StepRecord() = default;
    StepRecord(StepAction a, std::string the_name, std::string the_from = {},
               std::string the_to = {}, std::string the_repo = {})
        : action(step_action_name(a)),
          name(std::move(the_name)),
          from(std::move(the_from)),
          to(std::move(the_to)),
          repo(std::move(the_repo)) {}
    // From a recorded action name (journal, history).
    StepRecord(std::string the_action, std::string the_name, std::string the_from = {},
               std::string the_to = {}, std::string the_repo = {})
        : action(std::move(the_action)),
          name(std::move(the_name)),
          from(std::move(the_from)),
          to(std::move(the_to)),
          repo(std::move(the_repo)) {}
    StepRecord(const char* the_action, std::string the_name, std::string the_from = {},
               std::string the_to = {}, std::string the_repo = {})
        : StepRecord(std::string(the_action), std::move(the_name), std::move(the_from),
                     std::move(the_to), std::move(the_repo)) {}
    // The action as compared in code; nullopt for a name this nxp does not know.
    std::optional<StepAction> kind() const { return parse_step_action(action); }
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
