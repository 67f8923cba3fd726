#pragma once
// minisign-compatible signing and verification with libsodium (Ed25519, BLAKE2b, scrypt).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"
#include "formats/minisign.hpp"

namespace nxp::repo {

struct SecretKey {
    formats::KeyId key_id{};
    std::array<std::uint8_t, 64> key{};  // libsodium Ed25519 secret key (seed + public)
};

struct KeyPair {
    formats::MinisignPublicKey public_key;
    SecretKey secret_key;
};

KeyPair generate_key_pair();

// The secret key file text; encrypted with scrypt when a password is given (minisign's
// default limits), unencrypted ("minisign -W") otherwise.
std::string secret_key_file_text(const KeyPair& kp, std::optional<std::string_view> password);

// scrypt cost parameters written into an encrypted secret key. The defaults are minisign's
// (opslimit 33554432, memlimit 1 GiB); lower values only make sense in tests.
struct KdfLimits {
    std::uint64_t opslimit = 33554432;
    std::uint64_t memlimit = 1073741824;
};
std::string secret_key_file_text(const KeyPair& kp, std::optional<std::string_view> password,
                                 const KdfLimits& limits);

// The public half of a secret key (the last 32 bytes of the libsodium secret key).
formats::MinisignPublicKey public_key_of(const SecretKey& key);

// Decrypts (when needed) and checks the BLAKE2b checksum; a wrong password is reported
// as such. `source` names the file in errors.
Result<SecretKey> load_secret_key(std::string_view file_text,
                                  std::optional<std::string_view> password,
                                  std::string_view source);

// The password in `file` (its first line; at most 4 KiB), nullopt when `file` is empty (an
// unencrypted key). Errors name the file.
Result<std::optional<std::string>> read_password_file(const std::string& file);

// The secret key files `files` (each at most 64 KiB, e.g. --key arguments), decrypted with
// the password from `password_file` (read_password_file) when they are encrypted. The
// password file is read first; errors name the file that failed.
Result<std::vector<SecretKey>> load_secret_key_files(const std::vector<std::string>& files,
                                                     const std::string& password_file);

// A .minisig text over `data`: prehashed "ED" algorithm, with the trusted comment signed
// by the global signature, exactly as `minisign -S` writes.
std::string sign(const SecretKey& key, std::string_view data, std::string_view trusted_comment,
                 std::string_view untrusted_comment = "signature from nxp secret key");

// Verifies `signature_text` over `data` against any of `keys` (matched by key id).
// Refuses legacy "Ed" signatures, unknown key ids, bad signatures and a tampered trusted
// comment, each with its own message. Returns the trusted comment. `source` names the
// signed file in errors.
Result<std::string> verify(const std::vector<formats::MinisignPublicKey>& keys,
                           std::string_view data, std::string_view signature_text,
                           std::string_view source);

std::string sha256_hex(std::string_view data);

}  // namespace nxp::repo
