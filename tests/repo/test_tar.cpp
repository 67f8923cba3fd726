// repo/tar.hpp (the tar API deploy/ uses) and the one secret-key loader.
#include <catch2/catch.hpp>
#include <fstream>

#include "os/file.hpp"
#include "repo/keys.hpp"
#include "repo/tar.hpp"
#include "tests/common/temp_dir.hpp"

using namespace nxp;
namespace fs = std::filesystem;

TEST_CASE("TarWriter and TarReader: entries come back in order, byte for byte") {
    test::TempDir t;
    const fs::path file = t.path / "b.tar";
    const std::string big(300000, 'z');
    {
        repo::TarWriter w(file);
        REQUIRE(w.open());
        REQUIRE(w.add("lockfile.json", "{}"));
        REQUIRE(w.add("packages/x.nxp", big));
        REQUIRE(w.add("empty", ""));
        REQUIRE(w.close());
        CHECK(w.bytes() == 2 + big.size());
    }
    repo::TarReader r(file);
    REQUIRE(r.open());
    std::vector<std::pair<std::string, std::string>> got;
    for (;;) {
        auto e = r.next();
        REQUIRE(e);
        if (!*e) break;
        CHECK((*e)->regular);
        REQUIRE((*e)->size);
        auto data = r.read(*(*e)->size);
        REQUIRE(data);
        got.emplace_back((*e)->name, *data);
    }
    REQUIRE(got.size() == 3);
    CHECK(got[0] == std::make_pair(std::string("lockfile.json"), std::string("{}")));
    CHECK(got[1].first == "packages/x.nxp");
    CHECK(got[1].second == big);
    CHECK(got[2] == std::make_pair(std::string("empty"), std::string()));
}

TEST_CASE("TarReader: unreadable, damaged and truncated tars are errors naming the file") {
    test::TempDir t;
    const fs::path junk = t.path / "junk.tar";
    std::ofstream(junk) << "this is not a tar archive at all";
    repo::TarReader bad(junk);
    auto opened = bad.open();
    if (opened) {  // libarchive may only notice at the first header
        auto e = bad.next();
        REQUIRE_FALSE(e);
        CHECK(e.error().context == junk.string());
    } else {
        CHECK(opened.error().context == junk.string());
    }

    const fs::path good = t.path / "g.tar";
    {
        repo::TarWriter w(good);
        REQUIRE(w.open());
        REQUIRE(w.add("f", std::string(5000, 'a')));
        REQUIRE(w.close());
    }
    auto bytes = os::read_file(good);
    REQUIRE(bytes);
    const fs::path cut = t.path / "cut.tar";
    REQUIRE(os::write_file_atomic(cut, bytes->substr(0, 512 + 1000)));
    repo::TarReader r(cut);
    REQUIRE(r.open());
    auto e = r.next();
    REQUIRE(e);
    REQUIRE(*e);
    auto data = r.read(*(*e)->size);
    REQUIRE_FALSE(data);
    CHECK(data.error().context == cut.string());

    repo::TarWriter nowhere(t.path / "missing" / "x.tar");
    auto w = nowhere.open();
    REQUIRE_FALSE(w);
    CHECK(w.error().context == (t.path / "missing" / "x.tar").string());
}

TEST_CASE("load_secret_key_files: plain and encrypted keys, errors naming the file") {
    test::TempDir t;
    const repo::KeyPair kp = repo::generate_key_pair();
    REQUIRE(os::write_file_atomic(t.path / "plain.key", repo::secret_key_file_text(kp, {})));
    REQUIRE(os::write_file_atomic(
        t.path / "enc.key",
        repo::secret_key_file_text(kp, "pw", repo::KdfLimits{32768, 16777216})));
    REQUIRE(os::write_file_atomic(t.path / "pw", "pw\nignored second line\n"));
    REQUIRE(os::write_file_atomic(t.path / "wrong", "nope\n"));

    auto plain = repo::load_secret_key_files({(t.path / "plain.key").string()}, "");
    REQUIRE(plain);
    REQUIRE(plain->size() == 1);
    CHECK(plain->front().key == kp.secret_key.key);

    auto enc = repo::load_secret_key_files({(t.path / "enc.key").string()}, t / "pw");
    REQUIRE(enc);
    CHECK(enc->front().key == kp.secret_key.key);

    auto wrong = repo::load_secret_key_files({(t.path / "enc.key").string()}, t / "wrong");
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().context.find("enc.key") != std::string::npos);

    auto missing = repo::load_secret_key_files({t / "none.key"}, "");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().context == t / "none.key");

    auto no_pw = repo::load_secret_key_files({(t.path / "enc.key").string()}, t / "no-pw");
    REQUIRE_FALSE(no_pw);
    CHECK(no_pw.error().context == t / "no-pw");

    CHECK(*repo::read_password_file(t / "pw") == std::optional<std::string>("pw"));
    CHECK(*repo::read_password_file("") == std::nullopt);
}
