// Constraints and dependency expressions, table-driven from data/constraints.data.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "formats/constraint.hpp"

using namespace nxp::formats;

namespace {

std::string data_file(const std::string& name) {
    const char* dir = std::getenv("NXP_TEST_DATA");
    return (dir ? std::string(dir) + "/formats/data/" : std::string("data/")) + name;
}

// The comparators as text, ">=1.2.0,<2.0.0", to compare expansions at a glance.
std::string expansion(const Constraint& c) {
    static const char* ops[] = {"=", "<", "<=", ">", ">="};
    std::string s;
    for (const auto& cmp : c.all) {
        if (!s.empty()) s += ",";
        s += ops[static_cast<int>(cmp.op)] + cmp.version.str();
    }
    return s;
}

}  // namespace

TEST_CASE("constraints.data: matching and errors", "[constraint]") {
    std::ifstream in(data_file("constraints.data"));
    REQUIRE(in.good());
    std::string line;
    int cases = 0;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.empty() || line[0] == '#') continue;
        INFO("constraints.data:" << n << ": " << line);
        ++cases;
        if (line[0] == '!') {
            auto semi = line.find(" ; ");
            REQUIRE(semi != std::string::npos);
            auto c = parse_constraint(line.substr(2, semi - 2));
            REQUIRE_FALSE(c);
            CHECK(c.error().kind == nxp::ErrorKind::Invalid);
            CHECK_THAT(c.error().message, Catch::Contains(line.substr(semi + 3)));
            continue;
        }
        auto last = line.rfind(' ');
        auto middle = line.rfind(' ', last - 1);
        REQUIRE(middle != std::string::npos);
        std::string expect = line.substr(last + 1);
        REQUIRE((expect == "match" || expect == "nomatch"));
        auto c = parse_constraint(line.substr(0, middle));
        INFO((c ? expansion(*c) : c.error().str()));
        REQUIRE(c);
        auto v = parse_version(line.substr(middle + 1, last - middle - 1));
        REQUIRE(v);
        CHECK(c->matches(*v) == (expect == "match"));
    }
    CHECK(cases > 80);
}

TEST_CASE("^, ~ and partial versions expand as documented", "[constraint]") {
    const std::pair<const char*, const char*> cases[] = {
        {"^1.2.3", ">=1.2.3,<2.0.0"},
        {"^0.2.3", ">=0.2.3,<0.3.0"},
        {"^0.0.3", ">=0.0.3,<0.0.4"},
        {"~1.2.3", ">=1.2.3,<1.3.0"},
        {"~1", ">=1.0.0,<2.0.0"},
        {"=1.2", ">=1.2.0,<1.3.0"},
        {"^1.2", ">=1.2.0,<2.0.0"},
        {"^0", ">=0.0.0,<1.0.0"},
        {"1.2.3", "=1.2.3"},
        {">= 2.16", ">=2.16.0"},
        {"<=1.2", "<1.3.0"},
        {">1.2", ">=1.3.0"},
        {">1.2.3 , <2", ">1.2.3,<2.0.0"},
        {"^1.2.3-rc.1", ">=1.2.3-rc.1,<2.0.0"},
    };
    for (const auto& [text, expected] : cases) {
        auto c = parse_constraint(text);
        INFO(text);
        REQUIRE(c);
        CHECK(expansion(*c) == expected);
        CHECK(c->text == text);
    }
}

TEST_CASE("an empty constraint matches any version", "[constraint]") {
    for (const char* text : {"", "  ", "\t"}) {
        auto c = parse_constraint(text);
        REQUIRE(c);
        CHECK(c->any());
        CHECK(c->text.empty());
        CHECK(c->matches(*parse_version("0.0.0-0")));
    }
}

TEST_CASE("dependencies: name and constraint", "[constraint]") {
    struct Case {
        const char* text;
        const char* name;
        const char* constraint;
        const char* str;
    };
    const Case cases[] = {
        {"nextchat >= 2.16", "nextchat", ">= 2.16", "nextchat >= 2.16"},
        {"nextchat>=2.16", "nextchat", ">=2.16", "nextchat >=2.16"},
        {"  github  ", "github", "", "github"},
        {"node-runtime ^20", "node-runtime", "^20", "node-runtime ^20"},
        {"a.b_c-d ~1.2, <1.2.5", "a.b_c-d", "~1.2, <1.2.5", "a.b_c-d ~1.2, <1.2.5"},
        {"arch:x86_64", "arch:x86_64", "", "arch:x86_64"},
        {"x 1.0.0", "x", "1.0.0", "x 1.0.0"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        auto d = parse_dep(c.text);
        REQUIRE(d);
        CHECK(d->name == c.name);
        CHECK(d->constraint.text == c.constraint);
        CHECK(d->str() == c.str);
    }
}

TEST_CASE("dependency errors say what is wrong", "[constraint]") {
    const std::pair<const char*, const char*> cases[] = {
        {"", "empty dependency"},
        {">= 1.0", "missing package name"},
        {"GitHub >= 1", "invalid package name \"GitHub\""},
        {"-x", "invalid package name"},
        {"arch:", "invalid package name"},
        {"nextchat >= 2.x", "invalid character \"x\" in minor version"},
        {"nextchat >=", "missing version after \">=\""},
        {"a b", "invalid character \"b\" in major version"},
    };
    for (const auto& [text, message] : cases) {
        INFO(text);
        auto d = parse_dep(text);
        REQUIRE_FALSE(d);
        CHECK_THAT(d.error().message, Catch::Contains(message));
    }
    auto long_name = parse_dep(std::string(65, 'a'));
    REQUIRE_FALSE(long_name);
    CHECK(long_name.error().message.size() < 300);
    CHECK(parse_dep(std::string(64, 'a')));
}

TEST_CASE("alternatives", "[constraint]") {
    auto s = parse_dep_spec("node-runtime ^20 | node-runtime ^22|bun");
    REQUIRE(s);
    REQUIRE(s->alternatives.size() == 3);
    CHECK(s->alternatives[1].name == "node-runtime");
    CHECK(s->alternatives[1].constraint.matches(*parse_version("22.3.0")));
    CHECK_FALSE(s->alternatives[1].constraint.matches(*parse_version("20.3.0")));
    CHECK(s->alternatives[2].constraint.any());
    CHECK(s->str() == "node-runtime ^20 | node-runtime ^22 | bun");

    const std::pair<const char*, const char*> bad[] = {
        {"", "empty dependency"},
        {"a |", "empty alternative"},
        {"| a", "empty alternative"},
        {"a || b", "empty alternative"},
        {"a ^1 | B", "invalid package name \"B\""},
        {"a ^1 | b >= ", "missing version"},
    };
    for (const auto& [text, message] : bad) {
        INFO(text);
        auto e = parse_dep_spec(text);
        REQUIRE_FALSE(e);
        CHECK_THAT(e.error().message, Catch::Contains(message));
        CHECK_THAT(e.error().message, Catch::StartsWith("invalid dependency"));
    }
}

TEST_CASE("package and dependency names", "[constraint]") {
    for (const char* ok : {"a", "0", "github", "a.b", "a_b", "a-b", "x86_64"}) {
        INFO(ok);
        CHECK(is_valid_package_name(ok));
        CHECK(is_valid_dep_name(ok));
    }
    for (const char* bad : {"", "A", "-a", ".a", "_a", "a b", "a/b", "a:b", "é", "arch:x86_64"}) {
        INFO(bad);
        CHECK_FALSE(is_valid_package_name(bad));
    }
    CHECK(is_valid_dep_name("arch:x86_64"));
    CHECK(is_valid_dep_name("arch:aarch64"));
    CHECK_FALSE(is_valid_dep_name("arch:"));
    CHECK_FALSE(is_valid_dep_name("os:linux"));
    CHECK(is_valid_package_name(std::string(64, 'z')));
    CHECK_FALSE(is_valid_package_name(std::string(65, 'z')));
}
