#include <catch2/catch.hpp>
#include <string>

#include "formats/minisign.hpp"

using namespace nxp::formats;

namespace {

// Written by `minisign -G -W` and `minisign -S` / `minisign -S -l` (minisign 0.11).
const std::string kPub =
    "untrusted comment: minisign public key 16DA9E6DD92ED10\n"
    "RWQQ7ZLd5qltAfwP7Pdw+TQANhr3QEyRcDxQrjcDGyE6q3S+X0dXi9vN\n";
const std::string kKey =
    "untrusted comment: minisign encrypted secret key\n"
    "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEO2S3eapbQGV41JuEDQq"
    "d8JuP5GK042RoMPegrI5KQuh422Jl/isPvwP7Pdw+TQANhr3QEyRcDxQrjcDGyE6q3S+X0dXi9vNAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
const std::string kSig =
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

}  // namespace

TEST_CASE("minisign public key: file and bare line parse to the same key", "[minisign]") {
    auto file = parse_public_key(kPub);
    REQUIRE(file);
    CHECK(file->untrusted_comment == "minisign public key 16DA9E6DD92ED10");
    CHECK(key_id_hex(file->key_id) == "016DA9E6DD92ED10");
    auto bare = parse_public_key("RWQQ7ZLd5qltAfwP7Pdw+TQANhr3QEyRcDxQrjcDGyE6q3S+X0dXi9vN");
    REQUIRE(bare);
    CHECK(bare->key == file->key);
    CHECK(bare->key_id == file->key_id);
    CHECK(format_public_key(*file) == kPub);
    CHECK(public_key_base64(*file) == "RWQQ7ZLd5qltAfwP7Pdw+TQANhr3QEyRcDxQrjcDGyE6q3S+X0dXi9vN");
}

TEST_CASE("minisign public key: malformed input is refused", "[minisign]") {
    CHECK_FALSE(parse_public_key(""));
    CHECK_FALSE(parse_public_key("untrusted comment: x\n"));
    CHECK_FALSE(parse_public_key("RWQQ7ZLd5qltAfwP7Pdw+TQANhr3QEyRcDxQrjcDGyE6q3S+X0dXi9v"));
    CHECK_FALSE(parse_public_key("not base64 at all!"));
    // "Ex" instead of "Ed": "RXg" prefix.
    auto other = parse_public_key("RXgQ7ZLd5qltAfwP7Pdw+TQANhr3QEyRcDxQrjcDGyE6q3S+X0dXi9vN");
    REQUIRE_FALSE(other);
    CHECK(other.error().message.find("algorithm") != std::string::npos);
}

TEST_CASE("minisign secret key file: unencrypted -W form round-trips", "[minisign]") {
    auto f = parse_secret_key_file(kKey);
    REQUIRE(f);
    CHECK_FALSE(f->encrypted());
    CHECK(f->kdf_opslimit == 0);
    CHECK(f->kdf_memlimit == 0);
    CHECK(f->keynum_sk[0] == 0x10);
    CHECK(format_secret_key_file(*f) == kKey);
}

TEST_CASE("minisign secret key file: encrypted form keeps limits and salt", "[minisign]") {
    MinisignSecretKeyFile f;
    f.kdf_alg = {'S', 'c'};
    f.kdf_salt.fill(7);
    f.kdf_opslimit = 33554432;
    f.kdf_memlimit = 1073741824;
    f.keynum_sk.fill(0xAB);
    auto back = parse_secret_key_file(format_secret_key_file(f));
    REQUIRE(back);
    CHECK(back->encrypted());
    CHECK(back->kdf_salt == f.kdf_salt);
    CHECK(back->kdf_opslimit == 33554432);
    CHECK(back->kdf_memlimit == 1073741824);
    CHECK(back->keynum_sk == f.keynum_sk);
}

TEST_CASE("minisign secret key file: garbage is refused", "[minisign]") {
    CHECK_FALSE(parse_secret_key_file(""));
    CHECK_FALSE(parse_secret_key_file(kPub));  // a public key is not a secret key
    CHECK_FALSE(parse_secret_key_file("RWQAAEIy\n"));
}

TEST_CASE("minisign signature: prehashed and legacy parse, round-trip exactly", "[minisign]") {
    auto sig = parse_signature(kSig);
    REQUIRE(sig);
    CHECK(sig->prehashed());
    CHECK(sig->trusted_comment == "timestamp:1795609723\tfile:f\thashed");
    CHECK(sig->untrusted_comment == "signature from minisign secret key");
    CHECK(key_id_hex(sig->key_id) == "016DA9E6DD92ED10");
    CHECK(format_signature(*sig) == kSig);

    auto legacy = parse_signature(kLegacySig);
    REQUIRE(legacy);
    CHECK_FALSE(legacy->prehashed());
    CHECK(format_signature(*legacy) == kLegacySig);
}

TEST_CASE("minisign signature: CRLF line ends are accepted", "[minisign]") {
    std::string crlf;
    for (char c : kSig) {
        if (c == '\n') crlf += '\r';
        crlf += c;
    }
    auto sig = parse_signature(crlf);
    REQUIRE(sig);
    CHECK(sig->trusted_comment == "timestamp:1795609723\tfile:f\thashed");
}

TEST_CASE("minisign signature: malformed files are refused", "[minisign]") {
    CHECK_FALSE(parse_signature(""));
    CHECK_FALSE(parse_signature(kSig.substr(0, kSig.find("\ntrusted comment:") + 1)));
    std::string no_prefix = kSig;
    no_prefix.replace(0, 9, "comment::");
    CHECK_FALSE(parse_signature(no_prefix));
    std::string bad_trusted = kSig;
    bad_trusted.replace(bad_trusted.find("trusted comment: timestamp"), 8, "TRUSTED ");
    CHECK_FALSE(parse_signature(bad_trusted));
    std::string short_global = kSig;
    short_global.replace(short_global.find("tjWN"), 4, "");
    CHECK_FALSE(parse_signature(short_global));
    CHECK_FALSE(parse_signature(kSig + "extra line\n"));
}
