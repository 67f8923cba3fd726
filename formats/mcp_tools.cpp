// MCP tool definitions in their canonical form (formats/mcp_tools.hpp).
#include "formats/mcp_tools.hpp"

#include <algorithm>
#include <map>

#include "formats/json_util.hpp"
#include "formats/text_util.hpp"

namespace nxp::formats {
using detail::invalid;
using nlohmann::json;

bool is_valid_tool_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxToolName) return false;
    return std::none_of(name.begin(), name.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

Result<ToolDef> canonical_tool(const json& tool, const std::string& where) {
    if (!tool.is_object()) return invalid(where, "a tool must be an object");
    const json* name = detail::member(tool, "name");
    if (!name || !name->is_string()) return invalid(where + ".name", "expected string");
    const auto& n = name->get_ref<const std::string&>();
    if (!is_valid_tool_name(n))
        return invalid(where + ".name", "invalid tool name " + detail::quote(n) + " (1 to " +
                                            std::to_string(kMaxToolName) +
                                            " characters, no control characters)");
    // nlohmann's json keeps object members in a std::map: keys come out sorted at every level.
    json c = json::object();
    c["name"] = n;
    if (const json* d = detail::member(tool, "description")) {
        if (!d->is_string()) return invalid(where + ".description", "expected string");
        c["description"] = *d;
    }
    if (const json* s = detail::member(tool, "inputSchema")) {
        if (!s->is_object()) return invalid(where + ".inputSchema", "expected object");
        c["inputSchema"] = *s;
    }
    return ToolDef{n, c.dump(-1, ' ', false, json::error_handler_t::replace)};
}

Result<std::vector<ToolDef>> parse_tools_list(const json& result) {
    if (!result.is_object()) return invalid("result", "expected object");
    const json* tools = detail::member(result, "tools");
    if (!tools || !tools->is_array()) return invalid("result.tools", "expected array");
    std::vector<ToolDef> out;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < tools->size(); ++i) {
        auto t = canonical_tool((*tools)[i], detail::at("tools", i));
        if (!t) return tl::unexpected(t.error());
        if (!seen.insert(t->name).second)
            return invalid(detail::at("tools", i) + ".name",
                           "tool " + detail::quote(t->name) + " listed twice");
        out.push_back(std::move(*t));
    }
    return out;
}

std::string write_tool_pins(const std::vector<ToolDef>& tools) {
    std::vector<const ToolDef*> sorted;
    for (const auto& t : tools) sorted.push_back(&t);
    std::sort(sorted.begin(), sorted.end(),
              [](const ToolDef* a, const ToolDef* b) { return a->name < b->name; });
    std::string out = "[";
    for (const auto* t : sorted) {
        if (out.size() > 1) out += ',';
        out += t->canonical.empty()
                   ? json(t->name).dump(-1, ' ', false, json::error_handler_t::replace)
                   : t->canonical;
    }
    return out + "]";
}

Result<std::vector<ToolDef>> tool_pins_from_json(const json& v, const std::string& where) {
    if (!v.is_array()) return invalid(where, "expected array of tool definitions");
    std::vector<ToolDef> out;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const std::string item = detail::at(where, i);
        ToolDef t;
        if (v[i].is_string()) {
            // A name-only row an older nxp wrote: any text is kept (whoever shows a tool name
            // escapes it), as that nxp's reader kept it; only an empty name is refused.
            t.name = v[i].get<std::string>();
            if (t.name.empty()) return invalid(item, "empty tool name");
        } else {
            auto c = canonical_tool(v[i], item);
            if (!c) return tl::unexpected(c.error());
            t = std::move(*c);
        }
        if (!seen.insert(t.name).second)
            return invalid(item, "tool " + detail::quote(t.name) + " listed twice");
        out.push_back(std::move(t));
    }
    return out;
}

Result<RecordedTools> parse_recorded_tools(std::string_view text, const std::string& where) {
    auto j = parse_json(text, where, {64, false});
    if (!j) return tl::unexpected(j.error());
    RecordedTools out;
    const json* list = &*j;
    if (j->is_object()) {
        const json* index = detail::member(*j, "index");
        list = detail::member(*j, "tools");
        if (!index || !index->is_boolean() || !list)
            return invalid(where, "expected an array of tools or {\"index\": …, \"tools\": […]}");
        out.from_index = index->get<bool>();
    }
    auto tools = tool_pins_from_json(*list, where);
    if (!tools) return tl::unexpected(tools.error());
    out.tools = std::move(*tools);
    return out;
}

std::string write_recorded_tools(const RecordedTools& r) {
    if (!r.from_index) return write_tool_pins(r.tools);
    return "{\"index\":true,\"tools\":" + write_tool_pins(r.tools) + "}";
}

Result<std::vector<ToolDef>> parse_tool_pins(std::string_view text, const std::string& where) {
    auto r = parse_recorded_tools(text, where);
    if (!r) return tl::unexpected(r.error());
    return std::move(r->tools);
}

ToolDiff diff_tools(const std::vector<ToolDef>& old_tools, const std::vector<ToolDef>& new_tools) {
    std::map<std::string, const ToolDef*> before, after;
    for (const auto& t : old_tools) before.emplace(t.name, &t);
    for (const auto& t : new_tools) after.emplace(t.name, &t);
    ToolDiff d;
    for (const auto& [name, t] : after) {
        auto it = before.find(name);
        if (it == before.end())
            d.added.push_back(*t);
        else if (it->second->canonical != t->canonical && !it->second->canonical.empty() &&
                 !t->canonical.empty())
            d.changed.emplace_back(*it->second, *t);
    }
    for (const auto& [name, t] : before)
        if (!after.count(name)) d.removed.push_back(*t);
    return d;
}

PromptSize prompt_size(const std::vector<ToolDef>& tools, const std::set<std::string>& hidden) {
    PromptSize s;
    for (const auto& t : tools) {
        if (hidden.count(t.name)) continue;
        ++s.tools;
        s.bytes += t.canonical.empty() ? t.name.size() : t.canonical.size();
    }
    return s;
}

}  // namespace nxp::formats
