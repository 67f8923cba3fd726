#include <catch2/catch.hpp>
#include <string>

#include "formats/minisign.hpp"
#include "repo/keys.hpp"

using namespace nxp;
using namespace nxp::repo;

namespace {

const KdfLimits kFastKdf{32768, 16777216};  // libsodium's minimum scrypt cost, for speed

// Made by `minisign -G -W` and `minisign -S` / `minisign -S -l` (0.11) over "hello\n".
const std::string kMinisignPub = "RWQQ7ZLd5qltAfwP7Pdw+TQANhr3QEyRcDxQrjcDGyE6q3S+X0dXi9vN";
const std::string kMinisignKey =
    "untrusted comment: minisign encrypted secret key\n"
    "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEO2S3eapbQGV41JuEDQq"
    "d8JuP5GK042RoMPegrI5KQuh422Jl/isPvwP7Pdw+TQANhr3QEyRcDxQrjcDGyE6q3S+X0dXi9vNAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
const std::string kMinisignSig =
    "untrusted comment: signature from minisign secret key\n"
    "RUQQ7ZLd5qltAVi/KpiIvLlex5jj5ja2FA2OaLjsn60Ko/oXYWcIlXL22uVbTyJ85YD/GM06yPUI9rGy1Fk0Bs27b4sN"
    "4mzTugo=\n"
    "trusted comment: timestamp:1795609723\tfile:f\thashed\n"
    "tjWNtGR+wKqvn3mFv/I96/Y5IOs8gCISiCR8owgXmr39KRpvsEWte5PvTK5FDbXzvyL/7/nl0LxM5K3rpEbjCA==\n";
const std::string kLegacySig =
    "untrusted comment: signature from minisign secret key\n"
    "RWQQ7ZLd5qltAU617C0jW3Cf2Gcq28TLajcB4CicsaTmrwuSFdq+04PrbyKnTq8tnPKz0N2F7fVS7Lr4jbWduvllsgHT"
    "3gOPBQo=\n"
    "trusted comment: timestamp:1795609723\tfile:f\n"
    "HPOyCQL5tTG2dwq3JcZJxMvPiNw2eazda+SVdGikVRcOsOWDvjSnaIQysyemxcNWhX84bNjVsxzrSAn9HL3NAg==\n";

bool mentions(const Error& e, const std::string& needle) {
    return e.str().find(needle) != std::string::npos;
}

// Flips one bit of the base64-decoded line `line` (0-based) of a signature file.
std::string flip_in_line(const std::string& sig, int line, std::size_t byte) {
    auto parsed = formats::parse_signature(sig);
    REQUIRE(parsed);
    if (line == 1) parsed->signature[byte] ^= 1;
    if (line == 3) parsed->global_signature[byte] ^= 1;
    return formats::format_signature(*parsed);
}

}  // namespace

TEST_CASE("sign then verify returns the trusted comment", "[keys]") {
    auto kp = generate_key_pair();
    std::string sig = sign(kp.secret_key, "payload", "timestamp:1\tfile:x");
    auto ok = verify({kp.public_key}, "payload", sig, "x.minisig");
    REQUIRE(ok);
    CHECK(*ok == "timestamp:1\tfile:x");
    auto parsed = formats::parse_signature(sig);
    REQUIRE(parsed);
    CHECK(parsed->prehashed());
}

TEST_CASE("verify refuses tampered data, comment, wrong key, legacy, flipped bytes", "[keys]") {
    auto kp = generate_key_pair();
    auto other = generate_key_pair();
    const std::string data = "index bytes";
    const std::string sig = sign(kp.secret_key, data, "version:7");

    SECTION("tampered data") {
        auto r = verify({kp.public_key}, "index bytez", sig, "index.json.zst");
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Verification);
        CHECK(mentions(r.error(), "bad signature"));
        CHECK(mentions(r.error(), "index.json.zst"));
    }
    SECTION("tampered trusted comment") {
        std::string bad = sig;
        bad.replace(bad.find("version:7"), 9, "version:9");
        auto r = verify({kp.public_key}, data, bad, "s");
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Verification);
        CHECK(mentions(r.error(), "trusted comment"));
    }
    SECTION("unknown key id names the id") {
        auto r = verify({other.public_key}, data, sig, "s");
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Verification);
        CHECK(mentions(r.error(), formats::key_id_hex(kp.public_key.key_id)));
    }
    SECTION("right key id but other key material") {
        auto impostor = other.public_key;
        impostor.key_id = kp.public_key.key_id;
        auto r = verify({impostor}, data, sig, "s");
        REQUIRE_FALSE(r);
        CHECK(mentions(r.error(), "bad signature"));
    }
    SECTION("flipped byte in the signature and in the global signature") {
        CHECK_FALSE(verify({kp.public_key}, data, flip_in_line(sig, 1, 5), "s"));
        auto r = verify({kp.public_key}, data, flip_in_line(sig, 3, 60), "s");
        REQUIRE_FALSE(r);
        CHECK(mentions(r.error(), "trusted comment"));
    }
    SECTION("garbage signature text is a verification failure") {
        auto r = verify({kp.public_key}, data, "nonsense", "s");
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Verification);
    }
    SECTION("any of several keys") {
        CHECK(verify({other.public_key, kp.public_key}, data, sig, "s"));
    }
}

TEST_CASE("signatures made by the minisign tool verify; legacy ones are refused", "[keys]") {
    auto pk = formats::parse_public_key(kMinisignPub);
    REQUIRE(pk);
    auto ok = verify({*pk}, "hello\n", kMinisignSig, "f.minisig");
    REQUIRE(ok);
    CHECK(*ok == "timestamp:1795609723\tfile:f\thashed");

    auto legacy = verify({*pk}, "hello\n", kLegacySig, "f.minisig");
    REQUIRE_FALSE(legacy);
    CHECK(legacy.error().kind == ErrorKind::Verification);
    CHECK(mentions(legacy.error(), "legacy"));
}

TEST_CASE("minisign -W secret key loads and signs like minisign", "[keys]") {
    auto key = load_secret_key(kMinisignKey, std::nullopt, "a.key");
    REQUIRE(key);
    auto pk = formats::parse_public_key(kMinisignPub);
    REQUIRE(pk);
    CHECK(public_key_of(*key).key == pk->key);
    // Ed25519 is deterministic: same key, data and comment give minisign's exact bytes.
    std::string sig = sign(*key, "hello\n", "timestamp:1795609723\tfile:f\thashed",
                           "signature from minisign secret key");
    CHECK(sig == kMinisignSig);
}

TEST_CASE("encrypted secret key: right password loads, wrong one is named", "[keys]") {
    auto kp = generate_key_pair();
    std::string text = secret_key_file_text(kp, "correct horse", kFastKdf);
    auto parsed = formats::parse_secret_key_file(text);
    REQUIRE(parsed);
    CHECK(parsed->encrypted());
    CHECK(parsed->kdf_opslimit == kFastKdf.opslimit);

    auto ok = load_secret_key(text, "correct horse", "k.key");
    REQUIRE(ok);
    CHECK(ok->key == kp.secret_key.key);
    CHECK(ok->key_id == kp.secret_key.key_id);

    auto wrong = load_secret_key(text, "battery staple", "k.key");
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().message == "wrong password or corrupt key");
    CHECK(wrong.error().context == "k.key");

    auto none = load_secret_key(text, std::nullopt, "k.key");
    REQUIRE_FALSE(none);
    CHECK(mentions(none.error(), "password"));
}

TEST_CASE("unencrypted secret key round-trips and a corrupted one is refused", "[keys]") {
    auto kp = generate_key_pair();
    std::string text = secret_key_file_text(kp, std::nullopt);
    auto ok = load_secret_key(text, std::nullopt, "k");
    REQUIRE(ok);
    CHECK(ok->key == kp.secret_key.key);

    auto f = formats::parse_secret_key_file(text);
    REQUIRE(f);
    f->keynum_sk[20] ^= 0x40;  // inside the secret key bytes
    auto bad = load_secret_key(formats::format_secret_key_file(*f), std::nullopt, "k");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().kind == ErrorKind::Verification);
}

TEST_CASE("absurd scrypt limits in a key file are refused before deriving", "[keys]") {
    auto kp = generate_key_pair();
    auto f = formats::parse_secret_key_file(secret_key_file_text(kp, "pw", kFastKdf));
    REQUIRE(f);
    f->kdf_memlimit = 1ULL << 40;
    auto r = load_secret_key(formats::format_secret_key_file(*f), "pw", "k");
    REQUIRE_FALSE(r);
    CHECK(mentions(r.error(), "memlimit"));
}

TEST_CASE("sha256_hex matches the known vector", "[keys]") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("newlines in comments cannot forge extra lines", "[keys]") {
    auto kp = generate_key_pair();
    std::string sig = sign(kp.secret_key, "d", "a\nb", "x\ny");
    auto r = verify({kp.public_key}, "d", sig, "s");
    REQUIRE(r);
    CHECK(*r == "a b");
}
