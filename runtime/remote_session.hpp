#pragma once
// One MCP session with a remote server over HTTP (issue 16 item 3), for `nxp exec`'s bridge
// and the install health check (runtime/mcp_remote). Streamable HTTP (MCP 2025-03-26,
// 2025-06-18): each JSON-RPC message is a POST whose answer is JSON or an event stream; the
// Mcp-Session-Id of the initialize answer and the negotiated MCP-Protocol-Version go with
// every later request; a dropped stream that carried event ids is resumed with a GET and
// Last-Event-ID; a 404 ends the session. Legacy SSE (2024-11-05): a GET stream whose
// `endpoint` event names where to POST (same origin only), reconnected with Last-Event-ID.
//
// Egress: curl connects only to the addresses nxp resolved for the granted host (pinned,
// the same decisions as the sandbox's DNS stub) and each connect is checked against the grant
// and logged (sandbox/egress). No proxy, no redirects, http and https only. Everything the
// server sends is bounded: an event or body over the limit ends the session.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "formats/error.hpp"
#include "formats/manifest.hpp"

namespace nxp::runtime {

struct RemoteEndpoint {
    std::string plugin;
    formats::McpTransport transport = formats::McpTransport::StreamableHttp;
    std::string url;
    formats::RemoteUrl parts;
    std::vector<std::pair<std::string, std::string>> headers;  // expanded: may hold secrets
    std::vector<std::string> secrets;  // texts never shown (formats::redact_secrets)
    std::filesystem::path egress_log;  // ROOT/log/egress/NAME.jsonl
    std::size_t max_message = 16u << 20;
    int connect_timeout_ms = 10000;
    int max_retries = 6;  // reconnects of one request or stream, with backoff from 250 ms
};

class RemoteSession {
  public:
    // Resolves the host (refusing what the sandbox would refuse); nothing is sent before the
    // first message (the SSE transport's GET stream starts then). Errors name the plugin and
    // the host.
    static Result<std::unique_ptr<RemoteSession>> open(RemoteEndpoint ep);
    ~RemoteSession();
    RemoteSession(const RemoteSession&) = delete;
    RemoteSession& operator=(const RemoteSession&) = delete;

    // Sends one JSON-RPC message (a single line of JSON) to the server; held until the
    // session can take it (the initialize answer, the SSE endpoint).
    void send(const std::string& line);
    // Runs the transfers for at most `timeout_ms`, returning early when a message arrived,
    // the session failed, or `extra_fd` (-1: none) became readable (`*fd_ready` set).
    void pump(int timeout_ms, int extra_fd, bool* fd_ready);
    // Messages from the server, each a line of JSON without a newline, in arrival order. A
    // request that got no answer (an HTTP error, a lost connection) has a JSON-RPC error
    // answer made here.
    std::vector<std::string> take_messages();
    // Why the session ended (empty while it runs): a sentence with no secret in it.
    const std::string& failure() const;
    // Ends the session: a DELETE of a Streamable HTTP session, waiting at most `wait_ms`.
    void close(int wait_ms);
    // Notes worth a line on stderr (reconnects, refused connections), taken once.
    std::vector<std::string> take_notes();

    struct Impl;

  private:
    explicit RemoteSession(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace nxp::runtime
