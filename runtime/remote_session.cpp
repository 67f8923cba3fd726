#include "runtime/remote_session.hpp"

#include <curl/curl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "formats/json_util.hpp"
#include "formats/redact.hpp"
#include "formats/text_util.hpp"
#include "runtime/sse.hpp"
#include "sandbox/egress.hpp"

namespace nxp::runtime {
namespace eg = sandbox::egress;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxErrorBody = 4096;  // of an HTTP error's body, for its message
constexpr std::size_t kMaxSessionId = 1024;
constexpr std::size_t kMaxId = 256;  // bytes of a request id the bridge answers itself

enum class Role { Post, Resume, Stream, Delete };

bool ieq_prefix(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() &&
           formats::detail::ascii_lower(s.substr(0, prefix.size())) == prefix;
}

// Visible ASCII only (RFC 9110 field values the bridge echoes back in a header).
bool visible_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

struct RemoteTransfer {
    RemoteSession::Impl* owner = nullptr;
    Role role = Role::Post;
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
        json msg{{"jsonrpc", "2.0"},
                 {"error",
                  {{"code", -32000},
                   {"message", ep.plugin + ": remote MCP server: " +
                                   formats::redact_secrets(why, ep.secrets)}}}};
        msg["id"] = json::parse(id);
        inbox.push_back(msg.dump(-1, ' ', false, json::error_handler_t::replace));
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
                deliver(m.dump(-1, ' ', false, json::error_handler_t::replace));
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

    void initialized(const json& answer) {
        init_pending = false;
        if (answer.contains("result") && answer["result"].is_object()) {
            const auto& r = answer["result"];
            if (r.contains("protocolVersion") && r["protocolVersion"].is_string()) {
                const auto& v = r["protocolVersion"].get_ref<const std::string&>();
                if (v.size() <= 64 && visible_ascii(v)) protocol_version = v;
            }
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
        t->role = Role::Post;
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
    void retry(RemoteTransfer& t, Role role);
    void on_event(RemoteTransfer& t, const SseEvent& e);
    void on_endpoint(const std::string& data);
    void start_stream(int attempt);
};

namespace {

curl_socket_t open_socket(void* clientp, curlsocktype, curl_sockaddr* addr) {
    auto* t = static_cast<RemoteTransfer*>(clientp);
    auto& s = *t->owner;
    auto to = eg::from_sockaddr(&addr->addr, addr->addrlen);
    if (!to) {
        t->refused = true;
        return CURL_SOCKET_BAD;
    }
    auto v = eg::check_connect(s.grants, s.answered, to->first, to->second);
    s.log.write({v.allow, v.host, to->first.str(), to->second, "connect", v.reason});
    if (!v.allow) {
        t->refused = true;
        s.notes.push_back("refused a connection to " + to->first.str() + " port " +
                          std::to_string(to->second) + " (" + v.reason + ")");
        return CURL_SOCKET_BAD;
    }
    return ::socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

void classify(RemoteTransfer& t) {
    if (t.classified) return;
    t.classified = true;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &t.status);
    char* type = nullptr;
    curl_easy_getinfo(t.easy, CURLINFO_CONTENT_TYPE, &type);
    t.is_sse = t.status >= 200 && t.status < 300 && type && ieq_prefix(type, "text/event-stream");
    if (t.is_sse) t.sse.emplace(t.owner->ep.max_message);
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* userp) {
    auto& t = *static_cast<RemoteTransfer*>(userp);
    auto& s = *t.owner;
    const std::size_t len = size * n;
    classify(t);
    t.delivered = true;
    if (t.status < 200 || t.status >= 300) {  // kept for the error's message only
        t.response.append(
            data, std::min(len, kMaxErrorBody - std::min(kMaxErrorBody, t.response.size())));
        return len;
    }
    if (t.is_sse) {
        std::vector<SseEvent> events;
        const bool ok = t.sse->feed({data, len}, events);
        if (!t.sse->last_event_id().empty()) t.last_id = t.sse->last_event_id();
        for (const auto& e : events) s.on_event(t, e);
        if (!ok) {
            t.overflow = true;
            return 0;
        }
        return len;
    }
    if (t.role == Role::Post && !s.streamable()) {  // "Accepted": the answer comes on the stream
        t.response.append(
            data, std::min(len, kMaxErrorBody - std::min(kMaxErrorBody, t.response.size())));
        return len;
    }
    if (t.response.size() + len > s.ep.max_message) {
        t.overflow = true;
        return 0;
    }
    t.response.append(data, len);
    return len;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* userp) {
    auto& t = *static_cast<RemoteTransfer*>(userp);
    std::string_view line(data, size * n);
    if (ieq_prefix(line, "mcp-session-id:")) {
        auto value = formats::detail::trim(line.substr(15));
        long status = 0;
        curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
        if (t.initialize && status >= 200 && status < 300) {
            if (value.size() > kMaxSessionId || !visible_ascii(value)) {
                t.owner->fail_session(
                    "the server's Mcp-Session-Id is not visible ASCII of at "
                    "most 1024 bytes");
                return 0;
            }
            t.owner->session_id = std::string(value);
        }
    }
    return size * n;
}

}  // namespace

void RemoteSession::Impl::on_event(RemoteTransfer& t, const SseEvent& e) {
    if (t.role == Role::Stream) {
        stream_last_id = e.id;
        if (e.type == "endpoint") return on_endpoint(e.data);
    }
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

void RemoteSession::Impl::launch(std::unique_ptr<RemoteTransfer> t) {
    t->owner = this;
    CURL* e = t->easy = curl_easy_init();
    if (!e) return fail_session("curl_easy_init failed");
    curl_easy_setopt(e, CURLOPT_URL, t->url.c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");  // never a proxy from the environment
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(ep.connect_timeout_ms));
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "nxp/" NXP_VERSION);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t.get());
    if (resolve) curl_easy_setopt(e, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    if (t->timeout_ms > 0) curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, t->timeout_ms);
    auto add = [&](const std::string& h) { t->headers = curl_slist_append(t->headers, h.c_str()); };
    for (const auto& [name, value] : ep.headers) add(name + ": " + value);
    if (!session_id.empty() && streamable()) add("Mcp-Session-Id: " + session_id);
    if (!protocol_version.empty() && streamable()) add("MCP-Protocol-Version: " + protocol_version);
    switch (t->role) {
        case Role::Post:
            add("Content-Type: application/json");
            add("Accept: application/json, text/event-stream");
            add("Expect:");
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body.c_str());
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(t->body.size()));
            break;
        case Role::Resume:
        case Role::Stream:
            add("Accept: text/event-stream");
            if (!t->last_id.empty()) add("Last-Event-ID: " + t->last_id);
            break;
        case Role::Delete:
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
            break;
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_multi_add_handle(multi, e);
    live.push_back(std::move(t));
}

// The same request again after a backoff, or (Resume) a GET resuming its event stream.
void RemoteSession::Impl::retry(RemoteTransfer& t, Role role) {
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
    t->role = Role::Stream;
    t->url = ep.url;
    t->last_id = stream_last_id;
    t->attempt = attempt;
    start(std::move(t));
}

void RemoteSession::Impl::finish(RemoteTransfer& t, CURLcode rc) {
    classify(t);
    if (t.overflow)
        return fail_session("the server sent a message or event larger than " +
                            std::to_string(ep.max_message >> 20) + " MiB; the session was ended");
    if (t.role == Role::Delete || closing) return;
    const bool more = t.attempt < ep.max_retries && !t.refused;
    const std::string what = rc != CURLE_OK
                                 ? (t.error[0] ? std::string(t.error) : curl_easy_strerror(rc))
                                 : "HTTP " + std::to_string(t.status);
    if (t.role == Role::Stream) {
        if (rc == CURLE_OK && t.status >= 400)
            return fail_session("the SSE stream of " + ep.url + " answered " + what);
        if (t.delivered) t.attempt = 0;
        if (!(t.attempt < ep.max_retries && !t.refused))
            return fail_session("lost the SSE stream of " + ep.url + ": " + shown(what));
        notes.push_back("the SSE stream ended (" + what + "); reconnecting");
        // Messages wait for the new stream's endpoint (the old one may name a gone session).
        endpoint.clear();
        retry(t, Role::Stream);
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
            return retry(t, Role::Resume);
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
    if (t.status == 404 && !streamable() && t.role == Role::Post)
        return fail_session("the server no longer knows this session (HTTP 404 from " + endpoint +
                            ")");
    if (t.status < 200 || t.status >= 300) {
        std::string why = what;
        if (t.status == 401 || t.status == 403)
            why += " (check the plugin's configured credentials)";
        if (t.status >= 300 && t.status < 400) why += " (nxp follows no redirect)";
        if (!t.response.empty()) why += ": " + shown(t.response);
        if (t.role == Role::Resume && t.status == 405)
            why = "the stream was cut and the server cannot resume it (HTTP 405)";
        return answer_errors(t, why);
    }
    if (!t.is_sse && !t.response.empty() && (streamable() || t.role != Role::Post))
        deliver(std::move(t.response));
    if (!streamable() || !unanswered(t)) return;
    if (t.is_sse && !t.last_id.empty() && more) {
        notes.push_back("the event stream ended before the answer; resuming after event " +
                        shown(t.last_id));
        return retry(t, Role::Resume);
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
    const auto& parts = impl->ep.parts;
    if (grant->kind == eg::Grant::Kind::Name) {
        // nxp resolves the name as the sandbox's DNS stub would, and curl connects only to
        // those addresses.
        std::string pinned;
        for (int family : {AF_INET, AF_INET6}) {
            auto found = eg::lookup_granted_name(parts.host, family, eg::resolve_on_host);
            for (const auto& d : found.decisions) impl->log.write(d);
            for (const auto& [name, a] : found.answered) {
                impl->answered.emplace_back(name, a);
                pinned += (pinned.empty() ? "" : ",") +
                          (family == AF_INET6 ? "[" + a.str() + "]" : a.str());
            }
        }
        if (pinned.empty())
            return fail(ErrorKind::Network, impl->ep.plugin + ": " + parts.host,
                        "no address nxp may connect to (not found, or only loopback, private or "
                        "reserved ones; 'nxp permissions " +
                            impl->ep.plugin + " --log' lists the decisions)");
        impl->resolve = curl_slist_append(
            nullptr, (parts.host + ":" + std::to_string(parts.port) + ":" + pinned).c_str());
    }
    impl->multi = curl_multi_init();
    if (!impl->multi) return fail(ErrorKind::Network, impl->ep.plugin, "curl_multi_init failed");
    return std::unique_ptr<RemoteSession>(new RemoteSession(std::move(impl)));
}

void RemoteSession::send(const std::string& line) { impl_->send(line); }

namespace {

void run_due(RemoteSession::Impl& s) {
    const auto now = Clock::now();
    for (std::size_t i = 0; i < s.later.size();) {
        if (s.later[i].first > now) {
            ++i;
            continue;
        }
        auto t = std::move(s.later[i].second);
        s.later.erase(s.later.begin() + static_cast<std::ptrdiff_t>(i));
        s.launch(std::move(t));
    }
}

void reap(RemoteSession::Impl& s) {
    int running = 0;
    curl_multi_perform(s.multi, &running);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(s.multi, &left)) {
        if (m->msg != CURLMSG_DONE) continue;
        CURL* e = m->easy_handle;
        CURLcode rc = m->data.result;
        curl_multi_remove_handle(s.multi, e);
        auto it =
            std::find_if(s.live.begin(), s.live.end(), [&](const auto& t) { return t->easy == e; });
        if (it == s.live.end()) continue;
        std::unique_ptr<RemoteTransfer> t = std::move(*it);
        s.live.erase(it);
        s.finish(*t, rc);
    }
}

}  // namespace

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
    t->role = Role::Delete;
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
