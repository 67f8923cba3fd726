// nxp import npm PACKAGE[@VERSION] -o DIR: an npm-published MCP server as a plugin directory.
#include "cli/context.hpp"
#include "importer/npm.hpp"

namespace nxp::cli {

// cmd_import_runtime.cpp: Node.js builds from npm as runtime plugins.
std::optional<Result<int>> import_npm_node_runtime(Context& c, const std::string& spec,
                                                   const std::filesystem::path& out,
                                                   const std::string& name);
void add_import_node_runtime(CLI::App* import_cmd, Context& ctx);
// cmd_import_mcpb.cpp: MCPB bundles (issue 19 item 4).
void add_import_mcpb(CLI::App* import_cmd, Context& ctx);
// cmd_import_server_json.cpp: the MCP Registry's server.json (issue 19 item 5).
void add_import_server_json(CLI::App* import_cmd, Context& ctx);

namespace {

Result<int> import_npm(Context& c, const importer::NpmOptions& o) {
    if (auto rt = import_npm_node_runtime(c, o.spec, o.out, o.name)) return std::move(*rt);
    c.message(txn::Level::Info, "Fetching " + o.spec + " from npm (install scripts disabled)…");
    auto plan = importer::import_npm(o);
    if (!plan) return tl::unexpected(plan.error());
    const auto& m = plan->manifest;
    for (const auto& w : plan->warnings) c.message(txn::Level::Warning, w);
    if (c.g.json) {
        c.emit({{"command", "import npm"},
                {"dir", o.out.string()},
                {"name", plan->plugin_name},
                {"version", plan->version},
                {"package", plan->package},
                {"license", m.value("license", "")},
                {"mcp", m["mcp"]},
                {"requires", m["requires"]},
                {"config", m.value("config", nlohmann::ordered_json::object())},
                {"config_keys", plan->config_keys},
                {"source", m.value("source", nlohmann::ordered_json::object())},
                {"warnings", plan->warnings},
                {"native_addons",
                 {{"built", plan->native_built}, {"unbuilt", plan->native_unbuilt}}}});
        return 0;
    }
    std::string native;
    for (const auto& a : plan->native_built) native += (native.empty() ? "" : ", ") + a;
    if (!native.empty()) c.out("Built native addons from source (offline, confined): " + native);
    native.clear();
    for (const auto& a : plan->native_unbuilt) native += (native.empty() ? "" : ", ") + a;
    if (!native.empty())
        c.message(txn::Level::Warning,
                  "Native addons left unbuilt (--no-build-native); the server fails to load them "
                  "until built: " +
                      native);
    std::string keys;
    for (const auto& k : plan->config_keys) {
        const auto& spec = m["config"][k];
        keys += "\n  " + k + " (" +
                (spec.contains("env") ? "env " + spec["env"].get<std::string>() : "argument") +
                (spec.value("secret", false) ? ", secret" : "") +
                (spec.value("required", false) ? ", required" : "") + ")";
    }
    c.out("Imported " + plan->package + "@" + plan->version + " as plugin " + plan->plugin_name +
          " in " + o.out.string() + ".\n" +
          (keys.empty() ? std::string("No config keys: no settings found in the package.\n")
                        : "Config keys created (check them in plugin.json):" + keys + "\n") +
          "Next: fill in \"permissions\" in plugin.json (the network hosts, paths and environment\n"
          "variables the server needs; nxp lint warns until you do) and \"config\" for its "
          "settings, then\n"
          "  nxp lint " +
          o.out.string() + "\n  nxp pack " + o.out.string() + " -o packages/");
    return 0;
}

}  // namespace

void add_import(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("import", "Turn a published package into a plugin directory");
    cmd->require_subcommand(1);
    auto* npm =
        cmd->add_subcommand("npm", "Turn an npm-published MCP server into a plugin directory");
    auto o = std::make_shared<importer::NpmOptions>();
    npm->add_option("package", o->spec, "NAME or NAME@VERSION as npm takes it")->required();
    npm->add_option("-o,--output", o->out,
                    "Plugin directory to write (must not exist, or be empty)")
        ->required();
    npm->add_option("--name", o->name,
                    "Plugin name (default: from the npm name, @scope/x -> scope-x)");
    npm->add_option("--bin", o->bin, "Which program to run when the package has several");
    npm->add_option("--env", o->env,
                    "A config key for an environment variable the server reads: NAME, "
                    "NAME=secret, NAME=required, NAME=secret+required (repeat or comma-separate)");
    npm->add_option("--min-age", o->min_age,
                    "Take the newest matching version published at least this long ago (7d, "
                    "12h, 30m); the dependencies too (npm install --before)");
    npm->add_option("--previous", o->previous,
                    "plugin.json of an earlier import: warn when the publisher or the provenance "
                    "changed");
    npm->add_flag_function(
        "--no-check", [o](std::int64_t) { o->check = false; },
        "Do not run the MCP health check at install (for servers that need config to start)");
    npm->add_flag_function(
        "--no-build-native", [o](std::int64_t) { o->build_native = false; },
        "Do not build native addons (dependencies with a binding.gyp) from source");
    npm->callback([&ctx, o] { ctx.action = [o](Context& c) { return import_npm(c, *o); }; });
    add_import_server_json(cmd, ctx);
    add_import_node_runtime(cmd, ctx);
    add_import_mcpb(cmd, ctx);
}

}  // namespace nxp::cli
