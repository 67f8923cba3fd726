#include "repo/digest.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <new>
#include <utility>

#include "os/fd.hpp"

namespace nxp::repo {

namespace {

// The implementation fetched once: EVP_sha256() in an init would look the provider's up
// again at every file (OpenSSL 3), which costs more than hashing a small file.
const EVP_MD* sha256_md() {
    static const EVP_MD* md = [] {
        const EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        return m != nullptr ? m : EVP_sha256();
    }();
    return md;
}

}  // namespace

std::string hex_lower(const unsigned char* data, std::size_t len) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(len * 2, '\0');
    for (std::size_t i = 0; i < len; ++i) {
        out[2 * i] = kDigits[data[i] >> 4];
        out[2 * i + 1] = kDigits[data[i] & 0x0f];
    }
    return out;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) throw std::bad_alloc();
    reset();
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

Sha256::Sha256(Sha256&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)) {}

Sha256& Sha256::operator=(Sha256&& other) noexcept {
    if (this != &other) {
        EVP_MD_CTX_free(ctx_);
        ctx_ = std::exchange(other.ctx_, nullptr);
    }
    return *this;
}

void Sha256::reset() {
    // Fails only without memory (the provider's context) or without the algorithm.
    if (EVP_DigestInit_ex2(ctx_, sha256_md(), nullptr) != 1) throw std::bad_alloc();
}

void Sha256::update(const void* data, std::size_t len) {
    if (len > 0) EVP_DigestUpdate(ctx_, data, len);
}

std::string Sha256::hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx_, digest.data(), &n) != 1) throw std::bad_alloc();
    return hex_lower(digest.data(), n);
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
