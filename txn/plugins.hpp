#pragma once
// Plugins in a transaction (DESIGN.md §3 and §7): updates held back for want of grants,
// configured paths to grant, changes that need no resolver, the hooks and health checks run
// on a staged generation before the switch (through runtime/), and NextChat's files.
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "formats/manifest.hpp"
#include "nextchat/catalog.hpp"
#include "nextchat/mcp_config.hpp"
#include "runtime/grants.hpp"
#include "runtime/plugin.hpp"
#include "runtime/run.hpp"
#include "sandbox/runner.hpp"
#include "txn/events.hpp"
#include "txn/journal.hpp"
#include "txn/root.hpp"
#include "txn/transaction.hpp"

namespace nxp::txn {

struct TxnReport;

// The ${config.KEY} paths whose current values are not granted, for each plugin that `intent`
// installs, updates, reinstalls, configures or enables (a rollback does not ask: it returns
// to values granted before, and an ungranted one is simply not bound). Asked before the
// switch; a plugin is listed when something is missing or an expansion cannot be bound.
struct UngrantedPaths {
    std::string name;
    formats::Permissions missing;       // absolute paths, as they would be granted
    std::vector<std::string> problems;  // expansions that can never be bound, and why
};
Result<std::vector<UngrantedPaths>> ungranted_config_paths(const Root& root, const Intent& intent);

// The current generation's packages and configuration, for changes that need no resolver.
struct Snapshot {
    std::int64_t generation = 0;
    std::vector<db::GenPackage> packages;
    std::vector<db::ConfigRow> config;
    db::GenPackage* find(const std::string& name);
};
Result<Snapshot> current_snapshot(Root& root);
// Makes `next` a new generation (config, enable, disable; opts.kind is recorded) through
// apply_intent: journal, configured paths granted, hooks and checks, switch, record, NextChat.
Result<TxnReport> apply_change(Root& root, const Snapshot& next,
                               const std::vector<StepRecord>& steps, const TxnOptions& opts,
                               Events& events);

// The before-switch step: runs pre-remove, post-install and post-upgrade hooks and MCP health
// checks for what the intent changes, on the staged generation; records tool names. The
// first failure is returned, naming the plugin, the hook or check, and what happened.
Result<void> run_plugin_code(Root& root, const Intent& intent, const TxnReport& report,
                             const runtime::RunPolicy& policy, Events& events);

}  // namespace nxp::txn

namespace nxp::txn {

// The directory nxp exports to a NextChat that runs elsewhere (a container, another uid):
// ROOT/export (absolute), holding the static launcher `nxp-launch` and the socket `nxp.sock`
// of the host's runner (`nxp serve`). With setting nextchat.launcher = "1" each entry runs
// `EXPORT/nxp-launch --socket EXPORT/nxp.sock NAME` (paths through nextchat.path_map).
struct ExportPaths {
    std::filesystem::path dir, launcher, socket;
};
ExportPaths export_paths(const Root& root);

// NextChat's MCP servers as nxp wants them for the current generation: every MCP server
// runs `NXP --root ROOT exec NAME` (or the launcher, above), paused when disabled, missing required
// config or missing a grant of what it asks for (nxp exec refuses it then); and the enabled masks
// and prompt packs, merged into public/masks.json and prompts.json. `path_map` ("HOST=CONTAINER")
// rewrites paths for a NextChat that sees ROOT elsewhere.
struct NextchatState {
    std::vector<nextchat::ServerEntry> servers;
    std::map<std::string, std::string> paused_why;  // name → "disabled", "needs config KEY", …
    std::vector<nextchat::CatalogSource> masks, prompts;
    // name → sha256 of what the server runs with (store path, version, entry, paused or not,
    // configuration rows with secrets hashed, grants): a change needs NextChat restarted.
    std::map<std::string, std::string> fingerprints;
    // Servers the operator paused in NextChat (nextchat::NextchatPauses): nextchat_state
    // shows them paused (paused_why "in NextChat" unless nxp pauses them too).
    std::set<std::string> paused_in_nextchat;
};
Result<NextchatState> nextchat_state(Root& root, const std::string& nxp_exe,
                                     const std::string& path_map);
// The servers paused in NextChat by the operator (empty without a NextChat directory).
Result<std::set<std::string>> nextchat_paused(Root& root);

// Brings DIR/app/mcp/mcp_config.json, DIR/public/masks.json and DIR/public/prompts.json in
// step (settings nextchat.dir, nextchat.path_map; remembers the managed server names in
// nextchat.managed). Each file is attempted even when another cannot be written.
// NextChat's own pauses are kept (read from the file before it is written; settings
// nextchat.paused_in_nextchat and nextchat.paused_by_nxp), except for names in `resume`.
struct NextchatSync {
    std::vector<std::string> changed;  // files rewritten, relative to DIR
    std::vector<Error> errors;         // files left as they were, and why
    bool servers_synced = false;       // mcp_config.json is in step (written or already so)
    // Then: the servers NextChat must restart, sorted: added, removed, their entry rewritten,
    // or their fingerprint changed since setting nextchat.fingerprints was remembered.
    std::vector<std::string> servers_changed;
    std::map<std::string, std::string> fingerprints;  // to remember once NextChat restarted
};
Result<NextchatSync> sync_nextchat(Root& root, const std::string& nxp_exe,
                                   const std::set<std::string>& resume = {});

// After a transaction's commit (or a grant, or `nxp enable` resuming a NextChat pause):
// sync_nextchat, reported through `events` (a file that could not be written is an
// Events::after_commit_error: the transaction has taken effect, the command exits
// non-zero), then restart_nextchat for the servers that changed, and the fingerprints
// remembered (not after a failed restart: the next change names those servers again).
void integrate_nextchat(Root& root, const std::string& nxp_exe, Events& events,
                        const std::set<std::string>& resume = {});
// Runs setting nextchat.restart_cmd with /bin/sh -c, the environment holding
// NXP_CHANGED_SERVERS (the names of `servers`, space-separated) and NXP_NEXTCHAT_DIR, and
// says how it went (a failure is a warning); without one, says NextChat needs a restart.
// Returns false when the command failed.
bool restart_nextchat(Root& root, const std::vector<std::string>& servers, Events& events);

// `nxp nextchat set`: records where NextChat is (an absolute directory) and how to restart
// it (empty fields other than `dir` leave their setting as it was), then syncs.
struct NextchatSettings {
    std::string dir, version, restart_cmd, path_map;
    std::optional<bool> launcher;  // entries through the export directory's launcher
};
Result<NextchatSync> set_nextchat(Root& root, const NextchatSettings& settings,
                                  const std::string& nxp_exe);

}  // namespace nxp::txn
