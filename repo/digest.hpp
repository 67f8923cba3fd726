#pragma once
// SHA-256 as every layer needs it, always as 64 lowercase hex digits: streamed (Sha256), of a
// file descriptor read up to a cap, of a file by path, and of bytes in memory
// (repo::sha256_hex in keys.hpp). One implementation over libsodium.
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "formats/error.hpp"

namespace nxp::repo {

// Lowercase hex of LEN bytes.
std::string hex_lower(const unsigned char* data, std::size_t len);

class Sha256 {
  public:
    Sha256();
    void update(const void* data, std::size_t len);
    // The digest of everything given so far; the object is finished afterwards.
    std::string hex();

  private:
    crypto_hash_sha256_state state_{};
};

// Reads FD from offset 0 with pread (the file position is left alone) and hashes it. Stops
// reading once more than CAP bytes were seen: TOTAL then exceeds CAP and the digest is of no
// use; callers compare TOTAL with the size they expect before the digest.
Result<std::string> sha256_fd(int fd, std::uint64_t cap, std::uint64_t& total);

// The whole file at PATH; the error names PATH.
Result<std::string> sha256_file(const std::filesystem::path& path);

}  // namespace nxp::repo
