// The MCP Registry's server.json as a plan: an npm package with its environment variables and
// arguments as config keys, a remote server as a remote plugin, and hostile documents refused
// naming the field path.
#include <catch2/catch.hpp>

#include "formats/manifest.hpp"
#include "importer/server_json.hpp"

using namespace nxp::importer;
using json = nlohmann::json;

namespace {

json weather() {
    return json::parse(R"({
      "$schema": "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json",
      "name": "io.github.example/weather", "description": "Weather forecasts",
      "version": "1.2.0", "websiteUrl": "https://weather.example",
      "repository": {"url": "https://github.com/example/weather", "source": "github"},
      "packages": [
        {"registryType": "pypi", "identifier": "weather-mcp", "version": "1.2.0"},
        {"registryType": "npm", "registryBaseUrl": "https://registry.npmjs.org",
         "identifier": "@example/weather-mcp", "version": "1.2.0", "runtimeHint": "npx",
         "transport": {"type": "stdio"},
         "packageArguments": [
           {"type": "positional", "valueHint": "cache_dir", "isRequired": true,
            "description": "Where forecasts are cached"},
           {"type": "named", "name": "--units", "default": "metric",
            "choices": ["metric", "imperial"], "description": "Units"},
           {"type": "named", "name": "--stdio", "value": "yes"},
           {"type": "named", "name": "--port", "description": "optional, no default"}],
         "environmentVariables": [
           {"name": "WEATHER_API_KEY", "description": "API key", "isRequired": true,
            "isSecret": true},
           {"name": "WEATHER_REGION", "default": "eu", "choices": ["eu", "us"]},
           {"name": "WEATHER_DEBUG", "description": "Verbose logs", "format": "boolean"}]}],
      "remotes": [{"type": "streamable-http", "url": "https://mcp.weather.example/mcp",
                   "headers": [{"name": "Authorization", "value": "Bearer {api_key}",
                                "isRequired": true, "isSecret": true,
                                "variables": {"api_key": {"description": "Your API key"}}},
                               {"name": "X-Tenant", "isSecret": false},
                               {"name": "X-Client", "value": "nxp"}]}]})");
}

ServerJsonOptions opts() {
    ServerJsonOptions o;
    o.source = "server.json";
    o.out = "out";
    return o;
}

}  // namespace

TEST_CASE("server.json: the npm package, its variables and arguments") {
    auto p = plan_from_server_json(weather(), opts());
    REQUIRE(p);
    CHECK_FALSE(p->remote);
    CHECK(p->server == "io.github.example/weather");
    CHECK(p->index == 1);  // the npm package, not the pypi one listed first
    CHECK(p->npm.spec == "@example/weather-mcp@1.2.0");
    CHECK(p->npm.expect_version == "1.2.0");
    CHECK_FALSE(p->npm.scan);
    REQUIRE(p->npm.preset_env.size() == 3);
    const auto& key = p->npm.preset_env[0];
    CHECK(key.name == "WEATHER_API_KEY");
    CHECK(key.secret == true);
    CHECK(key.required == true);
    CHECK(key.description == "API key");
    const auto& region = p->npm.preset_env[1];
    CHECK(region.secret == false);
    CHECK(region.required == false);
    CHECK(region.default_value == "eu");
    CHECK(region.choices == std::vector<std::string>{"eu", "us"});
    REQUIRE(p->npm.preset_args.size() == 2);
    CHECK(p->npm.preset_args[0].key == "cache_dir");
    CHECK(p->npm.preset_args[0].required);
    CHECK(p->npm.preset_args[0].flag.empty());
    CHECK(p->npm.preset_args[1].key == "units");
    CHECK(p->npm.preset_args[1].flag == "--units");
    CHECK(p->npm.preset_args[1].default_value == "metric");
    CHECK(p->npm.fixed_args == std::vector<std::string>{"--stdio", "yes"});
    REQUIRE(p->notes.size() == 1);
    CHECK(p->notes[0].find("packages[1].packageArguments[3] (--port)") != std::string::npos);
    CHECK(p->npm.source_extra["server"] == "io.github.example/weather");
    // Another registry named by the document is not followed: a note says so.
    json other = weather();
    other["packages"][1]["registryBaseUrl"] = "https://evil.example/npm";
    auto o2 = plan_from_server_json(other, opts());
    REQUIRE(o2);
    CHECK(o2->npm.spec == "@example/weather-mcp@1.2.0");
    REQUIRE(o2->notes.size() == 2);
    CHECK(o2->notes[0].find("registryBaseUrl \"https://evil.example/npm\" is not used") !=
          std::string::npos);

    // The config keys the plan gives, in a manifest nxp accepts.
    nlohmann::ordered_json m = nlohmann::ordered_json::parse(
        R"({"name": "w", "version": "1.2.0", "kind": "mcp-server",
            "mcp": {"command": "node", "args": ["${plugin_dir}/x.js", "--stdio", "yes"]}})");
    add_config_keys(m, merge_env_settings({}, p->npm.preset_env, {}), p->npm.preset_args);
    auto parsed = nxp::formats::parse_manifest(m.dump());
    REQUIRE(parsed);
    CHECK(parsed->config.at("weather_api_key").secret);
    CHECK(parsed->config.at("weather_api_key").required);
    CHECK(parsed->config.at("weather_region").type == nxp::formats::ConfigType::Enum);
    CHECK(parsed->config.at("weather_region").default_json == "\"eu\"");
    CHECK(parsed->config.at("cache_dir").arg == "single");
    CHECK(parsed->config.at("units").position == 5);  // [x.js, --stdio, yes, dir, --units, V]
}

TEST_CASE("server.json: a remote server, or --remote") {
    auto o = opts();
    o.remote = true;
    auto p = plan_from_server_json(weather(), o);
    REQUIRE(p);
    CHECK(p->remote);
    const auto& m = p->manifest;
    CHECK(m["name"] == "io.github.example-weather");
    CHECK(m["mcp"]["remote"]["url"] == "https://mcp.weather.example/mcp");
    CHECK(m["mcp"]["remote"]["transport"] == "streamable-http");
    CHECK(m["mcp"]["remote"]["headers"]["Authorization"] == "Bearer ${config.api_key}");
    CHECK(m["mcp"]["remote"]["headers"]["X-Tenant"] == "${config.x-tenant}");
    CHECK(m["mcp"]["remote"]["headers"]["X-Client"] == "nxp");
    CHECK(m["config"]["api_key"]["secret"] == true);
    CHECK(m["config"]["api_key"]["required"] == true);
    CHECK(m["config"]["api_key"]["description"] == "Your API key");
    CHECK(m["config"]["x-tenant"]["secret"] == true);
    CHECK(m["permissions"]["network"][0] == "mcp.weather.example");
    CHECK(m["source"]["type"] == "mcp-registry");
    REQUIRE(nxp::formats::parse_manifest(m.dump()));
    // Only remotes: a remote plugin without asking; the registry API's wrapper is taken.
    json only = weather();
    only.erase("packages");
    auto wrapped = plan_from_server_json(json{{"server", only}, {"_meta", json::object()}}, opts());
    REQUIRE(wrapped);
    CHECK(wrapped->remote);
}

TEST_CASE("server.json that nxp cannot use, or that lies, is refused naming the field") {
    auto refused = [](json doc, const std::string& field, const std::string& words = "") {
        auto p = plan_from_server_json(doc, opts());
        REQUIRE_FALSE(p);
        INFO(p.error().str());
        CHECK(p.error().context == "server.json: " + field);
        if (!words.empty()) CHECK(p.error().message.find(words) != std::string::npos);
    };
    const std::string env = "packages[1].environmentVariables[2].name";
    for (const char* bad : {"A=B", "lower", "WITH SPACE", "", "PATH", "1ABC"}) {
        json d = weather();
        d["packages"][1]["environmentVariables"][2]["name"] = bad;
        refused(d, env);
    }
    json nul = weather();
    nul["packages"][1]["environmentVariables"][2]["name"] = std::string("A\0B", 3);
    refused(nul, env, "NUL");
    json twice = weather();
    twice["packages"][1]["environmentVariables"][2]["name"] = "WEATHER_API_KEY";
    refused(twice, env, "twice");
    json pypi = weather();
    pypi["packages"].erase(1);
    refused(pypi, "packages[0].registryType", "\"pypi\"");
    json oci = weather();
    oci["packages"] = json::array({{{"registryType", "oci"}, {"identifier", "x"}}});
    oci.erase("remotes");
    refused(oci, "packages[0].registryType", "\"oci\"");
    for (const char* bad : {"", "no-slash", "a/b/c", "/x", "x/", "a b/c", "ünï/code"}) {
        json d = weather();
        d["name"] = bad;
        refused(d, "name");
    }
    json range = weather();
    range["packages"][1]["version"] = "^1.2.0";
    refused(range, "packages[1].version", "exact");
    json secret_arg = weather();
    secret_arg["packages"][1]["packageArguments"][0]["isSecret"] = true;
    refused(secret_arg, "packages[1].packageArguments[0]", "environment");
    json types = weather();
    types["packages"][1]["environmentVariables"][0]["isSecret"] = "yes";
    refused(types, "packages[1].environmentVariables[0].isSecret");
    json baddefault = weather();
    baddefault["packages"][1]["environmentVariables"][1]["default"] = "mars";
    refused(baddefault, "packages[1].environmentVariables[1].default");
    json http = weather();
    http["packages"][1]["transport"]["type"] = "streamable-http";
    refused(http, "packages[1].transport.type");
    json nothing = weather();
    nothing.erase("packages");
    nothing.erase("remotes");
    refused(nothing, "packages");
    json badurl = weather();
    badurl.erase("packages");
    badurl["remotes"][0]["url"] = "https://{tenant}.weather.example/mcp";
    refused(badurl, "remotes[0].url");
    badurl["remotes"][0]["url"] = "ftp://weather.example/";
    refused(badurl, "remotes[0].url");
    CHECK_FALSE(plan_from_server_json(json::array(), opts()));
    CHECK_FALSE(plan_from_server_json(json("text"), opts()));
    // Names that would map to no plugin name are no server or npm names.
    for (const char* bad : {"-._/_.-", "../x", "a_b/c"}) {
        json d = weather();
        d.erase("packages");
        d["name"] = bad;
        refused(d, "name");
    }
    for (const char* bad : {"@@@/!!!", "UPPER", "a b", "@x/", "_x", ""}) {
        json d = weather();
        d["packages"][1]["identifier"] = bad;
        refused(d, "packages[1].identifier");
    }
    // A plugin name given that is not one: the hint names --name only when it was derived.
    auto o = opts();
    o.remote = true;
    o.name = "Not A Name";
    auto p = plan_from_server_json(weather(), o);
    REQUIRE_FALSE(p);
    CHECK(p.error().context.find("name") != std::string::npos);
}
