#pragma once
// An installed plugin as running code (DESIGN.md §7): its manifest, configuration and
// grants, the sandbox profile its code runs in and its MCP server's command line.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "formats/manifest.hpp"
#include "runtime/config.hpp"
#include "runtime/runtimes.hpp"
#include "sandbox/runner.hpp"

namespace nxp::runtime {

// plugin.json of a store tree, as recorded when it was staged.
Result<formats::Manifest> installed_manifest(const db::Database& db, const std::string& store_path);

struct Plugin {
    std::string name;
    std::filesystem::path plugin_dir;  // the real path of its store tree
    std::filesystem::path state_dir;   // ROOT/state/NAME
    std::filesystem::path egress_log;  // ROOT/log/egress/NAME.jsonl (nxp permissions --log)
    formats::Manifest manifest;
    PluginConfig config;
    formats::Permissions granted;
    // The libraries it requires (runtime/libraries.hpp), by the name required and by their
    // own: the real paths of their store trees, bound read-only at the same path.
    std::map<std::string, std::filesystem::path> deps;
    // The node it runs with when it requires node-runtime (runtime/runtimes.hpp): a runtime
    // package's tree is bound read-only, its bin/node first on PATH and the `node` of
    // mcp.command.
    NodeChoice node;
    // Its granted permissions.env variables that are set in nxp's environment, with their
    // values as nxp saw them (placeholders not yet replaced).
    std::map<std::string, std::string> passed_env;
};

// Where the sandbox records a plugin's egress decisions: ROOT/log/egress/NAME.jsonl.
std::filesystem::path egress_log_path(const std::filesystem::path& root_dir,
                                      const std::string& name);

// Loads what running `pkg` of the root at `root_dir` needs: manifest, configuration (from
// `config_rows`), grants, the libraries it requires among `generation` (the packages of the
// generation it runs in), the node it runs with (choose_node: an error when it requires a
// node-runtime nothing installed provides) and the granted variables of nxp's environment.
Result<Plugin> load_plugin(const db::Database& db, const std::filesystem::path& root_dir,
                           const db::GenPackage& pkg, const std::vector<db::GenPackage>& generation,
                           const std::vector<db::ConfigRow>& config_rows);

// permissions.env: each variable `m` asks for that `granted` names and nxp's environment sets,
// with its value. Nothing else of nxp's environment reaches a plugin.
std::map<std::string, std::string> passed_environment(const formats::Manifest& m,
                                                      const formats::Permissions& granted);

// ${plugin_dir}, ${state_dir}, ${deps.NAME} and ${config.KEY} replaced (a placeholder naming
// nothing is kept as written). A configuration value is inserted with its own ${plugin_dir},
// ${state_dir} and ${deps.NAME} replaced (see config_value_text).
std::string substitute(const std::string& text, const Plugin& p);
// ${plugin_dir}, ${state_dir} and ${deps.NAME} replaced, nothing else: what a configuration
// value (a default or a set value of a key that is not secret) and a variable passed from
// nxp's environment go through. Never recursive: an inserted path is not scanned again.
std::string substitute_paths(const std::string& text, const Plugin& p);
// A configuration value as text for an environment variable or argument, placeholders
// replaced unless the key is secret (a secret is passed exactly as set).
std::string config_value_text(const Plugin& p, const std::string& key, const nlohmann::json& value);

// The sandbox a plugin's code runs in: its tree read-only, its state writable, granted paths
// and network, the trees of the libraries it requires read-only, and in the environment only
// its configured variables, its granted permissions.env variables set in nxp's environment
// (a configured variable of the same name wins) and NXP_DEP_NAME for each library. A
// ${config.KEY} path is bound only when both the placeholder and its current expansion are
// granted.
sandbox::Profile plugin_profile(const Plugin& p, bool allow_unsandboxed);
// The MCP server's command line with configuration mapped to arguments (§3 arg single/spread).
std::vector<std::string> mcp_argv(const Plugin& p);

}  // namespace nxp::runtime
