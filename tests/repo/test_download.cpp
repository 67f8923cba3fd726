#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "repo/download.hpp"
#include "repo/keys.hpp"

using namespace nxp;
using namespace nxp::repo;
namespace fs = std::filesystem;

namespace {

struct Dir {
    fs::path path;
    Dir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("nxp-download-" + std::to_string(rd()));
        fs::create_directories(path / "good" / "packages");
        fs::create_directories(path / "bad" / "packages");
        fs::create_directories(path / "cache");
    }
    ~Dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string base(const char* name) const { return "file://" + (path / name).string(); }
};

void write(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }
std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

DownloadItem item(const Dir& d, const std::string& name, const std::string& body,
                  std::vector<std::string> bases) {
    write(d.path / "good" / "packages" / name, body);
    return {name,        std::move(bases), "packages/" + name, d.path / "cache" / name,
            body.size(), sha256_hex(body)};
}

}  // namespace

TEST_CASE("download_all fetches many files in parallel", "[download]") {
    Dir d;
    std::vector<DownloadItem> items;
    for (int i = 0; i < 20; ++i)
        items.push_back(item(d, "p" + std::to_string(i) + ".nxp",
                             std::string(1000 + i, static_cast<char>('a' + i % 26)),
                             {d.base("good")}));
    DownloadOptions o;
    o.parallel = 4;
    std::uint64_t last_total = 0;
    o.on_progress = [&](std::size_t, std::uint64_t done, std::uint64_t) { last_total += done > 0; };
    MirrorHealth h;
    auto results = download_all(items, o, h);
    for (std::size_t i = 0; i < items.size(); ++i) {
        REQUIRE(results[i]);
        CHECK(read(items[i].dest) == read(d.path / "good" / items[i].path));
    }
    CHECK(last_total > 0);
}

TEST_CASE("a file fails over to the next mirror, and a bad mirror is tried once per run",
          "[download]") {
    Dir d;
    std::vector<DownloadItem> items;
    for (int i = 0; i < 3; ++i) {
        items.push_back(item(d, "q" + std::to_string(i), "body " + std::to_string(i),
                             {d.base("bad"), d.base("good")}));
    }
    write(d.path / "bad" / "packages" / "q0", "xody 0");  // right size, wrong bytes
    DownloadOptions o;
    o.parallel = 1;
    std::vector<std::string> warnings;
    o.on_warning = [&](std::string_view w) { warnings.emplace_back(w); };
    MirrorHealth h;
    auto results = download_all(items, o, h);
    for (const auto& r : results) CHECK(r);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find(d.base("bad") + "/packages/q0: sha256 mismatch") == 0);
    CHECK_FALSE(h.healthy(d.base("bad")));
}

TEST_CASE("wrong bytes everywhere is a verification error naming the URL", "[download]") {
    Dir d;
    auto it = item(d, "r", "real", {d.base("bad")});
    write(d.path / "bad" / "packages" / "r", "fake!");  // longer than the signed size
    MirrorHealth h;
    auto results = download_all({it}, {}, h);
    REQUIRE_FALSE(results[0]);
    CHECK(results[0].error().kind == ErrorKind::Verification);
    CHECK(results[0].error().context == d.base("bad") + "/packages/r");
    CHECK(results[0].error().message.find("signed size of 4 bytes") != std::string::npos);
    CHECK_FALSE(fs::exists(it.dest));
    CHECK_FALSE(fs::exists(it.dest.string() + ".part"));

    auto missing = download_all({DownloadItem{"m",
                                              {d.base("bad")},
                                              "packages/none",
                                              d.path / "cache" / "m",
                                              3,
                                              std::string(64, '0')}},
                                {}, h);
    REQUIRE_FALSE(missing[0]);
    CHECK(missing[0].error().kind == ErrorKind::NotFound);
}

TEST_CASE("an interrupted download resumes; a bad prefix is discarded", "[download]") {
    Dir d;
    const std::string body(100000, 'z');
    auto it = item(d, "big", body, {d.base("good")});
    MirrorHealth h;
    SECTION("good prefix") {
        write(it.dest.string() + ".part", body.substr(0, 5000));
        std::uint64_t first = 0;
        DownloadOptions o;
        o.on_progress = [&](std::size_t, std::uint64_t done, std::uint64_t) {
            if (first == 0) first = done;
        };
        REQUIRE(download_all({it}, o, h)[0]);
        CHECK(first > 5000);  // counting started after the resumed prefix
        CHECK(read(it.dest) == body);
    }
    SECTION("corrupt prefix") {
        write(it.dest.string() + ".part", std::string(5000, 'q'));
        REQUIRE(download_all({it}, {}, h)[0]);
        CHECK(read(it.dest) == body);
    }
}

TEST_CASE("a hostile .part is never followed or written through", "[download][security]") {
    // Whatever sits at NAME.part (a symlink to a file outside the cache, a dangling symlink,
    // a hard link, a FIFO): the download is written to a new file at that name, nothing
    // outside changes, and nothing blocks.
    Dir d;
    const std::string body(70000, 'k');
    auto it = item(d, "pkg", body, {d.base("good")});
    const fs::path part = it.dest.string() + ".part";
    const fs::path outside = d.path / "outside";
    fs::create_directories(outside);
    const std::string victim_text = "precious\n";
    write(outside / "victim", victim_text);
    MirrorHealth h;
    SECTION("symlink to an existing file, shorter than the package (would be resumed)") {
        fs::create_symlink(outside / "victim", part);
    }
    SECTION("dangling symlink (would be created outside)") {
        fs::create_symlink(outside / "created", part);
    }
    SECTION("symlink to a directory outside") { fs::create_symlink(outside, part); }
    SECTION("hard link to a file outside the cache") {
        fs::create_hard_link(outside / "victim", part);
    }
    SECTION("FIFO") { REQUIRE(::mkfifo(part.c_str(), 0600) == 0); }
    SECTION("symlink at the final name") { fs::create_symlink(outside / "victim", it.dest); }
    auto r = download_all({it}, {}, h);
    REQUIRE(r[0]);
    CHECK(read(it.dest) == body);
    CHECK(fs::is_regular_file(fs::symlink_status(it.dest)));
    CHECK_FALSE(fs::exists(fs::symlink_status(part)));
    CHECK(read(outside / "victim") == victim_text);
    CHECK_FALSE(fs::exists(outside / "created"));
    CHECK(fs::hard_link_count(outside / "victim") == 1);
    CHECK(std::distance(fs::directory_iterator(outside), fs::directory_iterator()) == 1);
}

TEST_CASE("downloads relative to a directory descriptor", "[download][security]") {
    Dir d;
    const std::string body = "relative body";
    auto it = item(d, "rel.nxp", body, {d.base("good")});
    int dir = ::open((d.path / "cache").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(dir >= 0);
    it.dest = "rel.nxp";
    it.dir_fd = dir;
    MirrorHealth h;
    auto r = download_all({it}, {}, h);
    ::close(dir);
    REQUIRE(r[0]);
    CHECK(read(d.path / "cache" / "rel.nxp") == body);
}

TEST_CASE("metadata expiry", "[download]") {
    CHECK(index_is_stale(0, 100, 3600));
    CHECK_FALSE(index_is_stale(1000, 1000 + 3599, 3600));
    CHECK(index_is_stale(1000, 1000 + 3600, 3600));
    CHECK(index_is_stale(1000, 999, 3600));  // clock went backwards
    CHECK_FALSE(index_is_stale(1000, 10000000, 0));
    CHECK(*parse_max_age("") == 86400);
    CHECK(*parse_max_age("90") == 90);
    CHECK(*parse_max_age("15m") == 900);
    CHECK(*parse_max_age("2d") == 172800);
    CHECK_FALSE(parse_max_age("soon"));
    CHECK_FALSE(parse_max_age("h"));
}
