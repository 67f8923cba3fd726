#pragma once
// The one path every change takes (DESIGN.md §5): plan → confirm → grant → fetch → verify →
// stage → hooks → health check → switch → record → integrate. Commands fill a Request (or
// an Intent) and TxnOptions with what the user decided, as data; questions are asked and the
// plan shown through Events. Every caller gets every step.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"
#include "formats/manifest.hpp"
#include "resolver/resolver.hpp"
#include "runtime/run.hpp"
#include "txn/events.hpp"
#include "txn/journal.hpp"
#include "txn/local_package.hpp"
#include "txn/root.hpp"
#include "txn/tool_pins.hpp"

namespace nxp::txn {

// What a transaction is, as history records it.
enum class TxnKind {
    Install,
    Remove,
    Update,
    Undo,
    Autoremove,
    Config,
    Enable,
    Disable,
    Rollback,
    Apply,
    Mark,  // nxp mark: install reasons changed (txn/mark.hpp)
};
std::string_view txn_kind_name(TxnKind kind);  // "install", "remove", … (history, JSON)

// An update step kept back because the new version asks for permissions the plugin was not
// granted (DESIGN.md §3): the plugin stays at `from` until they are granted.
struct HeldBack {
    std::string name;
    formats::Version from, to;
    formats::Permissions missing;
};

// What the user decided, as data. Permission grants: a plugin gets what it asks for when
// `grant` names it (or "all"), when `policy` covers it, or when answered yes earlier in the
// same transaction; otherwise it is asked (Question::Grant…) only when neither `grant` nor
// `policy` is given, and No or CannotAsk refuses.
struct TxnOptions {
    TxnKind kind = TxnKind::Install;  // recorded in history
    bool dry_run = false;
    bool offline = false;
    bool yes = false;                            // proceed without asking (--yes)
    std::vector<std::string> grant;              // --grant NAME|all
    std::optional<formats::Permissions> policy;  // --policy FILE's contents (read_policy)
    runtime::RunPolicy run;                      // hooks and health checks (run_policy)
    // Upgrades of installed plugins whose new version asks for permissions that are not
    // granted and not approved (Question::GrantUpdate, never asked in a dry run) are held
    // back: the plugin is locked at its version and the rest resolved again (nxp update).
    bool hold_back_ungranted = false;
    // The nxp executable NextChat's MCP entries run ("" = "nxp").
    std::string nxp_exe;
    std::string command_line;
    std::string user;
    std::int64_t now = 0;  // unix seconds; 0 = the clock
    // Plugins whose configuration is dropped with them and whose ROOT/state/NAME is deleted
    // after the commit (remove --purge). Without it a removed plugin's configuration stays
    // in the database, as dpkg keeps a removed package's conffiles, and a reinstall uses it.
    std::vector<std::string> purge;
    // Servers whose pause in NextChat's UI the sync after the commit clears (nxp enable).
    std::set<std::string> resume_in_nextchat;
    // --download-only: resolve, ask, download and verify into the package cache, and stop:
    // no grant, no generation, no plugin code, nothing recorded (TxnReport::applied false).
    bool download_only = false;
    // Package files named on the command line (txn/local_package.hpp): the untrusted ones
    // join the resolver's universe; the plan must take each file's own bytes.
    std::vector<LocalPackage> local;
};

// --policy FILE read and parsed (nullopt for ""); errors name the file.
Result<std::optional<formats::Permissions>> read_policy(const std::string& path);
// Whether plugin code may run without bubblewrap where it cannot work: --allow-unsandboxed
// (`flag`) or setting sandbox.allow_unsandboxed.
bool allow_unsandboxed(const Root& root, bool flag);
// How hooks and health checks run: allow_unsandboxed, and hooks.timeout or NXP_HOOK_TIMEOUT
// (txn::hook_timeout; an invalid value is an error naming it).
Result<runtime::RunPolicy> run_policy(const Root& root, bool allow_unsandboxed_flag);

// What a plugin the plan installs or changes asks for beyond what it was granted: granted by
// the transaction (--grant, --policy, or the one question that confirms the plan).
struct PlannedGrant {
    std::string name;
    formats::Permissions permissions;
};

// The plan about to be applied, with the permissions it grants, shown (Events::preview)
// before the Proceed question.
struct PlanPreview final : Preview {
    PlanPreview(const resolver::Plan& p, const std::vector<PlannedGrant>& g) : plan(p), grants(g) {}
    const resolver::Plan& plan;
    const std::vector<PlannedGrant>& grants;
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
    std::vector<PlannedGrant> grants;  // what the plan grants (txn::planned_grants)
    // What each upgrade of an MCP server changes in its tool definitions (issue 16).
    std::vector<ToolChange> tool_changes;
};

// Journal → build generation → grant configured paths → hooks and health checks (and the
// NextChat check) → switch → record → NextChat integration and restart. Used by
// run_request, by deploy::apply_desired, and by changes that need no resolver (config,
// enable, disable): they copy the current generation's packages and configuration into an
// Intent, change it, and apply it. report.from_generation and to_generation must be set.
Result<void> apply_intent(Root& root, TxnReport& report, const Intent& intent,
                          const TxnOptions& opts, Events& events);
// Only journal → build → switch → record: no plugin code runs, nothing is granted and
// NextChat is not touched. For fixtures whose store trees are not plugins.
Result<void> apply_intent(Root& root, TxnReport& report, const Intent& intent,
                          const TxnOptions& opts);

// Resolve (holding back ungranted upgrades when asked), preview, proceed, grant, stage,
// then apply_intent.
Result<TxnReport> run_request(Root& root, const resolver::Request& request, const TxnOptions& opts,
                              Events& events);

// Switches `current` back to generation `target` (default: the newest one older than
// current) without touching the network, and records it in history. Asks nothing and
// runs no plugin code (it returns to a state that ran before); NextChat is brought in step
// afterwards. A package it would bring back that an accepted index revokes
// (txn::revoked_packages) refuses the rollback (ErrorKind::Verification, naming each one)
// unless `allow_revoked` (--force).
Result<TxnReport> rollback(Root& root, std::optional<std::int64_t> target, const TxnOptions& opts,
                           Events& events, bool allow_revoked = false);

std::int64_t now_or_clock(std::int64_t now);

}  // namespace nxp::txn
