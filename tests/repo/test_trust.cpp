// Threshold signatures and the key-rotation chain (DESIGN.md §4: "keys/N+1.json must be
// signed by the keys of N and by its own keys"), from the verifier up to fetch_index.
#include <catch2/catch.hpp>

#include "formats/keyset.hpp"
#include "repo/archive.hpp"
#include "repo/keys.hpp"
#include "repo/publish.hpp"
#include "repo/repository.hpp"
#include "repo/trust.hpp"
#include "test_util.hpp"

using namespace nxp;
using namespace nxp::repo;
using namespace nxp::test;

namespace {

constexpr std::int64_t kNow = 1700000000;

bool says(const Error& e, const std::string& needle) {
    return e.str().find(needle) != std::string::npos;
}

std::vector<formats::MinisignPublicKey> pubs(std::initializer_list<const KeyPair*> kps) {
    std::vector<formats::MinisignPublicKey> out;
    for (const auto* k : kps) out.push_back(k->public_key);
    return out;
}

std::string keyset_text(const std::string& repo, std::uint64_t version,
                        std::initializer_list<const KeyPair*> kps, std::uint32_t threshold = 1) {
    formats::KeySet s;
    s.repo = repo;
    s.version = version;
    s.keys = pubs(kps);
    s.threshold = threshold;
    return formats::write_keyset(s);
}

}  // namespace

TEST_CASE("keyset: parse, write and refuse", "[trust]") {
    KeyPair a = generate_key_pair(), b = generate_key_pair();
    auto parsed = formats::parse_keyset(keyset_text("demo", 3, {&a, &b}, 2));
    REQUIRE(parsed);
    CHECK(parsed->repo == "demo");
    CHECK(parsed->version == 3);
    CHECK(parsed->threshold == 2);
    REQUIRE(parsed->keys.size() == 2);
    CHECK(parsed->keys[1].key_id == b.public_key.key_id);
    CHECK(formats::write_keyset(*parsed) == keyset_text("demo", 3, {&a, &b}, 2));

    const std::string ka = formats::public_key_base64(a.public_key);
    struct Case {
        std::string json, field;
    };
    for (const auto& c : std::vector<Case>{
             {R"({"format":2,"repo":"d","version":1,"keys":[")" + ka + R"("]})", "format"},
             {R"({"format":1,"version":1,"keys":[")" + ka + R"("]})", "repo"},
             {R"({"format":1,"repo":"d","version":0,"keys":[")" + ka + R"("]})", "version"},
             {R"({"format":1,"repo":"d","version":1,"keys":[]})", "keys"},
             {R"({"format":1,"repo":"d","version":1,"keys":["nope"]})", "keys[0]"},
             {R"({"format":1,"repo":"d","version":1,"keys":[")" + ka + R"(",")" + ka + R"("]})",
              "listed twice"},
             {R"({"format":1,"repo":"d","version":1,"keys":[")" + ka + R"("],"threshold":2})",
              "threshold"},
             {R"({"format":1,"repo":"d","version":1,"keys":[")" + ka + R"("],"extra":1})",
              "unknown field"},
         }) {
        auto r = formats::parse_keyset(c.json);
        INFO(c.json);
        REQUIRE_FALSE(r);
        CHECK(says(r.error(), c.field));
    }
}

TEST_CASE("threshold: distinct valid signatures from trusted keys are counted", "[trust]") {
    KeyPair a = generate_key_pair(), b = generate_key_pair(), c = generate_key_pair();
    KeyPair evil = generate_key_pair();
    const auto trusted = pubs({&a, &b, &c});
    const std::string data = "index bytes";
    const std::string sa = sign(a.secret_key, data, "t"), sb = sign(b.secret_key, data, "t");
    const std::string se = sign(evil.secret_key, data, "t");
    const std::string bad = sign(c.secret_key, "other bytes", "t");

    SECTION("2 of 3: two distinct keys pass") {
        auto r = verify_threshold(trusted, 2, data, {sa, sb}, "idx");
        REQUIRE(r);
        CHECK(*r == 2);
    }
    SECTION("2 of 3: one signature is refused, naming the count") {
        auto r = verify_threshold(trusted, 2, data, {sa}, "idx");
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Verification);
        CHECK(says(r.error(), "1 of 1 signature(s) valid"));
        CHECK(says(r.error(), "2 required"));
    }
    SECTION("the same key twice counts once") {
        auto r = verify_threshold(trusted, 2, data, {sa, sa}, "idx");
        REQUIRE_FALSE(r);
        CHECK(says(r.error(), "1 of 2"));
    }
    SECTION("untrusted and bad signatures do not count and are named") {
        auto r = verify_threshold(trusted, 2, data, {se, sa, bad}, "idx");
        REQUIRE_FALSE(r);
        CHECK(says(r.error(), "1 of 3"));
        CHECK(says(r.error(), "idx.minisig: signed by unknown key"));
        CHECK(says(r.error(), "idx.minisig.3: bad signature"));
        CHECK(verify_threshold(trusted, 1, data, {se, sa, bad}, "idx"));
    }
    SECTION("a single signature keeps its own reason") {
        auto r = verify_threshold(trusted, 1, data, {se}, "idx");
        REQUIRE_FALSE(r);
        CHECK(says(r.error(), "idx.minisig: signed by unknown key"));
    }
    SECTION("candidates: whether fetching more signatures can help") {
        CHECK_FALSE(enough_candidates(trusted, 2, {sa}));
        CHECK_FALSE(enough_candidates(trusted, 2, {sa, se}));
        CHECK(enough_candidates(trusted, 2, {sa, sb}));
        CHECK_FALSE(enough_candidates(trusted, 1, {se}));
    }
    CHECK(signature_name("x/index.json.zst", 0) == "x/index.json.zst.minisig");
    CHECK(signature_name("x/index.json.zst", 2) == "x/index.json.zst.minisig.3");
}

TEST_CASE("key chain: one link must be signed by the old keys and its own", "[trust]") {
    KeyPair old1 = generate_key_pair(), old2 = generate_key_pair();
    KeyPair new1 = generate_key_pair(), evil = generate_key_pair();
    const TrustedKeys current{0, pubs({&old1}), 1};
    const std::string v1 = keyset_text("demo", 1, {&new1});
    auto signed_by = [&](const std::string& text, std::initializer_list<const KeyPair*> kps) {
        std::vector<std::string> sigs;
        for (const auto* k : kps) sigs.push_back(sign(k->secret_key, text, "rotation"));
        return sigs;
    };

    SECTION("a legitimate link moves the trust") {
        auto r = verify_key_link(current, "demo", v1, signed_by(v1, {&old1, &new1}), "keys/1.json");
        REQUIRE(r);
        CHECK(r->version == 1);
        REQUIRE(r->keys.size() == 1);
        CHECK(r->keys[0].key_id == new1.public_key.key_id);
    }
    SECTION("signed only by an attacker key (listing itself)") {
        const std::string forged = keyset_text("demo", 1, {&evil});
        auto r =
            verify_key_link(current, "demo", forged, signed_by(forged, {&evil}), "keys/1.json");
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Verification);
        CHECK(says(r.error(), "keys/1.json: not signed by the current keys (key version 0)"));
    }
    SECTION("missing the old key's signature") {
        auto r = verify_key_link(current, "demo", v1, signed_by(v1, {&new1}), "keys/1.json");
        REQUIRE_FALSE(r);
        CHECK(says(r.error(), "not signed by the current keys"));
    }
    SECTION("missing its own keys' signature") {
        auto r = verify_key_link(current, "demo", v1, signed_by(v1, {&old1}), "keys/1.json");
        REQUIRE_FALSE(r);
        CHECK(says(r.error(), "not signed by its own new keys"));
    }
    SECTION("a skipped version") {
        const std::string v2 = keyset_text("demo", 2, {&new1});
        auto r = verify_key_link(current, "demo", v2, signed_by(v2, {&old1, &new1}), "keys/1.json");
        REQUIRE_FALSE(r);
        CHECK(says(r.error(), "a skipped version is refused"));
    }
    SECTION("a lower version") {
        const TrustedKeys at3{3, pubs({&old1}), 1};
        auto r = verify_key_link(at3, "demo", v1, signed_by(v1, {&old1, &new1}), "keys/4.json");
        REQUIRE_FALSE(r);
        CHECK(says(r.error(), "rollback"));
    }
    SECTION("another repository's key set") {
        const std::string other = keyset_text("other", 1, {&new1});
        auto r = verify_key_link(current, "demo", other, signed_by(other, {&old1, &new1}),
                                 "keys/1.json");
        REQUIRE_FALSE(r);
        CHECK(says(r.error(), "expected \"demo\""));
    }
    SECTION("2-of-2 old keys: both must sign") {
        const TrustedKeys two{0, pubs({&old1, &old2}), 2};
        CHECK_FALSE(verify_key_link(two, "demo", v1, signed_by(v1, {&old1, &new1}), "k"));
        CHECK(verify_key_link(two, "demo", v1, signed_by(v1, {&old1, &old2, &new1}), "k"));
    }
    SECTION("a new 2-of-2 set: both new keys must sign") {
        KeyPair new2 = generate_key_pair();
        const std::string both = keyset_text("demo", 1, {&new1, &new2}, 2);
        CHECK_FALSE(verify_key_link(current, "demo", both, signed_by(both, {&old1, &new1}), "k"));
        auto r =
            verify_key_link(current, "demo", both, signed_by(both, {&old1, &new1, &new2}), "k");
        REQUIRE(r);
        CHECK(r->threshold == 2);
    }
}

namespace {

struct Repo {
    TempDir t;
    KeyPair kp = generate_key_pair();
    fs::path dir = t.path / "repo";
    int builds = 0;

    formats::Index build(const std::vector<SecretKey>& keys) {
        const fs::path src = make_plugin(t.path / ("src" + std::to_string(builds)), "demo",
                                         "1." + std::to_string(builds) + ".0");
        auto bytes = pack_directory(src);
        REQUIRE(bytes);
        const fs::path pkg = t.path / ("p" + std::to_string(builds++) + ".nxp");
        write_file(pkg, *bytes);
        BuildOptions o;
        o.repo_dir = dir;
        o.packages = {pkg};
        o.repo_id = "example";
        o.now = kNow;
        auto idx = build_repository(o, keys);
        REQUIRE(idx);
        return *idx;
    }
    RepoConfig config() const {
        return RepoConfig{"example", "file://" + dir.string(), {kp.public_key}, {}};
    }
};

}  // namespace

TEST_CASE("fetch_index follows a rotation and counts index signatures", "[trust]") {
    Repo r;
    r.build({r.kp.secret_key});
    KeyPair next = generate_key_pair();

    SECTION("rotate, then an index signed by the new key only") {
        auto set = rotate_keys(r.dir, {r.kp.secret_key}, {next.secret_key}, 1, kNow);
        REQUIRE(set);
        CHECK(set->version == 1);
        CHECK(fs::exists(r.dir / "keys/1.json.minisig.2"));
        r.build({next.secret_key});
        auto f = fetch_index(r.config(), {}, kNow + 60);
        REQUIRE(f);
        CHECK(f->trust.version == 1);
        CHECK(f->trust.keys[0].key_id == next.public_key.key_id);
        // The cached copy verifies against the advanced set, not the pinned one.
        RepoConfig advanced = r.config();
        advanced.keys = f->trust.keys;
        advanced.key_version = 1;
        CHECK(load_index(advanced, f->raw_zst, f->signatures, kNow + 60, "cache"));
        CHECK_FALSE(load_index(r.config(), f->raw_zst, f->signatures, kNow + 60, "cache"));
        // A second rotation must be signed by the key of version 1.
        KeyPair third = generate_key_pair();
        auto bad = rotate_keys(r.dir, {r.kp.secret_key}, {third.secret_key}, 1, kNow);
        REQUIRE_FALSE(bad);
        CHECK(says(bad.error(), "not enough of"));
        REQUIRE(rotate_keys(r.dir, {next.secret_key}, {third.secret_key}, 1, kNow));
        r.build({third.secret_key});
        auto f2 = fetch_index(advanced, {f->index.version, f->sha256}, kNow + 60);
        REQUIRE(f2);
        CHECK(f2->trust.version == 2);
    }
    SECTION("after a rotation, an index signed by the retired key is refused") {
        REQUIRE(rotate_keys(r.dir, {r.kp.secret_key}, {next.secret_key}, 1, kNow));
        r.build({r.kp.secret_key});
        auto f = fetch_index(r.config(), {}, kNow + 60);
        REQUIRE_FALSE(f);
        CHECK(says(f.error(), "signed by unknown key"));
    }
    SECTION("a rotation forged by an attacker refuses the whole fetch") {
        KeyPair evil = generate_key_pair();
        write_file(r.dir / "keys/1.json", keyset_text("example", 1, {&evil}));
        write_file(r.dir / "keys/1.json.minisig",
                   sign(evil.secret_key, keyset_text("example", 1, {&evil}), "x"));
        auto f = fetch_index(r.config(), {}, kNow + 60);
        REQUIRE_FALSE(f);
        CHECK(f.error().kind == ErrorKind::Verification);
        CHECK(says(f.error(), "keys/1.json: not signed by the current keys"));
    }
    SECTION("2-of-3 index signatures") {
        KeyPair b = generate_key_pair(), c = generate_key_pair();
        RepoConfig cfg = r.config();
        cfg.keys = pubs({&r.kp, &b, &c});
        cfg.threshold = 2;
        r.build({c.secret_key});
        auto one = fetch_index(cfg, {}, kNow + 60);
        REQUIRE_FALSE(one);
        CHECK(says(one.error(), "1 of 1 signature(s) valid"));
        r.build({c.secret_key, b.secret_key});
        auto two = fetch_index(cfg, {}, kNow + 60);
        REQUIRE(two);
        CHECK(two->signatures.size() == 2);
        // Rebuilt with one key again: the stale .minisig.2 must not linger.
        r.build({r.kp.secret_key});
        CHECK_FALSE(fs::exists(r.dir / "index.json.zst.minisig.2"));
        CHECK(fetch_index(r.config(), {}, kNow + 60));
    }
}
