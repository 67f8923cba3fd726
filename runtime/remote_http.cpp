// The curl side of a remote MCP session: one easy handle per request, http and https only, no
// redirect, no proxy, connections pinned to the addresses nxp resolved and each connect
// checked against the grant and logged (sandbox/egress), answers bounded as they arrive.
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>

#include "runtime/remote_session_impl.hpp"

namespace nxp::runtime {
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
    if (t.role == TransferRole::Post &&
        !s.streamable()) {  // "Accepted": the answer comes on the stream
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

void classify(RemoteTransfer& t) {
    if (t.classified) return;
    t.classified = true;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &t.status);
    char* type = nullptr;
    curl_easy_getinfo(t.easy, CURLINFO_CONTENT_TYPE, &type);
    t.is_sse = t.status >= 200 && t.status < 300 && type && ieq_prefix(type, "text/event-stream");
    if (t.is_sse) t.sse.emplace(t.owner->ep.max_message);
}

Result<void> pin_host(RemoteSession::Impl& s) {
    if (s.grants.front().kind != eg::Grant::Kind::Name) return {};
    const auto& parts = s.ep.parts;
    // nxp resolves the name as the sandbox's DNS stub would, and curl connects only to
    // those addresses.
    std::string pinned;
    for (int family : {AF_INET, AF_INET6}) {
        auto found = eg::lookup_granted_name(parts.host, family, eg::resolve_on_host);
        for (const auto& d : found.decisions) s.log.write(d);
        for (const auto& [name, a] : found.answered) {
            s.answered.emplace_back(name, a);
            pinned +=
                (pinned.empty() ? "" : ",") + (family == AF_INET6 ? "[" + a.str() + "]" : a.str());
        }
    }
    if (pinned.empty())
        return fail(ErrorKind::Network, s.ep.plugin + ": " + parts.host,
                    "no address nxp may connect to (not found, or only loopback, private or "
                    "reserved ones; 'nxp permissions " +
                        s.ep.plugin + " --log' lists the decisions)");
    s.resolve = curl_slist_append(
        nullptr, (parts.host + ":" + std::to_string(parts.port) + ":" + pinned).c_str());
    return {};
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
        case TransferRole::Post:
            add("Content-Type: application/json");
            add("Accept: application/json, text/event-stream");
            add("Expect:");
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body.c_str());
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(t->body.size()));
            break;
        case TransferRole::Resume:
        case TransferRole::Listen:
        case TransferRole::Stream:
            add("Accept: text/event-stream");
            if (!t->last_id.empty()) add("Last-Event-ID: " + t->last_id);
            break;
        case TransferRole::Delete:
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
            break;
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_multi_add_handle(multi, e);
    live.push_back(std::move(t));
}

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

}  // namespace nxp::runtime
