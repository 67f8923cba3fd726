#pragma once
// SHA-256 as every layer needs it, always as 64 lowercase hex digits: streamed (Sha256), of a
// file descriptor read up to a cap, of a file by path, and of bytes in memory
// (repo::sha256_hex in keys.hpp). Over OpenSSL's libcrypto, whose SHA-256 uses the CPU's SHA
// extensions (SHA-NI) where there are some: every installed file and every archive is hashed,
// and libsodium's portable code was 12% of an install's CPU time (issue 20 item 3).
// libsodium stays for the signatures.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "formats/error.hpp"

struct evp_md_ctx_st;

namespace nxp::repo {

// Lowercase hex of LEN bytes.
std::string hex_lower(const unsigned char* data, std::size_t len);

class Sha256 {
  public:
    // Out of memory: std::bad_alloc, as for any allocation.
    Sha256();
    ~Sha256();
    Sha256(Sha256&& other) noexcept;
    Sha256& operator=(Sha256&& other) noexcept;
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const void* data, std::size_t len);
    // The digest of everything given so far; the object is finished afterwards.
    std::string hex();
    // Starts a new digest (of nothing so far), also after hex(): cheaper than a new object.
    void reset();

  private:
    evp_md_ctx_st* ctx_ = nullptr;
};

// Reads FD from offset 0 with pread (the file position is left alone) and hashes it. Stops
// reading once more than CAP bytes were seen: TOTAL then exceeds CAP and the digest is of no
// use; callers compare TOTAL with the size they expect before the digest.
Result<std::string> sha256_fd(int fd, std::uint64_t cap, std::uint64_t& total);

// The whole file at PATH; the error names PATH.
Result<std::string> sha256_file(const std::filesystem::path& path);

}  // namespace nxp::repo
