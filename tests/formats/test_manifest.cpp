// plugin.json: every field validated, every error naming its field path.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "formats/manifest.hpp"

using namespace nxp::formats;
using nlohmann::json;

namespace {

std::string read_data(const std::string& name) {
    const char* dir = std::getenv("NXP_TEST_DATA");
    std::ifstream in((dir ? std::string(dir) + "/formats/data/" : std::string("data/")) + name);
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
    CHECK(dep_strings(m->provides) == std::vector<std::string>{"github-tools = 1.4.0", "git-forge"});
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
    for (auto k : {Kind::McpServer, Kind::Mask, Kind::Prompts, Kind::OpenapiPlugin, Kind::Library}) {
        CHECK(parse_kind(kind_name(k)) == k);
    }
    CHECK_FALSE(parse_kind("MCP-server"));
}

TEST_CASE("every invalid field is named by its path", "[manifest]") {
    struct Case {
        const char* patch;
        const char* error;  // Error::str(), exactly or as a prefix ending in "…"
    };
    const Case cases[] = {
        // Identity.
        {R"({"name": null})", "name: required field is missing"},
        {R"({"version": null})", "version: required field is missing"},
        {R"({"kind": null})", "kind: required field is missing"},
        {R"({"name": "GitHub"})", "name: must match [a-z0-9][a-z0-9._-]{0,63}"},
        {R"({"name": ""})", "name: must match [a-z0-9][a-z0-9._-]{0,63}"},
        {R"({"name": 7})", "name: expected string"},
        {R"({"version": "1.4"})", "version: invalid version \"1.4\": missing patch version…"},
        {R"({"version": "01.4.0"})", "version: invalid version \"01.4.0\": leading zero in major version"},
        {R"({"kind": "plugin"})", "kind: must be one of mcp-server, mask, prompts, openapi-plugin, library"},
        {R"({"summary": ["x"]})", "summary: expected string"},
        {R"({"homepage": false})", "homepage: expected string"},
        {R"({"permisions": {}})", "permisions: unknown field"},
        // Relations.
        {R"({"requires": "nextchat"})", "requires: expected array of strings"},
        {R"({"requires": ["nextchat", 2]})", "requires[1]: expected string"},
        {R"({"requires": ["a", "nextchat >= 2.x"]})", "requires[1]: invalid dependency \"nextchat >= 2.x\": invalid version \"2.x\": invalid character \"x\" in minor version"},
        {R"({"conflicts": ["a |"]})", "conflicts[0]: invalid dependency \"a |\": empty alternative…"},
        {R"({"recommends": ["Git"]})", "recommends[0]: invalid dependency \"Git\": invalid package name…"},
        {R"({"provides": ["x >= 1"]})", "provides[0]: a provided name takes no version…"},
        {R"({"provides": ["arch:x86_64"]})", "provides[0]: must name a package…"},
        {R"({"replaces": ["a | b"]})", "replaces[0]: invalid dependency \"a | b\"…"},
        // MCP.
        {R"({"mcp": null})", "mcp: required when kind is mcp-server"},
        {R"({"kind": "mask", "check": null})", "mcp: only allowed when kind is mcp-server"},
        {R"({"kind": "mask", "mcp": null})", "check.mcp: only allowed when kind is mcp-server"},
        {R"({"mcp": {"command": ""}})", "mcp.command: must not be empty"},
        {R"({"mcp": {"command": null}})", "mcp.command: required field is missing"},
        {R"({"mcp": {"args": [1]}})", "mcp.args[0]: expected string"},
        {R"({"mcp": {"env": {}}})", "mcp.env: unknown field"},
        {R"({"mcp": {"args": ["${config.nope}"]}})", "mcp.args[0]: refers to \"nope\", which is not a config key"},
        {R"({"mcp": []})", "mcp: expected object"},
        // Config keys.
        {R"({"config": []})", "config: expected object"},
        {R"({"config": {"timeout": {"maximum": "600"}}})", "config.timeout.maximum: expected integer"},
        {R"({"config": {"timeout": {"maximum": 6.5}}})", "config.timeout.maximum: expected integer"},
        {R"({"config": {"ratio": {"maximum": "1"}}})", "config.ratio.maximum: expected number"},
        {R"({"config": {"timeout": {"minimum": 700}}})", "config.timeout.minimum: must not be greater than maximum (600)"},
        {R"({"config": {"timeout": {"type": null}}})", "config.timeout.type: required field is missing"},
        {R"({"config": {"timeout": {"type": "int"}}})", "config.timeout.type: must be one of…"},
        {R"({"config": {"timeout": {"default": 0}}})", "config.timeout.default: must be at least 1"},
        {R"({"config": {"timeout": {"default": 601}}})", "config.timeout.default: must be at most 600"},
        {R"({"config": {"timeout": {"default": "30"}}})", "config.timeout.default: expected integer"},
        {R"({"config": {"ratio": {"default": 2.5}}})", "config.ratio.default: must be at most 1"},
        {R"({"config": {"mode": {"default": "admin"}}})", "config.mode.default: must be one of read, write"},
        {R"({"config": {"mode": {"values": []}}})", "config.mode.values: expected non-empty array of strings"},
        {R"({"config": {"mode": {"values": null}}})", "config.mode.values: required for type enum"},
        {R"({"config": {"mode": {"values": ["a", 1]}}})", "config.mode.values[1]: expected string"},
        {R"({"config": {"repos": {"default": ["a", 2]}}})", "config.repos.default[1]: expected string"},
        {R"({"config": {"repos": {"default": []}}})", "config.repos.default: must have at least 1 item"},
        {R"({"config": {"repos": {"items": "object"}}})", "config.repos.items: must be one of string, integer, number, boolean"},
        {R"({"config": {"repos": {"minItems": -1}}})", "config.repos.minItems: expected non-negative integer"},
        {R"({"config": {"token": {"pattern": "(unclosed"}}})", "config.token.pattern: invalid regular expression…"},
        {R"({"config": {"token": {"default": "nope"}}})", "config.token.default: must match the pattern…"},
        {R"({"config": {"token": {"minimum": 1}}})", "config.token.minimum: only valid for type integer or number"},
        {R"({"config": {"timeout": {"pattern": "x"}}})", "config.timeout.pattern: only valid for type string"},
        {R"({"config": {"timeout": {"values": ["x"]}}})", "config.timeout.values: only valid for type enum"},
        {R"({"config": {"token": {"arg": "multiple"}}})", "config.token.arg: must be single or spread"},
        {R"({"config": {"token": {"arg": "spread"}}})", "config.token.arg: spread needs type array"},
        {R"({"config": {"token": {"position": 1}}})", "config.token.position: only valid with arg single"},
        {R"({"config": {"verbose": {"position": -1}}})", "config.verbose.position: expected integer between 0 and 1000"},
        {R"({"config": {"token": {"env": "github_token"}}})", "config.token.env: must match [A-Z_][A-Z0-9_]*"},
        {R"({"config": {"token": {"env": "1X"}}})", "config.token.env: must match [A-Z_][A-Z0-9_]*"},
        {R"({"config": {"token": {"env": "GH_MODE"}}})", "config.token.env: GH_MODE is already used by config.mode"},
        {R"({"config": {"token": {"secret": "yes"}}})", "config.token.secret: expected boolean"},
        {R"({"config": {"token": {"requried": true}}})", "config.token.requried: unknown field"},
        {R"({"config": {"bad key": {"type": "string"}}})", "config: invalid key \"bad key\"…"},
        {R"({"config": {"timeout": 30}})", "config.timeout: expected object"},
        // Permissions.
        {R"({"permissions": []})", "permissions: expected object"},
        {R"({"permissions": {"net": []}})", "permissions.net: unknown field"},
        {R"({"permissions": {"network": ["api.github.com", "http://x"]}})", "permissions.network[1]: must be a host name, optionally with :port"},
        {R"({"permissions": {"network": ["a.com:0"]}})", "permissions.network[0]: must be a host name…"},
        {R"({"permissions": {"network": ["a.com:65536"]}})", "permissions.network[0]: must be a host name…"},
        {R"({"permissions": {"network": ["-a.com"]}})", "permissions.network[0]: must be a host name…"},
        {R"({"permissions": {"network": [""]}})", "permissions.network[0]: must be a host name…"},
        {R"({"permissions": {"network": "a.com"}})", "permissions.network: expected array of strings"},
        {R"({"permissions": {"env": ["PATH", "lower"]}})", "permissions.env[1]: must match [A-Z_][A-Z0-9_]*"},
        {R"({"permissions": {"filesystem": ["/tmp"]}})", "permissions.filesystem[0]: expected object with path and access"},
        {R"({"permissions": {"filesystem": [{"path": "/tmp"}]}})", "permissions.filesystem[0].access: required field is missing"},
        {R"({"permissions": {"filesystem": [{"path": "/tmp", "access": "write"}]}})", "permissions.filesystem[0].access: must be read-only or read-write"},
        {R"({"permissions": {"filesystem": [{"path": "data", "access": "read-only"}]}})", "permissions.filesystem[0].path: must be absolute or start with a ${...} placeholder"},
        {R"({"permissions": {"filesystem": [{"path": "/srv/../etc", "access": "read-only"}]}})", "permissions.filesystem[0].path: must not contain \"..\""},
        {R"({"permissions": {"filesystem": [{"path": "${config.nope}/x", "access": "read-only"}]}})", "permissions.filesystem[0].path: refers to \"nope\"…"},
        {R"({"permissions": {"filesystem": [{"path": "/x", "access": "read-only", "mode": 1}]}})", "permissions.filesystem[0].mode: unknown field"},
        // Hooks and check.
        {R"({"hooks": {"post-install": "/bin/sh"}})", "hooks.post-install: must be a relative path"},
        {R"({"hooks": {"pre-remove": "scripts/../../x"}})", "hooks.pre-remove: must not contain \"..\""},
        {R"({"hooks": {"post-upgrade": ""}})", "hooks.post-upgrade: must not be empty"},
        {R"({"hooks": {"post-upgrade": 1}})", "hooks.post-upgrade: expected string"},
        {R"({"hooks": {"pre-install": "x.sh"}})", "hooks.pre-install: unknown field"},
        {R"({"check": {"timeout": 0}})", "check.timeout: must be between 1 and 300"},
        {R"({"check": {"timeout": 301}})", "check.timeout: must be between 1 and 300"},
        {R"({"check": {"timeout": 10.5}})", "check.timeout: expected integer"},
        {R"({"check": {"timeout": 18446744073709551615}})", "check.timeout: number too large"},
        {R"({"check": {"mcp": 1}})", "check.mcp: expected boolean"},
    };
    for (const auto& c : cases) {
        INFO(c.patch);
        auto m = parse_manifest(patched(c.patch));
        REQUIRE_FALSE(m);
        CHECK(m.error().kind == nxp::ErrorKind::Invalid);
        std::string expected = c.error;
        const std::string ellipsis = "…";
        if (expected.size() > ellipsis.size() &&
            expected.compare(expected.size() - ellipsis.size(), ellipsis.size(), ellipsis) == 0) {
            CHECK_THAT(m.error().str(),
                       Catch::StartsWith(expected.substr(0, expected.size() - ellipsis.size())));
        } else {
            CHECK(m.error().str() == expected);
        }
    }
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
        for (const char* patch : {R"({"check": {"timeout": 1e400}})",
                                  R"({"config": {"timeout": {"maximum": 1e400}}})",
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
        CHECK(m.error().message == "invalid JSON: nested deeper than 64 levels");
        std::string in_field = R"({"name": "x", "summary": )" + std::string(65, '[') +
                               std::string(65, ']') + "}";
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
        auto long_pattern = parse_manifest(patched(
            (R"({"config": {"token": {"pattern": ")" + std::string(2000, 'a') + R"("}}})").c_str()));
        REQUIRE_FALSE(long_pattern);
        CHECK(long_pattern.error().str() == "config.token.pattern: too long (at most 1024 characters)");
        ConfigKey k;
        k.pattern = "(a|b)*";
        auto huge = validate_config_value("k", k, json(std::string(1u << 20, 'a')));
        REQUIRE_FALSE(huge);
        CHECK_THAT(huge.error().message, Catch::StartsWith("too long to check against its pattern"));
    }
}
