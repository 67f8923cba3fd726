// nxp exec's MCP gate (runtime/mcp_gate.hpp): NextChat's lines and a hostile server's, in any
// order. Each input line is one message: a first byte 'c' makes the rest NextChat's, anything
// else the server's; the session then ends as if the server went away. Beyond not crashing:
// what the gate writes grows only with what it was given, each line it writes ends in '\n',
// a line it writes itself is a JSON-RPC 2.0 object, and every event's text is bounded and free
// of control characters (it is printed on the operator's terminal).
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_util.hpp"
#include "runtime/mcp_gate.hpp"
#include "runtime/mcp_relay.hpp"

using namespace nxp;

namespace {

using fuzz::has_control;

runtime::ToolPolicy policy() {
    runtime::ToolPolicy p;
    p.pinned = true;
    p.plugin = "fuzz";
    nlohmann::json a = {{"name", "a"}, {"description", "A"}, {"inputSchema", {{"type", "object"}}}};
    p.pins.push_back(*formats::canonical_tool(a, "pin"));
    p.pins.push_back(formats::ToolDef{"b", ""});
    p.hidden = {"c"};
    return p;
}

void check(const runtime::GateOutput& out, std::string_view input, std::size_t pending_bound) {
    for (const std::string* side : {&out.to_client, &out.to_server}) {
        fuzz::require(side->empty() || side->back() == '\n', "output without its newline");
        fuzz::require(side->size() <= input.size() + 1 + pending_bound + 4096,
                      "output grew beyond its input (" + std::to_string(side->size()) + " bytes)");
    }
    for (const auto& e : out.events) {
        auto line = runtime::describe_tool_event("fuzz", e);
        fuzz::require(line.size() <= 700, "an event line grew with the input");
        fuzz::require(!has_control(line), "control character in an event line: " + line);
        fuzz::require(!has_control(e.detail), "control character in an event's detail");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto text = fuzz::as_text(data, size);
    runtime::GateLimits limits;
    limits.max_pending = 16;
    limits.max_unsolicited = 50;
    runtime::McpGate gate(policy(), limits);
    // Errors for every waiting request: each at most an id plus a bounded message.
    const std::size_t pending_bound = limits.max_pending * (limits.max_id + 512);
    std::size_t start = 0;
    while (start <= text.size()) {
        auto nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        auto line = text.substr(start, nl - start);
        start = nl + 1;
        bool client = !line.empty() && line.front() == 'c';
        auto out = client ? gate.from_client(line.substr(1)) : gate.from_server(line);
        check(out, line, pending_bound);
        if (client && !out.to_client.empty()) {  // nxp's own answers are JSON-RPC objects
            auto j = nlohmann::json::parse(out.to_client.substr(0, out.to_client.find('\n')),
                                           nullptr, false);
            fuzz::require(!j.is_discarded() && j.is_object() && j.value("jsonrpc", "") == "2.0",
                          "nxp's answer to the client is not a JSON-RPC 2.0 object");
        }
        if (out.close) break;
    }
    check(gate.server_gone("exited with status 0"), "", pending_bound);
    return 0;
}
