#pragma once
// The MCP-aware relay of `nxp exec` (issue 16), as pure logic: every JSON-RPC line between
// NextChat (the client, on nxp's stdio) and the server (a sandboxed process, or a remote
// endpoint bridged by runtime/mcp_remote) passes through one McpGate, which
//   - withholds from tools/list answers every tool the operator hid (`nxp tools --disable`)
//     and every definition that differs from the pinned one or is not pinned at all (unless
//     the operator allowed unpinned tools), logging each;
//   - answers a tools/call to a hidden or withheld tool itself with a JSON-RPC error;
//   - treats everything the server sends as hostile: invalid JSON, deep nesting, huge lines or
//     a server that goes away end the session with a JSON-RPC error for each request NextChat
//     is still waiting for, and nothing it sends is kept without bound.
// No I/O here: the loops in sandbox/ and runtime/mcp_remote feed lines and write the output,
// so tests and fuzzers drive it directly.
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "formats/mcp_tools.hpp"

namespace nxp::runtime {

// What the operator and the repository decided about a server's tools.
struct ToolPolicy {
    // A pin exists (the signed index's, or what the install health check recorded). Without
    // one every tool is unpinned.
    bool pinned = false;
    // The pinned definitions; a pin that knows only the name (recorded before issue 16)
    // matches any definition of that name.
    std::vector<formats::ToolDef> pins;
    std::set<std::string> hidden;  // `nxp tools NAME --disable`
    // `nxp tools NAME --allow-unpinned`: changed and new definitions pass (still logged).
    bool allow_unpinned = false;
};

// Something worth a line in the plugin's tool log (and on stderr).
struct GateEvent {
    // "withheld" (a definition that is not the pinned one), "hidden-call" (a tools/call to a
    // hidden or withheld tool, refused), "unpinned-allowed" (passed by allow_unpinned),
    // "protocol" (the server broke the protocol; the session ends).
    std::string kind;
    std::string tool;    // the tool's name, when there is one (as sent; escape when shown)
    std::string detail;  // a sentence
};

struct GateOutput {
    std::string to_client;  // complete lines for NextChat, each ending in '\n'
    std::string to_server;  // complete lines for the server
    std::vector<GateEvent> events;
    bool close = false;  // end the session once to_client is written
};

struct GateLimits {
    std::size_t max_line = 16u << 20;  // bytes of one message from the server
    std::size_t max_depth = 64;        // JSON nesting of one message
    std::size_t max_pending = 4096;    // requests of NextChat awaiting an answer
};

class McpGate {
  public:
    explicit McpGate(ToolPolicy policy, GateLimits limits = {});

    // One line NextChat wrote (without its '\n').
    GateOutput from_client(std::string_view line);
    // One line the server wrote (without its '\n').
    GateOutput from_server(std::string_view line);
    // The server wrote more than limits.max_line bytes without a newline: the session ends.
    GateOutput server_line_too_long();
    // The server's side ended (exited, closed its output, connection lost for good): a
    // JSON-RPC error for every request still waiting, naming `why`.
    GateOutput server_gone(const std::string& why);

    const ToolPolicy& policy() const { return policy_; }

  private:
    ToolPolicy policy_;
    GateLimits limits_;
    std::vector<std::string> pending_;      // ids (as JSON text) of NextChat's open requests
    std::set<std::string> tools_list_ids_;  // which of them are tools/list
    std::set<std::string> withheld_;        // tools removed from the last tools/list answer
};

}  // namespace nxp::runtime
