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
#include <deque>
#include <map>
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
    // The plugin, for messages ("hidden by the operator (nxp tools NAME --enable TOOL)").
    std::string plugin;
    // The plugin's secret values (PluginConfig::secrets): the install health check pinned
    // definitions with these as ••••, so a definition is compared in that form too.
    std::vector<std::string> secrets;
};

// Something worth a line in the plugin's tool log (and on stderr).
struct GateEvent {
    // "withheld" (a definition that is not the pinned one), "hidden-call" (a tools/call to a
    // hidden or withheld tool, refused), "unpinned-allowed" (passed by allow_unpinned),
    // "protocol" (the server broke the protocol or flooded; the session ends), "ended" (the
    // server went away while requests of NextChat were waiting; each got an error).
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
    std::size_t max_id = 1024;         // bytes of a request id (its JSON text)
    // Lines the server may send in a row without answering a request of NextChat
    // (notifications, its own requests, log lines): beyond, it is flooding and the session
    // ends. Each answer to NextChat and each line from NextChat starts a new count.
    std::size_t max_unsolicited = 10000;
    // Events one message may cause (a tools/list of thousands of changed tools): the rest
    // are summed up in one more.
    std::size_t max_events = 64;
};

class McpGate {
  public:
    explicit McpGate(ToolPolicy policy, GateLimits limits = {});

    // One line NextChat wrote (without its '\n').
    GateOutput from_client(std::string_view line);
    // NextChat wrote a line longer than the loop accepts (it was dropped): a JSON-RPC error.
    GateOutput client_line_too_long();
    // One line the server wrote (without its '\n').
    GateOutput from_server(std::string_view line);
    // The server wrote more than limits.max_line bytes without a newline: the session ends.
    GateOutput server_line_too_long();
    // The server's side ended (exited, closed its output, connection lost for good): a
    // JSON-RPC error for every request still waiting, naming `why`.
    GateOutput server_gone(const std::string& why);

    const ToolPolicy& policy() const { return policy_; }
    const GateLimits& limits() const { return limits_; }

  private:
    struct Pending {
        bool tools_list = false;
    };
    GateOutput protocol_error(const std::string& what);
    GateOutput end_session(const GateEvent& event, const std::string& message);
    GateOutput answer_tools_list(const nlohmann::json& msg, std::string_view line);
    std::string refusal(const std::string& name) const;
    std::string plugin() const;
    void answer_all(GateOutput& out, int code, const std::string& message);

    ToolPolicy policy_;
    GateLimits limits_;
    // The pins by name: canonical text, "" for a pin that knows only the name.
    std::map<std::string, std::string> pins_;
    // NextChat's requests awaiting an answer, by id (as JSON text).
    std::map<std::string, Pending> pending_;
    // Requests NextChat cancelled (notifications/cancelled): a late answer is dropped.
    std::deque<std::string> cancelled_;
    // Pinned tools whose definition, the last time a tools/list answer (or page of one) held
    // them, was not the pinned one (unpinned names are refused by the pin check itself):
    // bounded by the pins.
    std::set<std::string> withheld_;
    std::size_t unsolicited_ = 0;
    bool closed_ = false;
};

}  // namespace nxp::runtime
