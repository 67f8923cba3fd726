// The host's node: found on PATH, its version remembered between runs only while the
// executable is unchanged, and never remembered for a script.
#include <unistd.h>
#include <utime.h>

#include "sandbox/host_tools.hpp"
#include "tests/sandbox/helpers.hpp"

using namespace nxp::sandbox;
using namespace nxp::sandbox::test;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void put(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::trunc) << s; }

}  // namespace

TEST_CASE("node's version is remembered only for the same ELF executable", "[host]") {
    const char* fake = std::getenv("NXP_FAKE_NODE");
    REQUIRE(fake != nullptr);
    TempDir dir;
    fs::path bin = dir.path / "bin";
    fs::create_directories(bin);
    fs::copy_file(fake, bin / "node");
    fs::path memo = dir.path / "host-node";

    auto first = find_node(bin.string(), memo);
    REQUIRE(first);
    CHECK(first->version == "21.4.0");
    CHECK(first->path == fs::canonical(bin / "node"));
    REQUIRE(fs::exists(memo));
    std::string line = slurp(memo);
    CHECK(line.find((bin / "node").string()) == 0);

    // Believed while the file is the same: a version only the memo holds comes back.
    auto pos = line.rfind('\t');
    put(memo, line.substr(0, pos + 1) + "99.1.2\n");
    auto remembered = find_node(bin.string(), memo);
    REQUIRE(remembered);
    CHECK(remembered->version == "99.1.2");

    // A changed executable (here only its mtime) is asked again, and the memo rewritten.
    utimbuf times{1000000000, 1000000000};
    REQUIRE(::utime((bin / "node").c_str(), &times) == 0);
    auto again = find_node(bin.string(), memo);
    REQUIRE(again);
    CHECK(again->version == "21.4.0");
    CHECK(slurp(memo).find("\t21.4.0") != std::string::npos);

    // A memo that is garbage is ignored.
    put(memo, "nonsense\n");
    CHECK(find_node(bin.string(), memo)->version == "21.4.0");
}

TEST_CASE("a node that is a script is asked every time, never remembered", "[host]") {
    TempDir dir;
    fs::path bin = dir.path / "bin";
    fs::create_directories(bin);
    put(bin / "node", "#!/bin/sh\necho v20.1.0\n");
    fs::permissions(bin / "node", fs::perms::owner_all);
    fs::path memo = dir.path / "host-node";
    auto n = find_node(bin.string(), memo);
    REQUIRE(n);
    CHECK(n->version == "20.1.0");
    CHECK_FALSE(fs::exists(memo));

    // No node on PATH at all.
    TempDir empty;
    CHECK_FALSE(find_node(empty.path.string(), memo));
}

TEST_CASE("memo files: a value only under exactly its key, written best effort", "[host]") {
    using namespace nxp::sandbox::detail;
    TempDir dir;
    fs::path memo = dir.path / "probe";
    CHECK_FALSE(read_memo(memo, "k"));  // no file yet
    write_memo(memo, "key\tpart two", "works");
    CHECK(read_memo(memo, "key\tpart two") == "works");
    CHECK_FALSE(read_memo(memo, "key"));               // a prefix of the key is another key
    CHECK_FALSE(read_memo(memo, "key\tpart two\tx"));  // so is a longer one
    CHECK_FALSE(read_memo(memo, "key\tpart 2"));
    // Rewritten whole, and no temporary file left beside it.
    write_memo(memo, "other", "v");
    CHECK(slurp(memo) == "other\tv\n");
    CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
    // Nowhere to write (a missing directory, an empty path): nothing happens, nothing throws.
    write_memo(dir.path / "missing" / "probe", "k", "v");
    CHECK_FALSE(fs::exists(dir.path / "missing"));
    write_memo({}, "k", "v");
    CHECK_FALSE(read_memo({}, "k"));
}

TEST_CASE("an executable's memo key names it and changes with it", "[host]") {
    using namespace nxp::sandbox::detail;
    const char* fake = std::getenv("NXP_FAKE_NODE");
    REQUIRE(fake != nullptr);
    TempDir dir;
    fs::path exe = dir.path / "tool";
    fs::copy_file(fake, exe);
    auto before = executable_identity(exe);
    REQUIRE(before);
    CHECK(before->starts_with(exe.string() + "\t"));
    utimbuf times{1000000000, 1000000000};
    REQUIRE(::utime(exe.c_str(), &times) == 0);
    auto after = executable_identity(exe);
    REQUIRE(after);
    CHECK(*after != *before);
    put(dir.path / "script", "#!/bin/sh\n");
    CHECK_FALSE(executable_identity(dir.path / "script"));  // not ELF
    CHECK_FALSE(executable_identity(dir.path / "missing"));
}
