// Remote MCP servers (issue 16 item 3): plugin.json's mcp.remote, the URL rules, and the
// event-stream reader every byte a remote server sends goes through.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "formats/manifest.hpp"
#include "runtime/sse.hpp"

using namespace nxp;

namespace {

std::string manifest(const std::string& mcp, const std::string& extra = "") {
    return R"({"name": "remote", "version": "1.0.0", "kind": "mcp-server", "mcp": )" + mcp + extra +
           "}";
}

const std::string kConfig =
    R"(, "config": {"token": {"type": "string", "secret": true},
                    "team": {"type": "string"}})";

std::vector<runtime::SseEvent> parse_in_pieces(const std::string& text, std::size_t piece) {
    runtime::SseParser p;
    std::vector<runtime::SseEvent> out;
    for (std::size_t i = 0; i < text.size(); i += piece)
        REQUIRE(p.feed(text.substr(i, piece), out));
    return out;
}

}  // namespace

TEST_CASE("a remote URL: http or https, a host, a port, no user information") {
    auto u = formats::parse_remote_url("https://MCP.Example.com/mcp?x=1");
    REQUIRE(u);
    CHECK(u->https);
    CHECK(u->host == "mcp.example.com");
    CHECK(u->port == 443);
    CHECK(u->target == "/mcp?x=1");
    CHECK(u->network_entry == "mcp.example.com");
    u = formats::parse_remote_url("http://127.0.0.1:8931");
    REQUIRE(u);
    CHECK(u->target == "/");
    CHECK(u->network_entry == "127.0.0.1:8931");
    u = formats::parse_remote_url("http://example.org/sse");
    REQUIRE(u);
    CHECK(u->network_entry == "example.org:80");
    u = formats::parse_remote_url("https://[2001:db8::1]:8443/mcp");
    REQUIRE(u);
    CHECK(u->host == "2001:db8::1");
    CHECK(u->network_entry == "[2001:db8::1]:8443");

    for (const char* bad : {"ftp://example.org/",
                            "file:///etc/passwd",
                            "example.org/mcp",
                            "https://",
                            "https:///x",
                            "https://user:pw@example.org/",
                            "https://token@example.org/",
                            "https://example.org:/",
                            "https://example.org:0/",
                            "https://example.org:65536/",
                            "https://example.org:99999/",
                            "https://*.example.org/",
                            "https://exa mple.org/",
                            "https://example.org/a b",
                            "https://example.org/#frag",
                            "https://example.org\\@evil.org/",
                            "https://ex%41.org/",
                            "https://-bad-.org/",
                            "https://[::1/",
                            "https://example.org/${config.path}",
                            "https://example.org/\r\nX-Injected: 1",
                            "https://ex\xc3\xa4mple.org/"}) {
        INFO(bad);
        auto r = formats::parse_remote_url(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().context == "mcp.remote.url");
    }
}

TEST_CASE("mcp.remote in plugin.json") {
    auto m = formats::parse_manifest(manifest(
        R"({"remote": {"url": "https://mcp.example.com/mcp", "transport": "sse",
             "headers": {"Authorization": "Bearer ${config.token}", "X-Team": "${config.team}"}}})",
        kConfig));
    REQUIRE(m);
    REQUIRE(m->mcp->remote);
    CHECK(m->mcp->command.empty());
    CHECK(m->mcp->remote->transport == formats::McpTransport::Sse);
    CHECK(m->mcp->remote->headers.at("Authorization") == "Bearer ${config.token}");
    // The host is a permission the plugin asks for, once.
    CHECK(m->permissions.network == std::vector<std::string>{"mcp.example.com"});
    m = formats::parse_manifest(
        manifest(R"({"remote": {"url": "http://127.0.0.1:9000/mcp"}})",
                 R"(, "permissions": {"network": ["127.0.0.1:9000", "api.example.org"]})"));
    REQUIRE(m);
    CHECK(m->mcp->remote->transport == formats::McpTransport::StreamableHttp);
    CHECK(m->permissions.network == std::vector<std::string>{"127.0.0.1:9000", "api.example.org"});
    m = formats::parse_manifest(manifest(R"({"remote": {"url": "http://Host.Example:8080/"}})",
                                         R"(, "permissions": {"network": ["other.example"]})"));
    REQUIRE(m);
    CHECK(m->permissions.network == std::vector<std::string>{"other.example", "host.example:8080"});
}

TEST_CASE("mcp.remote mistakes name the field") {
    struct Case {
        std::string mcp;
        std::string field;
    };
    const Case cases[] = {
        {R"({"command": "node", "remote": {"url": "https://a.example/"}})", "mcp"},
        {R"({"remote": {"url": "https://a.example/"}, "args": ["x"]})", "mcp.args"},
        {R"({"remote": {}})", "mcp.remote.url"},
        {R"({"remote": {"url": "https://a.example/", "transport": "websocket"}})",
         "mcp.remote.transport"},
        {R"({"remote": {"url": "https://a.example/", "extra": 1}})", "mcp.remote.extra"},
        {R"({"remote": {"url": "https://a.example/", "headers": []}})", "mcp.remote.headers"},
        {R"({"remote": {"url": "https://a.example/", "headers": {"Bad Name": "x"}}})",
         "mcp.remote.headers.\"Bad Name\""},
        {R"({"remote": {"url": "https://a.example/", "headers": {"X:Y": "x"}}})",
         "mcp.remote.headers.\"X:Y\""},
        {R"({"remote": {"url": "https://a.example/", "headers": {"X-A": "a\r\nX-B: b"}}})",
         "mcp.remote.headers.\"X-A\""},
        {R"({"remote": {"url": "https://a.example/", "headers": {"X-A": "a\nb"}}})",
         "mcp.remote.headers.\"X-A\""},
        {R"({"remote": {"url": "https://a.example/", "headers": {"X-A": 5}}})",
         "mcp.remote.headers.\"X-A\""},
        {R"({"remote": {"url": "https://a.example/", "headers": {"Host": "evil.example"}}})",
         "mcp.remote.headers.\"Host\""},
        {R"({"remote": {"url": "https://a.example/", "headers": {"mcp-session-id": "x"}}})",
         "mcp.remote.headers.\"mcp-session-id\""},
        {R"({"remote": {"url": "https://a.example/", "headers": {"Content-Length": "1"}}})",
         "mcp.remote.headers.\"Content-Length\""},
        {R"({"remote": {"url": "https://a.example/", "headers": {"X-A": "a", "x-a": "b"}}})",
         "mcp.remote.headers.\"x-a\""},
        {R"({"remote": {"url": "https://a.example/", "headers": {"X-A": "${plugin_dir}"}}})",
         "mcp.remote.headers.\"X-A\""},
        {R"({"remote": {"url": "https://a.example/", "headers": {"X-A": "${config.nope}"}}})",
         "mcp.remote.headers.\"X-A\""},
    };
    for (const auto& c : cases) {
        INFO(c.mcp);
        auto m = formats::parse_manifest(manifest(c.mcp, kConfig));
        REQUIRE_FALSE(m);
        CHECK(m.error().context == c.field);
    }
    // A secret goes into a header, never onto a command line.
    CHECK(formats::parse_manifest(manifest(
        R"({"remote": {"url": "https://a.example/", "headers": {"Authorization": "Bearer ${config.token}"}}})",
        kConfig)));
    auto args = formats::parse_manifest(
        manifest(R"({"command": "node", "args": ["${config.token}"]})", kConfig));
    REQUIRE_FALSE(args);
    CHECK(args.error().context == "mcp.args[0]");
}

TEST_CASE("event streams: fields, line ends and pieces of any size") {
    const std::string stream =
        "\xEF\xBB\xBF: a comment\r\n"
        "event: endpoint\r\ndata: /messages?session=1\r\n\r\n"
        "id: 7\ndata: {\"a\":\ndata: 1}\n\n"
        "data:no space\r\rretry: 1500\nid\n:keep-alive\n\n"
        "event: other\ndata\n\n"
        "id: 9\n\n";  // an id alone dispatches nothing
    for (std::size_t piece : {1u, 2u, 3u, 5u, 7u, 1000u}) {
        INFO(piece);
        auto events = parse_in_pieces(stream, piece);
        REQUIRE(events.size() == 4);
        CHECK(events[0].type == "endpoint");
        CHECK(events[0].data == "/messages?session=1");
        CHECK(events[1].type == "message");
        CHECK(events[1].data == "{\"a\":\n1}");
        CHECK(events[1].id == "7");
        CHECK(events[2].data == "no space");
        CHECK(events[2].id == "7");
        CHECK(events[3].type == "other");
        CHECK(events[3].data.empty());
        CHECK(events[3].id.empty());  // "id" with no value resets it
    }
    runtime::SseParser p;
    std::vector<runtime::SseEvent> out;
    REQUIRE(p.feed("retry: 1500\nid: 42\n\n", out));
    CHECK(p.retry_ms() == 1500);
    CHECK(p.last_event_id() == "42");
}

TEST_CASE("event streams are bounded: an event or a line past the limit ends the stream") {
    for (const std::string& hostile :
         {std::string(5000, 'x'),                     // one line that never ends
          "data: " + std::string(3000, 'y') + "\n" +  // an event that never ends
              "data: " + std::string(3000, 'y') + "\n",
          std::string("data: ") + std::string(4095, 'z') + "\n\n"}) {
        runtime::SseParser p(4096);
        std::vector<runtime::SseEvent> out;
        bool ok = true;
        for (std::size_t i = 0; i < hostile.size() && ok; i += 100)
            ok = p.feed(hostile.substr(i, 100), out);
        CHECK_FALSE(ok);
        CHECK_FALSE(p.feed("data: more\n\n", out));  // and stays ended
        CHECK(out.empty());
    }
    runtime::SseParser p(4096);
    std::vector<runtime::SseEvent> out;
    for (int i = 0; i < 1000; ++i) REQUIRE(p.feed("data: " + std::string(100, 'a') + "\n\n", out));
    CHECK(out.size() == 1000);  // many events within the limit are fine
}
