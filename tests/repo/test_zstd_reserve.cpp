// zstd_decompress sizes its output from the frame header, which nobody has checked yet when
// oci:// manifests and publish inputs are decompressed: a frame of a few bytes claiming
// 400 MB must not make it reserve 400 MB (issue 20).
#include <catch2/catch.hpp>
#include <string>

#include "repo/repository.hpp"

using namespace nxp::repo;

namespace {

constexpr std::uint64_t kMax = 512ULL << 20;

// A zstd frame that declares `declared` bytes of content and holds one raw block `body`.
std::string frame_claiming(std::uint64_t declared, const std::string& body) {
    std::string f = "\x28\xb5\x2f\xfd";
    f += '\xc0';  // 8-byte content size, not single-segment, no checksum, no dictionary
    f += '\x00';  // window descriptor: 1 KiB
    for (int i = 0; i < 8; ++i) f += static_cast<char>((declared >> (8 * i)) & 0xff);
    const std::uint32_t header = static_cast<std::uint32_t>(body.size() << 3) | 1;  // raw, last
    for (int i = 0; i < 3; ++i) f += static_cast<char>((header >> (8 * i)) & 0xff);
    return f + body;
}

}  // namespace

TEST_CASE("zstd_decompress does not reserve the size an unverified frame claims") {
    const std::string small = frame_claiming(5, "hello");
    auto ok = zstd_decompress(small, kMax, "test");
    REQUIRE(ok);  // the frame is well formed
    CHECK(*ok == "hello");

    const std::string liar = frame_claiming(400ULL << 20, "hello");
    CHECK(zstd_reservation(liar, kMax) <= 4096 * kZstdReserveRatio + 64);
    auto r = zstd_decompress(liar, kMax, "test");
    REQUIRE_FALSE(r);  // zstd refuses content shorter than declared
    CHECK(r.error().kind == nxp::ErrorKind::Invalid);
    // Above the limit the claim is not even a hint.
    CHECK(zstd_reservation(frame_claiming(kMax + 1, "x"), kMax) <= 4096 * kZstdReserveRatio + 64);
}

TEST_CASE("zstd_decompress still reserves a plausible declared size and grows past a cap") {
    std::string text;
    for (int i = 0; text.size() < 300000; ++i)
        text += "{\"name\":\"p" + std::to_string(i * 7919) + "\"},";
    const std::string z = zstd_compress(text);
    CHECK(zstd_reservation(z, kMax) == text.size() + 64);
    auto back = zstd_decompress(z, kMax, "test");
    REQUIRE(back);
    CHECK(*back == text);
    // 10 MB of one byte compresses far beyond the ratio: the output grows as it is decoded.
    const std::string same(10 << 20, 'a');
    const std::string zs = zstd_compress(same);
    CHECK(zstd_reservation(zs, kMax) < same.size());
    auto all = zstd_decompress(zs, kMax, "test");
    INFO((all ? std::string() : all.error().str()));
    REQUIRE(all);
    CHECK(*all == same);
}
