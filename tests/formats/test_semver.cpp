// SemVer parsing and precedence, table-driven from data/versions.data.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "formats/semver.hpp"

using namespace nxp::formats;

namespace {

std::string data_file(const std::string& name) {
    const char* dir = std::getenv("NXP_TEST_DATA");
    return (dir ? std::string(dir) + "/formats/data/" : std::string("data/")) + name;
}

struct Line {
    int number;
    std::string text;
};

std::vector<Line> read_cases(const std::string& name) {
    std::ifstream in(data_file(name));
    REQUIRE(in.good());
    std::vector<Line> lines;
    std::string text;
    for (int n = 1; std::getline(in, text); ++n) {
        if (text.empty() || text[0] == '#') continue;
        lines.push_back({n, text});
    }
    return lines;
}

Version must_parse(const std::string& s) {
    auto v = parse_version(s);
    INFO(s << ": " << (v ? "" : v.error().str()));
    REQUIRE(v);
    return *v;
}

}  // namespace

TEST_CASE("versions.data: SemVer precedence and validity", "[semver]") {
    auto lines = read_cases("versions.data");
    REQUIRE(lines.size() > 40);
    int checked = 0;
    for (const auto& line : lines) {
        INFO("versions.data:" << line.number << ": " << line.text);
        if (line.text[0] == '!') {
            auto semi = line.text.find(" ; ");
            REQUIRE(semi != std::string::npos);
            std::string text = semi > 2 ? line.text.substr(2, semi - 2) : std::string();
            std::string expect = line.text.substr(semi + 3);
            auto v = parse_version(text);
            REQUIRE_FALSE(v);
            CHECK(v.error().kind == nxp::ErrorKind::Invalid);
            CHECK_THAT(v.error().message, Catch::Contains(expect));
            ++checked;
            continue;
        }
        auto first = line.text.find(' ');
        auto second = line.text.find(' ', first + 1);
        REQUIRE(second != std::string::npos);
        Version a = must_parse(line.text.substr(0, first));
        std::string op = line.text.substr(first + 1, second - first - 1);
        Version b = must_parse(line.text.substr(second + 1));
        if (op == "<") {
            CHECK(a < b);
            CHECK(b > a);
            CHECK(a != b);
            CHECK((a <=> b) == std::strong_ordering::less);
        } else {
            REQUIRE(op == "==");
            CHECK(a == b);
            CHECK_FALSE(a < b);
            CHECK_FALSE(b < a);
        }
        // The canonical text is the text as written, so it parses back to the same value.
        CHECK(a.str() == line.text.substr(0, first));
        ++checked;
    }
    CHECK(checked == static_cast<int>(lines.size()));
}

TEST_CASE("the spec's precedence list is a strict total order", "[semver]") {
    const std::vector<std::string> list = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                           "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                                           "1.0.0-rc.1",  "1.0.0"};
    for (std::size_t i = 0; i < list.size(); ++i) {
        for (std::size_t j = 0; j < list.size(); ++j) {
            INFO(list[i] << " vs " << list[j]);
            CHECK(((must_parse(list[i]) <=> must_parse(list[j])) == (i <=> j)));
        }
    }
}

TEST_CASE("version fields and canonical text", "[semver]") {
    Version v = must_parse("1.22.333-rc.1.x-y+build.5");
    CHECK(v.major == 1);
    CHECK(v.minor == 22);
    CHECK(v.patch == 333);
    CHECK(v.prerelease == std::vector<std::string>{"rc", "1", "x-y"});
    CHECK(v.build == "build.5");
    CHECK(v.str() == "1.22.333-rc.1.x-y+build.5");
    CHECK(must_parse("1.0.0+exp-1").build == "exp-1");
    // Build metadata may have leading zeros; pre-release numbers may not.
    CHECK(parse_version("1.0.0+001"));
    CHECK_FALSE(parse_version("1.0.0-001"));
    CHECK(parse_version("1.0.0-0a"));  // alphanumeric, so a leading zero is fine
}

TEST_CASE("strict parsing rejects what the constraint parser tolerates", "[semver]") {
    for (const char* s : {" 1.0.0", "1.0.0 ", "1.0.0\n", "1.0.0-", "1.0.0-a b", "=1.0.0"}) {
        INFO(s);
        CHECK_FALSE(parse_version(s));
    }
    auto e = parse_version("01.0.0");
    REQUIRE_FALSE(e);
    CHECK(e.error().str() == "invalid version \"01.0.0\": leading zero in major version");
}

TEST_CASE("partial versions", "[semver]") {
    struct Case {
        const char* text;
        int parts;
        const char* canonical;
    };
    const Case cases[] = {{"2", 1, "2.0.0"},
                          {"2.16", 2, "2.16.0"},
                          {"2.16.1", 3, "2.16.1"},
                          {"1.2.3-rc.1", 3, "1.2.3-rc.1"}};
    for (const auto& c : cases) {
        int parts = 0;
        auto v = parse_partial_version(c.text, &parts);
        INFO(c.text);
        REQUIRE(v);
        CHECK(parts == c.parts);
        CHECK(v->str() == c.canonical);
    }
    for (const char* bad : {"", "2.", "02", "2.016", "1.2-rc", "1-rc", "x", "1.2.3.4", "1+b"}) {
        INFO(bad);
        CHECK_FALSE(parse_partial_version(bad));
    }
}

TEST_CASE("hostile version text gives a short message", "[semver]") {
    std::string huge(1'000'000, '9');
    auto e = parse_version(huge);
    REQUIRE_FALSE(e);
    CHECK_THAT(e.error().message, Catch::Contains("version number too large"));
    CHECK(e.error().message.size() < 200);
    std::string control = "1.0.0-\x1b[31m";
    auto c = parse_version(control);
    REQUIRE_FALSE(c);
    CHECK(c.error().message.find('\x1b') == std::string::npos);
    std::string many_ids = "1.0.0-" + std::string(100'000, 'a');
    for (int i = 0; i < 10'000; ++i) many_ids += ".1";
    CHECK(parse_version(many_ids));
}
