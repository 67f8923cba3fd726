#pragma once
// Pinned MCP tool definitions around a transaction (issue 16): what the publisher records in
// the signed index (`nxp repo build --pin-tools`), and what an update changes in what the model
// is told, shown and confirmed before anything is fetched.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/mcp_tools.hpp"
#include "resolver/resolver.hpp"
#include "runtime/run.hpp"
#include "txn/events.hpp"

namespace nxp::txn {

class Root;

// Publisher side: each MCP server among `archives` (.nxp files) extracted into a temporary
// directory and started in the sandbox with its configuration defaults and no permission
// granted; its tools/list answer, by archive. Packages that are not MCP servers are left out.
// A server that needs configuration it has no default for, or that fails the handshake, is an
// error naming the archive, the package and the key or the failure. Temporary files go.
Result<std::map<std::filesystem::path, std::vector<formats::ToolDef>>> pin_package_tools(
    const std::vector<std::filesystem::path>& archives, const runtime::RunPolicy& policy,
    Events& events);

// A health check's answer against the signed index's pins of the version (or their record).
// Full definitions (--pin-tools): the answer must be exactly those (`diff` empty) and is what
// is recorded. Pins that know only the names (the tools a plugin.json declares, issue 19 item
// 4): each declared tool must be answered, whatever its definition; tools beyond them are not
// a failure but `undeclared`, left out of the record, so nxp exec withholds them; the pins are
// what is recorded. An empty list pins a server that offers no tools.
struct PinnedAnswer {
    formats::ToolDiff diff;                // not empty: the check fails
    std::vector<formats::ToolDef> record;  // to record as the index's pins
    std::vector<std::string> undeclared;   // answered but not declared (withheld at exec)
};
PinnedAnswer check_pinned_answer(const std::vector<formats::ToolDef>& pins,
                                 const std::vector<formats::ToolDef>& answer);
// What a failed check_pinned_answer() says: against declared names, the declared tools the
// server does not offer ("does not offer the declared tool \"x\""); against full pins,
// describe_tool_diff() of the difference ("against the pins: ...").
std::string describe_pinned_diff(const PinnedAnswer& answer);

// One tool whose definition an update changes, in the words the model reads.
struct ToolDelta {
    std::string name;
    std::optional<std::string> old_description, new_description;  // unset: none given
    bool description_changed = false;
    bool schema_changed = false;
    std::string schema_summary;  // "properties added: units; required: [city] -> [city, units]"
};

// What an upgrade (or downgrade, reinstall) of an MCP server changes in its tool definitions:
// the installed version's record (plugin_tools) against the new version's index pins.
struct ToolChange {
    std::string name, from, to;
    bool pinned = false;    // the new version's index entry pins tools
    bool recorded = false;  // the installed version's tools were recorded at its install
    std::vector<formats::ToolDef> added, removed;
    std::vector<ToolDelta> changed;
    // What the operator must accept before the update goes on.
    bool needs_confirmation() const {
        return pinned && recorded && (!added.empty() || !removed.empty() || !changed.empty());
    }
};

// The tool changes of every upgrade of an MCP server in `plan` (those pinned and unchanged
// included, so that --json shows them); a record that cannot be read is an error naming it.
Result<std::vector<ToolChange>> plan_tool_changes(const Root& root, const resolver::Plan& plan);

// Shown with the plan (Events::preview), before any question.
struct ToolChangesPreview final : Preview {
    explicit ToolChangesPreview(const std::vector<ToolChange>& c) : changes(c) {}
    const std::vector<ToolChange>& changes;
};

// Changed tool definitions need the operator's yes: `yes` (--yes) accepts them; otherwise the
// question (Question::Type::Proceed) for each plugin; No cancels, and nobody to ask (no
// terminal, --json) is an error naming the plugins and --yes. Nothing has changed either way.
Result<void> confirm_tool_changes(const std::vector<ToolChange>& changes, bool yes, Events& events);

// "added tool x; removed tool y; changed tool z (description, inputSchema)".
std::string describe_tool_diff(const formats::ToolDiff& diff);

}  // namespace nxp::txn
