#pragma once
// A plugin's MCP tools between transactions (issue 16): what is pinned (the signed index's
// definitions, else what the install health check recorded), which tools the operator hid,
// and whether unpinned definitions may pass. Hidden tools and the allowance live in the
// generation's configuration under reserved keys (package NAME, key "@tools.hidden" a JSON
// array of names, "@tools.unpinned" true), so that changing them is a transaction like
// `nxp config` and a rollback restores them. Plugin config keys can never start with '@'.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "runtime/mcp_gate.hpp"
#include "txn/events.hpp"
#include "txn/plugins.hpp"
#include "txn/root.hpp"
#include "txn/transaction.hpp"

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

// The reserved rows that hold `policy`'s hidden set (sorted names; none when nothing is
// hidden) and its allowance (none when unpinned tools are withheld), for package `name`.
std::vector<db::ConfigRow> tool_filter_rows(const std::string& name,
                                            const runtime::ToolPolicy& policy);

// What `nxp tools NAME` asks to change. A tool is named as the server names it.
struct ToolsRequest {
    std::vector<std::string> disable;    // --disable TOOL…
    std::vector<std::string> enable;     // --enable TOOL…
    bool enable_all = false;             // --enable without a tool: every hidden tool
    std::optional<bool> allow_unpinned;  // --allow-unpinned (true) / --pinned-only (false)
};

// `nxp tools`: an installed MCP server's tools and the operator's filters, changed as a new
// generation whose configuration holds the reserved rows (like ConfigEdit).
class ToolsEdit {
  public:
    // The installed plugin `name` (ErrorKind::NotFound when it is not; ErrorKind::Invalid
    // when it is not an MCP server) in the current generation.
    static Result<ToolsEdit> open(Root& root, const std::string& name);

    const std::string& name() const { return name_; }
    const db::GenPackage& package() const { return package_; }
    const runtime::ToolPolicy& before() const { return before_; }
    const runtime::ToolPolicy& after() const { return after_; }

    // Applies `req` to after(). A tool that is not among the pinned ones (nor hidden now) is
    // ErrorKind::Usage naming it, with the closest pinned name when one is close; without
    // pins any valid tool name is accepted. A tool both disabled and enabled is a usage error.
    Result<void> apply(const ToolsRequest& req);

    bool changed() const;
    std::vector<std::string> newly_hidden() const;  // hidden after, not before
    std::vector<std::string> restored() const;      // hidden before, not after

    // The filters as the next generation (a "tools" step for the plugin; no plugin code runs).
    Result<TxnReport> commit(Root& root, const TxnOptions& opts, Events& events) const;

  private:
    ToolsEdit() = default;

    std::string name_;
    Snapshot snapshot_;
    db::GenPackage package_;
    runtime::ToolPolicy before_, after_;
};

// The pinned name closest to `name` (a typo's few edits away), or "" when none is close.
std::string closest_tool_name(const std::string& name, const std::vector<formats::ToolDef>& pins);

}  // namespace nxp::txn
