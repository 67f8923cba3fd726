#pragma once
// Running an installed plugin's code in its sandbox (DESIGN.md §7): hooks, the MCP health
// check, and the MCP server itself for `nxp exec`.
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/events.hpp"
#include "formats/mcp_tools.hpp"
#include "runtime/plugin.hpp"
#include "sandbox/runner.hpp"

namespace nxp::runtime {

// What the operator decided about running plugin code (settings, flags, environment).
struct RunPolicy {
    bool allow_unsandboxed = false;
    int hook_timeout_s = 120;
};

// Runs the hook `rel` (a file of the plugin's tree; "" = none) named `hook_name` in the
// plugin's sandbox; an error names the plugin, the hook and what happened. Its output, shown
// on an error or as a debug message, has the plugin's secret values as ••••.
Result<void> run_hook(const Plugin& p, const std::string& hook_name, const std::string& rel,
                      const RunPolicy& policy, Events& events);

// nxp -vv: the sandbox's command line for `profile` (bubblewrap's arguments, then the
// plugin's) as a detail of `what`, each of `secrets` shown as ••••. Nothing below -vv.
void trace_sandbox(const sandbox::Profile& profile, const std::vector<std::string>& secrets,
                   const std::string& what, Events& events);

// A mask or prompt pack NextChat could not read, found before the switch.
Result<void> check_catalog(const Plugin& p);

// Starts the MCP server, performs initialize, notifications/initialized and tools/list over
// stdio within profile.timeout_s, and returns the tool definitions (canonical, in the
// server's order); an error says what went wrong. Each of `secrets` (the plugin's,
// PluginConfig::secrets) shows as •••• in both.
Result<std::vector<formats::ToolDef>> mcp_health_check(
    const sandbox::Profile& profile, const std::vector<std::string>& secrets = {});

}  // namespace nxp::runtime
