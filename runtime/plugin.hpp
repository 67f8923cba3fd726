#pragma once
// An installed plugin as running code (DESIGN.md §7): its manifest, configuration and
// grants, the sandbox profile its code runs in and its MCP server's command line.
#include <filesystem>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "formats/manifest.hpp"
#include "runtime/config.hpp"
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
};

// Where the sandbox records a plugin's egress decisions: ROOT/log/egress/NAME.jsonl.
std::filesystem::path egress_log_path(const std::filesystem::path& root_dir,
                                      const std::string& name);

// Loads what running `pkg` of the root at `root_dir` needs: manifest, configuration (from
// `config_rows`) and grants.
Result<Plugin> load_plugin(const db::Database& db, const std::filesystem::path& root_dir,
                           const db::GenPackage& pkg,
                           const std::vector<db::ConfigRow>& config_rows);

// ${plugin_dir}, ${state_dir} and ${config.KEY} replaced.
std::string substitute(const std::string& text, const Plugin& p);

// The sandbox a plugin's code runs in: its tree read-only, its state writable, granted paths
// and network, and only its configured variables in the environment. A ${config.KEY} path is
// bound only when both the placeholder and its current expansion are granted.
sandbox::Profile plugin_profile(const Plugin& p, bool allow_unsandboxed);
// The MCP server's command line with configuration mapped to arguments (§3 arg single/spread).
std::vector<std::string> mcp_argv(const Plugin& p);

}  // namespace nxp::runtime
