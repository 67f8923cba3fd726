// kind "runtime" (issue 19 item 2): a Node.js build shipped as a plugin provides
// node-runtime at its exact version; nothing else makes a valid runtime.
#include <catch2/catch.hpp>

#include "formats/index.hpp"
#include "formats/manifest.hpp"

using namespace nxp::formats;

namespace {

std::string runtime_manifest(const std::string& provides) {
    return R"({"name":"node22","version":"22.23.5","kind":"runtime","provides":)" + provides + "}";
}

}  // namespace

TEST_CASE("a runtime provides node-runtime at its exact version", "[manifest][runtime]") {
    auto m = parse_manifest(runtime_manifest(R"(["node-runtime = 22.23.5"])"));
    REQUIRE(m);
    CHECK(m->kind == Kind::Runtime);
    CHECK(kind_name(Kind::Runtime) == "runtime");
    CHECK(parse_kind("runtime") == Kind::Runtime);
    for (const char* bad : {R"([])", R"(["node-runtime"])", R"(["node-runtime >= 22"])",
                            R"(["node-runtime ^22"])", R"(["other = 1.0.0"])"}) {
        INFO(bad);
        auto r = parse_manifest(runtime_manifest(bad));
        REQUIRE_FALSE(r);
        CHECK(r.error().context.rfind("provides", 0) == 0);
    }
    for (const char* bad : {R"([])", R"(["node-runtime"])", R"(["other = 1.0.0"])"})
        CHECK_THAT(parse_manifest(runtime_manifest(bad)).error().message,
                   Catch::Contains("node-runtime"));
    // A runtime runs no MCP server.
    CHECK_FALSE(parse_manifest(
        R"({"name":"n","version":"1.0.0","kind":"runtime","provides":["node-runtime = 1.0.0"],
            "mcp":{"command":"node"}})"));
    // The unknown-kind message lists runtime.
    auto k = parse_manifest(R"({"name":"n","version":"1.0.0","kind":"runtimes"})");
    REQUIRE_FALSE(k);
    CHECK_THAT(k.error().message, Catch::Contains("runtime"));
}

TEST_CASE("another kind's node-runtime claim is not a manifest error", "[manifest][runtime]") {
    // The resolver ignores it (resolver/pool.cpp may_provide); existing plugins keep parsing.
    auto m = parse_manifest(
        R"({"name":"x","version":"1.0.0","kind":"library","provides":["node-runtime = 99.0.0"]})");
    CHECK(m);
}
