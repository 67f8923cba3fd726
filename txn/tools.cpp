// A plugin's MCP tools between transactions (txn/tools.hpp).
#include "txn/tools.hpp"

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>
#include <tuple>

#include "formats/json_util.hpp"
#include "formats/manifest.hpp"
#include "formats/nearest.hpp"
#include "runtime/plugin.hpp"

namespace nxp::txn {

Result<runtime::ToolPolicy> tool_policy(const Root& root, const db::GenPackage& pkg,
                                        const std::vector<db::ConfigRow>& config) {
    runtime::ToolPolicy policy;
    auto row = root.db().tools(pkg.name, pkg.version);
    if (!row) return tl::unexpected(in_context(row.error(), pkg.name));
    if (*row) {
        auto pins = formats::parse_tool_pins(**row, pkg.name + ": pinned tools");
        if (!pins) return tl::unexpected(pins.error());
        policy.pinned = true;
        policy.pins = std::move(*pins);
    }
    for (const auto& r : config) {
        if (r.package != pkg.name) continue;
        if (r.key == kToolsHiddenKey) {
            auto names = formats::parse_string_array(r.value_json, pkg.name + ": hidden tools");
            if (!names) return tl::unexpected(names.error());
            policy.hidden.insert(names->begin(), names->end());
        } else if (r.key == kToolsUnpinnedKey) {
            policy.allow_unpinned = r.value_json == "true";
        }
    }
    return policy;
}

std::vector<db::ConfigRow> tool_filter_rows(const std::string& name,
                                            const runtime::ToolPolicy& policy) {
    std::vector<db::ConfigRow> rows;
    if (!policy.hidden.empty()) {
        // std::set iterates in order: the array is sorted, so equal sets store equal text.
        nlohmann::json names(policy.hidden);
        rows.push_back({name, std::string(kToolsHiddenKey),
                        names.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                        false});
    }
    if (policy.allow_unpinned)
        rows.push_back({name, std::string(kToolsUnpinnedKey), "true", false});
    return rows;
}

namespace {

bool is_pinned_name(const runtime::ToolPolicy& p, const std::string& name) {
    return std::any_of(p.pins.begin(), p.pins.end(),
                       [&](const formats::ToolDef& t) { return t.name == name; });
}

// A --disable or --enable argument: a tool the server has (or, for --enable, one hidden now).
Result<void> check_tool(const runtime::ToolPolicy& p, const std::string& plugin,
                        const std::string& tool, const char* option, bool may_be_hidden) {
    const std::string where = std::string(option) + " " + tool;
    if (!formats::is_valid_tool_name(tool))
        return fail(ErrorKind::Usage, where,
                    "not a tool name (1 to " + std::to_string(formats::kMaxToolName) +
                        " characters, no control characters)");
    if (!p.pinned || is_pinned_name(p, tool) || (may_be_hidden && p.hidden.count(tool))) return {};
    std::string msg = plugin + " has no tool named '" + tool + "'";
    if (auto near = closest_tool_name(tool, p.pins); !near.empty())
        msg += "; did you mean '" + near + "'?";
    else
        msg += " (see 'nxp tools " + plugin + "')";
    return fail(ErrorKind::Usage, where, msg);
}

std::vector<std::string> minus(const std::set<std::string>& a, const std::set<std::string>& b) {
    std::vector<std::string> out;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

}  // namespace

std::string closest_tool_name(const std::string& name, const std::vector<formats::ToolDef>& pins) {
    std::vector<std::string> names;
    names.reserve(pins.size());
    for (const auto& t : pins) names.push_back(t.name);
    return formats::nearest_name(name, names);
}

Result<ToolsEdit> ToolsEdit::open(Root& root, const std::string& name) {
    auto snap = current_snapshot(root);
    if (!snap) return tl::unexpected(snap.error());
    auto* pkg = snap->find(name);
    if (!pkg)
        return fail(ErrorKind::NotFound, name,
                    "not installed" + formats::did_you_mean_name(name, snap->packages));
    auto m = runtime::installed_manifest(root.db(), pkg->store_path);
    if (!m) return tl::unexpected(m.error());
    if (m->kind != formats::Kind::McpServer)
        return fail(ErrorKind::Invalid, name,
                    "a " + std::string(formats::kind_name(m->kind)) +
                        " plugin, not an MCP server: it has no tools");
    auto policy = tool_policy(root, *pkg, snap->config);
    if (!policy) return tl::unexpected(policy.error());
    ToolsEdit edit;
    edit.name_ = name;
    edit.package_ = *pkg;
    edit.before_ = *policy;
    edit.after_ = std::move(*policy);
    edit.snapshot_ = std::move(*snap);
    return edit;
}

Result<void> ToolsEdit::apply(const ToolsRequest& req) {
    for (const auto& t : req.disable) {
        if (auto r = check_tool(before_, name_, t, "--disable", true); !r) return r;
        if (std::find(req.enable.begin(), req.enable.end(), t) != req.enable.end())
            return fail(ErrorKind::Usage, t, "given to both --disable and --enable");
    }
    for (const auto& t : req.enable)
        if (auto r = check_tool(before_, name_, t, "--enable", true); !r) return r;
    if (req.enable_all) after_.hidden.clear();
    for (const auto& t : req.enable) after_.hidden.erase(t);
    for (const auto& t : req.disable) after_.hidden.insert(t);
    if (req.allow_unpinned) after_.allow_unpinned = *req.allow_unpinned;
    return {};
}

bool ToolsEdit::changed() const {
    return before_.hidden != after_.hidden || before_.allow_unpinned != after_.allow_unpinned;
}

std::vector<std::string> ToolsEdit::newly_hidden() const {
    return minus(after_.hidden, before_.hidden);
}

std::vector<std::string> ToolsEdit::restored() const {
    return minus(before_.hidden, after_.hidden);
}

Result<TxnReport> ToolsEdit::commit(Root& root, const TxnOptions& opts, Events& events) const {
    Snapshot next = snapshot_;
    std::erase_if(next.config, [&](const db::ConfigRow& r) {
        return r.package == name_ && is_reserved_config_key(r.key);
    });
    for (auto& row : tool_filter_rows(name_, after_)) next.config.push_back(std::move(row));
    std::sort(next.config.begin(), next.config.end(), [](const auto& a, const auto& b) {
        return std::tie(a.package, a.key) < std::tie(b.package, b.key);
    });
    return apply_change(
        root, next, {{StepAction::Tools, name_, package_.version, package_.version, package_.repo}},
        opts, events);
}

}  // namespace nxp::txn
