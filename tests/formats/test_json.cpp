// parse_json: the one parser for JSON from outside (formats/json_util.hpp).
#include <catch2/catch.hpp>

#include "formats/json_util.hpp"

using namespace nxp;
using nlohmann::json;
using nxp::formats::JsonLimits;
using nxp::formats::parse_json;
using nxp::formats::parse_ordered_json;

TEST_CASE("parse_json reads what nlohmann reads") {
    for (const char* text :
         {"null", "true", "0", "-1", "18446744073709551615", "1.5e3", "\"\"", "\"a\\u00e9\\n\"",
          "[]", "{}", "[1,[2,[3]],{\"a\":{\"b\":[]}}]", " \n\t{ \"k\" : [ 1 , 2 ] } \n"}) {
        auto j = parse_json(text, "t");
        REQUIRE(j);
        CHECK(*j == json::parse(text));
    }
}

TEST_CASE("parse_json limits depth and says where") {
    auto at_limit = parse_json(std::string(8, '[') + std::string(8, ']'), "f", {8});
    CHECK(at_limit);
    auto over = parse_json(std::string(9, '[') + std::string(9, ']'), "f", {8});
    REQUIRE_FALSE(over);
    CHECK(over.error().kind == ErrorKind::Invalid);
    CHECK(over.error().str() == "f: JSON nested deeper than 8 levels at byte 9");
    // Objects count like arrays; brackets inside strings and escaped quotes are text.
    auto obj = parse_json(R"({"[[[[\"{{": {"a": {"b": [1]}}})", "g", {3});
    REQUIRE_FALSE(obj);
    CHECK(obj.error().str() == "g: JSON nested deeper than 3 levels at byte 26");
    CHECK(parse_json(R"({"[[[[\"{{": {"a": [1]}})", "g", {3}));
    // The default limit.
    CHECK(parse_json(std::string(128, '[') + std::string(128, ']'), "d"));
    auto deep = parse_json(std::string(129, '[') + std::string(129, ']'), "d");
    REQUIRE_FALSE(deep);
    CHECK(deep.error().message == "JSON nested deeper than 128 levels at byte 129");
}

TEST_CASE("parse_json errors name the place") {
    auto syntax = parse_json("{\"a\": 1,\n \"b\": tru}", "x.json");
    REQUIRE_FALSE(syntax);
    CHECK_THAT(syntax.error().str(), Catch::StartsWith("x.json: invalid JSON at line 2, column"));
    auto trailing = parse_json("[1] [2]", "x.json");
    REQUIRE_FALSE(trailing);
    CHECK_THAT(trailing.error().message, Catch::Contains("expected end of input"));
    auto empty = parse_json("", "x.json");
    REQUIRE_FALSE(empty);
    CHECK_THAT(empty.error().message, Catch::StartsWith("invalid JSON"));
    auto number = parse_json("[1e400]", "n");
    REQUIRE_FALSE(number);
    CHECK_THAT(number.error().message, Catch::Contains("number overflow"));
    CHECK_FALSE(parse_json("\"\xff\"", "u"));
}

TEST_CASE("parse_json duplicate keys") {
    auto dup = parse_json(R"({"a": 1, "b": {"c": 1, "c": 2}})", "d");
    REQUIRE_FALSE(dup);
    CHECK(dup.error().str() == "d: duplicate key \"c\"");
    // The same key in different objects is no duplicate.
    CHECK(parse_json(R"({"c": 1, "b": {"c": 1}, "e": [{"c": 1}, {"c": 2}]})", "d"));
    auto last = parse_json(R"({"a": 1, "a": [2]})", "d", {.reject_duplicate_keys = false});
    REQUIRE(last);
    CHECK(*last == json::parse(R"({"a": [2]})"));
}

TEST_CASE("parse_ordered_json keeps key order") {
    auto j = parse_ordered_json(R"({"z": 1, "a": {"y": 2, "b": 3}, "z": 4})", "o",
                                {.reject_duplicate_keys = false});
    REQUIRE(j);
    CHECK(j->dump() == R"({"z":4,"a":{"y":2,"b":3}})");
    std::string objects;
    for (int i = 0; i < 200; ++i) objects += "{\"a\":";
    auto deep = parse_ordered_json(objects, "o");
    REQUIRE_FALSE(deep);
    CHECK(deep.error().message == "JSON nested deeper than 128 levels at byte 641");
}

TEST_CASE("get_strings: the one reader of an array of strings") {
    using formats::detail::get_strings;
    auto ok = get_strings(json::parse(R"(["a", "b c", ""])"), "f");
    REQUIRE(ok);
    CHECK(*ok == std::vector<std::string>{"a", "b c", ""});
    CHECK(get_strings(json::array(), "f")->empty());
    CHECK(get_strings(json::parse(R"("a")"), "f").error().str() == "f: expected array of strings");
    CHECK(get_strings(json::parse(R"({"a": 1})"), "f").error().str() ==
          "f: expected array of strings");
    CHECK(get_strings(json::parse(R"(["a", 1])"), "f").error().str() == "f[1]: expected string");
    CHECK(get_strings(json::parse(R"(["a", null])"), "f").error().str() == "f[1]: expected string");
    CHECK(get_strings(json::parse(R"(["a", "b\u001b"])"), "f").error().str() ==
          "f[1]: must not contain control characters");
    CHECK(get_strings(json::parse(R"(["abcd"])"), "f", 3).error().str() ==
          "f[0]: too long (at most 3 characters)");
    auto any = get_strings(json::parse(R"(["b\u001b"])"), "f", 0, true);
    REQUIRE(any);
    CHECK(any->front() == "b\x1b");
    auto upper = [](std::string_view s) {
        return !s.empty() && s.find_first_not_of("ABC") == std::string_view::npos;
    };
    CHECK(get_strings(json::parse(R"(["AB", "x"])"), "e", +upper, "must be upper").error().str() ==
          "e[1]: must be upper");
    CHECK(get_strings(json::parse(R"(["AB", 2])"), "e", +upper, "must be upper").error().str() ==
          "e[1]: expected string");
}

TEST_CASE("parse_string_array reads what nxp stored, any text kept") {
    auto ok = formats::parse_string_array(R"(["x", "\u001b]0;t\u0007"])", "tools");
    REQUIRE(ok);
    CHECK(*ok == std::vector<std::string>{"x", "\x1b]0;t\x07"});
    CHECK(formats::parse_string_array("[1]", "tools").error().str() == "tools[0]: expected string");
    CHECK_FALSE(formats::parse_string_array("[", "tools"));
    CHECK_FALSE(formats::parse_string_array(std::string(1000, '['), "tools"));
}
