#pragma once
// Remote MCP servers as plugins (issue 16 item 3): `nxp exec NAME` of a plugin whose
// manifest has mcp.remote bridges NextChat's stdio to the server (runtime/remote_session),
// every message through the same McpGate as a local server's, and the install health check
// performs initialize and tools/list over the same session.
#include <functional>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/mcp_tools.hpp"
#include "runtime/mcp_gate.hpp"
#include "runtime/plugin.hpp"
#include "runtime/remote_session.hpp"

namespace nxp::runtime {

// The endpoint of plugin `p` (which has mcp.remote): its headers with ${config.KEY} replaced
// from its configuration (secret keys included: they go only into these headers), its egress
// log and its secrets for redaction. Errors name the plugin and the header, never a value.
Result<RemoteEndpoint> remote_endpoint(const Plugin& p);

struct BridgeIo {
    int in_fd = 0;                                    // NextChat's messages
    int out_fd = 1;                                   // to NextChat
    std::function<void(const GateEvent&)> on_event;   // the gate's events (logged by the caller)
    std::function<void(const std::string&)> on_note;  // the bridge's own notes (stderr)
};

// Relays until NextChat closes its end (then the session is ended with a DELETE and 0 is
// returned within about 100 ms) or the session fails (the gate answers what NextChat still
// waits for; 1 is returned).
Result<int> run_remote_bridge(const RemoteEndpoint& ep, McpGate& gate, const BridgeIo& io);

// initialize, notifications/initialized and tools/list within `timeout_s`: the remote
// server's tool definitions (canonical, in its order), as mcp_health_check gives a local
// server's. The plugin's secrets show as •••• in an error.
Result<std::vector<formats::ToolDef>> remote_health_check(const Plugin& p, int timeout_s);

}  // namespace nxp::runtime
