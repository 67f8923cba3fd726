#pragma once
// Plugins as configured, permitted, running code (DESIGN.md §3 and §7): effective
// configuration, permission grants, a plugin's sandbox profile and MCP command, and the
// hooks and health checks run on a staged generation before the switch.
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "formats/manifest.hpp"
#include "nextchat/catalog.hpp"
#include "nextchat/mcp_config.hpp"
#include "sandbox/runner.hpp"
#include "txn/events.hpp"
#include "txn/journal.hpp"
#include "txn/root.hpp"
#include "txn/transaction.hpp"

namespace nxp::txn {

struct TxnReport;

struct PluginConfig {
    std::map<std::string, nlohmann::json> values;  // set values, else defaults
    std::vector<std::string> missing;              // required keys without a value
};

// The configuration `package` runs with, from its rows in `rows` (any package's).
PluginConfig effective_config(const formats::Manifest& m, const std::vector<db::ConfigRow>& rows,
                              const std::string& package);

// plugin.json of a store tree, as recorded when it was staged.
Result<formats::Manifest> installed_manifest(const Root& root, const std::string& store_path);

// What a plugin asks for that needs a grant: everything but access to its own tree and state
// directory, which it always has (paths beginning with ${plugin_dir} or ${state_dir}, which
// the manifest parser keeps free of other placeholders and "..").
formats::Permissions needed_permissions(const formats::Permissions& requested);
// The host paths a manifest's ${config.KEY} filesystem permissions expand to with `config`,
// as absolute filesystem entries. A grant of "${config.root}" covers only the values granted
// this way: the grant keeps the expanded path beside the placeholder, so a changed value is
// asked for again and, until granted, not bound. An expansion that is not an absolute path
// without ".." is left out and described in `problems`.
formats::Permissions config_paths(const formats::Manifest& m, const PluginConfig& config,
                                  std::vector<std::string>* problems = nullptr);
// `a` with every entry of `b` it lacks added (a grant widened by what is asked for).
formats::Permissions merged_permissions(formats::Permissions a, const formats::Permissions& b);
// The part of `needed` that `granted` does not cover.
formats::Permissions ungranted(const formats::Permissions& needed,
                               const formats::Permissions& granted);
Result<formats::Permissions> granted_permissions(const Root& root, const std::string& package);
Result<void> store_grant(Root& root, const std::string& package,
                         const formats::Permissions& permissions);
// "network api.example.org; read-write /data; env TOKEN" (empty for none).
std::string describe_permissions(const formats::Permissions& p);

// The plan's upgrades (and downgrades, reinstalls) of installed plugins whose new version
// asks for permissions beyond the plugin's grant that `may_grant` refuses.
Result<std::vector<HeldBack>> upgrades_to_hold(const Root& root, const resolver::Plan& plan,
                                               const MayGrant& may_grant);

// The ${config.KEY} paths whose current values are not granted, for each plugin that `intent`
// installs, updates, reinstalls, configures or enables (not rollback: it returns to values
// granted before, and an ungranted one is simply not bound). Asked before the switch; a
// plugin is listed when something is missing or an expansion cannot be bound.
struct UngrantedPaths {
    std::string name;
    formats::Permissions missing;       // absolute paths, as they would be granted
    std::vector<std::string> problems;  // expansions that can never be bound, and why
};
Result<std::vector<UngrantedPaths>> ungranted_config_paths(const Root& root, const Intent& intent);

// A policy file (--policy): which permissions are acceptable without asking.
// {"network": ["host", "*"], "filesystem": [{"path": "/data", "access": "read-write"}],
//  "env": ["NAME", "*"]}; a filesystem entry covers the paths below it.
Result<formats::Permissions> parse_policy(std::string_view json_text, const std::string& file);
formats::Permissions outside_policy(const formats::Permissions& needed,
                                    const formats::Permissions& policy);

struct Plugin {
    std::string name;
    std::filesystem::path plugin_dir;  // the real path of its store tree
    std::filesystem::path state_dir;   // ROOT/state/NAME
    formats::Manifest manifest;
    PluginConfig config;
    formats::Permissions granted;
};

// Loads what running `pkg` needs: manifest, configuration (from `config_rows`) and grants.
Result<Plugin> load_plugin(const Root& root, const db::GenPackage& pkg,
                           const std::vector<db::ConfigRow>& config_rows);

// ${plugin_dir}, ${state_dir} and ${config.KEY} replaced.
std::string substitute(const std::string& text, const Plugin& p);
// ${config.KEY} replaced (other placeholders kept).
std::string expand_config(const std::string& text, const PluginConfig& config);
// A config value as an environment variable or argument holds it.
std::string config_text(const nlohmann::json& value);

// The sandbox a plugin's code runs in: its tree read-only, its state writable, granted paths
// and network, and only its configured variables in the environment. A ${config.KEY} path is
// bound only when both the placeholder and its current expansion are granted.
sandbox::Profile plugin_profile(const Plugin& p, bool allow_unsandboxed);
// The MCP server's command line with configuration mapped to arguments (§3 arg single/spread).
std::vector<std::string> mcp_argv(const Plugin& p);

// Starts the MCP server, performs initialize, notifications/initialized and tools/list over
// stdio within profile.timeout_s, and returns the tool names; an error says what went wrong.
Result<std::vector<std::string>> mcp_health_check(const sandbox::Profile& profile);

// The current generation's packages and configuration, for changes that need no resolver.
struct Snapshot {
    std::int64_t generation = 0;
    std::vector<db::GenPackage> packages;
    std::vector<db::ConfigRow> config;
    db::GenPackage* find(const std::string& name);
};
Result<Snapshot> current_snapshot(Root& root);
// Makes `next` a new generation (config, enable, disable): journal, hooks, switch, record.
Result<TxnReport> apply_change(Root& root, const Snapshot& next, const std::string& kind,
                               const std::vector<StepRecord>& steps, const struct TxnOptions& opts);

struct RunPolicy {
    bool allow_unsandboxed = false;
    int hook_timeout_s = 120;
};

// The before-switch step: runs pre-remove, post-install and post-upgrade hooks and MCP health
// checks for what the intent changes, on the staged generation; records tool names. The
// first failure is returned, naming the plugin, the hook or check, and what happened.
Result<void> run_plugin_code(Root& root, const Intent& intent, const TxnReport& report,
                             const RunPolicy& policy, Events& events);

}  // namespace nxp::txn

namespace nxp::txn {

// NextChat's MCP servers as nxp wants them for the current generation: every MCP server
// runs `NXP --root ROOT exec NAME`, paused when disabled or missing required config; and
// the enabled masks and prompt packs, merged into public/masks.json and prompts.json.
// `path_map` ("HOST=CONTAINER") rewrites paths for a NextChat that sees ROOT elsewhere.
struct NextchatState {
    std::vector<nextchat::ServerEntry> servers;
    std::map<std::string, std::string> paused_why;  // name → "disabled" / "needs config KEY"
    std::vector<nextchat::CatalogSource> masks, prompts;
};
Result<NextchatState> nextchat_state(Root& root, const std::string& nxp_exe,
                                     const std::string& path_map);

// Brings DIR/app/mcp/mcp_config.json, DIR/public/masks.json and DIR/public/prompts.json in
// step (settings nextchat.dir, nextchat.path_map; remembers the managed server names in
// nextchat.managed). Each file is attempted even when another cannot be written.
struct NextchatSync {
    std::vector<std::string> changed;  // files rewritten, relative to DIR
    std::vector<Error> errors;         // files left as they were, and why
};
Result<NextchatSync> sync_nextchat(Root& root, const std::string& nxp_exe);

}  // namespace nxp::txn
