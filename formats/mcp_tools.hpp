#pragma once
// MCP tool definitions as nxp pins them (issue 16): what a server tells the model about each
// tool — its name, description and inputSchema — in one canonical JSON text, so that two
// answers compare byte for byte. The signed index, the install database and `nxp exec`'s
// proxy all read and write this one form.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"

namespace nxp::formats {

// MCP's own limit for tool names.
constexpr std::size_t kMaxToolName = 128;

struct ToolDef {
    std::string name;
    // {"description":…,"inputSchema":…,"name":…} with object keys sorted at every level, no
    // whitespace, invalid UTF-8 replaced; members the server left out are left out. Empty for
    // a pin that knows only the name (rows an nxp before issue 16 recorded).
    std::string canonical;
    bool operator==(const ToolDef&) const = default;
};

// Whether `name` is a tool name nxp accepts: 1 to kMaxToolName bytes, no control characters.
bool is_valid_tool_name(std::string_view name);

// One tool object of a tools/list answer; `where` names it in errors ("tools[3]"): not an
// object, no string name, an invalid name, a description that is not a string or an
// inputSchema that is not an object.
Result<ToolDef> canonical_tool(const nlohmann::json& tool, const std::string& where);

// The "tools" array of a tools/list result, each through canonical_tool; a name given twice
// is an error. Order is kept.
Result<std::vector<ToolDef>> parse_tools_list(const nlohmann::json& result);

// The stored form (database column, index field): a JSON array of the canonical objects,
// sorted by name. A pin knowing only the name is stored as the name string.
std::string write_tool_pins(const std::vector<ToolDef>& tools);
// Reads write_tool_pins' text, and arrays of names (pins before issue 16, any non-empty text
// kept: callers escape names where they show them); `where` names the column or field in
// errors.
Result<std::vector<ToolDef>> parse_tool_pins(std::string_view text, const std::string& where);
// The same from a parsed JSON value (the index parser hands its subtree).
Result<std::vector<ToolDef>> tool_pins_from_json(const nlohmann::json& v, const std::string& where);

// A package version's recorded tools (the install database's plugin_tools row): the
// definitions, and whether they are the signed index's pins, which every later health check
// of that version must then answer exactly (a configuration change cannot re-pin them).
// Written as write_tool_pins' array, or {"index":true,"tools":[…]} for the index's pins;
// parse_tool_pins reads both forms.
struct RecordedTools {
    std::vector<ToolDef> tools;
    bool from_index = false;
};
std::string write_recorded_tools(const RecordedTools& r);
Result<RecordedTools> parse_recorded_tools(std::string_view text, const std::string& where);

// What changed between two sets of definitions, by name (each list sorted by name). A
// definition that knows only the name (a record from before issue 16, or the name-only pins
// of tools a plugin.json declares) matches any definition of that name: only an added or a
// removed name is a difference then.
struct ToolDiff {
    std::vector<ToolDef> added;
    std::vector<ToolDef> removed;
    std::vector<std::pair<ToolDef, ToolDef>> changed;  // (old, new)
    bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};
ToolDiff diff_tools(const std::vector<ToolDef>& old_tools, const std::vector<ToolDef>& new_tools);

// What a server adds to the model's prompt: the tools shown (those not in `hidden`) and the
// bytes of their canonical definitions.
struct PromptSize {
    std::size_t tools = 0;
    std::size_t bytes = 0;
};
PromptSize prompt_size(const std::vector<ToolDef>& tools, const std::set<std::string>& hidden);

}  // namespace nxp::formats
