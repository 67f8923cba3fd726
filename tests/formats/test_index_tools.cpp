// index.json: the pinned tool definitions of an entry (issue 16) — written in their canonical
// stored form, read back by both parsers (the whole index and the cache's entries), and every
// hostile variant refused with a message naming packages[N].tools[M].
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "formats/index.hpp"
#include "formats/index_entries.hpp"
#include "formats/mcp_tools.hpp"

using namespace nxp::formats;
using nlohmann::json;

namespace {

IndexEntry server(std::string name, const char* version) {
    IndexEntry e;
    e.name = std::move(name);
    e.version = *parse_version(version);
    e.kind = Kind::McpServer;
    e.path = "packages/" + e.name + "-" + version + ".nxp";
    e.sha256 = std::string(64, 'c');
    e.size = 7;
    return e;
}

ToolDef tool(const json& j) {
    auto t = canonical_tool(j, "tool");
    REQUIRE(t);
    return *t;
}

Index sample() {
    Index index;
    index.repo = "r";
    index.version = 3;
    IndexEntry e = server("weather", "1.0.0");
    e.tools = std::vector<ToolDef>{
        tool({{"name", "forecast"},
              {"description", "Forecast for a city; ünïcode kept"},
              {"inputSchema",
               {{"type", "object"},
                {"properties", {{"city", {{"type", "string"}}}, {"days", {{"type", "integer"}}}}},
                {"required", {"city"}}}}}),
        tool({{"name", "alerts"}, {"inputSchema", {{"type", "object"}}}}),
    };
    index.packages.push_back(e);
    IndexEntry none = server("empty", "2.0.0");
    none.tools = std::vector<ToolDef>{};  // pins a server that offers no tools
    index.packages.push_back(none);
    index.packages.push_back(server("unpinned", "1.0.0"));
    return index;
}

// The sample's index text with the last entry's pins replaced by `tools_text`.
std::string with_tools(const std::string& tools_text) {
    Index index = sample();
    index.packages[0].tools = std::vector<ToolDef>{tool({{"name", "placeholder"}})};
    std::string text = write_index(index);
    const std::string pins = R"([{"name":"placeholder"}])";
    auto at = text.find(pins);
    REQUIRE(at != std::string::npos);
    return text.replace(at, pins.size(), tools_text);
}

std::string error_of(const std::string& text) {
    auto r = parse_index(text);
    REQUIRE_FALSE(r);
    return r.error().str();
}

}  // namespace

TEST_CASE("pinned tools round-trip through write_index and parse_index, byte for byte",
          "[index][tools]") {
    Index index = sample();
    const std::string text = write_index(index);
    // Sorted by name, canonical objects, keys sorted: what the database column holds.
    CHECK(text.find(R"("tools":[{"inputSchema":{"type":"object"},"name":"alerts"},)"
                    R"({"description":"Forecast for a city; ünïcode kept","inputSchema":)"
                    R"({"properties":{"city":{"type":"string"},"days":{"type":"integer"}},)"
                    R"("required":["city"],"type":"object"},"name":"forecast"}]})") !=
          std::string::npos);
    auto back = parse_index(text);
    REQUIRE(back);
    REQUIRE(back->packages.size() == 3);
    const IndexEntry& empty = back->packages[0];
    const IndexEntry& unpinned = back->packages[1];
    const IndexEntry& weather = back->packages[2];
    REQUIRE(empty.tools);
    CHECK(empty.tools->empty());
    CHECK_FALSE(unpinned.tools);
    CHECK(text.find("\"name\":\"unpinned\"") != std::string::npos);
    REQUIRE(weather.tools);
    REQUIRE(weather.tools->size() == 2);
    CHECK(write_tool_pins(*weather.tools) == write_tool_pins(*index.packages[0].tools));
    CHECK(diff_tools(*weather.tools, *index.packages[0].tools).empty());
    // Deterministic: the same content in another order gives the same bytes.
    std::swap((*index.packages[0].tools)[0], (*index.packages[0].tools)[1]);
    std::swap(index.packages[0], index.packages[2]);
    CHECK(write_index(index) == text);
    CHECK(write_index(*back) == text);
}

TEST_CASE("pinned tools survive the cache's one-entry round trip", "[index][tools]") {
    Index index = sample();
    std::vector<std::string> texts;
    for (const auto& e : index.packages) texts.push_back(write_index_entry(e));
    auto back = parse_index_entries(texts);
    REQUIRE(back);
    REQUIRE(back->size() == 3);
    REQUIRE((*back)[0].tools);
    CHECK(write_tool_pins(*(*back)[0].tools) == write_tool_pins(*index.packages[0].tools));
    REQUIRE((*back)[1].tools);
    CHECK((*back)[1].tools->empty());
    CHECK_FALSE((*back)[2].tools);
    for (std::size_t i = 0; i < texts.size(); ++i) CHECK(write_index_entry((*back)[i]) == texts[i]);

    // A hostile entry in the cache is named by its position there.
    texts[1] = R"({"name":"x","version":"1.0.0","kind":"mcp-server","path":"p","size":1,)"
               R"("sha256":")" +
               std::string(64, 'a') + R"(","tools":[{"description":"no name"}]})";
    auto err = parse_index_entries(texts);
    REQUIRE_FALSE(err);
    CHECK(err.error().str().find("entries[1].tools[0].name") != std::string::npos);
}

TEST_CASE("hostile pinned tools are refused, naming packages[N].tools[M]", "[index][tools]") {
    // The weather entry is packages[2] once sorted (empty, unpinned, weather).
    REQUIRE(parse_index(with_tools(R"([{"name":"ok"}])")));
    // A tool name alone: the tools a plugin.json declares, pinned by name (issue 19 item 4).
    auto named = parse_index(with_tools(R"(["forecast",{"name":"ok"}])"));
    REQUIRE(named);
    REQUIRE(named->packages[2].tools);
    CHECK(named->packages[2].tools->at(0).name == "forecast");
    CHECK(named->packages[2].tools->at(0).canonical.empty());

    struct Case {
        std::string tools, where, what;
    };
    const std::string deep_schema = std::string(1000, '[') + std::string(1000, ']');
    std::string deep_object = "{\"a\":";
    for (int i = 0; i < 999; ++i) deep_object += "{\"a\":";
    deep_object += "1" + std::string(1000, '}');
    const Case cases[] = {
        {R"({"name":"x"})", "packages[2].tools", "expected array"},
        {R"("forecast")", "packages[2].tools", "expected array"},
        {"null", "packages[2].tools", "expected array"},
        {"7", "packages[2].tools", "expected array"},
        {R"([7])", "packages[2].tools[0]", "tool definition object or a tool name"},
        {R"([{"name":"a"},3])", "packages[2].tools[1]", "tool definition object"},
        {R"([""])", "packages[2].tools[0]", "invalid tool name"},
        {"[\"a\\u0001b\"]", "packages[2].tools[0]", "invalid tool name"},
        {"[\"" + std::string(129, 'n') + "\"]", "packages[2].tools[0]", "invalid tool name"},
        {R"(["a","b","a"])", "packages[2].tools[2]", "listed twice"},
        {R"([{"description":"d"}])", "packages[2].tools[0].name", "expected string"},
        {R"([{"name":7}])", "packages[2].tools[0].name", "expected string"},
        {R"([{"name":""}])", "packages[2].tools[0].name", "invalid tool name"},
        {"[{\"name\":\"a\\u0001b\"}]", "packages[2].tools[0].name", "invalid tool name"},
        {"[{\"name\":\"" + std::string(129, 'n') + "\"}]", "packages[2].tools[0].name",
         "invalid tool name"},
        {R"([{"name":"a"},{"name":"b"},{"name":"a","description":"again"}])",
         "packages[2].tools[2]", "listed twice"},
        {R"([{"name":"a","description":5}])", "packages[2].tools[0].description",
         "expected string"},
        {R"([{"name":"a","inputSchema":[]}])", "packages[2].tools[0].inputSchema",
         "expected object"},
        {R"([{"name":"a","name":"b"}])", "packages[2].tools[0]", "duplicate key"},
        {"[{\"name\":\"a\",\"inputSchema\":{\"x\":" + deep_schema + "}}]",
         "packages[2].tools[0].inputSchema", "nested deeper than 64 levels"},
        {"[{\"name\":\"a\",\"inputSchema\":" + deep_object + "}]",
         "packages[2].tools[0].inputSchema", "nested deeper than 64 levels"},
        {"[" + std::string(1000, '[') + std::string(1000, ']') + "]", "packages[2].tools[0]",
         "nested deeper than 64 levels"},
    };
    for (const auto& c : cases) {
        INFO(c.tools.substr(0, 120));
        const std::string err = error_of(with_tools(c.tools));
        INFO(err.substr(0, 300));
        CHECK(err.find(c.where) != std::string::npos);
        CHECK(err.find(c.what) != std::string::npos);
    }

    // 60 levels inside the schema (63 with the array, the tool and the schema) still parse.
    std::string ok = "{\"type\":\"object\",\"x\":";
    for (int i = 0; i < 59; ++i) ok += "{\"a\":";
    ok += "1" + std::string(59, '}') + "}";
    auto parsed = parse_index(with_tools("[{\"name\":\"a\",\"inputSchema\":" + ok + "}]"));
    INFO((parsed ? "" : parsed.error().str()));
    REQUIRE(parsed);
    REQUIRE(parsed->packages[2].tools);
    CHECK(write_index(*parsed) == write_index(*parse_index(write_index(*parsed))));
}
