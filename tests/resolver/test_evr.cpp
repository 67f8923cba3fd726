// The SemVer → EVR mapping: libsolv's DEB order must equal SemVer precedence.
#include <catch2/catch.hpp>
#include <random>

#include "resolver/evr.hpp"
#include "tests/resolver/helpers.hpp"

using namespace nxp::resolver;
using nxp::resolver::test::ver;

namespace {

int semver_cmp(const nxp::formats::Version& a, const nxp::formats::Version& b) {
    auto c = a <=> b;
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace

TEST_CASE("EVR text", "[resolver][evr]") {
    CHECK(to_evr(ver("1.2.3")) == "1.2.3");
    CHECK(to_evr(ver("1.2.3+build.7")) == "1.2.3");
    CHECK(to_evr(ver("1.0.0-rc.1")) == "1.0.0~hcgdA.1");
    CHECK(to_evr(ver("1.0.0-1.x-y")).find_first_of("0123456789", 6) == 6);
}

TEST_CASE("SemVer's precedence example holds in libsolv", "[resolver][evr]") {
    const char* list[] = {"1.0.0-alpha",
                          "1.0.0-alpha.1",
                          "1.0.0-alpha.beta",
                          "1.0.0-beta",
                          "1.0.0-beta.2",
                          "1.0.0-beta.11",
                          "1.0.0-rc.1",
                          "1.0.0",
                          "1.0.1-0",
                          "1.0.1-1",
                          "1.0.1-a",
                          "1.0.1-a-b",
                          "1.0.1-aa",
                          "1.0.1-aa.0",
                          "1.0.1-aa.0.0",
                          "1.0.1-aa.a",
                          "1.0.1-b",
                          "1.0.1-zZ",
                          "1.0.1",
                          "1.2.0",
                          "1.10.0",
                          "2.0.0-0.3.7",
                          "2.0.0-x.7.z.92",
                          "2.0.0",
                          "10.0.0",
                          "18446744073709551615.0.0"};
    for (std::size_t i = 0; i < std::size(list); ++i) {
        for (std::size_t j = 0; j < std::size(list); ++j) {
            auto a = ver(list[i]), b = ver(list[j]);
            INFO(list[i] << " vs " << list[j] << ": " << to_evr(a) << " vs " << to_evr(b));
            int expect = i < j ? -1 : (i > j ? 1 : 0);
            CHECK(semver_cmp(a, b) == expect);
            CHECK(compare_evr(to_evr(a), to_evr(b)) == expect);
        }
    }
}

TEST_CASE("random version pairs agree between SemVer and libsolv", "[resolver][evr]") {
    std::mt19937 rng(20240501);
    const char* ids[] = {"0",    "1",    "2",  "9",   "10",  "11",    "99",     "100",
                         "a",    "b",    "A",  "Z",   "-",   "alpha", "alpha1", "alpha-1",
                         "alph", "beta", "rc", "rc1", "x-y", "1a"};
    auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
    auto random_version = [&] {
        std::string s =
            std::to_string(pick(3)) + "." + std::to_string(pick(3)) + "." + std::to_string(pick(3));
        int pre = pick(4);
        for (int k = 0; k < pre; ++k) s += (k ? "." : "-") + std::string(ids[pick(std::size(ids))]);
        return s;
    };
    for (int n = 0; n < 3000; ++n) {
        auto sa = random_version(), sb = random_version();
        auto a = ver(sa), b = ver(sb);
        INFO(sa << " vs " << sb << ": " << to_evr(a) << " vs " << to_evr(b));
        REQUIRE(compare_evr(to_evr(a), to_evr(b)) == semver_cmp(a, b));
    }
}
