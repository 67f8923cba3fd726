// os/beneath: a path from outside never leads out of the directory it is opened beneath.
#include <fcntl.h>
#include <sys/stat.h>

#include "os/beneath.hpp"
#include "test_util.hpp"

using namespace nxp;
using namespace nxp::test;

TEST_CASE("open_beneath: every way out of the directory is refused", "[beneath]") {
    TempDir t;
    const fs::path dir = t.path / "tree";
    write_file(t.path / "secret", "secret");
    write_file(dir / "sub/inside.txt", "inside");
    fs::create_symlink(t.path / "secret", dir / "abs");
    fs::create_symlink("../secret", dir / "up");
    fs::create_symlink(".", dir / "x");
    fs::create_symlink("x/..", dir / "y1");
    fs::create_symlink("sub", dir / "s");
    fs::create_symlink("s/../..", dir / "through");
    fs::create_symlink("abs", dir / "to-abs");
    fs::create_symlink("/proc/self/root/" + (t.path / "secret").string(), dir / "magic");
    auto d = os::open_directory(dir);
    REQUIRE(d);
    for (const std::string& rel : std::vector<std::string>{
             "../secret", std::string(t.path / "secret"), "abs", "up", "y1/secret", "x/y1/secret",
             "through/secret", "to-abs", "magic", "sub/../../secret"}) {
        INFO(rel);
        auto fd = os::open_beneath(d->get(), rel, O_RDONLY, "tree: " + rel);
        REQUIRE_FALSE(fd);
        CHECK(fd.error().kind == ErrorKind::Verification);
        CHECK(fd.error().context == "tree: " + rel);
        auto text = os::read_beneath(d->get(), rel, 1024, rel);
        CHECK_FALSE(text);
    }
    for (const std::string& rel :
         std::vector<std::string>{"sub/inside.txt", "s/inside.txt", "x/s/../sub/inside.txt"}) {
        INFO(rel);
        auto text = os::read_beneath(d->get(), rel, 1024, rel);
        REQUIRE(text);
        REQUIRE(text->has_value());
        CHECK(**text == "inside");
    }
    auto missing = os::read_beneath(d->get(), "sub/missing", 1024, "missing");
    REQUIRE(missing);
    CHECK_FALSE(missing->has_value());
}

TEST_CASE("read_beneath: only regular files, never a FIFO, within the size cap", "[beneath]") {
    TempDir t;
    REQUIRE(mkfifo((t.path / "fifo").c_str(), 0644) == 0);
    write_file(t.path / "big", std::string(2048, 'x'));
    auto d = os::open_directory(t.path);
    REQUIRE(d);
    auto fifo = os::read_beneath(d->get(), "fifo", 1024, "fifo");
    REQUIRE_FALSE(fifo);
    CHECK(fifo.error().message == "not a regular file");
    auto big = os::read_beneath(d->get(), "big", 1024, "big");
    REQUIRE_FALSE(big);
    CHECK(big.error().message.find("larger than 1024 bytes") != std::string::npos);
}

TEST_CASE("open_subdir_nofollow: a symlinked directory is refused, never created through",
          "[beneath]") {
    TempDir t;
    fs::create_directories(t.path / "elsewhere");
    fs::create_symlink(t.path / "elsewhere", t.path / "link");
    fs::create_symlink(t.path / "nowhere", t.path / "dangling");
    auto d = os::open_directory(t.path);
    REQUIRE(d);
    for (const char* name : {"link", "dangling"}) {
        auto sub = os::open_subdir_nofollow(d->get(), name, true, name, "why");
        REQUIRE_FALSE(sub);
        CHECK(sub.error().str() == std::string(name) + ": is a symbolic link; why");
    }
    CHECK_FALSE(fs::exists(t.path / "nowhere"));
    auto created = os::open_subdir_nofollow(d->get(), "new", true, "new", "why");
    REQUIRE(created);
    CHECK(fs::is_directory(t.path / "new"));
}
