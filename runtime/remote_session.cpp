// The protocol side of a remote MCP session (runtime/remote_session.hpp): what each answer,
// event and failure means for Streamable HTTP and the legacy SSE transport; the curl side is
// remote_http.cpp.
#include <poll.h>

#include <algorithm>

#include "runtime/remote_session_impl.hpp"

namespace nxp::runtime {
using nlohmann::json;

void RemoteSession::Impl::on_event(RemoteTransfer& t, const SseEvent& e) {
    if (t.role == TransferRole::Stream) {
        stream_last_id = e.id;
        if (e.type == "endpoint") return on_endpoint(e.data);
    }
    if (t.role == TransferRole::Listen && !e.id.empty()) listen_last_id = e.id;
    if (e.type == "message") deliver(e.data);
}

void RemoteSession::Impl::on_endpoint(const std::string& data) {
    CURLU* u = curl_url();
    std::string resolved;
    bool same = false;
    if (u && curl_url_set(u, CURLUPART_URL, ep.url.c_str(), 0) == CURLUE_OK &&
        data.size() <= 2048 && visible_ascii(data) &&
        curl_url_set(u, CURLUPART_URL, data.c_str(), 0) == CURLUE_OK) {
        char *full = nullptr, *scheme = nullptr, *host = nullptr, *port = nullptr;
        curl_url_get(u, CURLUPART_URL, &full, 0);
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
        curl_url_get(u, CURLUPART_HOST, &host, 0);
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
        std::string h = host ? formats::detail::ascii_lower(host) : "";
        if (h.size() > 2 && h.front() == '[') h = h.substr(1, h.size() - 2);
        if (auto a = eg::parse_address(h)) h = a->str();
        same = full && scheme && port &&
               std::string(scheme) == (ep.parts.https ? "https" : "http") && h == ep.parts.host &&
               std::string(port) == std::to_string(ep.parts.port);
        if (full) resolved = full;
        if (!same)
            log.write({false, h, "", port ? std::atoi(port) : 0, "connect",
                       "the SSE endpoint event names another origin"});
        for (char* p : {full, scheme, host, port}) curl_free(p);
    }
    if (u) curl_url_cleanup(u);
    if (!same) {
        fail_session("the server's SSE endpoint event names " + shown(data) +
                     ", not a path of the granted origin " + ep.parts.network_entry +
                     "; nxp posts only there");
        return;
    }
    endpoint = resolved;
    flush_held();
}

// The same request again after a backoff, or (Resume) a GET resuming its event stream.
void RemoteSession::Impl::retry(RemoteTransfer& t, TransferRole role) {
    auto again = std::make_unique<RemoteTransfer>();
    again->role = role;
    again->url = t.url;
    again->body = t.body;
    again->ids = t.ids;
    again->initialize = t.initialize;
    again->last_id = t.last_id;
    again->attempt = t.attempt + 1;
    auto delay = std::chrono::milliseconds(std::min(4000, 250 << std::min(t.attempt, 4)));
    later.emplace_back(Clock::now() + delay, std::move(again));
}

void RemoteSession::Impl::start_stream(int attempt) {
    stream_started = true;
    auto t = std::make_unique<RemoteTransfer>();
    t->role = TransferRole::Stream;
    t->url = ep.url;
    t->last_id = stream_last_id;
    t->attempt = attempt;
    start(std::move(t));
}

void RemoteSession::Impl::start_listen(int attempt) {
    auto t = std::make_unique<RemoteTransfer>();
    t->role = TransferRole::Listen;
    t->url = ep.url;
    t->last_id = listen_last_id;
    t->attempt = attempt;
    start(std::move(t));
}

// The GET stream is optional (405: the server offers none); it is reopened when it ends, with
// Last-Event-ID where the server gave ids, while reopening keeps giving something.
void RemoteSession::Impl::finish_listen(RemoteTransfer& t, CURLcode rc) {
    if (rc == CURLE_OK && t.status == 404 && !session_id.empty())
        return fail_session(
            "the server no longer knows this session (HTTP 404); NextChat "
            "starts a new one");
    if (rc == CURLE_OK && (t.status == 405 || t.status >= 400)) return;
    if (t.delivered) t.attempt = 0;
    if (t.attempt >= ep.max_retries || t.refused) return;
    retry(t, TransferRole::Listen);
    later.back().second->last_id = listen_last_id;
}

void RemoteSession::Impl::finish(RemoteTransfer& t, CURLcode rc) {
    classify(t);
    if (t.overflow)
        return fail_session("the server sent a message or event larger than " +
                            std::to_string(ep.max_message >> 20) + " MiB; the session was ended");
    if (t.role == TransferRole::Delete || closing) return;
    const bool more = t.attempt < ep.max_retries && !t.refused;
    const std::string what = rc != CURLE_OK
                                 ? (t.error[0] ? std::string(t.error) : curl_easy_strerror(rc))
                                 : "HTTP " + std::to_string(t.status);
    if (t.role == TransferRole::Listen) return finish_listen(t, rc);
    if (t.role == TransferRole::Stream) {
        if (rc == CURLE_OK && t.status >= 400)
            return fail_session("the SSE stream of " + ep.url + " answered " + what);
        if (t.delivered) t.attempt = 0;
        if (!(t.attempt < ep.max_retries && !t.refused))
            return fail_session("lost the SSE stream of " + ep.url + ": " + shown(what));
        notes.push_back("the SSE stream ended (" + what + "); reconnecting");
        // Messages wait for the new stream's endpoint (the old one may name a gone session).
        endpoint.clear();
        retry(t, TransferRole::Stream);
        later.back().second->last_id = stream_last_id;
        return;
    }
    if (rc != CURLE_OK) {
        const bool nothing_sent = rc == CURLE_COULDNT_CONNECT || rc == CURLE_GOT_NOTHING ||
                                  rc == CURLE_COULDNT_RESOLVE_HOST;
        if (t.refused) return answer_errors(t, "the connection is not granted (" + what + ")");
        if (!t.last_id.empty() && streamable() && unanswered(t) && more) {
            notes.push_back("the event stream was cut (" + what + "); resuming after event " +
                            shown(t.last_id));
            return retry(t, TransferRole::Resume);
        }
        if (nothing_sent && !t.delivered && more) {
            notes.push_back("connection failed (" + what + "); retrying");
            return retry(t, t.role);
        }
        return answer_errors(t, "connection lost: " + what);
    }
    if (t.status == 404 && streamable() && !session_id.empty())
        return fail_session(
            "the server no longer knows this session (HTTP 404); NextChat "
            "starts a new one");
    if (t.status == 404 && !streamable() && t.role == TransferRole::Post)
        return fail_session("the server no longer knows this session (HTTP 404 from " + endpoint +
                            ")");
    if (t.status < 200 || t.status >= 300) {
        std::string why = what;
        if (t.status == 401 || t.status == 403)
            why += " (check the plugin's configured credentials)";
        if (t.status >= 300 && t.status < 400) why += " (nxp follows no redirect)";
        if (!t.response.empty()) why += ": " + shown(t.response);
        if (t.role == TransferRole::Resume && t.status == 405)
            why = "the stream was cut and the server cannot resume it (HTTP 405)";
        return answer_errors(t, why);
    }
    if (!t.is_sse && !t.response.empty() && (streamable() || t.role != TransferRole::Post))
        deliver(std::move(t.response));
    if (!streamable() || !unanswered(t)) return;
    if (t.is_sse && !t.last_id.empty() && more) {
        notes.push_back("the event stream ended before the answer; resuming after event " +
                        shown(t.last_id));
        return retry(t, TransferRole::Resume);
    }
    answer_errors(t, t.is_sse ? "the event stream ended without an answer"
                              : "the server answered " + what + " without a JSON-RPC answer");
}

RemoteSession::RemoteSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RemoteSession::~RemoteSession() = default;

Result<std::unique_ptr<RemoteSession>> RemoteSession::open(RemoteEndpoint ep) {
    static const bool global = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (!global) return fail(ErrorKind::Network, ep.plugin, "curl_global_init failed");
    auto grant = eg::parse_grant(ep.parts.network_entry);
    if (!grant) return tl::unexpected(in_context(grant.error(), ep.plugin));
    auto impl = std::make_unique<Impl>(std::move(ep));
    impl->grants.push_back(*grant);
    if (auto pinned = pin_host(*impl); !pinned) return tl::unexpected(pinned.error());
    impl->multi = curl_multi_init();
    if (!impl->multi) return fail(ErrorKind::Network, impl->ep.plugin, "curl_multi_init failed");
    return std::unique_ptr<RemoteSession>(new RemoteSession(std::move(impl)));
}

void RemoteSession::send(const std::string& line) { impl_->send(line); }

void RemoteSession::pump(int timeout_ms, int extra_fd, bool* fd_ready) {
    auto& s = *impl_;
    if (fd_ready) *fd_ready = false;
    run_due(s);
    reap(s);
    if (s.inbox.empty() && s.failure.empty()) {
        int wait = timeout_ms;
        for (const auto& [due, t] : s.later) {
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(due - Clock::now());
            wait = std::clamp(static_cast<int>(ms.count()) + 1, 0, wait);
        }
        curl_waitfd fd{extra_fd, CURL_WAIT_POLLIN, 0};
        curl_multi_poll(s.multi, extra_fd >= 0 ? &fd : nullptr, extra_fd >= 0 ? 1 : 0, wait,
                        nullptr);
        run_due(s);
        reap(s);
    }
    if (extra_fd >= 0 && fd_ready) {
        // POLLHUP (the client closed its end) is not among curl's wait flags: look directly.
        pollfd p{extra_fd, POLLIN, 0};
        *fd_ready = ::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
    }
}

std::vector<std::string> RemoteSession::take_messages() { return std::exchange(impl_->inbox, {}); }
std::vector<std::string> RemoteSession::take_notes() { return std::exchange(impl_->notes, {}); }
const std::string& RemoteSession::failure() const { return impl_->failure; }

void RemoteSession::close(int wait_ms) {
    auto& s = *impl_;
    s.closing = true;
    for (auto& t : s.live) curl_multi_remove_handle(s.multi, t->easy);
    s.live.clear();
    s.later.clear();
    if (!s.streamable() || s.session_id.empty()) return;
    auto t = std::make_unique<RemoteTransfer>();
    t->role = TransferRole::Delete;
    t->url = s.ep.url;
    t->timeout_ms = wait_ms;
    s.launch(std::move(t));
    const auto end = Clock::now() + std::chrono::milliseconds(wait_ms);
    while (!s.live.empty() && Clock::now() < end) {
        curl_multi_poll(s.multi, nullptr, 0, 10, nullptr);
        reap(s);
    }
}

}  // namespace nxp::runtime
