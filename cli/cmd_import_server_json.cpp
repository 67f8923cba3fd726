// nxp import server.json FILE|URL -o DIR: a server of the official MCP Registry (its
// server.json, unsigned metadata) as a plugin directory (issue 19 item 5).
#include "cli/context.hpp"
#include "importer/server_json.hpp"

namespace nxp::cli {

namespace {

Result<int> import_server_json(Context& c, const importer::ServerJsonOptions& o) {
    c.message(txn::Level::Info,
              "Reading " + o.source +
                  ": a server.json is unsigned metadata (nothing vouches for it); what it names "
                  "is checked against npm");
    auto r = importer::import_server_json(o);
    if (!r) return tl::unexpected(r.error());
    const auto& m = r->manifest;
    const bool remote = r->plan.remote;
    if (c.g.json) {
        c.emit({{"command", "import server.json"},
                {"dir", o.out.string()},
                {"server", r->plan.server},
                {"kind", remote ? "remote" : "npm"},
                {"package", remote ? "" : r->plan.npm.spec},
                {"name", r->plugin_name},
                {"version", r->version},
                {"unsigned", true},
                {"mcp", m["mcp"]},
                {"config", m.value("config", nlohmann::ordered_json::object())},
                {"config_keys", r->config_keys},
                {"source", m.value("source", nlohmann::ordered_json::object())},
                {"notes", r->plan.notes}});
        return 0;
    }
    std::string text = "Imported " + r->plan.server + " (server.json, unsigned) as plugin " +
                       r->plugin_name + " " + r->version + " in " + o.out.string() + ": " +
                       (remote ? "the remote server " + m["mcp"]["remote"]["url"].get<std::string>()
                               : "npm package " + r->plan.npm.spec) +
                       ".\n";
    if (!r->config_keys.empty()) {
        text += "Config keys:";
        for (const auto& k : r->config_keys) {
            const auto& spec = m["config"][k];
            text += "\n  " + k + " (" +
                    (spec.contains("env")   ? "env " + spec["env"].get<std::string>()
                     : spec.contains("arg") ? std::string("argument")
                                            : std::string("header")) +
                    (spec.value("secret", false) ? ", secret" : "") +
                    (spec.value("required", false) ? ", required" : "") + ")";
        }
        text += "\n";
    }
    for (const auto& n : r->plan.notes) text += "Note: " + n + "\n";
    text += "Next: review plugin.json (permissions, config), then\n  nxp lint " + o.out.string() +
            "\n  nxp pack " + o.out.string() + " -o packages/";
    c.out(text);
    return 0;
}

}  // namespace

void add_import_server_json(CLI::App* import_cmd, Context& ctx) {
    auto* cmd = import_cmd->add_subcommand(
        "server.json", "Turn an MCP Registry server.json (npm package or remote) into a plugin");
    auto o = std::make_shared<importer::ServerJsonOptions>();
    cmd->add_option("source", o->source, "server.json file or http(s) URL")->required();
    cmd->add_option("-o,--output", o->out,
                    "Plugin directory to write (must not exist, or be empty)")
        ->required();
    cmd->add_option("--name", o->name,
                    "Plugin name (default: from the npm name, or the server's name for a remote)");
    cmd->add_flag("--remote", o->remote, "Import remotes[0] even when an npm package is offered");
    cmd->add_flag_function(
        "--no-check", [o](std::int64_t) { o->check = false; },
        "Do not run the MCP health check at install (for servers that need config to start)");
    cmd->callback(
        [&ctx, o] { ctx.action = [o](Context& c) { return import_server_json(c, *o); }; });
}

}  // namespace nxp::cli
