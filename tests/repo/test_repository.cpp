// Client rules of DESIGN.md §4: signature before decompression, rollback, freeze,
// mix-and-match, endless data, mirrors.
#include <catch2/catch.hpp>

#include "repo/archive.hpp"
#include "repo/keys.hpp"
#include "repo/publish.hpp"
#include "repo/repository.hpp"
#include "test_util.hpp"

using namespace nxp;
using namespace nxp::repo;
using namespace nxp::test;

namespace {

constexpr std::int64_t kNow = 1700000000;

struct Fixture {
    TempDir t;
    KeyPair kp = generate_key_pair();
    fs::path repo = t.path / "repo";

    Fixture() { build(); }

    formats::Index build(std::int64_t now = kNow) {
        const fs::path src = make_plugin(t.path / ("src" + std::to_string(builds)), "demo",
                                         "1." + std::to_string(builds) + ".0");
        auto bytes = pack_directory(src);
        REQUIRE(bytes);
        const fs::path pkg = t.path / ("p" + std::to_string(builds++) + ".nxp");
        write_file(pkg, *bytes);
        BuildOptions o;
        o.repo_dir = repo;
        o.packages = {pkg};
        o.repo_id = "example";
        o.now = now;
        auto idx = build_repository(o, kp.secret_key);
        REQUIRE(idx);
        return *idx;
    }

    RepoConfig config() const {
        return RepoConfig{"example", "file://" + repo.string(), {kp.public_key}, {}};
    }

    int builds = 0;
};

bool says(const Error& e, const std::string& needle) {
    return e.str().find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("fetch_index accepts a good index and reports its hash", "[repository]") {
    Fixture f;
    auto r = fetch_index(f.config(), {}, kNow + 60);
    REQUIRE(r);
    CHECK(r->index.version == 1);
    CHECK(r->index.repo == "example");
    REQUIRE(r->index.packages.size() == 1);
    CHECK(r->raw_zst == read_file(f.repo / "index.json.zst"));
    CHECK(r->sha256 == sha256_hex(r->raw_zst));
    REQUIRE(r->signatures.size() == 1);
    CHECK(r->signatures[0] == read_file(f.repo / "index.json.zst.minisig"));

    // The same version with the same bytes is accepted again (a plain refresh).
    CHECK(fetch_index(f.config(), {1, r->sha256}, kNow + 60));
}

TEST_CASE("fetch_index refuses an expired index (freeze)", "[repository]") {
    Fixture f;
    auto r = fetch_index(f.config(), {}, kNow + 31 * 86400);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::Verification);
    CHECK(says(r.error(), "index expired on 2023-12-14"));
}

TEST_CASE("fetch_index refuses rollback and substitution", "[repository]") {
    Fixture f;
    f.build();
    auto newest = fetch_index(f.config(), {}, kNow + 60);
    REQUIRE(newest);
    CHECK(newest->index.version == 2);

    auto older = fetch_index(f.config(), {3, "abc"}, kNow + 60);
    REQUIRE_FALSE(older);
    CHECK(older.error().kind == ErrorKind::Verification);
    CHECK(says(older.error(), "rollback: index version 2 is older than accepted 3"));

    auto other = fetch_index(f.config(), {2, std::string(64, 'a')}, kNow + 60);
    REQUIRE_FALSE(other);
    CHECK(other.error().kind == ErrorKind::Verification);
}

TEST_CASE("fetch_index refuses a wrong repository id (mix-and-match)", "[repository]") {
    Fixture f;
    auto cfg = f.config();
    cfg.name = "another";
    auto r = fetch_index(cfg, {}, kNow + 60);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::Verification);
    CHECK(says(r.error(), "\"example\""));
}

TEST_CASE("fetch_index refuses a wrong key and tampered bytes", "[repository]") {
    Fixture f;
    SECTION("wrong key") {
        auto cfg = f.config();
        cfg.keys = {generate_key_pair().public_key};
        auto r = fetch_index(cfg, {}, kNow + 60);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Verification);
        CHECK(says(r.error(), "unknown key"));
    }
    SECTION("no pinned key") {
        auto cfg = f.config();
        cfg.keys.clear();
        CHECK_FALSE(fetch_index(cfg, {}, kNow + 60));
    }
    SECTION("tampered index bytes") {
        std::string raw = read_file(f.repo / "index.json.zst");
        raw[raw.size() / 2] ^= 0x01;
        write_file(f.repo / "index.json.zst", raw);
        auto r = fetch_index(f.config(), {}, kNow + 60);
        REQUIRE_FALSE(r);
        CHECK(says(r.error(), "bad signature"));
        CHECK(says(r.error(), "index.json.zst"));
    }
    SECTION("oversized signature file (endless data)") {
        write_file(f.repo / "index.json.zst.minisig", std::string(10000, 'A'));
        auto r = fetch_index(f.config(), {}, kNow + 60);
        REQUIRE_FALSE(r);
        CHECK(says(r.error(), "4096"));
    }
    SECTION("missing signature") {
        fs::remove(f.repo / "index.json.zst.minisig");
        auto r = fetch_index(f.config(), {}, kNow + 60);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::NotFound);
    }
}

TEST_CASE("signed bytes that are not a valid index are still refused", "[repository]") {
    Fixture f;
    const std::string junk = "not zstd at all";
    auto r = load_index(f.config(), junk, sign(f.kp.secret_key, junk, "junk"), kNow, "cache");
    REQUIRE_FALSE(r);
    CHECK(says(r.error(), "zstd"));
    const std::string not_json = zstd_compress("{ not json");
    auto p = load_index(f.config(), not_json, sign(f.kp.secret_key, not_json, "x"), kNow, "c");
    REQUIRE_FALSE(p);
}

TEST_CASE("fetch_index falls back to mirrors in order", "[repository]") {
    Fixture f;
    auto cfg = f.config();
    const std::string good = cfg.url;
    cfg.url = "file://" + (f.t.path / "gone").string();
    cfg.mirrors = {"http://127.0.0.1:1/unreachable", good};
    auto r = fetch_index(cfg, {}, kNow + 60);
    REQUIRE(r);
    CHECK(r->index.version == 1);

    cfg.mirrors = {"http://127.0.0.1:1/unreachable"};
    CHECK_FALSE(fetch_index(cfg, {}, kNow + 60));
}

TEST_CASE("load_index checks the cached bytes the same way", "[repository]") {
    Fixture f;
    const std::string raw = read_file(f.repo / "index.json.zst");
    const std::string sig = read_file(f.repo / "index.json.zst.minisig");
    auto ok = load_index(f.config(), raw, sig, kNow, "cache");
    REQUIRE(ok);
    CHECK(ok->sha256 == sha256_hex(raw));
    auto wrong = load_index(f.config(), raw + "x", sig, kNow, "cache");
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().kind == ErrorKind::Verification);
}
