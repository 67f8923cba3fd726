// nxp exec NAME: starts a plugin's MCP server in its sandbox, its configuration mapped to
// environment and arguments, and relays its stdio through the MCP gate (pinned and hidden
// tools, runtime/mcp_gate.hpp). NextChat's mcp_config.json runs this.
#include "cli/context.hpp"
#include "runtime/mcp_relay.hpp"
#include "runtime/mcp_remote.hpp"
#include "txn/db_repair.hpp"
#include "txn/permissions.hpp"
#include "txn/tools.hpp"

namespace nxp::cli {

namespace {

// Each event of the relay: a line in ROOT/log/tools/NAME.jsonl (best effort) and on stderr.
runtime::GateEventSink tool_event_sink(Context& c, const std::filesystem::path& root_dir,
                                       const std::string& name) {
    return [&c, log = runtime::tool_log_path(root_dir, name), name](const runtime::GateEvent& e) {
        runtime::log_tool_event(log, e);
        c.message(txn::Level::Warning, runtime::describe_tool_event(name, e));
    };
}

// A remote server (mcp.remote): nxp itself bridges stdio to it, through the same gate.
Result<int> run_remote(Context& c, const runtime::Plugin& p, runtime::McpGate& gate,
                       const std::filesystem::path& root_dir) {
    auto ep = runtime::remote_endpoint(p);
    if (!ep) return tl::unexpected(ep.error());
    runtime::BridgeIo io;
    io.on_event = tool_event_sink(c, root_dir, p.name);
    io.on_note = [&c](const std::string& text) { c.message(txn::Level::Warning, text); };
    return runtime::run_remote_bridge(*ep, gate, io);
}

// The root as exec reads it. A damaged database (one that does not open, or whose current
// generation cannot be read): the plugin still starts from what it holds, if that is enough
// (its generation, store record, configuration and grants), with a warning.
Result<txn::Root> exec_root(Context& c, const std::string& name) {
    auto root = c.open_root(txn::Access::Read);
    if (root && txn::current_snapshot(*root)) return root;
    const db::Damage damage = txn::diagnose_database(c.root_dir());
    if (!damage.damaged) return root;
    auto salvaged = txn::Root::open_salvaged(c.root_dir());
    if (!salvaged) return root;
    c.message(txn::Level::Warning, "nxp.db is damaged (" + damage.problem + "); starting " + name +
                                       " from what it still holds. Run 'nxp doctor --repair'.");
    return salvaged;
}

Result<int> run(Context& c, const std::string& name) {
    auto root = exec_root(c, name);
    if (!root) return tl::unexpected(root.error());
    auto snap = txn::current_snapshot(*root);
    if (!snap) return tl::unexpected(snap.error());
    auto* pkg = snap->find(name);
    if (!pkg) return fail(ErrorKind::NotFound, name, "not installed");
    if (!pkg->enabled)
        return fail(ErrorKind::Invalid, name, "disabled; run 'nxp enable " + name + "'");
    auto perms = txn::package_permissions(*root, *pkg, snap->config);
    if (!perms) return tl::unexpected(perms.error());
    if (auto r = txn::require_granted(name, perms->missing); !r) return tl::unexpected(r.error());
    auto p = runtime::load_plugin(root->db(), root->dir(), *pkg, snap->packages, snap->config);
    if (!p) return tl::unexpected(p.error());
    if (!p->manifest.mcp)
        return fail(ErrorKind::Invalid, name, "not an MCP server (no mcp command)");
    if (!p->config.missing.empty())
        return fail(ErrorKind::Invalid, name,
                    "needs config " + p->config.missing.front() + "; run 'nxp config " + name +
                        " " + p->config.missing.front() + " VALUE'");
    auto policy = txn::tool_policy(*root, *pkg, snap->config);
    if (!policy) return tl::unexpected(policy.error());
    policy->plugin = name;
    policy->secrets = p->config.secrets;
    runtime::McpGate gate(std::move(*policy));
    if (p->manifest.mcp->remote) return run_remote(c, *p, gate, root->dir());
    auto prof = runtime::plugin_profile(*p, txn::allow_unsandboxed(*root, c.g.allow_unsandboxed));
    prof.argv = runtime::mcp_argv(*p);
    prof.timeout_s = 0;
    return runtime::exec_gated(prof, gate, tool_event_sink(c, root->dir(), name));
}

}  // namespace

void add_exec(CLI::App& app, Context& ctx) {
    auto name = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("exec", "Start a plugin's MCP server in its sandbox (stdio)");
    cmd->add_option("name", *name, "Plugin name")->required();
    cmd->callback([&ctx, name] { ctx.action = [name](Context& c) { return run(c, *name); }; });
}

}  // namespace nxp::cli
