// "Did you mean": the nearest existing name to a misspelt one (formats/nearest.hpp).
#include <catch2/catch.hpp>

#include "formats/nearest.hpp"

using nxp::formats::did_you_mean;
using nxp::formats::nearest_name;

TEST_CASE("nearest_name finds typos: a letter missing, added, changed or two swapped") {
    const std::vector<std::string> commands = {"install", "remove", "update", "info", "list"};
    CHECK(nearest_name("instal", commands) == "install");
    CHECK(nearest_name("installl", commands) == "install");
    CHECK(nearest_name("rmove", commands) == "remove");
    CHECK(nearest_name("updaet", commands) == "update");  // a swap is one edit
    CHECK(nearest_name("INSTALL", commands) == "install");
    const std::vector<std::string> repos = {"main", "demo", "extra"};
    CHECK(nearest_name("dmeo", repos) == "demo");
    CHECK(nearest_name("mian", repos) == "main");
}

TEST_CASE("nearest_name suggests nothing for a word nothing is near") {
    const std::vector<std::string> names = {"weather", "notes-json", "uxprompts"};
    CHECK(nearest_name("zzzzzzzz", names).empty());
    CHECK(nearest_name("ab", names).empty());
    CHECK(nearest_name("anything", {}).empty());
    // Short words allow one edit only: "lst" is near "list", "xyz" is near nothing.
    CHECK(nearest_name("lst", {"list"}) == "list");
    CHECK(nearest_name("xyz", {"list"}).empty());
}

TEST_CASE("nearest_name: a name containing the word (or contained in it) is near") {
    CHECK(nearest_name("forecast", {"weather_forecast", "delete_note"}) == "weather_forecast");
    CHECK(nearest_name("weather-plugin", {"weather", "notes"}) == "weather");
}

TEST_CASE("nearest_name prefers the closest, the first on a tie") {
    CHECK(nearest_name("uxdic", {"uxdice", "uxdict"}) == "uxdice");
    CHECK(nearest_name("units", {"unit", "units2", "units"}) == "units");
}

TEST_CASE("did_you_mean is the sentence appended to an error, or nothing") {
    CHECK(did_you_mean("wether", {"weather"}) == "; did you mean 'weather'?");
    CHECK(did_you_mean("zzzzzz", {"weather"}).empty());
}
