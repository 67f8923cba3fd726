// A plugin's MCP tools between transactions (txn/tools.hpp).
#include "txn/tools.hpp"

#include "formats/json_util.hpp"

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

}  // namespace nxp::txn
