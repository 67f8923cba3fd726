// Per-host egress, the pure parts: grant syntax, which addresses a name grant never reaches,
// the DNS stub's answers and the connect check, and the log's lines.
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "formats/manifest_util.hpp"
#include "sandbox/egress.hpp"
#include "tests/common/temp_dir.hpp"

using namespace nxp::sandbox::egress;

namespace {

Address addr(const char* text) {
    auto a = parse_address(text);
    REQUIRE(a);
    return *a;
}

// A DNS query for `name` and `type`, as the sandbox's resolver sends it.
std::vector<unsigned char> query(const char* name, int type) {
    std::vector<unsigned char> buf(512);
    int n = res_mkquery(ns_o_query, name, ns_c_in, type, nullptr, 0, nullptr, buf.data(),
                        static_cast<int>(buf.size()));
    REQUIRE(n > 0);
    buf.resize(static_cast<std::size_t>(n));
    return buf;
}

struct Parsed {
    int rcode = -1;
    int id = -1;
    std::vector<std::string> addresses;
};

Parsed parse_reply(const std::string& reply) {
    Parsed p;
    ns_msg msg;
    REQUIRE(ns_initparse(reinterpret_cast<const unsigned char*>(reply.data()),
                         static_cast<int>(reply.size()), &msg) == 0);
    p.rcode = ns_msg_getflag(msg, ns_f_rcode);
    p.id = ns_msg_id(msg);
    CHECK(ns_msg_getflag(msg, ns_f_qr) == 1);
    for (int i = 0; i < ns_msg_count(msg, ns_s_an); ++i) {
        ns_rr rr;
        REQUIRE(ns_parserr(&msg, ns_s_an, i, &rr) == 0);
        Address a;
        a.family = ns_rr_type(rr) == ns_t_a ? AF_INET : AF_INET6;
        REQUIRE(ns_rr_rdlen(rr) == (a.family == AF_INET ? 4 : 16));
        std::copy(ns_rr_rdata(rr), ns_rr_rdata(rr) + ns_rr_rdlen(rr), a.bytes.begin());
        p.addresses.push_back(a.str());
    }
    return p;
}

std::vector<Grant> grants(std::vector<std::string> entries) {
    auto g = parse_grants(entries);
    REQUIRE(g);
    return *g;
}

}  // namespace

TEST_CASE("network grants: names, suffixes, IP literals, ports", "[egress]") {
    auto g = parse_grant("API.Example.com");
    REQUIRE(g);
    CHECK(g->kind == Grant::Kind::Name);
    CHECK(g->host == "api.example.com");
    CHECK(g->port == 443);

    g = parse_grant("*.example.org:8443");
    REQUIRE(g);
    CHECK(g->kind == Grant::Kind::Suffix);
    CHECK(g->host == "example.org");
    CHECK(g->port == 8443);

    g = parse_grant("127.0.0.2:9000");
    REQUIRE(g);
    CHECK(g->kind == Grant::Kind::Address);
    CHECK(g->address == addr("127.0.0.2"));
    CHECK(g->port == 9000);

    g = parse_grant("[2001:db8::1]:80");
    REQUIRE(g);
    CHECK(g->kind == Grant::Kind::Address);
    CHECK(g->address == addr("2001:db8::1"));
    CHECK(g->port == 80);
    g = parse_grant("[::1]");
    REQUIRE(g);
    CHECK(g->port == 443);

    for (const char* bad : {"", "http://x", "a.com:0", "a.com:65536", "-a.com", "[::1", "[::1]x",
                            "[1.2.3.4]", "[zz::]:80", "a b", "*.", "a.com:", "[::1]:0x50"}) {
        INFO(bad);
        auto r = parse_grant(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().str().find(std::string("\"") + bad + "\"") != std::string::npos);
    }
}

TEST_CASE("plugin.json accepts exactly the grants the sandbox parses", "[egress]") {
    for (const char* entry :
         {"api.example.com", "api.example.com:8443", "*.example.org", "*.example.org:80",
          "127.0.0.2", "127.0.0.2:9000", "[::1]", "[2001:db8::1]:443", "[::ffff:10.0.0.1]:80"}) {
        INFO(entry);
        CHECK(nxp::formats::detail::is_valid_network_host(entry));
        CHECK(parse_grant(entry));
    }
    for (const char* entry : {"", "http://x", "a.com:0", "a.com:65536", "[::1", "[::1]x",
                              "[1.2.3.4]", "[zz::]:80", "[::1]:0", "[]", "a b"}) {
        INFO(entry);
        CHECK_FALSE(nxp::formats::detail::is_valid_network_host(entry));
        CHECK_FALSE(parse_grant(entry));
    }
}

TEST_CASE("grant names match exactly or strictly below a suffix, in any case", "[egress]") {
    auto exact = parse_grant("api.example.com");
    auto suffix = parse_grant("*.example.com");
    REQUIRE(exact);
    REQUIRE(suffix);
    CHECK(name_matches(*exact, "API.EXAMPLE.COM."));
    CHECK_FALSE(name_matches(*exact, "x.api.example.com"));
    CHECK_FALSE(name_matches(*exact, "api.example.com.evil.net"));
    CHECK(name_matches(*suffix, "a.b.Example.com"));
    CHECK_FALSE(name_matches(*suffix, "example.com"));
    CHECK_FALSE(name_matches(*suffix, "badexample.com"));
    CHECK_FALSE(name_matches(*suffix, "example.com.evil.net"));
}

TEST_CASE("addresses a name grant never reaches", "[egress]") {
    for (const char* refused : {"127.0.0.1",
                                "127.255.0.9",
                                "10.1.2.3",
                                "172.16.0.1",
                                "172.31.255.255",
                                "192.168.1.1",
                                "169.254.169.254",
                                "169.254.0.1",
                                "100.64.0.1",
                                "100.127.255.254",
                                "0.0.0.0",
                                "224.0.0.1",
                                "239.1.1.1",
                                "255.255.255.255",
                                "240.0.0.1",
                                "::",
                                "::1",
                                "fe80::1",
                                "fc00::1",
                                "fd12:3456::1",
                                "ff02::1",
                                "::ffff:127.0.0.1",
                                "::ffff:169.254.169.254",
                                "::ffff:10.0.0.1",
                                "64:ff9b::7f00:1",
                                "64:ff9b::a9fe:a9fe",
                                "2002:7f00:1::1",
                                "2002:c0a8:101::1",
                                "::127.0.0.1",
                                "2001:db8::1",
                                "fec0::1"}) {
        INFO(refused);
        CHECK_FALSE(refused_class(addr(refused)).empty());
    }
    CHECK(refused_class(addr("169.254.169.254")) == "link-local");
    CHECK(refused_class(addr("127.0.0.1")) == "loopback");
    CHECK(refused_class(addr("100.64.0.1")) == "shared (CGNAT)");
    for (const char* ok : {"93.184.216.34", "1.1.1.1", "172.32.0.1", "100.128.0.1",
                           "2606:4700::1111", "::ffff:1.1.1.1", "64:ff9b::101:101"}) {
        INFO(ok);
        CHECK(refused_class(addr(ok)).empty());
    }
    CHECK(is_loopback(addr("127.0.0.3")));
    CHECK(is_loopback(addr("::ffff:127.0.0.1")));
    CHECK_FALSE(is_loopback(addr("10.0.0.1")));
}

TEST_CASE("the DNS stub answers granted names with public addresses only", "[egress]") {
    auto g = grants({"api.example.com", "*.cdn.example.net:8443", "inner.example.com"});
    std::vector<std::string> asked;
    Resolver resolve = [&](const std::string& name, int family) {
        asked.push_back(name);
        std::vector<Address> out;
        if (name == "api.example.com" && family == AF_INET)
            out = {addr("93.184.216.34"), addr("127.0.0.1"), addr("169.254.169.254")};
        if (name == "api.example.com" && family == AF_INET6)
            out = {addr("2606:4700::1111"), addr("::1"), addr("fe80::1")};
        if (name == "a.cdn.example.net" && family == AF_INET) out = {addr("1.1.1.1")};
        if (name == "inner.example.com" && family == AF_INET)
            out = {addr("10.0.0.5"), addr("127.0.0.1")};
        return out;
    };

    auto q = query("API.example.com", ns_t_a);
    auto a = answer_dns(q.data(), q.size(), g, resolve);
    auto p = parse_reply(a.reply);
    CHECK(p.id == ((q[0] << 8) | q[1]));
    CHECK(p.rcode == ns_r_noerror);
    CHECK(p.addresses == std::vector<std::string>{"93.184.216.34"});
    REQUIRE(a.answered.size() == 1);
    CHECK(a.answered[0].first == "api.example.com");
    REQUIRE(a.decisions.size() == 3);
    CHECK(a.decisions[0].allow);
    CHECK_FALSE(a.decisions[1].allow);
    CHECK(a.decisions[1].reason == "loopback address");
    CHECK(a.decisions[2].reason == "link-local address");

    q = query("api.example.com", ns_t_aaaa);
    a = answer_dns(q.data(), q.size(), g, resolve);
    CHECK(parse_reply(a.reply).addresses == std::vector<std::string>{"2606:4700::1111"});

    q = query("a.cdn.example.net", ns_t_a);
    a = answer_dns(q.data(), q.size(), g, resolve);
    CHECK(parse_reply(a.reply).addresses == std::vector<std::string>{"1.1.1.1"});

    // A granted name resolving only to refused addresses is refused.
    q = query("inner.example.com", ns_t_a);
    a = answer_dns(q.data(), q.size(), g, resolve);
    p = parse_reply(a.reply);
    CHECK(p.rcode == ns_r_refused);
    CHECK(p.addresses.empty());
    CHECK(a.answered.empty());
    CHECK(a.decisions.size() == 2);

    // Names not granted are refused without being resolved on the host.
    asked.clear();
    for (const char* name : {"example.com", "cdn.example.net", "api.example.com.evil.net",
                             "metadata.google.internal", "localhost", "xapi.example.com"}) {
        INFO(name);
        q = query(name, ns_t_a);
        a = answer_dns(q.data(), q.size(), g, resolve);
        p = parse_reply(a.reply);
        CHECK(p.rcode == ns_r_refused);
        CHECK(p.addresses.empty());
        REQUIRE(a.decisions.size() == 1);
        CHECK_FALSE(a.decisions[0].allow);
        CHECK(a.decisions[0].via == "dns");
    }
    CHECK(asked.empty());

    // Other types of a granted name: an empty answer, nothing resolved.
    q = query("api.example.com", ns_t_txt);
    a = answer_dns(q.data(), q.size(), g, resolve);
    p = parse_reply(a.reply);
    CHECK(p.rcode == ns_r_noerror);
    CHECK(p.addresses.empty());
    CHECK(asked.empty());
}

TEST_CASE("the DNS stub drops what is not one query", "[egress]") {
    auto g = grants({"api.example.com"});
    Resolver never = [](const std::string&, int) -> std::vector<Address> {
        FAIL("resolved");
        return {};
    };
    auto q = query("api.example.com", ns_t_a);
    for (std::size_t cut = 0; cut < q.size(); ++cut) {
        auto a = answer_dns(q.data(), cut, g, never);
        CHECK(a.reply.empty());
    }
    auto response = q;
    response[2] |= 0x80;  // QR: a response, not a query
    CHECK(answer_dns(response.data(), response.size(), g, never).reply.empty());
    auto two = q;
    two[5] = 2;  // QDCOUNT 2
    CHECK(answer_dns(two.data(), two.size(), g, never).reply.empty());
}

TEST_CASE("connects are allowed to granted pairs only", "[egress]") {
    auto g = grants({"127.0.0.2:8080", "[::1]:9000", "api.example.com", "*.example.org:8443"});
    std::vector<std::pair<std::string, Address>> answered = {
        {"api.example.com", addr("93.184.216.34")}, {"x.example.org", addr("1.1.1.1")}};
    CHECK(check_connect(g, answered, addr("127.0.0.2"), 8080).allow);
    CHECK(check_connect(g, answered, addr("::ffff:127.0.0.2"), 8080).allow);
    CHECK(check_connect(g, answered, addr("::1"), 9000).allow);
    CHECK_FALSE(check_connect(g, answered, addr("127.0.0.2"), 8081).allow);
    CHECK_FALSE(check_connect(g, answered, addr("127.0.0.1"), 8080).allow);
    CHECK_FALSE(check_connect(g, answered, addr("127.0.0.3"), 8080).allow);
    auto v = check_connect(g, answered, addr("93.184.216.34"), 443);
    CHECK(v.allow);
    CHECK(v.host == "api.example.com");
    v = check_connect(g, answered, addr("93.184.216.34"), 80);
    CHECK_FALSE(v.allow);
    CHECK(v.reason == "port 80 not granted");
    CHECK(check_connect(g, answered, addr("1.1.1.1"), 8443).allow);
    CHECK_FALSE(check_connect(g, answered, addr("1.1.1.1"), 443).allow);
    // An address no granted name was answered with.
    CHECK_FALSE(check_connect(g, answered, addr("169.254.169.254"), 80).allow);
    CHECK_FALSE(check_connect(g, answered, addr("8.8.8.8"), 443).allow);
}

TEST_CASE("the egress log: one JSON object a line, 0600, rotated", "[egress]") {
    Decision d{true, "api.example.com", "93.184.216.34", 443, "connect", "granted \"x\"\n"};
    auto line = log_line(d, 1796446200);  // 2026-12-05T04:50:00Z
    CHECK(line ==
          R"({"time":"2026-12-05T04:50:00Z","decision":"allow","host":"api.example.com",)"
          R"("address":"93.184.216.34","port":443,"via":"connect","reason":"granted \"x\"\n"})");
    nxp::test::TempDir dir;
    auto file = dir.path / "log" / "egress" / "demo.jsonl";
    Log log(file, 300);
    for (int i = 0; i < 5; ++i) log.write(d);
    REQUIRE(std::filesystem::exists(file));
    constexpr auto kOwnerRw =
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;
    CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::all) == kOwnerRw);
    CHECK(std::filesystem::exists(file.string() + ".1"));
    CHECK(std::filesystem::file_size(file) <= 300 + line.size() + 1);
    std::ifstream in(file);
    std::string l;
    while (std::getline(in, l)) {
        auto j = nlohmann::json::parse(l);
        CHECK(j["decision"] == "allow");
        CHECK(j["port"] == 443);
    }
}
