// Package names in libsolv's string pool (resolver/pool.hpp, pool_name_id / plain_name).
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "resolver/pool.hpp"

extern "C" {
#include <solv/pool.h>
#include <solv/poolid.h>
}

using namespace nxp::resolver;

namespace {

// libsolv's string hash (src/hash.h, strhash): r = r * 9 + c.
std::uint32_t libsolv_strhash(const std::string& s) {
    std::uint32_t r = 0;
    for (unsigned char c : s) r += (r << 3) + c;
    return r;
}

std::string numbered(int i) {
    std::string n = std::to_string(i);
    return "p" + std::string(5 - n.size(), '0') + n;
}

}  // namespace

TEST_CASE("names go into the pool tagged and come out plain", "[names]") {
    solv::PoolPtr pool(pool_create());
    for (std::string name : {"weather", "p00001", "arch:x86_64", "a", "node-runtime"}) {
        Id id = pool_name_id(pool.get(), name, true);
        REQUIRE(id != 0);
        CHECK(plain_name(pool.get(), id) == name);
        CHECK(pool_name_id(pool.get(), name, false) == id);
        CHECK(std::string(pool_id2str(pool.get(), id)) != name);  // stored tagged
    }
    CHECK(pool_name_id(pool.get(), "never-seen", false) == 0);
    // Strings that are not names (libsolv's own) come back unchanged.
    CHECK(plain_name(pool.get(), pool_str2id(pool.get(), "system:system", 1)) == "system:system");
}

TEST_CASE("tagged numeric names spread over libsolv's hash table", "[names]") {
    // The benchmark's names p00000..p99999 put through libsolv's hash land in few buckets
    // plain; tagged, they must cover most of a table of libsolv's size for them.
    const std::uint32_t mask = (1u << 18) - 1;
    std::set<std::uint32_t> plain, tagged;
    solv::PoolPtr pool(pool_create());
    for (int i = 0; i < 100000; ++i) {
        std::string n = numbered(i);
        plain.insert(libsolv_strhash(n) & mask);
        Id id = pool_name_id(pool.get(), n, true);
        tagged.insert(libsolv_strhash(pool_id2str(pool.get(), id)) & mask);
    }
    CHECK(plain.size() < 70000);   // what made loading 100,000 packages slow
    CHECK(tagged.size() > 80000);  // close to a uniform hash (~82,000 of 100,000)
}
