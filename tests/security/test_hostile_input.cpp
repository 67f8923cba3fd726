// Hostile input generated in many shapes against every parser of outside data: deep JSON
// (a million levels) and regular expressions that backtrack exponentially. Each must be
// refused with a message naming what is wrong, quickly, and never crash.
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>

#include "formats/desired.hpp"
#include "formats/index.hpp"
#include "formats/index_entries.hpp"
#include "formats/json_util.hpp"
#include "formats/keyset.hpp"
#include "formats/lockfile.hpp"
#include "formats/manifest.hpp"

using namespace nxp;
using nlohmann::json;
using nxp::formats::parse_json;
using nxp::formats::parse_ordered_json;

namespace {

// `levels` nested containers of one shape, inside a valid prefix, closed or not.
struct Deep {
    std::string name;
    std::string text;
};

std::vector<Deep> deep_inputs() {
    std::vector<Deep> out;
    for (std::size_t levels : {129ul, 1000ul, 100000ul, 1000000ul}) {
        const std::string n = std::to_string(levels);
        out.push_back({"arrays " + n, std::string(levels, '[') + std::string(levels, ']')});
        out.push_back({"unclosed arrays " + n, std::string(levels, '[')});
        std::string objects, mixed;
        for (std::size_t i = 0; i < levels; ++i) objects += "{\"a\":";
        for (std::size_t i = 0; i < levels; ++i) mixed += i % 2 ? "{\"k\":" : "[1,";
        out.push_back({"objects " + n, objects + "1" + std::string(levels, '}')});
        out.push_back({"mixed " + n, mixed});
        out.push_back({"in a field " + n, R"({"name": "x", "version": "1.0.0", "summary": ")" +
                                              std::string(1000, '[') + R"(", "config": )" +
                                              std::string(levels, '[')});
    }
    return out;
}

double seconds(const std::function<void()>& f) {
    auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("deep JSON is refused by the one parser, with where and the byte") {
    for (const auto& d : deep_inputs()) {
        INFO(d.name);
        auto j = parse_json(d.text, "hostile.json");
        REQUIRE_FALSE(j);
        CHECK(j.error().kind == ErrorKind::Invalid);
        CHECK_THAT(j.error().str(),
                   Catch::StartsWith("hostile.json: JSON nested deeper than 128 levels at byte "));
        auto o = parse_ordered_json(d.text, "nextchat/public/masks.json",
                                    {.reject_duplicate_keys = false});
        REQUIRE_FALSE(o);
        CHECK_THAT(o.error().message, Catch::StartsWith("JSON nested deeper than 128 levels"));
        // A tighter limit stops earlier, at its own byte.
        auto tight = parse_json(d.text, "h", {.max_depth = 4});
        REQUIRE_FALSE(tight);
        CHECK_THAT(tight.error().message, Catch::StartsWith("JSON nested deeper than 4 levels"));
    }
}

TEST_CASE("deep JSON is refused by every format parser") {
    const std::vector<std::pair<std::string, std::function<bool(const std::string&)>>> parsers = {
        {"manifest", [](const std::string& t) { return bool(formats::parse_manifest(t)); }},
        {"lockfile", [](const std::string& t) { return bool(formats::parse_lockfile(t)); }},
        {"desired", [](const std::string& t) { return bool(formats::parse_desired(t)); }},
        {"keyset", [](const std::string& t) { return bool(formats::parse_keyset(t)); }},
        {"index", [](const std::string& t) { return bool(formats::parse_index(t)); }},
        {"index entries",
         [](const std::string& t) { return bool(formats::parse_index_entries({t})); }},
    };
    for (const auto& d : deep_inputs()) {
        for (const auto& [name, parse] : parsers) {
            INFO(name << ": " << d.name);
            CHECK_FALSE(parse(d.text));
        }
    }
    auto m = formats::parse_manifest(std::string(1000000, '[') + std::string(1000000, ']'));
    REQUIRE_FALSE(m);
    CHECK_THAT(m.error().message, Catch::StartsWith("JSON nested deeper than"));
}

TEST_CASE("config patterns run in linear time (RE2): no ReDoS") {
    // Exponential for a backtracking engine (std::regex overflows its stack or hangs).
    const std::vector<std::pair<std::string, char>> patterns = {
        {"(a|aa)*c", 'a'},    {"(a+)+$", 'a'},       {"(x+x+)+y", 'x'},  {"(a*)*b", 'a'},
        {"((a|a)|a)*c", 'a'}, {"(\\w+\\s?)+!", 'w'}, {"(.*a){20}", 'a'}, {"(a|a?)+b", 'a'},
    };
    for (const auto& [pattern, c] : patterns) {
        for (std::size_t n : {30ul, 1000ul, 4000ul}) {
            INFO(pattern << " against " << n << " x " << c);
            std::string value(n, c);
            // The default is checked when the manifest is parsed: pack, lint and install.
            json m{{"name", "redos"},
                   {"version", "1.0.0"},
                   {"kind", "mcp-server"},
                   {"summary", "s"},
                   {"mcp", {{"command", "node"}}},
                   {"config",
                    {{"k", {{"type", "string"}, {"pattern", pattern}, {"default", value + "!"}}}}}};
            std::string text = m.dump();
            Result<formats::Manifest> parsed;
            double took = seconds([&] { parsed = formats::parse_manifest(text); });
            CHECK(took < 2.0);
            if (!parsed) CHECK(parsed.error().context == "config.k.default");
            formats::ConfigKey k;
            k.pattern = pattern;
            Result<void> checked;
            took = seconds([&] { checked = formats::validate_config_value("k", k, json(value)); });
            CHECK(took < 2.0);
            if (!checked) CHECK_THAT(checked.error().message, Catch::StartsWith("must match"));
        }
    }
}

TEST_CASE("patterns RE2 cannot run are refused, naming the key") {
    for (const char* pattern :
         {"(a)\\1", "(?=a)a", "(?!b)a", "(?<=a)b", "(?<!a)b", "(unclosed", "a{2000}", "[z-a]"}) {
        INFO(pattern);
        json m{{"name", "p"},
               {"version", "1.0.0"},
               {"kind", "mcp-server"},
               {"summary", "s"},
               {"mcp", {{"command", "node"}}},
               {"config", {{"tok", {{"type", "string"}, {"pattern", pattern}}}}}};
        auto parsed = formats::parse_manifest(m.dump());
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().context == "config.tok.pattern");
        CHECK_THAT(parsed.error().message, Catch::StartsWith("invalid regular expression: "));
        CHECK_THAT(parsed.error().message, Catch::Contains("RE2"));
    }
}
