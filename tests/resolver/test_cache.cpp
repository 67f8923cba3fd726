// The .solv repository cache: the same answers as parsed entries, complete entries for the
// plan, human texts in explanations, and a damaged or foreign cache never trusted.
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "formats/index.hpp"
#include "formats/index_entries.hpp"
#include "resolver/evr.hpp"
#include "resolver/solv.hpp"  // libsolv's headers, as the resolver includes them

extern "C" {
#include <solv/repo_solv.h>
}
#include "tests/resolver/helpers.hpp"

using namespace nxp::resolver;
using namespace nxp::resolver::test;

namespace {

const std::string kKey(64, 'a');

struct TempFile {
    std::string path;
    TempFile() {
        char tmpl[] = "/tmp/nxp-solv-test.XXXXXX";
        int fd = ::mkstemp(tmpl);
        REQUIRE(fd >= 0);
        ::close(fd);
        path = tmpl;
    }
    ~TempFile() { std::remove(path.c_str()); }
    std::string read() const {
        std::ifstream in(path, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }
    void write(const std::string& bytes) const {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    }
};

// The world's available packages moved into a cache file; counts reparse calls.
struct Cached {
    World w;
    TempFile file;
    int reparsed = 0;
    std::vector<nxp::formats::IndexEntry> entries;

    void seal(const std::string& key = kKey) {
        for (const auto& a : w.u.available) entries.push_back(a.entry);
        std::vector<const nxp::formats::IndexEntry*> ptrs;
        for (const auto& e : entries) ptrs.push_back(&e);
        auto bytes = make_repo_cache(key, 4102444800, ptrs);  // expires in 2100
        REQUIRE(bytes);
        file.write(*bytes);
        w.u.available.clear();
        w.u.cached.push_back({"main", 0, file.path, kKey, [this]() {
                                  ++reparsed;
                                  using Entries = std::vector<nxp::formats::IndexEntry>;
                                  return nxp::Result<Entries>(entries);
                              }});
    }
};

}  // namespace

TEST_CASE("a cached repository resolves like the parsed one, with complete entries", "[cache]") {
    Cached c;
    auto a = entry("a 1.0.0-rc.1+build.7", {.req = {"b ^1.2"}});
    a.permissions.network = {"api.example.org"};
    a.size = 1234;
    a.sha256 = std::string(64, 'f');
    a.summary = "the a plugin";
    c.w.u.available.push_back({"main", 0, a});
    c.w.avail("b 1.1.0").avail("b 1.4.0").avail("b 2.0.0");
    Universe parsed = c.w.u;
    c.seal();
    auto plan = plan_of(c.w.u, install({"a"}));
    CHECK(sorted(lines(c.w.u, install({"a"}))) == sorted(lines(parsed, install({"a"}))));
    CHECK(c.reparsed == 0);
    auto step = std::find_if(plan.steps.begin(), plan.steps.end(),
                             [](const Step& s) { return s.name == "a"; });
    REQUIRE(step != plan.steps.end());
    REQUIRE(step->entry);
    CHECK(step->repo == "main");
    CHECK(step->to->str() == "1.0.0-rc.1+build.7");
    CHECK(step->entry->version.str() == "1.0.0-rc.1+build.7");
    CHECK(step->entry->size == 1234);
    CHECK(step->entry->sha256 == std::string(64, 'f'));
    CHECK(step->entry->path == a.path);
    CHECK(step->entry->summary == "the a plugin");
    CHECK(step->entry->permissions.network == std::vector<std::string>{"api.example.org"});
    CHECK(step->entry->requires_.size() == 1);
}

TEST_CASE("explanations from a cached repository show constraints as written", "[cache]") {
    Cached c;
    c.w.avail("a 1.0.0", {.req = {"b ^2"}}).avail("b 1.9.0-beta.2").avail("b 3.0.0");
    c.seal();
    auto u = unsolvable(c.w.u, install({"a"}));
    CHECK_THAT(u.str(), Contains("b ^2"));
    CHECK_THAT(u.str(), Contains("1.9.0-beta.2"));
    CHECK(c.reparsed == 0);
}

TEST_CASE("a damaged cache file falls back to the verified entries", "[cache]") {
    Cached c;
    c.w.avail("a 1.0.0", {.req = {"b"}}).avail("b 1.0.0");
    c.seal();
    const std::string bytes = c.file.read();
    SECTION("truncated") { c.file.write(bytes.substr(0, bytes.size() / 2)); }
    SECTION("garbage after the stamp") {
        c.file.write(bytes.substr(0, bytes.find('\n') + 1) + std::string(4096, '\x7f'));
    }
    SECTION("missing") { std::remove(c.file.path.c_str()); }
    CHECK(sorted(lines(c.w.u, install({"a"}))) == V{"install a 1.0.0", "install b 1.0.0"});
    CHECK(c.reparsed == 1);
}

TEST_CASE("a cache with any byte of its .solv data changed is never handed to libsolv", "[cache]") {
    // libsolv trusts its files: a flipped byte crashed it in repodata_lookup_str. Every
    // position is tried; each must resolve from the verified entries, exactly as before.
    Cached c;
    c.w.avail("a 1.0.0", {.req = {"b"}}).avail("b 1.0.0");
    c.seal();
    const std::string bytes = c.file.read();
    const std::size_t data = bytes.find('\n') + 1;
    REQUIRE(data > 1);
    REQUIRE(bytes.size() > data + 64);
    int changed = 0;
    for (std::size_t off = data; off < bytes.size(); ++off) {
        std::string damaged = bytes;
        damaged[off] = static_cast<char>(damaged[off] ^ 0x5a);
        c.file.write(damaged);
        c.reparsed = 0;
        INFO("byte " << off << " of " << bytes.size());
        REQUIRE(sorted(lines(c.w.u, install({"a"}))) == V{"install a 1.0.0", "install b 1.0.0"});
        REQUIRE(c.reparsed == 1);
        ++changed;
    }
    CHECK(changed == static_cast<int>(bytes.size() - data));
    c.file.write(bytes);  // and the intact file is still used
    c.reparsed = 0;
    CHECK(sorted(lines(c.w.u, install({"a"}))) == V{"install a 1.0.0", "install b 1.0.0"});
    CHECK(c.reparsed == 0);
}

TEST_CASE("a cache whose stamp claims a section longer than any file is not used", "[cache]") {
    // Anyone who can write the file can also write a matching digest (it is not keyed): the
    // section's length is checked before the file is read past it.
    Cached c;
    c.w.avail("a 1.0.0");
    c.seal();
    const std::string bytes = c.file.read();
    const std::size_t data = bytes.find('\n') + 1;
    std::istringstream stamp(bytes.substr(0, data));
    std::string magic, format, key, expires, section, digest;
    REQUIRE(stamp >> magic >> format >> key >> expires >> section >> digest);
    const std::string rest = bytes.substr(data);
    REQUIRE(sodium_init() >= 0);
    unsigned char sum[crypto_generichash_BYTES];
    crypto_generichash(sum, sizeof sum, reinterpret_cast<const unsigned char*>(rest.data()),
                       rest.size(), nullptr, 0);
    std::string hex;
    for (unsigned char b : sum) {
        static constexpr char kHex[] = "0123456789abcdef";
        hex += kHex[b >> 4];
        hex += kHex[b & 15];
    }
    REQUIRE(hex == digest);  // the digest as nxp computes it
    for (const char* huge : {"9223372036854775807", "18446744073709551615", "99999999999"}) {
        c.file.write(magic + " " + format + " " + key + " " + expires + " " + huge + " " + hex +
                     "\n" + rest);
        c.reparsed = 0;
        INFO(huge);
        CHECK(lines(c.w.u, install({"a"})) == V{"install a 1.0.0"});
        CHECK(c.reparsed == 1);
    }
}

TEST_CASE("a cache made for another index is not used", "[cache]") {
    Cached c;
    c.w.avail("a 1.0.0");
    c.seal(std::string(64, 'b'));  // stamped with another index's sha256
    CHECK(lines(c.w.u, install({"a"})) == V{"install a 1.0.0"});
    CHECK(c.reparsed == 1);
    auto stamp = read_repo_cache_stamp(c.file.path);
    REQUIRE(stamp);
    CHECK(stamp->key == std::string(64, 'b'));
    CHECK(stamp->expires == 4102444800);
    CHECK_FALSE(read_repo_cache_stamp(c.file.path + ".missing"));
}

TEST_CASE("from_evr inverts to_evr", "[cache]") {
    for (const char* v : {"1.2.3", "0.0.1", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-rc.1",
                          "2.0.0-x-y.7.Z9", "1.0.0-0.3.7"}) {
        CHECK(from_evr(to_evr(ver(v))) == v);
    }
}

TEST_CASE("each cached entry is stored as write_index_entry's text, out of libsolv", "[cache]") {
    // Issue 20 writes this text without building an Index per entry; the cache must hold
    // exactly write_index_entry's bytes for every kind of entry, or a refreshed repository
    // would resolve from different data. Since format 7 the texts are a section of the file
    // between the stamp line and the .solv, each solvable pointing at its own.
    Cached c;
    auto a = entry("a 1.0.0-rc.1+build.7", {.req = {"b ^1.2 | c"}});
    a.permissions.network = {"api.example.org"};
    a.summary = "quote \" backslash \\ tab \t caf\xc3\xa9";
    a.sha256 = std::string(64, 'e');
    c.w.u.available.push_back({"main", 0, a});
    c.w.avail("b 1.4.0", {.req = {"c >= 1"}}).avail("c 2.0.0");
    std::vector<nxp::formats::IndexEntry> all;
    for (const auto& x : c.w.u.available) all.push_back(x.entry);
    c.seal();
    const std::string bytes = c.file.read();
    const std::size_t data = bytes.find('\n') + 1;
    std::istringstream stamp(bytes.substr(0, data));
    std::string magic, key, digest;
    int format = 0;
    long long expires = 0;
    std::size_t section = 0;
    REQUIRE(stamp >> magic >> format >> key >> expires >> section >> digest);
    CHECK(format == 7);
    REQUIRE(data + section < bytes.size());
    // The .solv after the section, read with libsolv itself; no entry text is in it.
    std::FILE* f = std::fopen(c.file.path.c_str(), "rb");
    REQUIRE(f);
    REQUIRE(std::fseek(f, static_cast<long>(data + section), SEEK_SET) == 0);
    ::Pool* pool = pool_create();
    ::Repo* repo = repo_create(pool, "read");
    REQUIRE(repo_add_solv(repo, f, 0) == 0);
    std::fclose(f);
    CHECK(pool_str2id(pool, "nxp:entry", 0) == 0);
    const Id at_key = pool_str2id(pool, "nxp:entry-at", 0);
    const Id size_key = pool_str2id(pool, "nxp:entry-size", 0);
    std::vector<std::string> stored;
    for (Id p = repo->start; p < repo->end; ++p) {
        const auto at = repo_lookup_num(repo, p, at_key, ~0ULL);
        const auto size = repo_lookup_num(repo, p, size_key, ~0ULL);
        REQUIRE(at + size <= section);
        stored.push_back(bytes.substr(data + at, size));
    }
    pool_free(pool);
    REQUIRE(stored.size() == all.size());
    for (const auto& e : all) {
        INFO(e.name);
        CHECK(std::count(stored.begin(), stored.end(), nxp::formats::write_index_entry(e)) == 1);
    }
}
