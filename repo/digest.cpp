#include "repo/digest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "os/fd.hpp"

namespace nxp::repo {

std::string hex_lower(const unsigned char* data, std::size_t len) {
    std::string out(len * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), data, len);
    out.pop_back();
    return out;
}

Sha256::Sha256() { crypto_hash_sha256_init(&state_); }

void Sha256::update(const void* data, std::size_t len) {
    crypto_hash_sha256_update(&state_, static_cast<const unsigned char*>(data), len);
}

std::string Sha256::hex() {
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256_final(&state_, digest.data());
    return hex_lower(digest.data(), digest.size());
}

Result<std::string> sha256_fd(int fd, std::uint64_t cap, std::uint64_t& total) {
    Sha256 sha;
    std::array<unsigned char, 64 * 1024> buf{};
    total = 0;
    for (;;) {
        const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(total));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(ErrorKind::Io, "", std::strerror(errno));
        if (n == 0) break;
        total += static_cast<std::uint64_t>(n);
        if (total > cap) break;
        sha.update(buf.data(), static_cast<std::size_t>(n));
    }
    return sha.hex();
}

Result<std::string> sha256_file(const std::filesystem::path& path) {
    os::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return fail(ErrorKind::Io, path.string(), std::strerror(errno));
    std::uint64_t total = 0;
    auto sha = sha256_fd(fd.get(), UINT64_MAX, total);
    if (!sha) return fail(ErrorKind::Io, path.string(), sha.error().message);
    return sha;
}

}  // namespace nxp::repo
