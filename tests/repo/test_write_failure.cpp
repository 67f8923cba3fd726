// The message of a download that a full disk stopped (issue 18 item 12): it names the
// device error, the size needed and the space free, so the operator knows how much to free.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>

#include "repo/fetch.hpp"

using nxp::ErrorKind;
using nxp::repo::free_bytes;
using nxp::repo::write_failure;

TEST_CASE("a full disk says No space left on device with the sizes needed and free") {
    const int dir = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(dir >= 0);
    const auto free = free_bytes(dir);
    REQUIRE(free.has_value());
    for (int err : {ENOSPC, EDQUOT}) {
        auto e = write_failure(dir, "weather 1.2.0 (abc.nxp.part)", err, 5u << 20);
        CHECK(e.kind == ErrorKind::Io);
        CHECK(e.context == "weather 1.2.0 (abc.nxp.part)");
        CHECK(e.message.find("No space left on device") == 0);
        CHECK(e.message.find("needs 5.0 MiB (5242880 bytes)") != std::string::npos);
        CHECK(e.message.find("bytes) free") != std::string::npos);
        CHECK(e.message.find("partial download was removed") != std::string::npos);
    }
    ::close(dir);
}

TEST_CASE("another write error is named as it is, and an unknown free space is left out") {
    auto e = write_failure(-1, "x.part", EIO, 10);
    CHECK(e.message.find("Input/output error") != std::string::npos);
    CHECK(e.message.find("No space") == std::string::npos);
    auto full = write_failure(-1, "x.part", ENOSPC, 10);
    CHECK(full.message.find("needs 10 B (10 bytes)") != std::string::npos);
    CHECK(full.message.find("bytes) free") == std::string::npos);
    CHECK_FALSE(free_bytes(-1).has_value());
}
