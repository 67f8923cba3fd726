// Byte compatibility with the real minisign tool (DESIGN.md §4: "Keys and signatures are
// byte-compatible with the minisign tool in both directions").
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "formats/minisign.hpp"
#include "repo/keys.hpp"
#include "tests/common/temp_dir.hpp"

using namespace nxp;
using nxp::test::TempDir;
using namespace nxp::repo;
namespace fs = std::filesystem;

namespace {

std::string minisign() {
    const char* env = std::getenv("NXP_MINISIGN");
    return env != nullptr ? env : "minisign";
}

std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Runs a shell command with output discarded; true on exit status 0.
// The interop test drives the minisign CLI through the shell on purpose (fixed commands).
bool run(const std::string& cmd) {
    return std::system(  // NOLINT(cert-env33-c)
               (cmd + " >/dev/null 2>&1").c_str()) == 0;
}

void write(const std::string& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

std::string read(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool minisign_verifies(const TempDir& t, const std::string& file, const std::string& sig,
                       const std::string& pub) {
    return run(minisign() + " -V -m " + quote(t / file) + " -x " + quote(t / sig) + " -p " +
               quote(t / pub));
}

// `minisign -G -W`: an unencrypted key pair made by the tool.
void minisign_keygen(const TempDir& t, const std::string& name) {
    REQUIRE(run(minisign() + " -G -W -f -p " + quote(t / (name + ".pub")) + " -s " +
                quote(t / (name + ".key"))));
}

}  // namespace

TEST_CASE("minisign verifies what nxp signs, and refuses it when altered", "[interop]") {
    TempDir t;
    auto kp = generate_key_pair();
    auto other = generate_key_pair();
    write(t / "nxp.pub", formats::format_public_key(kp.public_key));
    write(t / "other.pub", formats::format_public_key(other.public_key));
    write(t / "data", "some index bytes\n");
    write(t / "data.minisig", sign(kp.secret_key, read(t / "data"), "timestamp:1\tfile:data"));

    CHECK(minisign_verifies(t, "data", "data.minisig", "nxp.pub"));
    CHECK_FALSE(minisign_verifies(t, "data", "data.minisig", "other.pub"));

    std::string sig = read(t / "data.minisig");
    sig.replace(sig.find("file:data"), 9, "file:evil");
    write(t / "tampered.minisig", sig);
    CHECK_FALSE(minisign_verifies(t, "data", "tampered.minisig", "nxp.pub"));

    write(t / "flipped", "some index bytez\n");
    CHECK_FALSE(minisign_verifies(t, "flipped", "data.minisig", "nxp.pub"));
}

TEST_CASE("nxp verifies what minisign signs and refuses legacy, tampered, wrong key", "[interop]") {
    TempDir t;
    minisign_keygen(t, "ms");
    minisign_keygen(t, "ms2");
    write(t / "data", "payload\n");
    REQUIRE(run(minisign() + " -S -s " + quote(t / "ms.key") + " -m " + quote(t / "data") +
                " -t 'repo:test version:3'"));
    auto pk = formats::parse_public_key(read(t / "ms.pub"));
    auto pk2 = formats::parse_public_key(read(t / "ms2.pub"));
    REQUIRE(pk);
    REQUIRE(pk2);
    const std::string sig = read(t / "data.minisig");

    auto ok = verify({*pk}, read(t / "data"), sig, "data.minisig");
    REQUIRE(ok);
    CHECK(*ok == "repo:test version:3");

    auto wrong_key = verify({*pk2}, read(t / "data"), sig, "data.minisig");
    REQUIRE_FALSE(wrong_key);
    CHECK(wrong_key.error().kind == ErrorKind::Verification);

    CHECK_FALSE(verify({*pk}, "payloaD\n", sig, "data.minisig"));

    std::string tampered = sig;
    tampered.replace(tampered.find("version:3"), 9, "version:9");
    auto tc = verify({*pk}, read(t / "data"), tampered, "data.minisig");
    REQUIRE_FALSE(tc);
    CHECK(tc.error().message.find("trusted comment") != std::string::npos);

    REQUIRE(run(minisign() + " -S -l -s " + quote(t / "ms.key") + " -m " + quote(t / "data") +
                " -x " + quote(t / "legacy.minisig")));
    auto legacy = verify({*pk}, read(t / "data"), read(t / "legacy.minisig"), "legacy.minisig");
    REQUIRE_FALSE(legacy);
    CHECK(legacy.error().message.find("legacy") != std::string::npos);
}

TEST_CASE("a password-protected key made by minisign loads in nxp", "[interop][slow]") {
    TempDir t;
    // Without a terminal, minisign reads the password (twice) from standard input.
    REQUIRE(run("printf 'pw\\npw\\n' | " + minisign() + " -G -f -p " + quote(t / "enc.pub") +
                " -s " + quote(t / "enc.key")));
    auto pk = formats::parse_public_key(read(t / "enc.pub"));
    REQUIRE(pk);
    auto key = load_secret_key(read(t / "enc.key"), "pw", "enc.key");
    REQUIRE(key);
    CHECK(public_key_of(*key).key == pk->key);
    CHECK(verify({*pk}, "x", sign(*key, "x", "c"), "x.minisig"));

    auto wrong = load_secret_key(read(t / "enc.key"), "wrong", "enc.key");
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().message == "wrong password or corrupt key");
}

TEST_CASE("minisign signs with secret keys written by nxp", "[interop]") {
    TempDir t;
    auto kp = generate_key_pair();
    write(t / "nxp.pub", formats::format_public_key(kp.public_key));
    write(t / "plain.key", secret_key_file_text(kp, std::nullopt));
    write(t / "enc.key", secret_key_file_text(kp, "s3cret", KdfLimits{32768, 16777216}));
    write(t / "data", "signed by minisign with an nxp key\n");

    REQUIRE(run(minisign() + " -S -s " + quote(t / "plain.key") + " -m " + quote(t / "data") +
                " -x " + quote(t / "a.minisig")));
    CHECK(verify({kp.public_key}, read(t / "data"), read(t / "a.minisig"), "a.minisig"));
    CHECK(minisign_verifies(t, "data", "a.minisig", "nxp.pub"));

    REQUIRE(run("printf 's3cret\\n' | " + minisign() + " -S -s " + quote(t / "enc.key") + " -m " +
                quote(t / "data") + " -x " + quote(t / "b.minisig")));
    CHECK(verify({kp.public_key}, read(t / "data"), read(t / "b.minisig"), "b.minisig"));

    CHECK_FALSE(run("printf 'nope\\n' | " + minisign() + " -S -s " + quote(t / "enc.key") + " -m " +
                    quote(t / "data") + " -x " + quote(t / "c.minisig")));
}
