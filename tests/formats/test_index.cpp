// index.json: parsing (simdjson), canonical writing (nlohmann), field-path errors.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "formats/index.hpp"
#include "formats/index_entries.hpp"

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

Index must_parse(const std::string& text) {
    auto index = parse_index(text);
    INFO((index ? "" : index.error().str()));
    REQUIRE(index);
    return *index;
}

IndexEntry make_entry(std::string name, const char* version) {
    IndexEntry e;
    e.name = std::move(name);
    e.version = *parse_version(version);
    e.kind = Kind::Library;
    e.path = "packages/" + e.name + "-" + version + ".nxp";
    e.sha256 = std::string(64, 'a');
    e.size = 10;
    return e;
}

}  // namespace

TEST_CASE("the sample index parses into every field", "[index]") {
    Index index = must_parse(read_data("index.json"));
    CHECK(index.format == 1);
    CHECK(index.repo == "example-main");
    CHECK(index.version == 42);
    CHECK(index.generated == 1700000000);
    CHECK(index.expires == 1700604800);
    REQUIRE(index.packages.size() == 4);
    const IndexEntry& gh = index.packages[0];
    CHECK(gh.name == "github");
    CHECK(gh.version.str() == "1.4.0");
    CHECK(gh.kind == Kind::McpServer);
    CHECK(gh.summary == "GitHub as MCP tools");
    CHECK(dep_strings(gh.requires_) ==
          std::vector<std::string>{"nextchat >= 2.16", "node-runtime ^20 | node-runtime ^22"});
    CHECK(dep_strings(gh.conflicts) == std::vector<std::string>{"github-legacy"});
    CHECK(dep_strings(gh.provides) == std::vector<std::string>{"github-tools = 1.4.0"});
    CHECK(dep_strings(gh.replaces) == std::vector<std::string>{"github-mcp < 1.0"});
    CHECK(dep_strings(gh.recommends) == std::vector<std::string>{"git"});
    CHECK(gh.permissions.network == std::vector<std::string>{"api.github.com"});
    CHECK(gh.permissions.filesystem == std::vector<FsPermission>{{"${config.root}", "read-write"}});
    CHECK(gh.path == "packages/github-1.4.0.nxp");
    CHECK(gh.size == 123456);
    CHECK(gh.installed_size == 456789);
    CHECK(index.packages[3].version.build == "build.7");
    CHECK(index.packages[3].installed_size == 0);  // optional: 0 means unknown
    CHECK(index.revoked == std::vector<std::string>{std::string(64, '4')});
    REQUIRE(index.advisories.size() == 1);
    CHECK(index.advisories[0].id == "NXP-2024-0001");
    CHECK(index.advisories[0].versions == "<1.4.0");
    CHECK(index.advisories[0].severity == "high");
}

TEST_CASE("write_index is canonical and round-trips", "[index]") {
    Index index = must_parse(read_data("index.json"));
    std::string text = write_index(index);
    Index again = must_parse(text);
    CHECK(write_index(again) == text);
    REQUIRE(again.packages.size() == index.packages.size());
    // Sorted by name, then version precedence.
    CHECK(again.packages[0].name == "coder-mask");
    CHECK(again.packages[1].version.str() == "1.3.9");
    CHECK(again.packages[2].version.str() == "1.4.0");
    CHECK(again.packages[3].name == "node-runtime");
    const IndexEntry& gh = again.packages[2];
    CHECK(dep_strings(gh.requires_) == dep_strings(index.packages[0].requires_));
    CHECK(gh.permissions == index.packages[0].permissions);
    CHECK(gh.sha256 == index.packages[0].sha256);
    CHECK(again.advisories.size() == 1);
    CHECK(again.revoked == index.revoked);
    // One package a line, so a rebuilt repository diffs readably.
    CHECK(std::count(text.begin(), text.end(), '\n') == 4 + 5);

    // Input order does not matter.
    std::reverse(index.packages.begin(), index.packages.end());
    CHECK(write_index(index) == text);
}

TEST_CASE("entries written one by one read back in one pass, each checked", "[index]") {
    Index index = must_parse(read_data("index.json"));
    std::vector<std::string> texts;
    for (const auto& e : index.packages) texts.push_back(write_index_entry(e));
    auto back = parse_index_entries(texts);
    REQUIRE(back);
    REQUIRE(back->size() == index.packages.size());
    for (std::size_t i = 0; i < texts.size(); ++i) CHECK(write_index_entry((*back)[i]) == texts[i]);
    CHECK(parse_index_entries({})->empty());

    // A bad entry is named by its position; text that is not exactly one object per
    // element (two objects, a closing bracket smuggled in) is refused as a whole.
    auto bad = texts;
    bad[1] = R"({"name":"x","version":"one","kind":"library","path":"p","size":1,"sha256":")" +
             std::string(64, 'a') + "\"}";
    auto err = parse_index_entries(bad);
    REQUIRE_FALSE(err);
    CHECK(err.error().str().find("entries[1].version") != std::string::npos);
    CHECK_FALSE(parse_index_entries({texts[0] + "," + texts[1]}));
    CHECK_FALSE(parse_index_entries({texts[0] + "],[" + texts[1]}));
    CHECK_FALSE(parse_index_entries({"{"}));
}

TEST_CASE("packages are sorted by name then SemVer precedence", "[index]") {
    Index index;
    index.repo = "r";
    for (const char* v : {"1.10.0", "1.0.0", "1.0.0-rc.1", "1.9.0", "1.0.0-alpha", "2.0.0"}) {
        index.packages.push_back(make_entry("a", v));
    }
    index.packages.push_back(make_entry("0pkg", "9.0.0"));
    index.revoked = {std::string(64, 'f'), std::string(64, 'b'), std::string(64, 'f')};
    Index back = must_parse(write_index(index));
    std::vector<std::string> order;
    for (const auto& e : back.packages) order.push_back(e.name + " " + e.version.str());
    CHECK(order == std::vector<std::string>{"0pkg 9.0.0", "a 1.0.0-alpha", "a 1.0.0-rc.1",
                                            "a 1.0.0", "a 1.9.0", "a 1.10.0", "a 2.0.0"});
    CHECK(back.revoked == std::vector<std::string>{std::string(64, 'b'), std::string(64, 'f')});
}

TEST_CASE("every invalid index field is named by its path", "[index]") {
    const json base = json::parse(read_data("index.json"));
    struct Case {
        const char* where;  // "top" or a package position
        const char* patch;
        const char* error;
    };
    const Case cases[] = {
        {"top", R"({"format": 2})", "format: unsupported format 2 (this nxp reads format 1)"},
        {"top", R"({"format": "1"})", "format: expected integer"},
        {"top", R"({"format": null})", "format: required field is missing"},
        {"top", R"({"repo": ""})", "repo: must not be empty"},
        {"top", R"({"repo": 5})", "repo: expected string"},
        {"top", R"({"repo": null})", "repo: required field is missing"},
        {"top", R"({"version": -1})", "version: expected non-negative integer"},
        {"top", R"({"version": 1.5})", "version: expected non-negative integer"},
        {"top", R"({"expires": "tomorrow"})", "expires: expected integer"},
        {"top", R"({"expires": null})", "expires: required field is missing"},
        {"top", R"({"generated": 1e3})", "generated: expected integer"},
        {"top", R"({"packages": {}})", "packages: expected array"},
        {"top", R"({"packages": null})", "packages: required field is missing"},
        {"top", R"({"revoked": ["abc"]})", "revoked[0]: expected 64 lowercase hex digits"},
        {"top", R"({"revoked": "x"})", "revoked: expected array"},
        {"top", R"({"advisories": [{"id": "A"}]})",
         "advisories[0].package: required field is missing"},
        {"top",
         R"({"advisories": [{"id": "A", "package": "x", "versions": "<<1", "severity": "high"}]})",
         "advisories[0].versions: invalid constraint \"<<1\": unknown operator \"<<\""},
        {"top",
         R"({"advisories": [{"id": "A", "package": "x", "versions": "<1", "severity": "urgent"}]})",
         "advisories[0].severity: must be one of low, medium, high, critical"},
        {"top",
         R"({"advisories": [{"id": "", "package": "x", "versions": "<1", "severity": "low"}]})",
         "advisories[0].id: must not be empty"},
        {"top",
         R"({"advisories": [{"id": "A", "package": "X", "versions": "<1", "severity": "low"}]})",
         "advisories[0].package: must match [a-z0-9][a-z0-9._-]{0,63}"},
        {"2", R"({"sha256": "0123"})", "packages[2].sha256: expected 64 lowercase hex digits"},
        {"2", R"({"sha256": "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"})",
         "packages[2].sha256: expected 64 lowercase hex digits"},
        {"2", R"({"sha256": null})", "packages[2].sha256: required field is missing"},
        {"2", R"({"name": "Node"})", "packages[2].name: must match [a-z0-9][a-z0-9._-]{0,63}"},
        {"2", R"({"name": null})", "packages[2].name: required field is missing"},
        {"2", R"({"version": "22.3"})",
         "packages[2].version: invalid version \"22.3\": missing patch version (expected "
         "major.minor.patch)"},
        {"2", R"({"kind": "app"})",
         "packages[2].kind: must be one of mcp-server, mask, prompts, openapi-plugin, library, "
         "runtime"},
        {"2", R"({"path": "/etc/passwd"})", "packages[2].path: must be a relative path"},
        {"2", R"({"path": "packages/../../x.nxp"})", "packages[2].path: must not contain \"..\""},
        {"2", R"({"path": "packages//x.nxp"})",
         "packages[2].path: must not contain empty or \".\" segments"},
        {"2", R"({"path": ""})", "packages[2].path: must not be empty"},
        {"2", R"({"path": null})", "packages[2].path: required field is missing"},
        {"2", R"({"size": -1})", "packages[2].size: expected non-negative integer"},
        {"2", R"({"size": "10"})", "packages[2].size: expected non-negative integer"},
        {"2", R"({"size": null})", "packages[2].size: required field is missing"},
        {"2", R"({"installed_size": 1.5})",
         "packages[2].installed_size: expected non-negative integer"},
        {"2", R"({"requires": ["nextchat >= 2.x"]})",
         "packages[2].requires[0]: invalid dependency \"nextchat >= 2.x\": invalid version "
         "\"2.x\": invalid character \"x\" in minor version"},
        {"2", R"({"requires": "nextchat"})", "packages[2].requires: expected array of strings"},
        {"2", R"({"conflicts": [1]})", "packages[2].conflicts[0]: expected string"},
        {"2", R"({"provides": ["x ^1"]})",
         "packages[2].provides[0]: a provided name takes no version or \"= MAJOR.MINOR.PATCH\""},
        {"2", R"({"permissions": {"network": ["not a host"]}})",
         "packages[2].permissions.network[0]: must be a host name, optionally with :port"},
        {"2", R"({"permissions": {"filesystem": [{"path": "/x", "access": "all"}]}})",
         "packages[2].permissions.filesystem[0].access: must be read-only or read-write"},
        {"2", R"({"permissions": {"disk": []}})", "packages[2].permissions.disk: unknown field"},
        {"2", R"({"permissions": []})", "packages[2].permissions: expected object"},
        {"2", R"({"version": "1.3.9+other", "name": "github"})",
         "packages[2]: duplicate of packages[1] (github 1.3.9)"},
    };
    for (const auto& c : cases) {
        INFO(c.where << " " << c.patch);
        json j = base;
        if (std::string(c.where) == "top") {
            j.merge_patch(json::parse(c.patch));
        } else {
            j["packages"][std::stoul(c.where)].merge_patch(json::parse(c.patch));
        }
        auto index = parse_index(j.dump());
        REQUIRE_FALSE(index);
        CHECK(index.error().kind == nxp::ErrorKind::Invalid);
        CHECK(index.error().str() == c.error);
    }
    auto not_object = parse_index(R"({"format":1,"repo":"r","version":1,"generated":0,)"
                                  R"("expires":0,"packages":[1]})");
    REQUIRE_FALSE(not_object);
    CHECK(not_object.error().str() == "packages[0]: expected object");
}

TEST_CASE("hostile index text never crashes", "[index][security]") {
    const std::string text = read_data("index.json");
    SECTION("truncated anywhere") {
        for (std::size_t n = 0; n < text.size(); n += 5) {
            auto index = parse_index(text.substr(0, n));
            REQUIRE_FALSE(index);
            CHECK_THAT(index.error().message, Catch::StartsWith("invalid JSON"));
        }
    }
    SECTION("not an object") {
        for (const char* t : {"[]", "1", "null", "\"index\""}) {
            auto index = parse_index(t);
            REQUIRE_FALSE(index);
            CHECK(index.error().message == "expected a JSON object");
        }
    }
    SECTION("deep nesting") {
        std::string deep = std::string(100000, '[') + std::string(100000, ']');
        CHECK_FALSE(parse_index(deep));
        json j = json::parse(text);
        std::string nested = std::string(20, '[') + std::string(20, ']');
        std::string t = j.dump();
        auto at = t.find("\"network\":[") + 11;
        t.insert(at, nested + ",");
        auto index = parse_index(t);
        REQUIRE_FALSE(index);
        CHECK_THAT(index.error().context, Catch::StartsWith("packages[0].permissions"));
    }
    SECTION("huge numbers") {
        for (const char* n : {"1e400", "18446744073709551616", "-9223372036854775809"}) {
            json j = json::parse(text);
            std::string t = j.dump();
            t.replace(t.find("123456"), 6, n);
            auto index = parse_index(t);
            INFO(n);
            REQUIRE_FALSE(index);
        }
    }
    SECTION("duplicate keys") {
        std::string t = text;
        t.insert(t.find("\"installed_size\":456789"),
                 "\"sha256\":\"" + std::string(64, 'e') + "\",");
        auto dup = parse_index(t);
        REQUIRE_FALSE(dup);
        CHECK(dup.error().str() == "packages[0]: duplicate key \"sha256\"");
        std::string top = text;
        top.insert(1, "\"expires\":9999999999,");
        auto dup_top = parse_index(top);
        REQUIRE_FALSE(dup_top);
        CHECK(dup_top.error().message == "duplicate key \"expires\"");
    }
    SECTION("invalid UTF-8 and NUL bytes") {
        CHECK_FALSE(parse_index(std::string("{\"repo\":\"\xff\"}")));
        json j = json::parse(text);
        j["packages"][0]["path"] = std::string("packages/a\0b.nxp", 16);
        auto nul = parse_index(j.dump());
        REQUIRE_FALSE(nul);
        CHECK(nul.error().context == "packages[0].path");
    }
    SECTION("wrong types in every package field") {
        json base = json::parse(text);
        for (const auto& [key, _] : base["packages"][0].items()) {
            for (const char* wrong : {"null", "-3", "\"s\"", "[1]", "{\"x\":1}", "true"}) {
                json j = base;
                j["packages"][0][key] = json::parse(wrong);
                auto index = parse_index(j.dump());
                if (index) continue;  // "s" is a fine summary
                INFO(key << " = " << wrong << " -> " << index.error().str());
                CHECK_THAT(index.error().context, Catch::StartsWith("packages[0]." + key));
            }
        }
    }
}

TEST_CASE("entry_from_manifest copies relations and permissions", "[index]") {
    auto m = parse_manifest(read_data("github.plugin.json"));
    REQUIRE(m);
    IndexEntry e = entry_from_manifest(*m);
    CHECK(e.name == "github");
    CHECK(e.version == m->version);
    CHECK(e.kind == Kind::McpServer);
    CHECK(e.summary == m->summary);
    CHECK(dep_strings(e.requires_) == dep_strings(m->requires_));
    CHECK(dep_strings(e.conflicts) == dep_strings(m->conflicts));
    CHECK(dep_strings(e.provides) == dep_strings(m->provides));
    CHECK(dep_strings(e.replaces) == dep_strings(m->replaces));
    CHECK(dep_strings(e.recommends) == dep_strings(m->recommends));
    CHECK(e.permissions == m->permissions);
    CHECK(e.path.empty());
    CHECK(e.sha256.empty());
    CHECK(e.size == 0);
    // Once the publisher fills in the archive fields, it goes through the index unchanged.
    e.path = "packages/github-1.4.0.nxp";
    e.sha256 = std::string(64, '0');
    e.size = 1;
    Index index;
    index.repo = "r";
    index.packages = {e};
    Index back = must_parse(write_index(index));
    CHECK(back.packages[0].permissions == m->permissions);
    CHECK(dep_strings(back.packages[0].requires_) == dep_strings(m->requires_));
}

TEST_CASE("config keys travel in the index, checked as the manifest's", "[index]") {
    auto m = parse_manifest(read_data("github.plugin.json"));
    REQUIRE(m);
    REQUIRE_FALSE(m->config.empty());
    IndexEntry e = entry_from_manifest(*m);
    e.path = "packages/github-1.4.0.nxp";
    e.sha256 = std::string(64, '0');
    e.size = 1;
    Index index;
    index.repo = "r";
    index.packages = {e};
    const std::string text = write_index(index);
    CHECK(json::parse(text)["packages"][0]["config"] ==
          json::parse(config_to_json(m->config).dump()));
    Index back = must_parse(text);
    const auto& got = back.packages[0].config;
    REQUIRE(got.size() == m->config.size());
    for (const auto& [key, want] : m->config) {
        INFO(key);
        REQUIRE(got.count(key));
        const ConfigKey& k = got.at(key);
        CHECK(k.type == want.type);
        CHECK(k.secret == want.secret);
        CHECK(k.required == want.required);
        CHECK(k.default_json == want.default_json);
        CHECK(k.description == want.description);
        CHECK(k.env == want.env);
        CHECK(k.minimum == want.minimum);
        CHECK(k.maximum == want.maximum);
        CHECK(k.values == want.values);
    }
    CHECK(write_index(back) == text);  // canonical: the same schema gives the same bytes
    // The one-entry form (repository caches) carries them too.
    auto one = parse_index_entries({write_index_entry(e)});
    REQUIRE(one);
    CHECK(one->at(0).config.size() == m->config.size());
    // An index written before config was carried stays readable, with no keys.
    json old = json::parse(text);
    old["packages"][0].erase("config");
    CHECK(must_parse(old.dump()).packages[0].config.empty());
}

TEST_CASE("a hostile config in an index is refused, naming the entry and key",
          "[index][security]") {
    Index index;
    index.repo = "r";
    index.packages = {make_entry("a", "1.0.0")};
    const json base = json::parse(write_index(index));
    const struct {
        const char* config;
        const char* context;
    } cases[] = {
        {R"([])", "packages[0].config"},
        {R"({"k": 1})", "packages[0].config.k"},
        {R"({"k": {}})", "packages[0].config.k.type"},
        {R"({"k": {"type": "blob"}})", "packages[0].config.k.type"},
        {R"({"k": {"type": "string", "bogus": 1}})", "packages[0].config.k.bogus"},
        {R"({"k": {"type": "string", "secret": true, "arg": "single"}})",
         "packages[0].config.k.arg"},
        {R"({"k": {"type": "string", "pattern": "(a"}})", "packages[0].config.k.pattern"},
        {R"({"k": {"type": "integer", "default": "x"}})", "packages[0].config.k.default"},
        {R"({"k": {"type": "array", "default": [[[[1]]]]}})", "packages[0].config.k.default"},
        {R"({"bad key!": {"type": "string"}})", "packages[0].config"},
    };
    for (const auto& c : cases) {
        INFO(c.config);
        json j = base;
        j["packages"][0]["config"] = json::parse(c.config);
        auto parsed = parse_index(j.dump());
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().kind == nxp::ErrorKind::Invalid);
        CHECK_THAT(parsed.error().context, Catch::StartsWith(c.context));
    }
}

TEST_CASE("a 100,000-package index parses", "[index][large]") {
    Index index;
    index.repo = "big";
    index.version = 7;
    index.packages.reserve(100000);
    for (int i = 0; i < 100000; ++i) {
        IndexEntry e = make_entry("pkg" + std::to_string(i / 4), "1.0.0");
        e.version.minor = static_cast<std::uint64_t>(i % 4);
        e.path = "packages/" + std::to_string(i) + ".nxp";
        e.requires_.push_back(*parse_dep_spec("nextchat >= 2.16"));
        if (i % 3 == 0)
            e.requires_.push_back(*parse_dep_spec("pkg" + std::to_string(i / 7) + " ^1"));
        if (i % 10 == 0) e.permissions.network = {"api.example.com"};
        index.packages.push_back(std::move(e));
    }
    std::string text = write_index(index);
    auto parsed = parse_index(text);
    INFO((parsed ? "" : parsed.error().str()));
    REQUIRE(parsed);
    REQUIRE(parsed->packages.size() == 100000);
    CHECK(parsed->version == 7);
}
