// formats/number.hpp: the one parser of numeric settings.
#include <catch2/catch.hpp>

#include "formats/number.hpp"

using nxp::ErrorKind;
using nxp::formats::parse_count;
using nxp::formats::parse_size;
using nxp::formats::parse_uint;

TEST_CASE("parse_uint takes digits only, within the maximum") {
    CHECK(parse_uint("0") == 0u);
    CHECK(parse_uint("42") == 42u);
    CHECK(parse_uint("18446744073709551615") == UINT64_MAX);
    CHECK(parse_uint("64", 64) == 64u);
    for (const char* junk : {"", " 1", "1 ", "+1", "-1", "1a", "0x10", "1.5", "1e3", "٣",
                             "18446744073709551616", "99999999999999999999999"})
        CHECK_FALSE(parse_uint(junk));
    CHECK_FALSE(parse_uint("65", 64));
}

TEST_CASE("parse_count: a range, and errors that name the setting and the value") {
    CHECK(*parse_count("5", "setting gc.keep", 0, 10) == 5u);
    CHECK(*parse_count("0", "setting gc.keep", 0, 10) == 0u);
    CHECK(*parse_count("10", "setting gc.keep", 0, 10) == 10u);
    for (const char* junk : {"", "abc", "-1", "11", "5x", " 5", "99999999999999999999999"}) {
        auto r = parse_count(junk, "setting gc.keep", 0, 10);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Invalid);
        CHECK(r.error().context == "setting gc.keep");
        CHECK(r.error().message ==
              std::string("expected a whole number from 0 to 10, not \"") + junk + "\"");
    }
    auto below = parse_count("0", "setting download.parallel", 1, 64);
    REQUIRE_FALSE(below);
    CHECK(below.error().str() ==
          "setting download.parallel: expected a whole number from 1 to 64, not \"0\"");
}

TEST_CASE("parse_count quotes hostile text safely") {
    auto r = parse_count("\x1b]0;x\x07", "NXP_HOOK_TIMEOUT", 0, 5);
    REQUIRE_FALSE(r);
    CHECK(r.error().context == "NXP_HOOK_TIMEOUT");
    CHECK(r.error().message.find('\x1b') == std::string::npos);
    auto long_text = parse_count(std::string(10000, '9'), "setting x", 0, 5);
    REQUIRE_FALSE(long_text);
    CHECK(long_text.error().message.size() < 200);
}

TEST_CASE("parse_size: bytes or K, M, G") {
    CHECK(*parse_size("1", "s") == 1u);
    CHECK(*parse_size("64K", "s") == 64u << 10);
    CHECK(*parse_size("512M", "s") == 512ULL << 20);
    CHECK(*parse_size("4G", "s") == 4ULL << 30);
    CHECK(*parse_size("1099511627776", "s") == 1ULL << 40);
    for (const char* junk :
         {"", "0", "K", "4g", "4T", "-1", "4 G", "1099511627777", "1099511627776G"}) {
        auto r = parse_size(junk, "setting extract.max_bytes");
        REQUIRE_FALSE(r);
        CHECK(r.error().context == "setting extract.max_bytes");
        CHECK(r.error().message == std::string("expected a size in bytes, or N with K, M or G, "
                                               "not \"") +
                                       junk + "\"");
    }
}
