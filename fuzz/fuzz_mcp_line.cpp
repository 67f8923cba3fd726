// The MCP health check's line handler (txn/plugin_run.cpp): a plugin's server writes any
// bytes it likes on stdout while nxp waits for its tools. The input is that output, split
// into lines. Beyond not crashing: what nxp writes back stays small whatever the server
// sent (ids it echoes are bounded), each answer is JSON-RPC text, and the error it reports
// is bounded and free of control characters (it is printed to the operator's terminal).
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_util.hpp"
#include "runtime/mcp_handshake.hpp"

using namespace nxp;

namespace {

using fuzz::has_control;

void check_reply(const std::string& reply) {
    fuzz::require(reply.size() <= 2048, "an answer to the server grew with its input (" +
                                            std::to_string(reply.size()) + " bytes)");
    std::size_t start = 0;
    while (start < reply.size()) {
        auto nl = reply.find('\n', start);
        fuzz::require(nl != std::string::npos, "an answer to the server is not newline-terminated");
        auto parsed = nlohmann::json::parse(reply.substr(start, nl - start), nullptr, false);
        fuzz::require(
            !parsed.is_discarded() && parsed.is_object() && parsed.value("jsonrpc", "") == "2.0",
            "an answer to the server is not a JSON-RPC 2.0 object");
        start = nl + 1;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto text = fuzz::as_text(data, size);
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        lines.emplace_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    auto r = runtime::replay_mcp_handshake(lines);
    for (const auto& reply : r.replies) check_reply(reply);
    fuzz::require(r.error.size() <= 1024, "the health check's error grew with the server's output");
    fuzz::require(!has_control(r.error),
                  "control character in the health check's error: " + r.error.substr(0, 80));
    return 0;
}
