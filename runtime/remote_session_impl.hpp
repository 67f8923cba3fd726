#pragma once
// The inside of runtime/remote_session: a transfer, the session's state, and the curl side
// (remote_http.cpp: handles, callbacks, the pinned and checked connects) that the protocol
// side (remote_session.cpp) drives. Private to those two files.
#include <curl/curl.h>

#include <chrono>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "formats/json_util.hpp"
#include "formats/redact.hpp"
#include "formats/text_util.hpp"
#include "runtime/remote_session.hpp"
#include "runtime/sse.hpp"
#include "sandbox/egress.hpp"

namespace nxp::runtime {
namespace eg = sandbox::egress;
using Clock = std::chrono::steady_clock;

inline constexpr std::size_t kMaxErrorBody = 4096;  // of an HTTP error's body, for its message
inline constexpr std::size_t kMaxSessionId = 1024;
inline constexpr std::size_t kMaxId = 256;  // bytes of a request id the bridge answers itself

// Post: a message; Resume: a GET continuing a POST's cut event stream; Listen: the GET stream
// of a Streamable HTTP session (server-initiated messages); Stream: the legacy SSE stream.
enum class TransferRole { Post, Resume, Listen, Stream, Delete };

inline bool ieq_prefix(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() &&
           formats::detail::ascii_lower(s.substr(0, prefix.size())) == prefix;
}

// Visible ASCII only (RFC 9110 field values the bridge echoes back in a header).
inline bool visible_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

struct RemoteTransfer {
    RemoteSession::Impl* owner = nullptr;
    TransferRole role = TransferRole::Post;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    std::string url;
    std::string body;              // what is POSTed
    std::vector<std::string> ids;  // the JSON-RPC request ids (JSON text) it carries
    bool initialize = false;
    bool classified = false;  // the answer's status and type looked at
    long status = 0;
    bool is_sse = false;
    std::optional<SseParser> sse;
    std::string response;  // a JSON answer, or the start of an error's body
    std::string last_id;   // of the event stream
    bool overflow = false;
    bool refused = false;  // a connect the grant does not cover
    bool delivered = false;
    int attempt = 0;
    long timeout_ms = 0;  // of the whole transfer (0: none; answers may take long)
    char error[CURL_ERROR_SIZE] = {};

    ~RemoteTransfer() {
        if (easy) curl_easy_cleanup(easy);
        if (headers) curl_slist_free_all(headers);
    }
};

struct RemoteSession::Impl {
    RemoteEndpoint ep;
    std::vector<eg::Grant> grants;
    std::vector<std::pair<std::string, eg::Address>> answered;
    eg::Log log;
    curl_slist* resolve = nullptr;  // CURLOPT_RESOLVE: the host pinned to what nxp resolved
    CURLM* multi = nullptr;
    std::vector<std::unique_ptr<RemoteTransfer>> live;
    std::vector<std::pair<Clock::time_point, std::unique_ptr<RemoteTransfer>>> later;
    std::deque<std::string> held;
    std::set<std::string> outstanding;  // ids sent, not yet answered
    std::vector<std::string> inbox, notes;
    std::string failure;
    std::string session_id, protocol_version, init_id;
    bool init_pending = false;
    std::string endpoint;  // SSE: where to POST, from the `endpoint` event
    std::string stream_last_id;
    std::string listen_last_id;  // of the Streamable HTTP GET stream
    bool stream_started = false;
    bool closing = false;

    explicit Impl(RemoteEndpoint e) : ep(std::move(e)), log(ep.egress_log) {}
    ~Impl() {
        for (auto& t : live) curl_multi_remove_handle(multi, t->easy);
        live.clear();
        later.clear();
        if (multi) curl_multi_cleanup(multi);
        if (resolve) curl_slist_free_all(resolve);
    }

    bool streamable() const { return ep.transport == formats::McpTransport::StreamableHttp; }
    std::string shown(std::string_view text) const {
        return formats::detail::quote(formats::redact_secrets(text, ep.secrets), 200);
    }
    void fail_session(const std::string& why) {
        if (failure.empty()) failure = formats::redact_secrets(why, ep.secrets);
    }

    void answer_error(const std::string& id, const std::string& why) {
        if (!outstanding.erase(id)) return;
        nlohmann::json msg{{"jsonrpc", "2.0"},
                           {"error",
                            {{"code", -32000},
                             {"message", ep.plugin + ": remote MCP server: " +
                                             formats::redact_secrets(why, ep.secrets)}}}};
        msg["id"] = nlohmann::json::parse(id);
        inbox.push_back(msg.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        if (init_pending && id == init_id) {  // what waited for the session goes now, and fails
            init_pending = false;
            flush_held();
        }
    }
    void answer_errors(const RemoteTransfer& t, const std::string& why) {
        for (const auto& id : t.ids) answer_error(id, why);
    }
    bool unanswered(const RemoteTransfer& t) const {
        return std::any_of(t.ids.begin(), t.ids.end(),
                           [&](const std::string& id) { return outstanding.count(id) > 0; });
    }

    // One message from the server (a JSON body, an event's data).
    void deliver(std::string text) {
        std::replace(text.begin(), text.end(), '\n', ' ');  // JSON whitespace; one line
        std::replace(text.begin(), text.end(), '\r', ' ');
        auto view = formats::detail::trim(text);
        if (view.empty()) return;
        auto parsed = formats::parse_json(view, "", {64, false});
        if (parsed && parsed->is_array()) {  // a batch (MCP 2025-03-26)
            for (const auto& m : *parsed)
                deliver(m.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
            return;
        }
        if (parsed && parsed->is_object() && parsed->contains("id") &&
            !parsed->contains("method")) {
            const std::string id = (*parsed)["id"].dump();
            outstanding.erase(id);
            if (init_pending && id == init_id) initialized(*parsed);
        }
        inbox.emplace_back(view);
    }

    void initialized(const nlohmann::json& answer) {
        init_pending = false;
        if (answer.contains("result") && answer["result"].is_object()) {
            const auto& r = answer["result"];
            if (r.contains("protocolVersion") && r["protocolVersion"].is_string()) {
                const auto& v = r["protocolVersion"].get_ref<const std::string&>();
                if (v.size() <= 64 && visible_ascii(v)) protocol_version = v;
            }
            if (streamable() && !session_id.empty()) start_listen(0);
        }
        flush_held();
    }

    void flush_held() {
        while (!held.empty() && failure.empty() && !(streamable() && init_pending)) {
            std::string line = std::move(held.front());
            held.pop_front();
            send(line);
        }
    }

    void send(const std::string& line) {
        if (!failure.empty()) return;
        auto parsed = formats::parse_json(line, "", {64, false});
        std::vector<std::string> ids;
        bool initialize = false;
        if (parsed && parsed->is_object() && parsed->contains("method") && parsed->contains("id")) {
            std::string id = (*parsed)["id"].dump();
            if (id.size() <= kMaxId) ids.push_back(id);
            initialize = (*parsed)["method"] == "initialize";
        }
        if (!streamable() && !stream_started) start_stream(0);  // when the client first speaks
        const bool wait = streamable() ? init_pending && !initialize : endpoint.empty();
        if (wait) {
            held.push_back(line);
            return;
        }
        for (const auto& id : ids) outstanding.insert(id);
        if (initialize) {
            init_pending = true;
            init_id = ids.empty() ? std::string() : ids.front();
            session_id.clear();
        }
        auto t = std::make_unique<RemoteTransfer>();
        t->role = TransferRole::Post;
        t->url = streamable() ? ep.url : endpoint;
        t->body = line;
        t->ids = std::move(ids);
        t->initialize = initialize;
        start(std::move(t));
    }

    // Queues a transfer: curl_multi_add_handle may not be called from curl's callbacks,
    // where a message or an endpoint event can make one, so pump() launches it.
    void start(std::unique_ptr<RemoteTransfer> t) {
        later.emplace_back(Clock::now(), std::move(t));
    }
    void launch(std::unique_ptr<RemoteTransfer> t);
    void finish(RemoteTransfer& t, CURLcode rc);
    void retry(RemoteTransfer& t, TransferRole role);
    void on_event(RemoteTransfer& t, const SseEvent& e);
    void on_endpoint(const std::string& data);
    void start_stream(int attempt);
    void start_listen(int attempt);
    void finish_listen(RemoteTransfer& t, CURLcode rc);
};

// The curl side (remote_http.cpp).
// Resolves the granted host as the sandbox's DNS stub would (decisions logged) and pins curl
// to the addresses allowed; an IP literal needs nothing. An error names the plugin and host.
Result<void> pin_host(RemoteSession::Impl& s);
// Looks once at a transfer's status and content type (an event stream gets its reader).
void classify(RemoteTransfer& t);
// Launches the transfers whose time has come.
void run_due(RemoteSession::Impl& s);
// Runs curl and hands each finished transfer to Impl::finish.
void reap(RemoteSession::Impl& s);

}  // namespace nxp::runtime
