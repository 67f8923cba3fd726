#include "repo/keys.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "os/file.hpp"
#include "repo/digest.hpp"

namespace nxp::repo {
namespace {

// Refuse scrypt parameters beyond these when reading a key: a hostile key file must not
// make nxp allocate gigabytes or spin for hours. minisign itself writes 1 GiB / 2^25.
constexpr std::uint64_t kMaxMemlimit = 2ULL << 30;
constexpr std::uint64_t kMaxOpslimit = 1ULL << 32;

void init_sodium() {
    // sodium_init() is idempotent and thread-safe; it returns -1 only if the library
    // cannot work at all (no entropy source), which is a broken host, i.e. a bug to report.
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

using Checksum = std::array<std::uint8_t, 32>;

Checksum secret_key_checksum(const formats::KeyId& id, const std::array<std::uint8_t, 64>& sk) {
    crypto_generichash_state st;
    crypto_generichash_init(&st, nullptr, 0, 32);
    const std::uint8_t alg[2] = {'E', 'd'};
    crypto_generichash_update(&st, alg, sizeof alg);
    crypto_generichash_update(&st, id.data(), id.size());
    crypto_generichash_update(&st, sk.data(), sk.size());
    Checksum out{};
    crypto_generichash_final(&st, out.data(), out.size());
    return out;
}

// XORs keynum_sk with the scrypt stream derived from the password (encrypts and decrypts).
bool apply_kdf_stream(formats::MinisignSecretKeyFile& f, std::string_view password) {
    std::array<std::uint8_t, 104> stream{};
    if (crypto_pwhash_scryptsalsa208sha256(stream.data(), stream.size(), password.data(),
                                           password.size(), f.kdf_salt.data(), f.kdf_opslimit,
                                           f.kdf_memlimit) != 0) {
        return false;
    }
    for (std::size_t i = 0; i < stream.size(); ++i) f.keynum_sk[i] ^= stream[i];
    sodium_memzero(stream.data(), stream.size());
    return true;
}

std::array<std::uint8_t, 64> blake2b_512(std::string_view data) {
    std::array<std::uint8_t, 64> h{};
    crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(data.data()),
                       data.size(), nullptr, 0);
    return h;
}

std::string one_line(std::string_view s) {
    std::string out(s);
    std::replace(out.begin(), out.end(), '\n', ' ');
    std::replace(out.begin(), out.end(), '\r', ' ');
    return out;
}

}  // namespace

KeyPair generate_key_pair() {
    init_sodium();
    KeyPair kp;
    randombytes_buf(kp.secret_key.key_id.data(), kp.secret_key.key_id.size());
    crypto_sign_keypair(kp.public_key.key.data(), kp.secret_key.key.data());
    kp.public_key.key_id = kp.secret_key.key_id;
    kp.public_key.untrusted_comment =
        "minisign public key " + formats::key_id_hex(kp.public_key.key_id);
    return kp;
}

formats::MinisignPublicKey public_key_of(const SecretKey& key) {
    formats::MinisignPublicKey pk;
    pk.key_id = key.key_id;
    std::memcpy(pk.key.data(), key.key.data() + 32, 32);
    pk.untrusted_comment = "minisign public key " + formats::key_id_hex(key.key_id);
    return pk;
}

std::string secret_key_file_text(const KeyPair& kp, std::optional<std::string_view> password) {
    return secret_key_file_text(kp, password, KdfLimits{});
}

std::string secret_key_file_text(const KeyPair& kp, std::optional<std::string_view> password,
                                 const KdfLimits& limits) {
    init_sodium();
    formats::MinisignSecretKeyFile f;
    const auto& sk = kp.secret_key;
    std::memcpy(f.keynum_sk.data(), sk.key_id.data(), 8);
    std::memcpy(f.keynum_sk.data() + 8, sk.key.data(), 64);
    const Checksum chk = secret_key_checksum(sk.key_id, sk.key);
    std::memcpy(f.keynum_sk.data() + 72, chk.data(), chk.size());
    f.untrusted_comment = "minisign encrypted secret key";
    if (password) {
        f.kdf_alg = {'S', 'c'};
        randombytes_buf(f.kdf_salt.data(), f.kdf_salt.size());
        f.kdf_opslimit = limits.opslimit;
        f.kdf_memlimit = limits.memlimit;
        if (!apply_kdf_stream(f, *password)) {
            throw std::runtime_error("scrypt key derivation failed (out of memory?)");
        }
    }
    std::string text = formats::format_secret_key_file(f);
    sodium_memzero(f.keynum_sk.data(), f.keynum_sk.size());
    return text;
}

Result<SecretKey> load_secret_key(std::string_view file_text,
                                  std::optional<std::string_view> password,
                                  std::string_view source) {
    init_sodium();
    auto parsed = formats::parse_secret_key_file(file_text);
    if (!parsed) return tl::unexpected(in_context(parsed.error(), source));
    formats::MinisignSecretKeyFile& f = *parsed;
    const std::string ctx(source);
    if (f.encrypted()) {
        if (!password) {
            return fail(ErrorKind::Usage, ctx, "the secret key is encrypted: a password is needed");
        }
        if (f.kdf_memlimit > kMaxMemlimit || f.kdf_opslimit > kMaxOpslimit) {
            return fail(ErrorKind::Invalid, ctx,
                        "refusing absurd scrypt limits (memlimit " +
                            std::to_string(f.kdf_memlimit) + ", opslimit " +
                            std::to_string(f.kdf_opslimit) + ")");
        }
        if (!apply_kdf_stream(f, *password)) {
            return fail(ErrorKind::Io, ctx, "scrypt key derivation failed (out of memory?)");
        }
    }
    SecretKey key;
    std::memcpy(key.key_id.data(), f.keynum_sk.data(), 8);
    std::memcpy(key.key.data(), f.keynum_sk.data() + 8, 64);
    Checksum stored{};
    std::memcpy(stored.data(), f.keynum_sk.data() + 72, 32);
    sodium_memzero(f.keynum_sk.data(), f.keynum_sk.size());
    const Checksum computed = secret_key_checksum(key.key_id, key.key);
    // `minisign -G -W` leaves the checksum of an unencrypted key zeroed; accept that form.
    const bool zero_ok = !f.encrypted() && sodium_is_zero(stored.data(), stored.size()) == 1;
    if (!zero_ok && sodium_memcmp(stored.data(), computed.data(), 32) != 0) {
        return fail(ErrorKind::Verification, ctx, "wrong password or corrupt key");
    }
    // The public half must belong to the seed, or every signature would be unverifiable.
    std::array<std::uint8_t, 32> pk{};
    std::array<std::uint8_t, 64> sk_again{};
    crypto_sign_seed_keypair(pk.data(), sk_again.data(), key.key.data());
    const bool consistent = sodium_memcmp(sk_again.data(), key.key.data(), 64) == 0;
    sodium_memzero(sk_again.data(), sk_again.size());
    if (!consistent) return fail(ErrorKind::Verification, ctx, "wrong password or corrupt key");
    return key;
}

std::string sign(const SecretKey& key, std::string_view data, std::string_view trusted_comment,
                 std::string_view untrusted_comment) {
    init_sodium();
    formats::MinisignSignature sig;
    sig.alg = {'E', 'D'};
    sig.key_id = key.key_id;
    sig.untrusted_comment = one_line(untrusted_comment);
    sig.trusted_comment = one_line(trusted_comment);
    const auto hash = blake2b_512(data);
    crypto_sign_detached(sig.signature.data(), nullptr, hash.data(), hash.size(), key.key.data());
    std::string global(sig.signature.begin(), sig.signature.end());
    global += sig.trusted_comment;
    crypto_sign_detached(sig.global_signature.data(), nullptr,
                         reinterpret_cast<const unsigned char*>(global.data()), global.size(),
                         key.key.data());
    return formats::format_signature(sig);
}

Result<std::string> verify(const std::vector<formats::MinisignPublicKey>& keys,
                           std::string_view data, std::string_view signature_text,
                           std::string_view source) {
    init_sodium();
    const std::string ctx(source);
    auto sig = formats::parse_signature(signature_text);
    if (!sig) {
        Error e = in_context(sig.error(), ctx);
        e.kind = ErrorKind::Verification;
        return tl::unexpected(e);
    }
    if (!sig->prehashed()) {
        return fail(ErrorKind::Verification, ctx,
                    "legacy (non-prehashed \"Ed\") signatures are refused; re-sign with a "
                    "current minisign (without -l)");
    }
    auto it = std::find_if(keys.begin(), keys.end(),
                           [&](const auto& k) { return k.key_id == sig->key_id; });
    if (it == keys.end()) {
        std::string trusted;
        for (const auto& k : keys) {
            trusted += (trusted.empty() ? "" : ", ") + formats::key_id_hex(k.key_id);
        }
        return fail(ErrorKind::Verification, ctx,
                    "signed by unknown key " + formats::key_id_hex(sig->key_id) +
                        " (trusted: " + (trusted.empty() ? "none" : trusted) + ")");
    }
    const auto hash = blake2b_512(data);
    if (crypto_sign_verify_detached(sig->signature.data(), hash.data(), hash.size(),
                                    it->key.data()) != 0) {
        return fail(ErrorKind::Verification, ctx,
                    "bad signature: the data does not match (key " +
                        formats::key_id_hex(sig->key_id) + ")");
    }
    std::string global(sig->signature.begin(), sig->signature.end());
    global += sig->trusted_comment;
    if (crypto_sign_verify_detached(sig->global_signature.data(),
                                    reinterpret_cast<const unsigned char*>(global.data()),
                                    global.size(), it->key.data()) != 0) {
        return fail(ErrorKind::Verification, ctx,
                    "the trusted comment was tampered with (global signature mismatch)");
    }
    return sig->trusted_comment;
}

std::string sha256_hex(std::string_view data) {
    // Through libcrypto's SHA-NI code (repo::Sha256): the signed index of a large repository
    // is hashed on every refresh, 5 MB in ~40 ms with libsodium's portable code (issue 20).
    Sha256 h;
    h.update(data.data(), data.size());
    return h.hex();
}

Result<std::optional<std::string>> read_password_file(const std::string& file) {
    if (file.empty()) return std::optional<std::string>{};
    auto text = os::read_file(file, 4096);
    if (!text) return tl::unexpected(text.error());
    return std::optional<std::string>{text->substr(0, text->find('\n'))};
}

Result<std::vector<SecretKey>> load_secret_key_files(const std::vector<std::string>& files,
                                                     const std::string& password_file) {
    auto pw = read_password_file(password_file);
    if (!pw) return tl::unexpected(pw.error());
    std::optional<std::string_view> pwv;
    if (*pw) pwv = **pw;
    std::vector<SecretKey> keys;
    for (const auto& f : files) {
        auto text = os::read_file(f, 64 * 1024);
        if (!text) return tl::unexpected(text.error());
        auto key = load_secret_key(*text, pwv, f);
        if (!key) return tl::unexpected(key.error());
        keys.push_back(*key);
    }
    return keys;
}

}  // namespace nxp::repo
