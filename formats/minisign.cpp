#include "formats/minisign.hpp"

#include <sodium.h>

#include <cstring>
#include <optional>
#include <vector>

namespace nxp::formats {
namespace {

constexpr std::string_view kUntrustedPrefix = "untrusted comment: ";
constexpr std::string_view kTrustedPrefix = "trusted comment: ";
constexpr std::size_t kMaxCommentBytes = 8192;  // minisign's TRUSTEDCOMMENTMAXBYTES
constexpr std::size_t kPublicKeyBytes = 2 + 8 + 32;
constexpr std::size_t kSecretKeyBytes = 2 + 2 + 2 + 32 + 8 + 8 + 104;
constexpr std::size_t kSignatureBytes = 2 + 8 + 64;

std::string to_base64(const std::uint8_t* data, std::size_t len) {
    const std::size_t cap = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    std::string out(cap, '\0');
    sodium_bin2base64(out.data(), cap, data, len, sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::strlen(out.c_str()));
    return out;
}

// Decodes base64 that must yield exactly `expected` bytes.
std::optional<std::vector<std::uint8_t>> from_base64(std::string_view text, std::size_t expected) {
    std::vector<std::uint8_t> out(expected + 3);
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text.data() + text.size() || len != expected) {
        return std::nullopt;
    }
    out.resize(len);
    return out;
}

// Splits into lines, dropping a trailing '\r' from each; a final newline adds no line.
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return lines;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Reads "untrusted comment: …" into `comment`; false if the prefix is missing.
bool read_comment(std::string_view line, std::string_view prefix, std::string& comment) {
    if (line.substr(0, prefix.size()) != prefix) return false;
    comment = std::string(line.substr(prefix.size()));
    return true;
}

template <std::size_t N>
void copy_to(std::array<std::uint8_t, N>& dst, const std::vector<std::uint8_t>& src,
             std::size_t offset) {
    std::memcpy(dst.data(), src.data() + offset, N);
}

template <std::size_t N>
void append(std::vector<std::uint8_t>& dst, const std::array<std::uint8_t, N>& src) {
    dst.insert(dst.end(), src.begin(), src.end());
}

std::uint64_t load_le64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

void store_le64(std::vector<std::uint8_t>& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// Clamps a comment to one line: minisign's formats cannot carry a newline inside one.
std::string one_line(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return out;
}

}  // namespace

Result<MinisignPublicKey> parse_public_key(std::string_view text) {
    MinisignPublicKey key;
    auto lines = split_lines(text);
    std::string_view b64;
    if (!lines.empty() && lines[0].substr(0, kUntrustedPrefix.size()) == kUntrustedPrefix) {
        read_comment(lines[0], kUntrustedPrefix, key.untrusted_comment);
        if (lines.size() < 2) {
            return fail(ErrorKind::Invalid, "public key", "missing the base64 key line");
        }
        b64 = trim(lines[1]);
    } else {
        b64 = trim(lines.empty() ? std::string_view{} : lines[0]);
    }
    auto bin = from_base64(b64, kPublicKeyBytes);
    if (!bin) {
        return fail(ErrorKind::Invalid, "public key",
                    "not a minisign public key (bad base64 or length)");
    }
    if ((*bin)[0] != 'E' || (*bin)[1] != 'd') {
        return fail(ErrorKind::Invalid, "public key", "unsupported signature algorithm");
    }
    copy_to(key.key_id, *bin, 2);
    copy_to(key.key, *bin, 10);
    return key;
}

std::string public_key_base64(const MinisignPublicKey& key) {
    std::vector<std::uint8_t> bin{'E', 'd'};
    append(bin, key.key_id);
    append(bin, key.key);
    return to_base64(bin.data(), bin.size());
}

std::string format_public_key(const MinisignPublicKey& key) {
    std::string comment = key.untrusted_comment.empty()
                              ? "minisign public key " + key_id_hex(key.key_id)
                              : one_line(key.untrusted_comment);
    return std::string(kUntrustedPrefix) + comment + "\n" + public_key_base64(key) + "\n";
}

std::string key_id_hex(const KeyId& id) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = id.size(); i-- > 0;) {
        out.push_back(kHex[id[i] >> 4]);
        out.push_back(kHex[id[i] & 0xf]);
    }
    return out;
}

Result<MinisignSecretKeyFile> parse_secret_key_file(std::string_view text) {
    MinisignSecretKeyFile f;
    auto lines = split_lines(text);
    if (lines.size() < 2 || !read_comment(lines[0], kUntrustedPrefix, f.untrusted_comment)) {
        return fail(ErrorKind::Invalid, "secret key",
                    "not a minisign secret key (expected an untrusted comment and a key line)");
    }
    auto bin = from_base64(trim(lines[1]), kSecretKeyBytes);
    if (!bin) {
        return fail(ErrorKind::Invalid, "secret key",
                    "not a minisign secret key (bad base64 or length)");
    }
    const auto& b = *bin;
    if (b[0] != 'E' || b[1] != 'd') {
        return fail(ErrorKind::Invalid, "secret key", "unsupported signature algorithm");
    }
    const bool scrypt = b[2] == 'S' && b[3] == 'c';
    if (!scrypt && !(b[2] == 0 && b[3] == 0)) {
        return fail(ErrorKind::Invalid, "secret key", "unsupported key derivation function");
    }
    if (b[4] != 'B' || b[5] != '2') {
        return fail(ErrorKind::Invalid, "secret key", "unsupported checksum function");
    }
    f.kdf_alg = {b[2], b[3]};
    copy_to(f.kdf_salt, b, 6);
    f.kdf_opslimit = load_le64(b.data() + 38);
    f.kdf_memlimit = load_le64(b.data() + 46);
    copy_to(f.keynum_sk, b, 54);
    return f;
}

std::string format_secret_key_file(const MinisignSecretKeyFile& f) {
    std::vector<std::uint8_t> bin{'E', 'd', f.kdf_alg[0], f.kdf_alg[1], 'B', '2'};
    append(bin, f.kdf_salt);
    store_le64(bin, f.kdf_opslimit);
    store_le64(bin, f.kdf_memlimit);
    append(bin, f.keynum_sk);
    std::string comment = f.untrusted_comment.empty() ? "minisign encrypted secret key"
                                                      : one_line(f.untrusted_comment);
    std::string out =
        std::string(kUntrustedPrefix) + comment + "\n" + to_base64(bin.data(), bin.size()) + "\n";
    sodium_memzero(bin.data(), bin.size());
    return out;
}

Result<MinisignSignature> parse_signature(std::string_view text) {
    MinisignSignature sig;
    auto lines = split_lines(text);
    if (lines.size() < 4) {
        return fail(ErrorKind::Invalid, "signature",
                    "expected 4 lines, found " + std::to_string(lines.size()));
    }
    if (!read_comment(lines[0], kUntrustedPrefix, sig.untrusted_comment)) {
        return fail(ErrorKind::Invalid, "signature",
                    "first line must start with \"untrusted comment: \"");
    }
    if (!read_comment(lines[2], kTrustedPrefix, sig.trusted_comment)) {
        return fail(ErrorKind::Invalid, "signature",
                    "third line must start with \"trusted comment: \"");
    }
    if (sig.trusted_comment.size() > kMaxCommentBytes ||
        sig.untrusted_comment.size() > kMaxCommentBytes) {
        return fail(ErrorKind::Invalid, "signature", "comment too long");
    }
    for (std::size_t i = 4; i < lines.size(); ++i) {
        if (!trim(lines[i]).empty()) {
            return fail(ErrorKind::Invalid, "signature", "unexpected data after line 4");
        }
    }
    auto bin = from_base64(trim(lines[1]), kSignatureBytes);
    if (!bin) {
        return fail(ErrorKind::Invalid, "signature", "bad base64 or length in the signature line");
    }
    const bool ed = (*bin)[0] == 'E' && ((*bin)[1] == 'D' || (*bin)[1] == 'd');
    if (!ed) return fail(ErrorKind::Invalid, "signature", "unsupported signature algorithm");
    sig.alg = {(*bin)[0], (*bin)[1]};
    copy_to(sig.key_id, *bin, 2);
    copy_to(sig.signature, *bin, 10);
    auto global = from_base64(trim(lines[3]), 64);
    if (!global) {
        return fail(ErrorKind::Invalid, "signature",
                    "bad base64 or length in the global signature");
    }
    copy_to(sig.global_signature, *global, 0);
    return sig;
}

std::string format_signature(const MinisignSignature& sig) {
    std::vector<std::uint8_t> bin{sig.alg[0], sig.alg[1]};
    append(bin, sig.key_id);
    append(bin, sig.signature);
    std::string out = std::string(kUntrustedPrefix) + one_line(sig.untrusted_comment) + "\n";
    out += to_base64(bin.data(), bin.size()) + "\n";
    out += std::string(kTrustedPrefix) + one_line(sig.trusted_comment) + "\n";
    out += to_base64(sig.global_signature.data(), sig.global_signature.size()) + "\n";
    return out;
}

}  // namespace nxp::formats
