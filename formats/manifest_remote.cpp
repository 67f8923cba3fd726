// plugin.json's mcp.remote (issue 16): a remote MCP server's URL, transport and headers.
#include <nlohmann/json.hpp>
#include <set>

#include "formats/json_util.hpp"
#include "formats/manifest.hpp"
#include "formats/manifest_util.hpp"
#include "formats/text_util.hpp"

namespace nxp::formats {
namespace {

using detail::invalid;
using detail::json;
using detail::member;

constexpr std::size_t kMaxUrl = 2048;
constexpr std::size_t kMaxHeaders = 32;
constexpr std::size_t kMaxHeaderValue = 8192;

// RFC 9110 §5.6.2: tchar.
bool is_token(std::string_view s) {
    if (s.empty() || s.size() > 256) return false;
    for (char c : s) {
        bool alnum = detail::is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos)
            return false;
    }
    return true;
}

// Headers the bridge sets itself, or that would change how a request is framed or routed.
bool reserved_header(std::string_view name) {
    const std::string n = detail::ascii_lower(name);
    for (std::string_view r :
         {"host", "content-length", "content-type", "transfer-encoding", "connection", "accept",
          "accept-encoding", "te", "upgrade", "trailer", "keep-alive", "proxy-authorization",
          "proxy-connection", "expect", "mcp-session-id", "mcp-protocol-version", "last-event-id"})
        if (n == r) return true;
    return false;
}

// Every "${" of a header value opens ${config.KEY}.
bool placeholders_are_config(std::string_view v) {
    for (auto p = v.find("${"); p != std::string_view::npos; p = v.find("${", p + 1)) {
        if (v.substr(p, 9) != "${config." || v.find('}', p) == std::string_view::npos) return false;
    }
    return true;
}

Result<void> parse_headers(const json& v, McpRemote& remote) {
    if (!v.is_object()) return invalid("mcp.remote.headers", "expected object");
    if (v.size() > kMaxHeaders)
        return invalid("mcp.remote.headers", "at most " + std::to_string(kMaxHeaders) + " headers");
    std::set<std::string> seen;
    for (const auto& [name, value] : v.items()) {
        const std::string field = "mcp.remote.headers." + detail::quote(name);
        if (!is_token(name))
            return invalid(field, "a header name must be an HTTP token (letters, digits, -)");
        if (reserved_header(name)) return invalid(field, "nxp sets this header itself");
        if (!seen.insert(detail::ascii_lower(name)).second)
            return invalid(field, "given twice (header names ignore case)");
        auto text = detail::get_string(value, field, kMaxHeaderValue);
        if (!text) return tl::unexpected(text.error());
        // get_string lets a line feed through (descriptions); a header value ends at one.
        if (text->find_first_of("\r\n") != std::string::npos ||
            text->find('\x7f') != std::string::npos)
            return invalid(field,
                           "must not contain control characters (a line break would end "
                           "the header)");
        if (!placeholders_are_config(*text))
            return invalid(field, "the only placeholder a header takes is ${config.KEY}");
        remote.headers[name] = std::move(*text);
    }
    return {};
}

}  // namespace

std::string_view transport_name(McpTransport t) {
    return t == McpTransport::Sse ? "sse" : "streamable-http";
}

Result<RemoteUrl> parse_remote_url(std::string_view url) {
    auto bad = [&](const std::string& why) {
        return invalid("mcp.remote.url", detail::quote(url, 120) + ": " + why);
    };
    if (url.size() > kMaxUrl) return bad("longer than 2048 bytes");
    for (char c : url) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '\\')
            return bad(
                "spaces, control characters, backslashes and non-ASCII bytes must be "
                "percent-encoded");
    }
    if (url.find("${") != std::string_view::npos)
        return bad("takes no placeholder: the host granted is the host connected to");
    RemoteUrl out;
    auto sep = url.find("://");
    const std::string scheme =
        detail::ascii_lower(url.substr(0, sep == std::string_view::npos ? 0 : sep));
    if (scheme != "https" && scheme != "http") return bad("must begin with https:// or http://");
    out.https = scheme == "https";
    std::string_view rest = url.substr(sep + 3);
    if (rest.find('#') != std::string_view::npos) return bad("a fragment (#) is not allowed");
    auto end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, end);
    std::string_view target = end == std::string_view::npos ? "" : rest.substr(end);
    if (authority.find('@') != std::string_view::npos)
        return bad(
            "user information (user:password@) is not allowed; send credentials in "
            "mcp.remote.headers from a secret config key");
    if (authority.empty()) return bad("has no host");
    if (!authority.empty() && authority.back() == ':') return bad("a port must follow \":\"");
    const bool has_port = authority.front() == '[' ? authority.find("]:") != std::string_view::npos
                                                   : authority.find(':') != std::string_view::npos;
    if (authority.starts_with("*.")) return bad("the host must be a name or an address");
    auto entry = split_network_entry(authority);
    if (!entry) return bad(entry.error());
    out.host = entry->host;
    out.port = has_port ? entry->port : (out.https ? 443 : 80);
    out.target =
        target.empty() || target.front() == '?' ? "/" + std::string(target) : std::string(target);
    const std::string host =
        entry->kind == NetworkEntry::Kind::Ipv6 ? "[" + entry->host + "]" : entry->host;
    out.network_entry = out.port == 443 ? host : host + ":" + std::to_string(out.port);
    return out;
}

namespace detail {

Result<McpRemote> parse_mcp_remote(const json& v) {
    if (!v.is_object()) return invalid("mcp.remote", "expected object");
    if (auto ok = reject_unknown_keys(v, "mcp.remote", {"url", "transport", "headers"}); !ok)
        return tl::unexpected(ok.error());
    McpRemote remote;
    const json* url = member(v, "url");
    if (!url) return invalid("mcp.remote.url", "required field is missing");
    auto u = get_string(*url, "mcp.remote.url", kMaxUrl);
    if (!u) return tl::unexpected(u.error());
    if (auto parsed = parse_remote_url(*u); !parsed) return tl::unexpected(parsed.error());
    remote.url = std::move(*u);
    if (const json* t = member(v, "transport")) {
        if (*t == "streamable-http")
            remote.transport = McpTransport::StreamableHttp;
        else if (*t == "sse")
            remote.transport = McpTransport::Sse;
        else
            return invalid("mcp.remote.transport", "must be streamable-http or sse");
    }
    if (const json* h = member(v, "headers")) {
        if (auto ok = parse_headers(*h, remote); !ok) return tl::unexpected(ok.error());
    }
    return remote;
}

void add_remote_permission(const McpRemote& remote, Permissions& perms) {
    auto url = parse_remote_url(remote.url);
    if (!url) return;
    auto wanted = split_network_entry(url->network_entry);
    for (const auto& have : perms.network) {
        auto e = split_network_entry(have);
        if (e && wanted && e->kind == wanted->kind && e->host == wanted->host &&
            e->port == wanted->port)
            return;
    }
    perms.network.push_back(url->network_entry);
}

}  // namespace detail
}  // namespace nxp::formats
