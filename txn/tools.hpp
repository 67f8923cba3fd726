#pragma once
// A plugin's MCP tools between transactions (issue 16): what is pinned (the signed index's
// definitions, else what the install health check recorded), which tools the operator hid,
// and whether unpinned definitions may pass. Hidden tools and the allowance live in the
// generation's configuration under reserved keys (package NAME, key "@tools.hidden" a JSON
// array of names, "@tools.unpinned" true), so that changing them is a transaction like
// `nxp config` and a rollback restores them. Plugin config keys can never start with '@'.
#include <string>
#include <string_view>
#include <vector>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "runtime/mcp_gate.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

inline constexpr std::string_view kToolsHiddenKey = "@tools.hidden";
inline constexpr std::string_view kToolsUnpinnedKey = "@tools.unpinned";

// Whether a configuration row is one of nxp's own (tool filters), not a plugin setting:
// config listings, the plugin's environment and lockfiles skip these.
inline bool is_reserved_config_key(std::string_view key) {
    return !key.empty() && key.front() == '@';
}

// The tool policy `nxp exec` applies to installed `pkg` in a generation configured by
// `config`: pins from the database (plugin_tools of pkg's version), hidden tools and the
// unpinned allowance from `config`. An unreadable pin row is an error naming the plugin.
Result<runtime::ToolPolicy> tool_policy(const Root& root, const db::GenPackage& pkg,
                                        const std::vector<db::ConfigRow>& config);

}  // namespace nxp::txn
