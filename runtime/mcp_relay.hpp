#pragma once
// `nxp exec`'s MCP relay around an McpGate (runtime/mcp_gate.hpp): the gate as the sandbox's
// LineRelay, and the plugin's tool log (ROOT/log/tools/NAME.jsonl) where each GateEvent is
// recorded. A transport other than a sandboxed process (runtime/mcp_remote) builds the same
// gate and sink and feeds the gate itself.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "formats/error.hpp"
#include "runtime/mcp_gate.hpp"
#include "sandbox/runner.hpp"

namespace nxp::runtime {

// Where a plugin's tool events are logged: ROOT/log/tools/NAME.jsonl (then NAME.jsonl.1).
std::filesystem::path tool_log_path(const std::filesystem::path& root_dir, const std::string& name);

// One log line, without its newline:
// {"time":"2026-12-05T08:00:00Z","kind":"withheld","tool":"search","detail":"…"}
std::string tool_log_line(const GateEvent& event, std::int64_t time);

// Appends the event to `file` (0600, rotated past 1 MiB like the egress log). Best effort:
// `nxp exec` may run as a user who cannot write the root; false when it was not written.
bool log_tool_event(const std::filesystem::path& file, const GateEvent& event);

// The event as one line for stderr, capped and free of control characters:
// "nxp exec NAME: withheld tool \"search\": its definition is not the one pinned".
std::string describe_tool_event(const std::string& plugin, const GateEvent& event);

using GateEventSink = std::function<void(const GateEvent&)>;

// The gate as exec_relayed's LineRelay: events go to `sink`, with the plugin's secret values
// (ToolPolicy::secrets) as ••••.
class GateRelay final : public sandbox::LineRelay {
  public:
    GateRelay(McpGate& gate, GateEventSink sink) : gate_(gate), sink_(std::move(sink)) {}
    sandbox::RelayOutput from_client(std::string_view line) override;
    sandbox::RelayOutput from_server(std::string_view line) override;
    sandbox::RelayOutput client_line_too_long() override;
    sandbox::RelayOutput server_line_too_long() override;
    sandbox::RelayOutput server_gone(const std::string& why) override;
    std::size_t max_line() const override { return gate_.limits().max_line; }

    // What the relay does with the gate's output (public for other transports).
    sandbox::RelayOutput pass(GateOutput&& out);

  private:
    McpGate& gate_;
    GateEventSink sink_;
};

// The MCP server of `profile` in its sandbox with every line through `gate` (see
// sandbox::exec_relayed for the exit status).
Result<int> exec_gated(const sandbox::Profile& profile, McpGate& gate, GateEventSink sink);

}  // namespace nxp::runtime
