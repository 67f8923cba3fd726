// MCPB bundles both ways (issue 19 item 4): manifest.json -> plugin.json (pure), the Node.js
// range as node-runtime, refusals naming the field, and plugin.json -> manifest.json.
#include <archive.h>
#include <archive_entry.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "formats/manifest.hpp"
#include "importer/mcpb.hpp"

using json = nlohmann::json;
using nxp::importer::McpbOptions;
using nxp::importer::node_runtime_requirement;
using nxp::importer::plan_from_mcpb;

namespace {

json bundle() {
    return json::parse(R"({
      "manifest_version": "0.3", "name": "Weather_Server", "version": "1.2.3",
      "description": "Weather as tools", "author": {"name": "Example Org"},
      "license": "MIT", "homepage": "https://example.org/w",
      "server": {"type": "node", "entry_point": "server/index.js",
        "mcp_config": {"command": "node",
          "args": ["${__dirname}/server/index.js", "--units=${user_config.units}",
                   "${user_config.roots}"],
          "env": {"WEATHER_KEY": "${user_config.key}", "DATA": "${__dirname}/data"}}},
      "tools": [{"name": "forecast", "description": "The forecast"}, {"name": "alerts"}],
      "compatibility": {"platforms": ["linux", "darwin"], "runtimes": {"node": ">=18 <23"}},
      "user_config": {
        "key": {"type": "string", "title": "API key", "description": "Your key",
                "sensitive": true, "required": true},
        "units": {"type": "string", "title": "Units", "description": "metric or imperial",
                  "default": "metric"},
        "roots": {"type": "string", "title": "Roots", "description": "Cities",
                  "multiple": true, "default": ["Paris"]},
        "cache": {"type": "directory", "title": "Cache", "description": "Where to cache"},
        "days": {"type": "number", "title": "Days", "description": "How many",
                 "min": 1, "max": 14, "default": 3},
        "verbose": {"type": "boolean", "title": "Verbose", "description": "Log more",
                    "default": false}
      }})");
}

const std::set<std::string> kFiles = {"manifest.json", "server/index.js", "bin/server"};

// An ordered_json (what the importer writes) as json, to compare regardless of key order.
json J(const nlohmann::ordered_json& o) { return json::parse(o.dump()); }

nxp::Result<nxp::importer::McpbPlan> plan(const json& m, std::string name = "") {
    McpbOptions o;
    o.name = std::move(name);
    return plan_from_mcpb(m, kFiles, o, "x.mcpb: manifest.json");
}

std::string error_of(const json& m) {
    auto p = plan(m);
    REQUIRE_FALSE(p);
    return p.error().str();
}

}  // namespace

TEST_CASE("manifest.json maps to a plugin.json nxp accepts") {
    auto p = plan(bundle());
    REQUIRE(p);
    const auto& m = p->manifest;
    CHECK(p->plugin_name == "weather_server");
    CHECK(m["version"] == "1.2.3");
    CHECK(m["kind"] == "mcp-server");
    CHECK(m["summary"] == "Weather as tools");
    CHECK(m["publisher"] == "Example Org");
    CHECK(m["license"] == "MIT");
    CHECK(m["requires"] == json({"nextchat >= 2.15", "node-runtime >= 18, < 23"}));
    CHECK(m["mcp"]["command"] == "node");
    // ${__dirname} -> ${plugin_dir}; a setting inside an argument -> ${config.KEY}; the
    // several-valued one at the end is spread.
    CHECK(m["mcp"]["args"] == json({"${plugin_dir}/server/index.js", "--units=${config.units}"}));
    const auto& c = m["config"];
    CHECK(J(c["key"]) == json({{"type", "string"},
                               {"description", "API key: Your key"},
                               {"secret", true},
                               {"required", true},
                               {"env", "WEATHER_KEY"}}));
    CHECK(c["units"]["default"] == "metric");
    CHECK(c["roots"]["type"] == "array");
    CHECK(c["roots"]["arg"] == "spread");
    CHECK(c["roots"]["default"] == json({"Paris"}));
    CHECK(c["days"]["type"] == "number");
    CHECK(c["days"]["minimum"] == 1);
    CHECK(c["days"]["maximum"] == 14);
    CHECK(c["verbose"]["type"] == "boolean");
    CHECK(c["cache"]["type"] == "string");
    // A fixed variable becomes a key of its own with the value as default.
    CHECK(c["DATA"]["default"] == "${plugin_dir}/data");
    CHECK(c["DATA"]["env"] == "DATA");
    // A directory setting asks for a filesystem grant of the path set.
    CHECK(J(m["permissions"]["filesystem"]) ==
          json::parse(R"([{"path": "${config.cache}", "access": "read-write"}])"));
    CHECK(m["check"]["mcp"] == true);
    REQUIRE(p->tools.size() == 2);
    CHECK(p->tools[0] == std::pair<std::string, std::string>{"forecast", "The forecast"});
    // And nxp's own parser agrees.
    auto parsed = nxp::formats::parse_manifest(m.dump());
    REQUIRE(parsed);
    CHECK(parsed->config.at("key").secret);
    CHECK(parsed->config.at("roots").arg == "spread");
}

TEST_CASE("the Node.js range as node-runtime") {
    auto r = [](const char* s) {
        auto d = node_runtime_requirement(s, "f");
        return d ? *d : "ERROR " + d.error().str();
    };
    CHECK(r(">=18.0.0") == "node-runtime >= 18.0.0");
    CHECK(r(">= 20") == "node-runtime >= 20");
    CHECK(r("^20 || ^22") == "node-runtime ^20 | node-runtime ^22");
    CHECK(r("18.x") == "node-runtime ~18");
    CHECK(r("v20") == "node-runtime ~20");
    CHECK(r("20.1.x") == "node-runtime ~20.1");
    CHECK(r("<=20") == "node-runtime < 21");
    CHECK(r(">18") == "node-runtime >= 19");
    CHECK(r("18 - 20.1.0") == "node-runtime >= 18, <= 20.1.0");
    CHECK(r("*") == "node-runtime");
    CHECK(r("") == "node-runtime");
    CHECK(r(">=18 || *") == "node-runtime");
    CHECK(r("=20.11.1") == "node-runtime = 20.11.1");
    CHECK(r(">=banana").rfind("ERROR f: \">=banana\"", 0) == 0);
    CHECK(r("18.x.1").rfind("ERROR", 0) != 0);  // the wildcard ends the version
}

TEST_CASE("refusals name the field") {
    auto m = bundle();
    m["compatibility"]["platforms"] = {"darwin", "win32"};
    CHECK_THAT(error_of(m), Catch::Contains("compatibility.platforms") && Catch::Contains("Linux"));

    m = bundle();
    m["server"]["entry_point"] = "server/main.js";
    CHECK_THAT(error_of(m), Catch::Contains("server.entry_point") &&
                                Catch::Contains("not a file in the bundle"));
    m["server"]["entry_point"] = "../etc/passwd";
    CHECK_THAT(error_of(m), Catch::Contains("server.entry_point"));

    m = bundle();
    m["server"]["mcp_config"]["command"] = "/usr/bin/curl";
    CHECK_THAT(error_of(m),
               Catch::Contains("server.mcp_config.command") && Catch::Contains("outside"));
    m["server"]["mcp_config"]["command"] = "${__dirname}/../../bin/sh";
    CHECK_THAT(error_of(m), Catch::Contains("server.mcp_config.command") &&
                                Catch::Contains("leaves the bundle"));
    m["server"]["mcp_config"]["command"] = "${__dirname}/bin/missing";
    CHECK_THAT(error_of(m), Catch::Contains("not a file in the bundle"));
    m["server"]["mcp_config"]["command"] = "python3";  // a node server run by python
    CHECK_THAT(error_of(m), Catch::Contains("server.mcp_config.command"));

    m = bundle();
    m["name"] = "@@@";
    CHECK_THAT(error_of(m),
               Catch::Contains("x.mcpb: manifest.json: name") && Catch::Contains("--name"));
    CHECK(plan(m, "weather"));  // --name gives one

    m = bundle();
    m["server"]["mcp_config"]["args"][1] = "--key=${user_config.key}";
    CHECK_THAT(error_of(m), Catch::Contains("user_config.key") && Catch::Contains("environment"));

    m = bundle();
    m["server"]["mcp_config"]["env"]["X"] = "${user_config.nope}";
    CHECK_THAT(error_of(m),
               Catch::Contains("server.mcp_config.env.X") && Catch::Contains("names no key"));
    m = bundle();
    m["server"]["mcp_config"]["env"]["X"] = "Bearer ${user_config.key}";
    CHECK_THAT(error_of(m), Catch::Contains("server.mcp_config.env.X"));
    m = bundle();
    m["server"]["mcp_config"]["args"][1] = "${HOME}/x";
    CHECK_THAT(error_of(m), Catch::Contains("args[1]") && Catch::Contains("${HOME}"));

    m = bundle();
    m["server"]["type"] = "uv";
    CHECK_THAT(error_of(m), Catch::Contains("server.type"));
    m = bundle();
    m["manifest_version"] = "9.9";
    CHECK_THAT(error_of(m), Catch::Contains("manifest_version"));
    m = bundle();
    m["version"] = "1.2";
    CHECK_THAT(error_of(m), Catch::Contains("version"));
    m = bundle();
    m["user_config"]["cache"]["multiple"] = true;
    CHECK_THAT(error_of(m), Catch::Contains("user_config.cache.multiple"));
    m = bundle();
    m["user_config"]["days"]["default"] = "three";
    CHECK_THAT(error_of(m), Catch::Contains("days"));
    m = bundle();
    m["tools"].push_back({{"name", "forecast"}});
    CHECK_THAT(error_of(m), Catch::Contains("tools[2].name"));
    m = bundle();
    m["compatibility"]["runtimes"]["node"] = ">=banana";
    CHECK_THAT(error_of(m), Catch::Contains("compatibility.runtimes.node"));
    CHECK_THAT(error_of(json::array()), Catch::Contains("expected a JSON object"));
}

TEST_CASE("python and binary servers") {
    auto m = bundle();
    m["server"]["type"] = "python";
    m["server"]["mcp_config"]["command"] = "python";
    auto p = plan(m);
    REQUIRE(p);
    CHECK(p->manifest["mcp"]["command"] == "python3");
    CHECK(p->manifest["requires"] == json({"nextchat >= 2.15"}));

    m = bundle();
    m["server"]["type"] = "binary";
    m["server"]["entry_point"] = "bin/server";
    m["server"]["mcp_config"]["command"] = "${__dirname}/bin/server";
    m["server"]["mcp_config"]["args"] = json::array();
    m["compatibility"].erase("runtimes");
    p = plan(m);
    REQUIRE(p);
    CHECK(p->manifest["mcp"]["command"] == "${plugin_dir}/bin/server");
    CHECK(p->executables == std::vector<std::string>{"bin/server"});
    m["server"]["mcp_config"]["command"] = "node";
    CHECK_THAT(error_of(m), Catch::Contains("server.mcp_config.command"));
}

TEST_CASE("a Linux platform override applies") {
    auto m = bundle();
    m["server"]["mcp_config"]["platform_overrides"] = {
        {"linux", {{"args", {"${__dirname}/server/index.js", "--linux"}}}},
        {"win32", {{"command", "node.exe"}}}};
    auto p = plan(m);
    REQUIRE(p);
    CHECK(p->manifest["mcp"]["args"] == json({"${plugin_dir}/server/index.js", "--linux"}));
}

TEST_CASE("plugin.json maps to an MCPB manifest") {
    auto imported = plan(bundle());
    REQUIRE(imported);
    auto m = nxp::formats::parse_manifest(imported->manifest.dump());
    REQUIRE(m);
    std::vector<nxp::formats::ToolDef> tools = {
        {"forecast", R"({"description":"The forecast","inputSchema":{},"name":"forecast"})"},
        {"alerts", ""}};
    auto r = nxp::importer::mcpb_manifest(*m, tools);
    REQUIRE(r);
    const auto& j = r->manifest;
    CHECK(j["manifest_version"] == "0.3");
    CHECK(j["name"] == "weather_server");
    CHECK(j["author"]["name"] == "Example Org");
    CHECK(j["server"]["type"] == "node");
    CHECK(j["server"]["entry_point"] == "server/index.js");
    CHECK(j["server"]["mcp_config"]["command"] == "node");
    CHECK(j["server"]["mcp_config"]["args"] ==
          json({"${__dirname}/server/index.js", "--units=${user_config.units}",
                "${user_config.roots}"}));
    CHECK(j["server"]["mcp_config"]["env"]["WEATHER_KEY"] == "${user_config.key}");
    CHECK(j["server"]["mcp_config"]["env"]["DATA"] == "${user_config.DATA}");
    CHECK(j["user_config"]["key"]["sensitive"] == true);
    CHECK(j["user_config"]["key"]["required"] == true);
    CHECK(j["user_config"]["cache"]["type"] == "directory");
    CHECK(j["user_config"]["roots"]["multiple"] == true);
    CHECK(j["user_config"]["days"]["min"] == 1);
    CHECK(j["user_config"]["DATA"]["default"] == "${__dirname}/data");
    CHECK(J(j["tools"]) == json::parse(R"([{"name":"forecast","description":"The forecast"},
                                        {"name":"alerts"}])"));
    CHECK(j["compatibility"]["platforms"] == json({"linux"}));
    CHECK(j["compatibility"]["runtimes"]["node"] == ">=18.0.0 <23.0.0");
    for (const auto& [k, u] : j["user_config"].items()) {
        CHECK(u.contains("title"));
        CHECK(u.contains("description"));
    }

    // What MCPB cannot hold is refused naming the field.
    auto remote = *m;
    remote.mcp->remote = nxp::formats::McpRemote{};
    CHECK_FALSE(nxp::importer::mcpb_manifest(remote, {}));
    auto state = *m;
    state.mcp->args.push_back("${state_dir}/db");
    auto e = nxp::importer::mcpb_manifest(state, {});
    REQUIRE_FALSE(e);
    CHECK_THAT(e.error().str(), Catch::Contains("mcp.args[2]") && Catch::Contains("${state_dir}"));
    auto host = *m;
    host.mcp->command = "bash";
    e = nxp::importer::mcpb_manifest(host, {});
    REQUIRE_FALSE(e);
    CHECK_THAT(e.error().str(), Catch::Contains("mcp.command"));
}

// ---- the caps of extract_mcpb, on zips written here with libarchive ----

namespace {

namespace fs = std::filesystem;

struct Scratch {
    fs::path dir;
    Scratch() {
        std::random_device rd;
        dir = fs::temp_directory_path() / ("nxp-mcpb-test-" + std::to_string(rd()));
        fs::create_directories(dir);
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

// A zip of `files` (name, bytes), deflated, as libarchive writes it.
void write_zip(const fs::path& out, const std::vector<std::pair<std::string, std::string>>& files) {
    archive* a = archive_write_new();
    REQUIRE(archive_write_set_format_zip(a) == ARCHIVE_OK);
    REQUIRE(archive_write_open_filename(a, out.c_str()) == ARCHIVE_OK);
    for (const auto& [name, data] : files) {
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, name.c_str());
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
        REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
        REQUIRE(archive_write_data(a, data.data(), data.size()) ==
                static_cast<la_ssize_t>(data.size()));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}

std::string extract_error(const fs::path& zip, const fs::path& dest,
                          const nxp::importer::ZipLimits& limits) {
    auto r = nxp::importer::extract_mcpb(zip, dest, limits);
    REQUIRE_FALSE(r);
    CHECK_FALSE(fs::exists(dest));  // nothing left
    CHECK(r.error().kind == nxp::ErrorKind::Verification);
    return r.error().str();
}

}  // namespace

TEST_CASE("extract_mcpb: entry, size and ratio caps name the entry; nothing is left") {
    Scratch s;
    const fs::path zip = s.dir / "b.mcpb", dest = s.dir / "out";
    write_zip(zip, {{"manifest.json", "{}"},
                    {"a.js", "1"},
                    {"b.js", "2"},
                    {"c.js", std::string(1 << 20, 'x')}});
    nxp::importer::ZipLimits l;
    auto ok = nxp::importer::extract_mcpb(zip, dest, l);
    REQUIRE(ok);
    CHECK(ok->entries.size() == 4);
    CHECK(ok->manifest_text == "{}");
    fs::remove_all(dest);

    l.max_entries = 3;
    CHECK_THAT(extract_error(zip, dest, l),
               Catch::Contains("entry \"c.js\"") && Catch::Contains("more than 3 entries"));
    l = {};
    l.max_total_bytes = 1000;
    CHECK_THAT(extract_error(zip, dest, l), Catch::Contains("entry \"c.js\""));
    l = {};
    l.ratio_floor_bytes = 4096;  // 1 MiB of 'x' deflates far past 200 times
    CHECK_THAT(extract_error(zip, dest, l),
               Catch::Contains("entry \"c.js\"") && Catch::Contains("decompression bomb"));
    l = {};
    l.max_manifest_bytes = 1;
    auto big = nxp::importer::extract_mcpb(zip, dest, l);
    REQUIRE_FALSE(big);
    CHECK_THAT(big.error().str(), Catch::Contains("manifest.json: larger than 1 bytes"));
    CHECK_FALSE(fs::exists(dest));
    l = {};
    l.max_bundle_bytes = 100;
    CHECK_THAT(extract_error(zip, dest, l), Catch::Contains("larger than 100 bytes"));
    // A destination that exists is never written into.
    fs::create_directories(dest);
    auto exists = nxp::importer::extract_mcpb(zip, dest, {});
    REQUIRE_FALSE(exists);
    CHECK(fs::is_empty(dest));
}

// Issue 19 item 4, "static tools -> pinned tools": the bundle's declared tools become
// plugin.json's "tools", which nxp's parser reads back; hostile declarations are refused
// naming the field.
TEST_CASE("declared tools become plugin.json tools") {
    auto p = plan(bundle());
    REQUIRE(p);
    CHECK(p->tools_pinned);
    CHECK(J(p->manifest["tools"]) ==
          json::parse(R"([{"name":"forecast","description":"The forecast"},{"name":"alerts"}])"));
    auto parsed = nxp::formats::parse_manifest(p->manifest.dump());
    REQUIRE(parsed);
    REQUIRE(parsed->tools);
    CHECK(*parsed->tools ==
          std::vector<nxp::formats::DeclaredTool>{{"forecast", "The forecast"}, {"alerts", ""}});

    // Nothing declared, an empty list, or tools made at run time: no "tools".
    auto m = bundle();
    m.erase("tools");
    p = plan(m);
    REQUIRE(p);
    CHECK_FALSE(p->manifest.contains("tools"));
    CHECK_FALSE(nxp::formats::parse_manifest(p->manifest.dump())->tools);
    m["tools"] = json::array();
    p = plan(m);
    REQUIRE(p);
    CHECK_FALSE(p->manifest.contains("tools"));
    m = bundle();
    m["tools_generated"] = true;
    p = plan(m);
    REQUIRE(p);
    CHECK_FALSE(p->manifest.contains("tools"));
    CHECK_FALSE(p->tools_pinned);
    CHECK(p->tools.size() == 2);
    bool noted = false;
    for (const auto& n : p->notes) noted |= n.find("tools_generated") != std::string::npos;
    CHECK(noted);
}

TEST_CASE("hostile declared tools are refused naming the field") {
    struct Case {
        json tools;
        const char* field;
        const char* what;
    };
    json thousands = json::array();
    for (int i = 0; i < 5000; ++i) thousands.push_back({{"name", "t" + std::to_string(i)}});
    const Case cases[] = {
        {json("forecast"), "manifest.json: tools", "expected an array"},
        {json::array({"forecast"}), "tools[0]", "string name"},
        {json::array({json{{"name", 7}}}), "tools[0]", "string name"},
        {json::array({json{{"name", ""}}}), "tools[0].name", "not a valid tool name"},
        {json::array({json{{"name",
                            "a\x01"
                            "b"}}}),
         "tools[0].name", "not a valid tool name"},
        {json::array({json{{"name", std::string(129, 'n')}}}), "tools[0].name",
         "not a valid tool name"},
        {json::array({json{{"name", "a"}}, json{{"name", "b"}}, json{{"name", "a"}}}),
         "tools[2].name", "declared twice"},
        {json::array({json{{"name", "a"}, {"description", 5}}}), "tools[0].description",
         "expected a string"},
        {json::array({json{{"name", "a"}, {"description", json::array({"x"})}}}),
         "tools[0].description", "expected a string"},
        {json::array({json{{"name", "a"}, {"description", std::string(70000, 'd')}}}),
         "tools[0].description", "longer than"},
        {thousands, "manifest.json: tools", "at most 1000"},
    };
    for (const auto& c : cases) {
        auto m = bundle();
        m["tools"] = c.tools;
        const std::string err = error_of(m);
        INFO(err.substr(0, 300));
        CHECK(err.find(c.field) != std::string::npos);
        CHECK(err.find(c.what) != std::string::npos);
    }
    auto m = bundle();
    m["tools_generated"] = "yes";
    CHECK_THAT(error_of(m), Catch::Contains("tools_generated"));
}

TEST_CASE("plugin.json tools: parsed, validated, only for MCP servers") {
    const std::string head =
        R"({"name":"w","version":"1.0.0","kind":"mcp-server","mcp":{"command":"node"},)";
    auto parse = [&](const std::string& tools) {
        return nxp::formats::parse_manifest(head + R"("tools":)" + tools + "}");
    };
    auto ok = parse(R"(["a",{"name":"b","description":"B"},{"name":"c"}])");
    REQUIRE(ok);
    CHECK(*ok->tools == std::vector<nxp::formats::DeclaredTool>{{"a", ""}, {"b", "B"}, {"c", ""}});
    auto none = parse("[]");
    REQUIRE(none);
    CHECK(none->tools->empty());
    std::string many = "[";
    for (int i = 0; i < 1001; ++i) many += (i ? ",\"t" : "\"t") + std::to_string(i) + "\"";
    many += "]";
    struct Case {
        std::string tools, want;
    };
    const Case cases[] = {
        {R"({"a":1})", "tools: expected array"},
        {"[7]", "tools[0]: expected a tool name or an object"},
        {R"([""])", "tools[0]: \"\" is not a valid tool name"},
        {"[\"a\\u0001b\"]", "tools[0]: must not contain control characters"},
        {R"(["a","a"])", "tools[1]: tool \"a\" is declared twice"},
        {R"(["a",{"name":"a"}])", "tools[1].name: tool \"a\" is declared twice"},
        {R"([{"description":"x"}])", "tools[0].name: required field is missing"},
        {R"([{"name":"a","description":5}])", "tools[0].description"},
        {R"([{"name":"a","inputSchema":{}}])", "tools[0]"},
        {many, "1001 tools; at most 1000"},
    };
    for (const auto& c : cases) {
        auto r = parse(c.tools);
        REQUIRE_FALSE(r);
        INFO(r.error().str());
        CHECK(r.error().str().find(c.want) != std::string::npos);
    }
    auto lib = nxp::formats::parse_manifest(
        R"({"name":"l","version":"1.0.0","kind":"library","tools":["a"]})");
    REQUIRE_FALSE(lib);
    CHECK_THAT(lib.error().str(), Catch::Contains("tools: only allowed when kind is mcp-server"));
}

TEST_CASE("export writes the declared tools, and pins' descriptions first") {
    auto imported = plan(bundle());
    REQUIRE(imported);
    auto m = nxp::formats::parse_manifest(imported->manifest.dump());
    REQUIRE(m);
    // No pins (a plugin directory): the declaration.
    auto r = nxp::importer::mcpb_manifest(*m, {});
    REQUIRE(r);
    CHECK(J(r->manifest["tools"]) ==
          json::parse(R"([{"name":"forecast","description":"The forecast"},{"name":"alerts"}])"));
    // Pins by name alone (an installed plugin whose declared tools were pinned): the
    // declaration's descriptions.
    r = nxp::importer::mcpb_manifest(*m, {{"alerts", ""}, {"forecast", ""}});
    REQUIRE(r);
    CHECK(J(r->manifest["tools"]) ==
          json::parse(R"([{"name":"alerts"},{"name":"forecast","description":"The forecast"}])"));
}
