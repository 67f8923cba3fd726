// nxp exec's MCP relay: the gate between the sandbox's pipes, and the tool log
// (runtime/mcp_relay.hpp).
#include "runtime/mcp_relay.hpp"

#include <ctime>
#include <nlohmann/json.hpp>

#include "formats/display.hpp"
#include "formats/redact.hpp"
#include "formats/text_util.hpp"
#include "os/log_file.hpp"

namespace nxp::runtime {

namespace fs = std::filesystem;

fs::path tool_log_path(const fs::path& root_dir, const std::string& name) {
    return root_dir / "log" / "tools" / (name + ".jsonl");
}

std::string tool_log_line(const GateEvent& e, std::int64_t time) {
    nlohmann::ordered_json j;
    j["time"] = formats::utc_timestamp(time);
    j["kind"] = e.kind;
    j["tool"] = e.tool;
    j["detail"] = e.detail;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool log_tool_event(const fs::path& file, const GateEvent& e) {
    return os::append_log_line(file, tool_log_line(e, std::time(nullptr)) + "\n");
}

std::string describe_tool_event(const std::string& plugin, const GateEvent& e) {
    using formats::detail::quote;
    std::string what;
    if (e.kind == "withheld")
        what = e.tool.empty() ? "withheld " + e.detail
                              : "withheld tool " + quote(e.tool) + ": " + e.detail;
    else if (e.kind == "unpinned-allowed")
        what = "let tool " + quote(e.tool) + " through (unpinned tools allowed): " + e.detail;
    else if (e.kind == "hidden-call")
        what = "refused a tools/call: " + e.detail;
    else if (e.kind == "protocol")
        what = "the server broke the MCP protocol, session closed: " + e.detail;
    else
        what = e.detail;
    std::string line = quote("nxp exec " + plugin + ": " + what, 600);
    return line.substr(1, line.size() - 2);
}

sandbox::RelayOutput GateRelay::pass(GateOutput&& out) {
    const auto& secrets = gate_.policy().secrets;
    for (auto& e : out.events) {
        if (!secrets.empty()) {
            e.tool = formats::redact_secrets(e.tool, secrets);
            e.detail = formats::redact_secrets(e.detail, secrets);
        }
        if (sink_) sink_(e);
    }
    return {std::move(out.to_client), std::move(out.to_server), out.close};
}

sandbox::RelayOutput GateRelay::from_client(std::string_view line) {
    return pass(gate_.from_client(line));
}
sandbox::RelayOutput GateRelay::from_server(std::string_view line) {
    return pass(gate_.from_server(line));
}
sandbox::RelayOutput GateRelay::client_line_too_long() {
    return pass(gate_.client_line_too_long());
}
sandbox::RelayOutput GateRelay::server_line_too_long() {
    return pass(gate_.server_line_too_long());
}
sandbox::RelayOutput GateRelay::server_gone(const std::string& why) {
    return pass(gate_.server_gone(why));
}

Result<int> exec_gated(const sandbox::Profile& profile, McpGate& gate, GateEventSink sink) {
    GateRelay relay(gate, std::move(sink));
    return sandbox::exec_relayed(profile, relay);
}

}  // namespace nxp::runtime
