// nxp import mcpb FILE.mcpb -o DIR: an MCPB bundle (Claude Desktop's format) as a plugin
// directory (issue 19 item 4).
#include "cli/context.hpp"
#include "importer/mcpb.hpp"

namespace nxp::cli {

namespace {

Result<int> import_mcpb(Context& c, const importer::McpbOptions& o) {
    auto plan = importer::import_mcpb(o);
    if (!plan) return tl::unexpected(plan.error());
    const auto& m = plan->manifest;
    if (c.g.json) {
        nlohmann::json tools = nlohmann::json::array();
        for (const auto& [n, d] : plan->tools) tools.push_back({{"name", n}, {"description", d}});
        c.emit({{"command", "import mcpb"},
                {"dir", o.out.string()},
                {"bundle", o.bundle.string()},
                {"name", plan->plugin_name},
                {"version", plan->version},
                {"server_type", plan->server_type},
                {"entry_point", plan->entry_point},
                {"mcp", m["mcp"]},
                {"requires", m["requires"]},
                {"config", m.value("config", nlohmann::ordered_json::object())},
                {"permissions", m["permissions"]},
                {"tools", tools},
                {"tools_pinned", plan->tools_pinned},
                {"signed", plan->signed_bundle},
                {"notes", plan->notes}});
        return 0;
    }
    std::string text = "Imported " + o.bundle.string() + " (" + plan->bundle_name + " " +
                       plan->version + ", " + plan->server_type + " server) as plugin " +
                       plan->plugin_name + " in " + o.out.string() + ".\n";
    if (m.contains("config")) {
        text += "Config keys (from user_config):";
        for (const auto& [k, spec] : m["config"].items())
            text += "\n  " + k + " (" + spec["type"].get<std::string>() +
                    (spec.contains("env") ? ", env " + spec["env"].get<std::string>() : "") +
                    (spec.value("secret", false) ? ", secret" : "") +
                    (spec.value("required", false) ? ", required" : "") + ")";
        text += "\n";
    }
    if (m["permissions"].contains("filesystem"))
        text += "Filesystem grants asked for at install: the paths set for " +
                std::to_string(m["permissions"]["filesystem"].size()) + " setting(s).\n";
    if (!plan->tools.empty()) {
        text += "Declared tools:";
        for (const auto& [n, d] : plan->tools) text += " " + n;
        text += plan->tools_pinned
                    ? " (plugin.json \"tools\": the repository pins these names; the install "
                      "check and nxp exec hold the server to them)\n"
                    : " (not pinned)\n";
    }
    for (const auto& n : plan->notes) text += "Note: " + n + "\n";
    text +=
        "Next: fill in \"permissions.network\" in plugin.json if the server reaches hosts, "
        "then\n  nxp lint " +
        o.out.string() + "\n  nxp pack " + o.out.string() + " -o packages/";
    c.out(text);
    return 0;
}

}  // namespace

void add_import_mcpb(CLI::App* import_cmd, Context& ctx) {
    auto* cmd = import_cmd->add_subcommand(
        "mcpb", "Turn an MCPB bundle (Claude Desktop's .mcpb) into a plugin directory");
    auto o = std::make_shared<importer::McpbOptions>();
    cmd->add_option("bundle", o->bundle, "The .mcpb (or .dxt) file")->required();
    cmd->add_option("-o,--output", o->out,
                    "Plugin directory to write (must not exist, or be empty)")
        ->required();
    cmd->add_option("--name", o->name, "Plugin name (default: from the bundle's name)");
    cmd->add_flag_function(
        "--no-check", [o](std::int64_t) { o->check = false; },
        "Do not run the MCP health check at install (for servers that need config to start)");
    cmd->callback([&ctx, o] { ctx.action = [o](Context& c) { return import_mcpb(c, *o); }; });
}

}  // namespace nxp::cli
