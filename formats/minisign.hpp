#pragma once
// minisign's text formats (public key, secret key, signature), byte-compatible with the
// minisign tool. Pure: parsing and printing only; signing and verifying live in repo/.
// Reference: https://jedisct1.github.io/minisign/ (file formats section).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "formats/error.hpp"

namespace nxp::formats {

using KeyId = std::array<std::uint8_t, 8>;

struct MinisignPublicKey {
    KeyId key_id{};                      // as stored (little-endian in the file)
    std::array<std::uint8_t, 32> key{};  // Ed25519 public key
    std::string untrusted_comment;
};

// Accepts the full .pub file ("untrusted comment: …\n<base64>\n") or the bare base64 line
// (what `minisign -P` takes). Rejects algorithms other than "Ed".
Result<MinisignPublicKey> parse_public_key(std::string_view text);
std::string format_public_key(const MinisignPublicKey& key);  // full file text
std::string public_key_base64(const MinisignPublicKey& key);  // the single line
std::string key_id_hex(const KeyId& id);  // upper-case hex as minisign prints it (reversed)

// The secret key file: "Ed" + kdf ("Sc" scrypt or "\0\0" none) + "B2" + salt + limits +
// the 104-byte keynum_sk (key id, 64-byte secret key, 32-byte BLAKE2b checksum), which is
// XOR-encrypted with the scrypt stream when kdf is "Sc".
struct MinisignSecretKeyFile {
    std::array<std::uint8_t, 2> kdf_alg{};  // "Sc" or {0,0}
    std::array<std::uint8_t, 32> kdf_salt{};
    std::uint64_t kdf_opslimit = 0;
    std::uint64_t kdf_memlimit = 0;
    std::array<std::uint8_t, 104> keynum_sk{};  // possibly encrypted
    std::string untrusted_comment;
    bool encrypted() const { return kdf_alg[0] == 'S' && kdf_alg[1] == 'c'; }
};

Result<MinisignSecretKeyFile> parse_secret_key_file(std::string_view text);
std::string format_secret_key_file(const MinisignSecretKeyFile& f);

struct MinisignSignature {
    std::array<std::uint8_t, 2> alg{};  // "ED" (prehashed BLAKE2b-512) or legacy "Ed"
    KeyId key_id{};
    std::array<std::uint8_t, 64> signature{};
    std::string untrusted_comment;
    std::string trusted_comment;  // without the "trusted comment: " prefix
    std::array<std::uint8_t, 64> global_signature{};
    bool prehashed() const { return alg[0] == 'E' && alg[1] == 'D'; }
};

// Parses a .minisig file (4 lines). Legacy "Ed" parses (so verify can refuse it by name).
Result<MinisignSignature> parse_signature(std::string_view text);
std::string format_signature(const MinisignSignature& sig);

}  // namespace nxp::formats
