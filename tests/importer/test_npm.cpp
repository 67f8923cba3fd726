// The npm importer's decisions from npm's metadata: plugin name, program, Node.js version,
// and a manifest nxp accepts (permissions left for the publisher).
#include <catch2/catch.hpp>

#include "formats/manifest.hpp"
#include "importer/npm.hpp"

using nxp::importer::node_major_for;
using nxp::importer::NpmOptions;
using nxp::importer::plan_from_npm;
using nxp::importer::plugin_name_for;
using json = nlohmann::json;

namespace {
json memory() {
    return json::parse(R"({"name": "@modelcontextprotocol/server-memory", "version": "2025.4.25",
        "description": "MCP server for enabling memory through a knowledge graph",
        "license": "MIT", "homepage": "https://modelcontextprotocol.io",
        "bin": {"mcp-server-memory": "dist/index.js"}, "engines": {"node": ">=18"}})");
}
}  // namespace

TEST_CASE("plugin names from npm names") {
    CHECK(plugin_name_for("@modelcontextprotocol/server-memory") ==
          "modelcontextprotocol-server-memory");
    CHECK(plugin_name_for("mcp-server-Fetch") == "mcp-server-fetch");
    CHECK(plugin_name_for("@a/b.c_d") == "a-b.c_d");
    CHECK(plugin_name_for(std::string(100, 'x')).size() == 64);
}

TEST_CASE("the lowest Node.js major an engines range allows") {
    CHECK(node_major_for(">=18", 0) == 18);
    CHECK(node_major_for(">= 20.10.0", 0) == 20);
    CHECK(node_major_for("^20 || ^22", 0) == 20);
    CHECK(node_major_for("^22 || >=18.17", 0) == 18);
    CHECK(node_major_for("v16.x", 0) == 16);
    CHECK(node_major_for("<20", 18) == 18);  // no lower bound: the fallback
    CHECK(node_major_for("*", 18) == 18);
    CHECK(node_major_for("", 18) == 18);
}

TEST_CASE("a plan from npm metadata") {
    NpmOptions o;
    o.spec = "@modelcontextprotocol/server-memory";
    auto p = plan_from_npm(memory(), o);
    REQUIRE(p);
    CHECK(p->plugin_name == "modelcontextprotocol-server-memory");
    CHECK(p->version == "2025.4.25");
    CHECK(p->bin_path == "dist/index.js");
    const auto& m = p->manifest;
    CHECK(m["kind"] == "mcp-server");
    CHECK(m["license"] == "MIT");
    CHECK(m["summary"] == "MCP server for enabling memory through a knowledge graph");
    CHECK(m["mcp"]["command"] == "node");
    CHECK(m["mcp"]["args"][0] ==
          "${plugin_dir}/node_modules/@modelcontextprotocol/server-memory/dist/index.js");
    CHECK(m["requires"] == nlohmann::ordered_json({"nextchat >= 2.15", "node-runtime >= 18"}));
    CHECK(m["permissions"].empty());
    CHECK(m["check"]["mcp"] == true);
    auto parsed = nxp::formats::parse_manifest(m.dump());
    REQUIRE(parsed);
    CHECK(parsed->permissions.empty());
}

TEST_CASE("options: name, no check; bins as a string and chosen") {
    NpmOptions o;
    o.spec = "x";
    o.name = "memory";
    o.check = false;
    json meta = memory();
    meta["bin"] = "./build/cli.js";
    meta["license"] = {{"type", "Apache-2.0"}};
    meta.erase("engines");
    meta.erase("description");
    auto p = plan_from_npm(meta, o);
    REQUIRE(p);
    CHECK(p->plugin_name == "memory");
    CHECK(p->bin_path == "build/cli.js");
    CHECK(p->manifest["check"]["mcp"] == false);
    CHECK(p->manifest["license"] == "Apache-2.0");
    CHECK(p->manifest["summary"] == "@modelcontextprotocol/server-memory from npm");
    CHECK(p->manifest["requires"][1] == "node-runtime >= 18");

    meta["bin"] = {{"server-memory", "a.js"}, {"other", "b.js"}};
    CHECK(plan_from_npm(meta, o)->bin_path == "a.js");  // named like the package
    meta["bin"] = {{"one", "a.js"}, {"two", "b.js"}};
    auto several = plan_from_npm(meta, o);
    REQUIRE_FALSE(several);
    CHECK(several.error().message.find("one, two") != std::string::npos);
    CHECK(several.error().message.find("--bin") != std::string::npos);
    o.bin = "two";
    CHECK(plan_from_npm(meta, o)->bin_path == "b.js");
    o.bin = "three";
    CHECK_FALSE(plan_from_npm(meta, o));
}

TEST_CASE("metadata nxp cannot use is refused, naming what is wrong") {
    NpmOptions o;
    o.spec = "x";
    json meta = memory();
    meta.erase("bin");
    auto nobin = plan_from_npm(meta, o);
    REQUIRE_FALSE(nobin);
    CHECK(nobin.error().context == "@modelcontextprotocol/server-memory: bin");
    meta = memory();
    meta["bin"] = {{"x", "../../etc/passwd"}};
    CHECK_FALSE(plan_from_npm(meta, o));
    meta = memory();
    meta["version"] = "1.0";
    auto badver = plan_from_npm(meta, o);
    REQUIRE_FALSE(badver);
    CHECK(badver.error().context.find("version") != std::string::npos);
    o.name = "Not A Name";
    auto badname = plan_from_npm(memory(), o);
    REQUIRE_FALSE(badname);
    CHECK(badname.error().context.find("name") != std::string::npos);
    CHECK_FALSE(plan_from_npm(json::array(), o));
}
