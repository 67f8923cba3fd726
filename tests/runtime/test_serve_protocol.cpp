// nxp serve's request parser and reply (runtime/serve.hpp; the wire format is documented in
// launcher/nxp-launch.c): every prefix of a good request is incomplete, never bad; every
// malformed request is refused with a reason, whatever its length; nothing reads past the
// bytes given (ASan build).
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "runtime/serve.hpp"

using nxp::runtime::parse_serve_request;
using nxp::runtime::ServeRequest;
using State = ServeRequest::State;

namespace {
std::string request(const std::string& name, unsigned char version = 1) {
    return std::string("NXPL") + static_cast<char>(version) +
           static_cast<char>(static_cast<unsigned char>(name.size())) + name;
}
}  // namespace

TEST_CASE("a good request, and each of its prefixes") {
    for (const std::string& name :
         std::vector<std::string>{"a", "echo", "my-plugin.v2_x", std::string(64, 'z')}) {
        const auto full = request(name);
        auto r = parse_serve_request(full);
        REQUIRE(r.state == State::Complete);
        CHECK(r.name == name);
        for (std::size_t n = 0; n < full.size(); ++n) {
            auto p = parse_serve_request(std::string_view(full).substr(0, n));
            INFO(name << " prefix " << n);
            CHECK(p.state == State::Incomplete);
            CHECK(p.need <= nxp::runtime::kMaxServeRequest);
            if (n >= 6) CHECK(p.need == full.size());
        }
    }
}

TEST_CASE("malformed requests are refused with a reason") {
    struct Case {
        std::string bytes, words;
    };
    const Case cases[] = {
        {"GET / HTTP/1.1", "not an nxp-launch request"},
        {"X", "not an nxp-launch request"},
        {"NXPX", "not an nxp-launch request"},
        {request("echo", 2), "protocol version 2"},
        {request("echo", 0), "protocol version 0"},
        {std::string("NXPL\x01\x00", 6), "0 bytes"},
        {std::string("NXPL\x01\x41", 6) + std::string(65, 'a'), "65 bytes"},
        {std::string("NXPL\x01\xff", 6), "255 bytes"},
        {request("Echo"), "not a plugin name"},
        {request("../etc"), "not a plugin name"},
        {request("a/b"), "not a plugin name"},
        {request("-x"), "not a plugin name"},
        {request(std::string("a\0b", 3)), "not a plugin name"},
        {request("a\nb"), "not a plugin name"},
        {request("echo") + "x", "bytes after the request"},
    };
    for (const auto& c : cases) {
        auto r = parse_serve_request(c.bytes);
        INFO(c.bytes);
        CHECK(r.state == State::Bad);
        CHECK(r.reason.find(c.words) != std::string::npos);
    }
}

TEST_CASE("random input is never accepted unless it is a request") {
    std::mt19937 rng(17);
    for (int i = 0; i < 20000; ++i) {
        std::string s(rng() % 80, '\0');
        for (auto& ch : s) ch = static_cast<char>(rng());
        if (i % 2 == 0 && s.size() >= 4) s.replace(0, 4, "NXPL");
        auto r = parse_serve_request(s);
        if (r.state == State::Complete) {
            CHECK(s.size() == 6 + r.name.size());
            CHECK(s.substr(6) == r.name);
        }
        if (r.state == State::Incomplete) CHECK(r.need > s.size());
    }
}

TEST_CASE("the reply") {
    auto x = nxp::runtime::serve_reply('X', 143);
    CHECK(x == std::string("NXPR\x01X\x8f\x00\x00", 9));
    auto r = nxp::runtime::serve_reply('R', 77, std::string(5000, 'm'));
    REQUIRE(r.size() == 9 + 1024);
    CHECK(static_cast<unsigned char>(r[7]) == 4);
    CHECK(static_cast<unsigned char>(r[8]) == 0);
}
