// RepoCacheBuilder (resolver/cache.hpp, issue 20): the .solv cache written entry by entry
// while a refresh parses its index must be byte for byte the file make_repo_cache writes
// from the whole list, reserved names left out alike, or a refreshed repository would
// resolve from other data than a rebuilt cache.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "formats/index_entries.hpp"
#include "resolver/cache.hpp"
#include "tests/resolver/helpers.hpp"

using namespace nxp::resolver;
using namespace nxp::resolver::test;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::vector<nxp::formats::IndexEntry> sample() {
    std::vector<nxp::formats::IndexEntry> out;
    auto a = entry("a 1.0.0-rc.1+build.7", {.req = {"b ^1.2 | c"}, .rec = {"d"}});
    a.permissions.network = {"api.example.org"};
    a.summary = "quote \" backslash \\ caf\xc3\xa9";
    out.push_back(a);
    out.push_back(entry("b 1.4.0", {.req = {"c >= 1"}, .prov = {"virt = 1.0.0"}}));
    out.push_back(entry("nextchat 9.0.0"));  // reserved: never in the cache
    out.push_back(entry("c 2.0.0", {.con = {"a < 1"}, .repl = {"old"}}));
    for (int i = 0; i < 300; ++i)
        out.push_back(entry("p" + std::to_string(i) + " 1." + std::to_string(i % 7) + ".0",
                            {.req = {"p" + std::to_string((i * 31) % 300) + " >= 1"}}));
    return out;
}

}  // namespace

TEST_CASE("the .solv cache written entry by entry is make_repo_cache's file", "[cache]") {
    const auto entries = sample();
    std::vector<const nxp::formats::IndexEntry*> ptrs;
    for (const auto& e : entries) ptrs.push_back(&e);
    const std::string key(64, 'c');
    auto whole = make_repo_cache(key, 4102444800, ptrs);
    REQUIRE(whole);

    char dir[] = "/tmp/nxp-cache-stream.XXXXXX";
    REQUIRE(::mkdtemp(dir));
    const std::string path = std::string(dir) + "/repo.solv";
    {
        // The entry texts one after the other in a file, as txn::RepoCacheStream keeps them.
        std::FILE* texts = std::tmpfile();
        REQUIRE(texts);
        RepoCacheBuilder b;
        std::uint64_t at = 0;
        for (const auto& e : entries) {
            const std::string text = nxp::formats::write_index_entry(e);
            REQUIRE(std::fwrite(text.data(), 1, text.size(), texts) == text.size());
            b.add(e, at, text.size());
            at += text.size();
        }
        REQUIRE(std::fflush(texts) == 0);
        auto r = b.write(path, key, 4102444800, ::fileno(texts), at);
        std::fclose(texts);
        REQUIRE(r);
    }
    CHECK(slurp(path) == *whole);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    auto stamp = read_repo_cache_stamp(path);
    REQUIRE(stamp);
    CHECK(stamp->key == key);

    // Texts that cannot be had (a section longer than the texts' file): no file, and the
    // one in place is left as it was.
    {
        std::FILE* texts = std::tmpfile();
        REQUIRE(texts);
        RepoCacheBuilder b;
        b.add(entries[0], 0, 100);
        auto r = b.write(path, std::string(64, 'd'), 1, ::fileno(texts), 100);
        std::fclose(texts);
        REQUIRE_FALSE(r);
    }
    CHECK(slurp(path) == *whole);
    // A directory that does not exist: an error naming the file.
    {
        std::FILE* texts = std::tmpfile();
        REQUIRE(texts);
        RepoCacheBuilder b;
        b.add(entries[0], 0, 0);
        auto r = b.write(std::string(dir) + "/missing/repo.solv", key, 1, ::fileno(texts), 0);
        std::fclose(texts);
        REQUIRE_FALSE(r);
        CHECK(r.error().str().find("missing/repo.solv") != std::string::npos);
    }
    std::remove(path.c_str());
    ::rmdir(dir);
}
