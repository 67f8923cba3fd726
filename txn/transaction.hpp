#pragma once
// The one path every change takes (DESIGN.md §5): resolve → show → confirm → fetch →
// verify → stage → switch → record. Commands fill a Request and call run_request.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "formats/error.hpp"
#include "formats/manifest.hpp"
#include "resolver/resolver.hpp"
#include "txn/events.hpp"
#include "txn/journal.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

struct TxnReport;

// An update step kept back because the new version asks for permissions the plugin was not
// granted (DESIGN.md §3): the plugin stays at `from` until they are granted.
struct HeldBack {
    std::string name;
    formats::Version from, to;
    formats::Permissions missing;
};
// Whether plugin `name` may now have `missing` on top of what it was granted (--grant,
// --policy, an answer); no grant is stored here, only after confirmation.
using MayGrant = std::function<bool(const std::string& name, const formats::Permissions& missing)>;

// Runs on the staged generation before the switch (hooks, health checks); an error aborts
// the transaction and nothing changes.
using BeforeSwitch = std::function<Result<void>(Root&, const Intent&, const TxnReport&)>;
// Runs after the database commit (NextChat's config); reports through events, cannot fail
// the transaction, which has already taken effect.
using AfterCommit = std::function<void(Root&, const Intent&, const TxnReport&)>;

struct TxnOptions {
    bool dry_run = false;
    bool offline = false;
    std::string kind = "install";  // recorded in history: install, remove, update, …
    std::string command_line;
    std::string user;
    std::int64_t now = 0;  // unix seconds; 0 = the clock
    // Shows the plan and asks; false cancels. Unset = proceed.
    std::function<bool(const resolver::Plan&)> confirm;
    // Runs after confirm and before anything is fetched or staged (permission grants); an
    // error stops the request with nothing changed.
    std::function<Result<void>(Root&, const resolver::Plan&)> check_plan;
    // Plugins whose configuration is dropped with them and whose ROOT/state/NAME is deleted
    // after the commit (remove --purge). Without it a removed plugin's configuration stays
    // in the database, as dpkg keeps a removed package's conffiles, and a reinstall uses it.
    std::vector<std::string> purge;
    // Updates (kind "update") only: upgrades of installed plugins that ask for more
    // permissions than were granted and that this refuses are held back — the plugin is
    // locked at its version and the rest resolved again. Unset: nothing is held back.
    MayGrant may_grant;
    BeforeSwitch before_switch;
    AfterCommit after_commit;
};

struct TxnReport {
    std::optional<resolver::Unsolvable> unsolvable;  // set when the request cannot be met
    resolver::Plan plan;
    bool applied = false;
    std::int64_t txn_id = 0;
    std::int64_t from_generation = 0;
    std::int64_t to_generation = 0;
    std::uint64_t download_bytes = 0;  // bytes fetched (not found in the cache)
    std::vector<HeldBack> held_back;   // updates kept back for want of permissions
};

// Journal → build generation → before_switch → switch → record → after_commit. Used by
// run_request and rollback, and by changes that need no resolver (config, enable, disable):
// they copy the current generation's packages and configuration into an Intent, change it,
// and apply it. report.from_generation and to_generation must be set.
Result<void> apply_intent(Root& root, TxnReport& report, const Intent& intent,
                          const TxnOptions& opts);

Result<TxnReport> run_request(Root& root, const resolver::Request& request, const TxnOptions& opts,
                              Events& events);

// Switches `current` back to generation `target` (default: the newest one older than
// current) without touching the network, and records it in history. A package it would
// bring back that an accepted index revokes (txn::revoked_packages) refuses the rollback
// (ErrorKind::Verification, naming each one) unless `allow_revoked` (--force).
Result<TxnReport> rollback(Root& root, std::optional<std::int64_t> target, const TxnOptions& opts,
                           Events& events, bool allow_revoked = false);

std::int64_t now_or_clock(std::int64_t now);

}  // namespace nxp::txn
