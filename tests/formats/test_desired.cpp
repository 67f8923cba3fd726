// The desired-state file of nxp apply and the lockfile: parsing, field-path errors, and the
// lockfile's canonical (deterministic) text.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "formats/desired.hpp"
#include "formats/lockfile.hpp"

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

// Runs "MERGE-PATCH -> ERROR" lines against `base` through `parse`.
template <class Parse>
int run_error_table(const std::string& data, const json& base, Parse parse) {
    std::istringstream in(data);
    std::string line;
    int cases = 0;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.empty() || line[0] == '#') continue;
        INFO("line " << n << ": " << line);
        auto arrow = line.find(" -> ");
        REQUIRE(arrow != std::string::npos);
        json j = base;
        j.merge_patch(json::parse(line.substr(0, arrow)));
        std::string expected = line.substr(arrow + 4);
        auto error = parse(j.dump());
        REQUIRE(error);
        CHECK(error->kind == nxp::ErrorKind::Invalid);
        if (expected.size() > 3 && expected.compare(expected.size() - 3, 3, "...") == 0)
            CHECK_THAT(error->str(), Catch::StartsWith(expected.substr(0, expected.size() - 3)));
        else
            CHECK(error->str() == expected);
        ++cases;
    }
    return cases;
}

}  // namespace

TEST_CASE("desired.json parses into repositories and plugins", "[desired]") {
    auto d = parse_desired(read_data("desired.json"));
    INFO((d ? "" : d.error().str()));
    REQUIRE(d);
    REQUIRE(d->repos.size() == 1);
    CHECK(d->repos[0].name == "demo");
    CHECK(d->repos[0].priority == 10);
    CHECK(d->repos[0].mirrors.size() == 1);
    REQUIRE(d->plugins.size() == 3);
    const auto& w = d->plugins[1];
    CHECK(w.name == "weather");
    CHECK(w.spec.str() == "weather ^1.2");
    CHECK(w.enabled);
    CHECK(w.config.at("units").literal == json("metric"));
    CHECK(w.config.at("days").literal == json(3));
    CHECK(w.config.at("token").env == "WEATHER_TOKEN");
    CHECK_FALSE(w.config.at("token").literal);
    CHECK(w.config.at("cert").file == "/run/secrets/weather-cert");
    CHECK(w.config.at("token").field == "plugins.weather.config.token");
    REQUIRE(w.grant);
    CHECK(w.grant->permissions.network == std::vector<std::string>{"api.open-meteo.com"});
    const auto& wp = d->plugins[2];
    CHECK_FALSE(wp.enabled);
    REQUIRE(wp.grant);
    CHECK(wp.grant->all);
    CHECK(d->plugins[0].spec.str() == "notes-json");
}

TEST_CASE("desired_errors.data: every invalid field is named by its path", "[desired]") {
    json base = json::parse(read_data("desired.json"));
    int cases =
        run_error_table(read_data("desired_errors.data"), base, [](const std::string& text) {
            auto d = parse_desired(text);
            return d ? std::optional<nxp::Error>() : std::optional<nxp::Error>(d.error());
        });
    CHECK(cases >= 25);
    CHECK_FALSE(parse_desired("{\"format\": 1,"));
    CHECK_FALSE(parse_desired("[]"));
}

namespace {

Lockfile sample_lock() {
    Lockfile l;
    l.repos.push_back({"zeta",
                       "https://z.example/repo",
                       {"RWTcbxBItzreRm76Kw2C/pk+vMSp5LVQ9rZhjcDUTx+M0F7/tzxTscvg"},
                       {}});
    l.repos.push_back({"demo",
                       "file:///srv/repo",
                       {"RWTcbxBItzreRm76Kw2C/pk+vMSp5LVQ9rZhjcDUTx+M0F7/tzxTscvg"},
                       {"https://m.example/repo"}});
    LockPackage b{"weather",
                  *parse_version("1.2.0"),
                  "demo",
                  "packages/weather-1.2.0.nxp",
                  "file:///srv/repo/packages/weather-1.2.0.nxp",
                  std::string(64, 'b'),
                  4096,
                  "explicit"};
    LockPackage a{"mcp-common", *parse_version("1.1.0"), "zeta", "packages/mcp-common-1.1.0.nxp",
                  "",           std::string(64, 'a'),    100,    "dependency"};
    l.packages = {b, a};
    return l;
}

}  // namespace

TEST_CASE("lockfile: canonical text round-trips and does not depend on input order", "[lockfile]") {
    Lockfile l = sample_lock();
    std::string text = write_lockfile(l);
    auto parsed = parse_lockfile(text);
    INFO((parsed ? "" : parsed.error().str()));
    REQUIRE(parsed);
    REQUIRE(parsed->packages.size() == 2);
    CHECK(parsed->packages[0].name == "mcp-common");  // sorted
    CHECK(parsed->packages[1].version.str() == "1.2.0");
    CHECK(parsed->packages[1].size == 4096);
    CHECK(parsed->packages[0].reason == "dependency");
    CHECK(parsed->repos[0].name == "demo");
    CHECK(parsed->repos[0].mirrors == std::vector<std::string>{"https://m.example/repo"});
    CHECK(write_lockfile(*parsed) == text);
    std::swap(l.repos[0], l.repos[1]);
    std::swap(l.packages[0], l.packages[1]);
    CHECK(write_lockfile(l) == text);
}

TEST_CASE("lockfile: errors name the field", "[lockfile]") {
    json base = json::parse(write_lockfile(sample_lock()));
    auto err = [&](const std::function<void(json&)>& change) {
        json j = base;
        change(j);
        auto l = parse_lockfile(j.dump());
        REQUIRE_FALSE(l);
        CHECK(l.error().kind == nxp::ErrorKind::Invalid);
        return l.error().str();
    };
    CHECK(err([](json& j) { j["packages"][0]["sha256"] = "ABC"; }) ==
          "packages[0].sha256: expected 64 lowercase hex digits");
    CHECK(err([](json& j) { j["packages"][1].erase("size"); }) ==
          "packages[1].size: required field is missing");
    CHECK(err([](json& j) { j["packages"][1]["size"] = 0; }) ==
          "packages[1].size: must be positive");
    CHECK(err([](json& j) { j["packages"][0]["path"] = "../x.nxp"; }) ==
          "packages[0].path: must not contain \"..\"");
    CHECK(err([](json& j) { j["packages"][0]["repo"] = "other"; }) ==
          "packages[0].repo: names repository other, which \"repositories\" lacks");
    CHECK(err([](json& j) { j["packages"][1]["name"] = "mcp-common"; }) ==
          "packages[1].name: duplicate package mcp-common");
    CHECK(err([](json& j) { j["packages"][0]["reason"] = "manual"; }) ==
          "packages[0].reason: expected \"explicit\" or \"dependency\"");
    CHECK(err([](json& j) { j["packages"][0]["hash"] = "x"; }) ==
          "packages[0].hash: unknown field");
    CHECK(err([](json& j) { j["format"] = 3; }) ==
          "format: unsupported format 3 (this nxp reads 1)");
    CHECK_THAT(err([](json& j) { j["packages"][0]["version"] = "1.0"; }),
               Catch::StartsWith("packages[0].version: "));
    CHECK_THAT(err([](json& j) { j["repositories"][0]["keys"][0] = "nope"; }),
               Catch::StartsWith("repositories[0].keys[0]: "));
}
