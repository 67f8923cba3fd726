#include "runtime/mcp_remote.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "formats/redact.hpp"
#include "formats/text_util.hpp"

namespace nxp::runtime {

namespace {

constexpr std::size_t kMaxClientLine = 16u << 20;
constexpr int kCloseWaitMs = 80;  // the DELETE of a session when NextChat goes away

// Writes all of `text`; false when NextChat's end is gone.
bool write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// The lines of `text` (each ends in '\n'), without their newline.
template <class F>
void each_line(const std::string& text, F&& f) {
    std::size_t start = 0;
    for (auto nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
        if (nl > start) f(text.substr(start, nl - start));
        start = nl + 1;
    }
    if (start < text.size()) f(text.substr(start));
}

}  // namespace

Result<int> run_remote_bridge(const RemoteEndpoint& ep, McpGate& gate, const BridgeIo& io) {
    // A closed pipe to NextChat is an error from write(2), not a signal that kills nxp.
    std::signal(SIGPIPE, SIG_IGN);
    auto opened = RemoteSession::open(ep);
    if (!opened) return tl::unexpected(opened.error());
    RemoteSession& session = **opened;
    auto note = [&](const std::string& text) {
        if (io.on_note) io.on_note(ep.plugin + ": " + formats::redact_secrets(text, ep.secrets));
    };
    bool client_gone = false;
    // What the gate decided: to NextChat, to the server, logged; false once the session ends.
    auto apply = [&](const GateOutput& out) {
        if (!out.to_client.empty() && !write_all(io.out_fd, out.to_client)) client_gone = true;
        each_line(out.to_server, [&](const std::string& line) { session.send(line); });
        for (auto e : out.events) {
            e.tool = formats::redact_secrets(e.tool, ep.secrets);
            e.detail = formats::redact_secrets(e.detail, ep.secrets);
            if (io.on_event) io.on_event(e);
        }
        return !out.close && !client_gone;
    };
    std::string in;
    bool skipping = false;
    std::vector<char> buf(65536);
    for (;;) {
        bool ready = false;
        session.pump(1000, io.in_fd, &ready);
        for (const auto& n : session.take_notes()) note(n);
        for (const auto& msg : session.take_messages()) {
            if (!apply(gate.from_server(msg))) {
                session.close(kCloseWaitMs);
                return client_gone ? 0 : 1;
            }
        }
        if (!session.failure().empty()) {
            note(session.failure());
            apply(gate.server_gone("was lost (" + session.failure() + ")"));
            return 1;
        }
        if (!ready) continue;
        ssize_t n = ::read(io.in_fd, buf.data(), buf.size());
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) {  // NextChat closed its end: the session ends with it
            session.close(kCloseWaitMs);
            return 0;
        }
        std::string_view got(buf.data(), static_cast<std::size_t>(n));
        if (skipping) {  // the rest of a line that was too long
            auto nl = got.find('\n');
            if (nl == std::string_view::npos) continue;
            got.remove_prefix(nl + 1);
            skipping = false;
        }
        in.append(got);
        std::size_t start = 0;
        for (auto nl = in.find('\n'); nl != std::string::npos; nl = in.find('\n', start)) {
            std::string line = in.substr(start, nl - start);
            start = nl + 1;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (formats::detail::trim(line).empty()) continue;
            if (!apply(gate.from_client(line))) {
                session.close(kCloseWaitMs);
                return client_gone ? 0 : 1;
            }
        }
        in.erase(0, start);
        if (in.size() > kMaxClientLine) {  // dropped up to its end; NextChat gets an error
            skipping = true;
            in.clear();
            if (!apply(gate.client_line_too_long())) {
                session.close(kCloseWaitMs);
                return client_gone ? 0 : 1;
            }
        }
    }
}

}  // namespace nxp::runtime
