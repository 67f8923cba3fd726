// plugin.json: every field validated, every error naming its field path.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "formats/manifest.hpp"

using namespace nxp::formats;
using nlohmann::json;

namespace {

std::string data_file(const std::string& name) {
    const char* dir = std::getenv("NXP_TEST_DATA");
    return (dir ? std::string(dir) + "/formats/data/" : std::string("data/")) + name;
}

std::string read_data(const std::string& name) {
    std::ifstream in(data_file(name));
    REQUIRE(in.good());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

json full_manifest() { return json::parse(read_data("github.plugin.json")); }

// The full example with a JSON merge patch applied (null removes a key).
std::string patched(const char* patch) {
    json j = full_manifest();
    j.merge_patch(json::parse(patch));
    return j.dump();
}

}  // namespace

TEST_CASE("the full example manifest parses into every field", "[manifest]") {
    auto m = parse_manifest(read_data("github.plugin.json"));
    INFO((m ? "" : m.error().str()));
    REQUIRE(m);
    CHECK(m->name == "github");
    CHECK(m->version.str() == "1.4.0");
    CHECK(m->kind == Kind::McpServer);
    CHECK(m->license == "MIT");
    CHECK(m->publisher == "example.org");
    REQUIRE(m->requires_.size() == 2);
    CHECK(m->requires_[1].alternatives.size() == 2);
    CHECK(dep_strings(m->requires_) ==
          std::vector<std::string>{"nextchat >= 2.16", "node-runtime ^20 | node-runtime ^22"});
    CHECK(dep_strings(m->provides) ==
          std::vector<std::string>{"github-tools = 1.4.0", "git-forge"});
    CHECK(dep_strings(m->replaces) == std::vector<std::string>{"github-mcp < 1.0"});
    CHECK(dep_strings(m->conflicts) == std::vector<std::string>{"github-legacy"});
    CHECK(dep_strings(m->recommends) == std::vector<std::string>{"git"});
    REQUIRE(m->mcp);
    CHECK(m->mcp->command == "node");
    CHECK(m->mcp->args.size() == 3);
    REQUIRE(m->config.size() == 7);
    const auto& token = m->config.at("token");
    CHECK(token.secret);
    CHECK(token.required);
    CHECK(token.env == "GITHUB_PERSONAL_ACCESS_TOKEN");
    CHECK(token.pattern == "gh[pousr]_[A-Za-z0-9]+");
    const auto& timeout = m->config.at("timeout");
    CHECK(timeout.type == ConfigType::Integer);
    CHECK(timeout.minimum == 1);
    CHECK(timeout.maximum == 600);
    CHECK(timeout.default_json == "30");
    CHECK(m->config.at("repos").arg == "spread");
    CHECK(m->config.at("repos").min_items == 1u);
    CHECK(m->config.at("verbose").position == 0);
    CHECK(m->config.at("mode").values == std::vector<std::string>{"read", "write"});
    CHECK(m->config.at("mode").default_json == "\"read\"");
    CHECK(m->permissions.network.size() == 3);
    REQUIRE(m->permissions.filesystem.size() == 2);
    CHECK(m->permissions.filesystem[0] == FsPermission{"${config.root}", "read-write"});
    CHECK(m->permissions.env == std::vector<std::string>{"GITHUB_PERSONAL_ACCESS_TOKEN"});
    CHECK(m->hooks.post_install == "scripts/setup.sh");
    CHECK(m->hooks.post_upgrade == "scripts/migrate.sh");
    CHECK(m->check.mcp);
    CHECK(m->check.timeout == 10);
}

TEST_CASE("a minimal manifest takes defaults", "[manifest]") {
    auto m = parse_manifest(R"({"name": "my-mask", "version": "0.1.0", "kind": "mask"})");
    REQUIRE(m);
    CHECK(m->kind == Kind::Mask);
    CHECK(m->requires_.empty());
    CHECK(!m->mcp);
    CHECK(m->permissions.empty());
    CHECK(m->check.timeout == 10);
    CHECK_FALSE(m->check.mcp);
    for (auto k :
         {Kind::McpServer, Kind::Mask, Kind::Prompts, Kind::OpenapiPlugin, Kind::Library}) {
        CHECK(parse_kind(kind_name(k)) == k);
    }
    CHECK_FALSE(parse_kind("MCP-server"));
}

TEST_CASE("manifest_errors.data: every invalid field is named by its path", "[manifest]") {
    std::ifstream in(data_file("manifest_errors.data"));
    REQUIRE(in.good());
    std::string line;
    int cases = 0;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.empty() || line[0] == '#') continue;
        INFO("manifest_errors.data:" << n << ": " << line);
        auto arrow = line.find(" -> ");
        REQUIRE(arrow != std::string::npos);
        json j = full_manifest();
        j.merge_patch(json::parse(line.substr(0, arrow)));
        std::string expected = line.substr(arrow + 4);
        auto m = parse_manifest(j.dump());
        REQUIRE_FALSE(m);
        CHECK(m.error().kind == nxp::ErrorKind::Invalid);
        if (expected.size() > 3 && expected.compare(expected.size() - 3, 3, "...") == 0) {
            CHECK_THAT(m.error().str(), Catch::StartsWith(expected.substr(0, expected.size() - 3)));
        } else {
            CHECK(m.error().str() == expected);
        }
        ++cases;
    }
    CHECK(cases > 80);
}

TEST_CASE("validate_config_value checks each type and rule", "[manifest]") {
    auto m = parse_manifest(read_data("github.plugin.json"));
    REQUIRE(m);
    const auto& cfg = m->config;
    struct Case {
        const char* key;
        const char* value;
        const char* error;  // "" when valid
    };
    const Case cases[] = {
        {"timeout", "30", ""},
        {"timeout", "1", ""},
        {"timeout", "600", ""},
        {"timeout", "601", "timeout: must be at most 600"},
        {"timeout", "0", "timeout: must be at least 1"},
        {"timeout", "-5", "timeout: must be at least 1"},
        {"timeout", "30.5", "timeout: expected integer"},
        {"timeout", "\"30\"", "timeout: expected integer"},
        {"timeout", "null", "timeout: expected integer"},
        {"timeout", "18446744073709551616", "timeout: expected integer"},
        {"ratio", "0.25", ""},
        {"ratio", "1", ""},
        {"ratio", "1.5", "ratio: must be at most 1"},
        {"ratio", "-0.1", "ratio: must be at least 0"},
        {"ratio", "true", "ratio: expected number"},
        {"verbose", "true", ""},
        {"verbose", "0", "verbose: expected boolean"},
        {"token", "\"ghp_abc123\"", ""},
        {"token", "\"ghp_\"", "token: must match the pattern \"gh[pousr]_[A-Za-z0-9]+\""},
        {"token", "\"xghp_abc\"", "token: must match the pattern \"gh[pousr]_[A-Za-z0-9]+\""},
        {"token", "42", "token: expected string"},
        {"root", "\"\"", ""},
        {"mode", "\"write\"", ""},
        {"mode", "\"Write\"", "mode: must be one of read, write"},
        {"mode", "1", "mode: must be one of read, write"},
        {"repos", "[\"a/b\", \"c/d\"]", ""},
        {"repos", "[]", "repos: must have at least 1 item"},
        {"repos", "[\"a\", 1]", "repos[1]: expected string"},
        {"repos", "\"a\"", "repos: expected array"},
    };
    for (const auto& c : cases) {
        INFO(c.key << " = " << c.value);
        auto r = validate_config_value(c.key, cfg.at(c.key), json::parse(c.value));
        if (*c.error == 0) {
            CHECK(r);
        } else {
            REQUIRE_FALSE(r);
            CHECK(r.error().str() == c.error);
        }
    }
    ConfigKey ints;
    ints.type = ConfigType::Array;
    ints.items = "integer";
    CHECK(validate_config_value("ports", ints, json::parse("[80, 443]")));
    auto bad = validate_config_value("ports", ints, json::parse("[80, 4.5]"));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().str() == "ports[1]: expected integer");
}

TEST_CASE("hostile plugin.json never crashes and names the problem", "[manifest][security]") {
    const std::string full = read_data("github.plugin.json");
    SECTION("truncated at every byte") {
        for (std::size_t n = 0; n < full.size(); n += 7) {
            auto m = parse_manifest(full.substr(0, n));
            REQUIRE_FALSE(m);
            CHECK(m.error().kind == nxp::ErrorKind::Invalid);
        }
        auto m = parse_manifest(full.substr(0, 40));
        REQUIRE_FALSE(m);
        CHECK_THAT(m.error().message, Catch::StartsWith("invalid JSON at line 3, column"));
    }
    SECTION("syntax errors carry line and column") {
        auto m = parse_manifest("{\n  \"name\": \"x\",\n  \"version\": tru\n}");
        REQUIRE_FALSE(m);
        CHECK_THAT(m.error().message, Catch::StartsWith("invalid JSON at line 3, column"));
    }
    SECTION("wrong top-level types") {
        for (const char* text : {"[]", "null", "1", "\"plugin\"", "true"}) {
            auto m = parse_manifest(text);
            REQUIRE_FALSE(m);
            CHECK(m.error().message == "expected a JSON object");
        }
        auto empty = parse_manifest("");
        REQUIRE_FALSE(empty);
        CHECK_THAT(empty.error().message, Catch::StartsWith("invalid JSON"));
    }
    SECTION("wrong types in every field") {
        json base = full_manifest();
        for (const auto& [key, _] : base.items()) {
            for (const char* wrong : {"null", "12", "\"s\"", "[1]", "{\"x\":1}"}) {
                json j = base;
                j[key] = json::parse(wrong);
                auto m = parse_manifest(j.dump());
                if (m) continue;  // some wrong values are right for some fields ("s" for summary)
                INFO(key << " = " << wrong << " -> " << m.error().str());
                CHECK_THAT(m.error().context, Catch::StartsWith(key));
            }
        }
    }
    SECTION("huge numbers") {
        for (const char* patch :
             {R"({"check": {"timeout": 1e400}})", R"({"config": {"timeout": {"maximum": 1e400}}})",
              R"({"check": {"timeout": -1e400}})"}) {
            json j = full_manifest();
            std::string text = j.dump();
            text.insert(text.size() - 1, std::string(",\"extra\": ") + patch);
            auto m = parse_manifest(text);
            REQUIRE_FALSE(m);
            CHECK_THAT(m.error().message, Catch::Contains("number overflow"));
        }
        auto big = parse_manifest(patched(R"({"check": {"timeout": 18446744073709551616}})"));
        REQUIRE_FALSE(big);
        CHECK(big.error().str() == "check.timeout: expected integer");
    }
    SECTION("deep nesting is refused before parsing") {
        std::string deep = std::string(100000, '[') + std::string(100000, ']');
        auto m = parse_manifest(deep);
        REQUIRE_FALSE(m);
        CHECK(m.error().message == "JSON nested deeper than 64 levels at byte 65");
        std::string in_field =
            R"({"name": "x", "summary": )" + std::string(65, '[') + std::string(65, ']') + "}";
        CHECK_FALSE(parse_manifest(in_field));
        // Brackets inside strings are text, not nesting.
        auto ok = parse_manifest(R"({"name":"x","version":"1.0.0","kind":"mask","summary":")" +
                                 std::string(1000, '[') + "\\\"\"}");
        CHECK(ok);
    }
    SECTION("duplicate keys") {
        auto m = parse_manifest(R"({"name":"a","version":"1.0.0","kind":"mask","name":"b"})");
        REQUIRE_FALSE(m);
        CHECK(m.error().message == "duplicate key \"name\"");
        auto nested = parse_manifest(patched("{}").insert(1, R"("hooks":{"pre-remove":"a",)"
                                                             R"("pre-remove":"b"},)"));
        CHECK_FALSE(nested);
    }
    SECTION("big strings: long text is fine, long names are not") {
        std::string summary(10u << 20, 's');
        auto m = parse_manifest(R"({"name":"x","version":"1.0.0","kind":"mask","summary":")" +
                                summary + "\"}");
        REQUIRE(m);
        CHECK(m->summary.size() == summary.size());
        auto name = parse_manifest(R"({"name":")" + std::string(1u << 20, 'a') +
                                   R"(","version":"1.0.0","kind":"mask"})");
        REQUIRE_FALSE(name);
        CHECK(name.error().str() == "name: must match [a-z0-9][a-z0-9._-]{0,63}");
        auto key = parse_manifest(R"({"name":"x","version":"1.0.0","kind":"mask","config":{")" +
                                  std::string(1u << 20, 'k') + R"(":{"type":"string"}}})");
        REQUIRE_FALSE(key);
        CHECK(key.error().str().size() < 300);
        auto unknown = parse_manifest(R"({")" + std::string(1u << 20, 'u') + R"(":1})");
        REQUIRE_FALSE(unknown);
        CHECK(unknown.error().str().size() < 300);
        CHECK_FALSE(parse_manifest(std::string(17u << 20, ' ')));
    }
    SECTION("invalid UTF-8 and control characters") {
        CHECK_FALSE(parse_manifest("{\"name\":\"x\xff\"}"));
        auto ctl = parse_manifest(patched(R"({"mcp": {"command": "node\u0000--evil"}})"));
        REQUIRE_FALSE(ctl);
        CHECK(ctl.error().str() == "mcp.command: must not contain control characters");
    }
    SECTION("hostile patterns are capped") {
        auto long_pattern = parse_manifest(
            patched((R"({"config": {"token": {"pattern": ")" + std::string(2000, 'a') + R"("}}})")
                        .c_str()));
        REQUIRE_FALSE(long_pattern);
        CHECK(long_pattern.error().str() ==
              "config.token.pattern: too long (at most 1024 characters)");
        ConfigKey k;
        k.pattern = "(a|b)*";
        auto huge = validate_config_value("k", k, json(std::string(1u << 20, 'a')));
        REQUIRE_FALSE(huge);
        CHECK_THAT(huge.error().message,
                   Catch::StartsWith("too long to check against its pattern"));
    }
}
