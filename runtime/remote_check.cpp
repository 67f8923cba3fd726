// The remote server's endpoint from a plugin's manifest and configuration, and the install
// health check over it (issue 16 item 3); the bridge itself is in mcp_remote.cpp.
#include <chrono>
#include <nlohmann/json.hpp>

#include "formats/json_util.hpp"
#include "formats/redact.hpp"
#include "formats/text_util.hpp"
#include "runtime/grants.hpp"
#include "runtime/mcp_remote.hpp"

namespace nxp::runtime {
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kCloseWaitMs = 80;

bool control_free(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') return false;
    return s.find('\x7f') == std::string_view::npos;
}

}  // namespace

Result<RemoteEndpoint> remote_endpoint(const Plugin& p) {
    if (!p.manifest.mcp || !p.manifest.mcp->remote)
        return fail(ErrorKind::Invalid, p.name, "not a remote MCP server (no mcp.remote)");
    const auto& remote = *p.manifest.mcp->remote;
    auto parts = formats::parse_remote_url(remote.url);
    if (!parts) return tl::unexpected(in_context(parts.error(), p.name));
    formats::Permissions needed;
    needed.network.push_back(parts->network_entry);
    if (!ungranted(needed, p.granted).empty())
        return fail(ErrorKind::Invalid, p.name,
                    "network " + parts->network_entry +
                        " is not granted; the remote server is not contacted until it is: run "
                        "'nxp permissions " +
                        p.name + " --grant'");
    RemoteEndpoint ep;
    ep.plugin = p.name;
    ep.transport = remote.transport;
    ep.url = remote.url;
    ep.parts = std::move(*parts);
    ep.secrets = p.config.secrets;
    ep.egress_log = p.egress_log;
    for (const auto& [name, text] : remote.headers) {
        std::string value = substitute(text, p);
        // A configured value must not add a header or end the request: never shown here,
        // it may be a secret.
        if (!control_free(value))
            return fail(ErrorKind::Invalid, p.name + ": mcp.remote.headers." + name,
                        "its value, from the plugin's configuration, holds a line break or "
                        "another control character");
        ep.headers.emplace_back(name, std::move(value));
    }
    return ep;
}

namespace {

std::string rpc(int id, const std::string& method, json params) {
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}}
        .dump();
}

// A server's error object as a short sentence.
std::string error_text(const json& e) {
    if (e.is_object() && e.contains("message") && e["message"].is_string())
        return formats::detail::quote(e["message"].get_ref<const std::string&>(), 200);
    return formats::detail::quote(e.dump(-1, ' ', false, json::error_handler_t::replace), 200);
}

}  // namespace

Result<std::vector<formats::ToolDef>> remote_health_check(const Plugin& p, int timeout_s) {
    auto ep = remote_endpoint(p);
    if (!ep) return tl::unexpected(ep.error());
    const auto& secrets = ep->secrets;
    auto opened = RemoteSession::open(*ep);
    if (!opened) return tl::unexpected(opened.error());
    RemoteSession& s = **opened;
    auto failed = [&](const std::string& why) {
        s.close(kCloseWaitMs);
        return fail(ErrorKind::Invalid, "", formats::redact_secrets(why, secrets));
    };
    const bool sse = ep->transport == formats::McpTransport::Sse;
    s.send(rpc(1, "initialize",
               {{"protocolVersion", sse ? "2024-11-05" : "2025-03-26"},
                {"capabilities", json::object()},
                {"clientInfo", {{"name", "nxp"}, {"version", NXP_VERSION}}}}));
    int stage = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    while (Clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        s.pump(static_cast<int>(std::max<long long>(1, left.count())), -1, nullptr);
        for (const auto& line : s.take_messages()) {
            auto msg = formats::parse_json(line, "", {64, false});
            if (!msg || !msg->is_object())
                return failed("invalid JSON-RPC message from the server: " +
                              (msg ? formats::detail::quote(line, 200) : msg.error().message));
            if (msg->contains("method")) {  // a request of the server's (ping…)
                if (msg->contains("id") && ((*msg)["id"].is_number() || (*msg)["id"].is_string())) {
                    json reply{{"jsonrpc", "2.0"}, {"id", (*msg)["id"]}};
                    if ((*msg)["method"] == "ping")
                        reply["result"] = json::object();
                    else
                        reply["error"] = {{"code", -32601}, {"message", "method not found"}};
                    s.send(reply.dump());
                }
                continue;
            }
            const json& id = (*msg)["id"];
            if (!id.is_number_integer()) continue;
            const char* what = stage == 0 ? "initialize" : "tools/list";
            if (msg->contains("error"))
                return failed(std::string(what) + " failed: " + error_text((*msg)["error"]));
            if (!msg->contains("result"))
                return failed(std::string("invalid JSON-RPC 2.0 answer to ") + what);
            if (stage == 0 && id == 1) {
                stage = 1;
                s.send(json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}.dump());
                s.send(rpc(2, "tools/list", json::object()));
            } else if (stage == 1 && id == 2) {
                auto tools = formats::parse_tools_list((*msg)["result"]);
                if (!tools) return failed("tools/list answer: " + tools.error().str());
                for (auto& t : *tools) {
                    t.name = formats::redact_secrets(t.name, secrets);
                    t.canonical = formats::redact_secrets(t.canonical, secrets);
                }
                s.close(kCloseWaitMs);
                return *tools;
            }
        }
        if (!s.failure().empty()) return failed(s.failure());
    }
    return failed("no answer to " + std::string(stage == 0 ? "initialize" : "tools/list") +
                  " from " + ep->url + " within " + std::to_string(timeout_s) + " s");
}

}  // namespace nxp::runtime
