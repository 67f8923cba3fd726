// The MCP Registry tree of `nxp repo build --mcp-registry` (repo/mcp_registry.hpp, issue 19
// item 5): the generic registry API's shapes and required fields, names and namespaces.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "formats/semver.hpp"
#include "repo/mcp_registry.hpp"

using namespace nxp;
using namespace nxp::repo;
using json = nlohmann::json;

namespace {

formats::IndexEntry server(const std::string& name, const std::string& version) {
    formats::IndexEntry e;
    e.name = name;
    e.version = *formats::parse_version(version);
    e.kind = formats::Kind::McpServer;
    e.summary = "A server called " + name;
    e.path = "packages/" + name + "-" + version + ".nxp";
    e.sha256 = std::string(63, 'c') + version.substr(2, 1);
    e.size = 99;
    return e;
}

std::map<std::string, json> tree(const formats::Index& index, McpRegistryOptions o = {}) {
    auto files = render_mcp_registry(index, o);
    REQUIRE(files);
    std::map<std::string, json> out;
    for (const auto& f : *files) out[f.path] = json::parse(f.content);
    return out;
}

// ServerDetail's required fields and limits (openapi.yaml, 2025-12-01).
void check_detail(const json& s) {
    REQUIRE(s.is_object());
    const auto name = s.at("name").get<std::string>();
    CHECK(name.size() >= 3);
    CHECK(name.size() <= 200);
    CHECK(std::count(name.begin(), name.end(), '/') == 1);
    const auto d = s.at("description").get<std::string>();
    CHECK(!d.empty());
    CHECK(s.at("version").is_string());
    for (const auto& p : s.at("packages")) {
        CHECK(p.at("registryType") == "nxp");
        CHECK(p.at("identifier").is_string());
        CHECK(p.at("transport").at("type") == "stdio");
        CHECK(p.at("fileSha256").get<std::string>().size() == 64);
    }
}

}  // namespace

TEST_CASE("the tree lists the latest of each server and every version", "[mcp-registry]") {
    formats::Index index;
    index.repo = "demo_repo";
    index.version = 4;
    index.packages = {server("weather", "1.1.0"), server("weather", "1.2.0"),
                      server("weather", "1.3.0"), server("notes", "0.1.0")};
    auto mask = server("mask", "1.0.0");
    mask.kind = formats::Kind::Mask;
    index.packages.push_back(mask);
    index.revoked = {index.packages[2].sha256};  // weather 1.3.0
    formats::ConfigKey k;
    k.secret = k.required = true;
    k.env = "WEATHER_KEY";
    k.description = "API key";
    index.packages[1].config["key"] = k;
    formats::ConfigKey t;
    t.type = formats::ConfigType::Integer;
    t.env = "WEATHER_TIMEOUT";
    t.default_json = "30";
    index.packages[1].config["timeout"] = t;
    index.packages[1].homepage = "https://example.org/w";

    auto files = tree(index, {"org.example", "https://plugins.example.org/demo"});
    const json& list = files.at("v0/servers/index.json");
    REQUIRE(list.at("servers").size() == 2);  // the mask is no MCP server
    CHECK(list.at("metadata").at("count") == 2);
    CHECK_FALSE(list.at("metadata").contains("nextCursor"));
    for (const auto& r : list.at("servers")) check_detail(r.at("server"));
    const json& latest = files.at("v0/servers/org.example/weather/versions/latest/index.json");
    CHECK(latest == files.at("v0/servers/org.example/weather/versions/1.2.0/index.json"));
    CHECK(latest == files.at("v0/servers/org.example/weather/index.json"));
    const json& s = latest.at("server");
    check_detail(s);
    CHECK(s.at("name") == "org.example/weather");
    CHECK(s.at("version") == "1.2.0");
    CHECK(s.at("websiteUrl") == "https://example.org/w");
    CHECK(latest.at("_meta").at("io.modelcontextprotocol.registry/official").at("isLatest") ==
          true);
    const json& pkg = s.at("packages").at(0);
    CHECK(pkg.at("registryBaseUrl") == "https://plugins.example.org/demo");
    CHECK(pkg.at("environmentVariables") ==
          json::parse(R"([{"name":"WEATHER_KEY","description":"API key","isRequired":true,
            "isSecret":true,"format":"string"},{"name":"WEATHER_TIMEOUT","isRequired":false,
            "isSecret":false,"format":"number","default":"30"}])"));
    CHECK(s.at("_meta").at("io.nxp/package").at("install") == "nxp install weather@1.2.0");
    // The revoked version: its own document says deleted; lists and latest leave it out.
    const json& gone = files.at("v0/servers/org.example/weather/versions/1.3.0/index.json");
    CHECK(gone.at("_meta").at("io.modelcontextprotocol.registry/official").at("status") ==
          "deleted");
    const json& versions = files.at("v0/servers/org.example/weather/versions/index.json");
    REQUIRE(versions.at("servers").size() == 2);
    CHECK(versions.at("servers")[0].at("server").at("version") == "1.2.0");
    CHECK(versions.at("servers")[1].at("server").at("version") == "1.1.0");
    CHECK(versions.at("servers")[1]
              .at("_meta")
              .at("io.modelcontextprotocol.registry/official")
              .at("isLatest") == false);
}

TEST_CASE("namespaces: checked when given, derived from the repository id", "[mcp-registry]") {
    formats::Index index;
    index.repo = "my_repo!";
    CHECK(*mcp_registry_namespace(index, "") == "my-repo-");
    index.repo = "_x";
    CHECK(*mcp_registry_namespace(index, "") == "nxp--x");
    CHECK(*mcp_registry_namespace(index, "io.github.someone") == "io.github.someone");
    for (const char* bad : {"..", ".", "-a", "a/b", "a b", "a_b", "ä", "../../etc"}) {
        auto r = mcp_registry_namespace(index, bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Usage);
        CHECK(r.error().context.find(bad) != std::string::npos);
    }
    CHECK_FALSE(mcp_registry_namespace(index, std::string(136, 'a')));
}

TEST_CASE("long and hostile summaries stay within the schema", "[mcp-registry][hostile]") {
    formats::Index index;
    index.repo = "r";
    auto e = server("x", "1.0.0");
    e.summary = std::string(300, 'x') + "\xff\xfe";
    e.homepage = "javascript:alert(1)";
    index.packages = {e};
    auto s = tree(index).at("v0/servers/r/x/versions/1.0.0/index.json").at("server");
    check_detail(s);
    CHECK(s.at("description").get<std::string>().size() <= 103);  // 99 + "…"
    CHECK_FALSE(s.contains("websiteUrl"));
    e.summary = std::string(50, '\xc3');  // invalid UTF-8 is replaced, never thrown
    index.packages = {e};
    CHECK(render_mcp_registry(index, {}));
}
