#pragma once
// The MCP health check's line handler (runtime/run.cpp), callable without a sandbox: every
// line a server writes is outside data, so fuzz/fuzz_mcp_line.cpp feeds it lines directly.
#include <string>
#include <vector>

namespace nxp::runtime {

struct HandshakeReplay {
    std::vector<std::string> replies;  // what nxp wrote back, one entry per line handled
    std::vector<std::string> tools;    // tool names, once tools/list was answered
    std::string error;                 // why the check failed, or empty
    bool answered = false;             // tools/list answered (the check passed if error is empty)
    std::size_t lines_read = 0;        // lines handled before the handler said it was done
};

// Feeds `lines` (without their '\n') to a new handshake, as sandbox::converse would, until
// the handler says it is done.
HandshakeReplay replay_mcp_handshake(const std::vector<std::string>& lines);

}  // namespace nxp::runtime
