#include "runtime/secrets.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "formats/json_util.hpp"
#include "formats/sealed.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"

namespace nxp::runtime {
namespace fs = std::filesystem;
using nlohmann::json;

static_assert(crypto_secretbox_KEYBYTES == 32);

namespace {

constexpr std::size_t kMaxReference = 1u << 20;

Error key_error(const fs::path& path, const std::string& message) {
    return Error{ErrorKind::Invalid, path.string(), message};
}

// The key file as it is: a regular file (never a link), 32 bytes, readable by its owner only.
Result<std::optional<std::array<unsigned char, 32>>> read_key(const fs::path& path) {
    os::Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!fd.valid()) {
        if (errno == ENOENT) return std::optional<std::array<unsigned char, 32>>{};
        if (errno == ELOOP)
            return tl::unexpected(key_error(path, "is a symbolic link, not the secret key"));
        return tl::unexpected(key_error(path, std::string("cannot read: ") + std::strerror(errno)));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return tl::unexpected(key_error(path, "is not a regular file, so not the secret key"));
    if ((st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return tl::unexpected(key_error(
            path, std::string("is readable by other users (mode ") + mode + "); 'chmod 0400' it"));
    }
    std::array<unsigned char, 32> key{};
    if (st.st_size != static_cast<off_t>(key.size()) ||
        ::read(fd.get(), key.data(), key.size()) != static_cast<ssize_t>(key.size()))
        return tl::unexpected(key_error(
            path, "is damaged (" + std::to_string(st.st_size) + " bytes; a secret key is 32)"));
    return std::optional(key);
}

// A new key file: written to a private temporary (O_EXCL, O_NOFOLLOW, mode 0400), made
// durable, then linked to its name, which fails rather than replace anything already there.
Result<void> create_key(const fs::path& path) {
    std::array<unsigned char, 32> key{};
    crypto_secretbox_keygen(key.data());
    char suffix[17];
    std::snprintf(suffix, sizeof suffix, "%08x%08x", randombytes_random(), randombytes_random());
    const fs::path tmp = path.string() + ".tmp-" + suffix;
    os::Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400));
    if (!fd.valid())
        return fail(ErrorKind::Io, tmp.string(),
                    std::string("cannot create: ") + std::strerror(errno));
    const bool written = ::fchmod(fd.get(), 0400) == 0 &&
                         ::write(fd.get(), key.data(), key.size()) == 32 && ::fsync(fd.get()) == 0;
    const int err = errno;
    sodium_memzero(key.data(), key.size());
    fd = os::Fd();
    if (!written) {
        ::unlink(tmp.c_str());
        return fail(ErrorKind::Io, tmp.string(),
                    std::string("cannot write: ") + std::strerror(err));
    }
    const int linked = ::link(tmp.c_str(), path.c_str());
    const int link_err = errno;
    ::unlink(tmp.c_str());
    if (linked != 0 && link_err != EEXIST)  // EEXIST: another nxp made it first; that one counts
        return fail(ErrorKind::Io, path.string(),
                    std::string("cannot create: ") + std::strerror(link_err));
    return os::fsync_path(path.parent_path());
}

std::string to_base64(const std::vector<unsigned char>& bin) {
    std::string out(sodium_base64_encoded_len(bin.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), bin.data(), bin.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::strlen(out.c_str()));
    return out;
}

std::optional<std::vector<unsigned char>> from_base64(std::string_view text) {
    std::vector<unsigned char> out(text.size());
    std::size_t len = 0;
    if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return std::nullopt;
    out.resize(len);
    return out;
}

std::string set_again(const std::string& package, const std::string& key) {
    return "set it again with 'nxp config " + package + " " + key + " VALUE'";
}

}  // namespace

fs::path secret_key_path(const fs::path& root_dir) { return root_dir / "secret.key"; }

SecretStore::SecretStore(fs::path root_dir, Mode mode)
    : key_path_(secret_key_path(root_dir)), mode_(mode) {}

SecretStore::~SecretStore() {
    if (key_) sodium_memzero(key_->data(), key_->size());
}

Result<SecretStore::Key> SecretStore::key(bool create) const {
    if (key_) return *key_;
    if (sodium_init() < 0) return fail(ErrorKind::Internal, "libsodium", "cannot initialise");
    auto read = read_key(key_path_);
    if (!read) return tl::unexpected(read.error());
    if (!*read && create) {
        if (mode_ == Mode::Ephemeral) {
            Key k{};
            crypto_secretbox_keygen(k.data());
            key_ = k;
            return *key_;
        }
        if (auto r = create_key(key_path_); !r) return tl::unexpected(r.error());
        read = read_key(key_path_);
        if (!read) return tl::unexpected(read.error());
    }
    if (!*read)
        return fail(ErrorKind::NotFound, key_path_.string(),
                    "is missing (the key file that seals secret config values, kept apart "
                    "from nxp.db)");
    key_ = **read;
    return *key_;
}

Result<std::string> SecretStore::seal(const std::string& package, const std::string& key_name,
                                      const std::string& value_json) {
    auto value = formats::parse_json(value_json, package + ": config " + key_name);
    if (!value) return tl::unexpected(value.error());
    auto k = key(true);
    if (!k) return tl::unexpected(in_context(k.error(), package + ": config " + key_name));
    std::string plain = json{{"p", package}, {"k", key_name}, {"v", *value}}.dump();
    std::vector<unsigned char> box(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                                   plain.size());
    randombytes_buf(box.data(), crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box.data() + crypto_secretbox_NONCEBYTES,
                          reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
                          box.data(), k->data());
    sodium_memzero(plain.data(), plain.size());
    return json(std::string(formats::kSealedPrefix) + to_base64(box)).dump();
}

Result<void> SecretStore::seal_row(db::ConfigRow& row, const std::vector<db::ConfigRow>& previous) {
    if (!row.secret || formats::is_sealed_value(row.value_json)) return {};
    for (const auto& p : previous) {
        if (p.package != row.package || p.key != row.key) continue;
        auto old = open(p.package, p.key, p.value_json);
        if (old && *old == row.value_json && formats::is_sealed_value(p.value_json)) {
            row.value_json = p.value_json;
            return {};
        }
    }
    auto sealed = seal(row.package, row.key, row.value_json);
    if (!sealed) return tl::unexpected(sealed.error());
    row.value_json = std::move(*sealed);
    return {};
}

Result<std::string> SecretStore::open(const std::string& package, const std::string& key_name,
                                      const std::string& value_json) const {
    if (!formats::is_sealed_value(value_json)) return value_json;
    const std::string what = package + ": config " + key_name;
    auto k = key(false);
    if (!k)
        return fail(k.error().kind, what,
                    "its secret value cannot be read: " + k.error().str() + "; restore " +
                        key_path_.string() + " from a backup of the root, or " +
                        set_again(package, key_name));
    const std::string text = json::parse(value_json).get<std::string>();
    auto box = from_base64(std::string_view(text).substr(formats::kSealedPrefix.size()));
    const std::size_t overhead = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
    if (!box || box->size() < overhead)
        return fail(ErrorKind::Invalid, what,
                    "its sealed value is damaged; " + set_again(package, key_name));
    std::string plain(box->size() - overhead, '\0');
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                   box->data() + crypto_secretbox_NONCEBYTES,
                                   box->size() - crypto_secretbox_NONCEBYTES, box->data(),
                                   k->data()) != 0)
        return fail(ErrorKind::Invalid, what,
                    "its secret value cannot be opened with " + key_path_.string() +
                        " (sealed under another key, or altered); " + set_again(package, key_name));
    json doc = json::parse(plain, nullptr, false);
    sodium_memzero(plain.data(), plain.size());
    if (!doc.is_object() || !doc.contains("v") || doc.value("p", "") != package ||
        doc.value("k", "") != key_name)
        return fail(
            ErrorKind::Invalid, what,
            "its sealed value belongs to another plugin or key; " + set_again(package, key_name));
    return doc["v"].dump();
}

Result<int> seal_stored_secrets(db::Database& db, const fs::path& root_dir) {
    SecretStore store(root_dir);
    return db.seal_plain_secrets(
        [&store](const db::ConfigRow& r) { return store.seal(r.package, r.key, r.value_json); });
}

std::optional<formats::DesiredValue> as_reference(const json& value) {
    if (!value.is_object()) return std::nullopt;
    auto ref = formats::parse_desired_value(value, "");
    if (!ref || ref->literal) return std::nullopt;
    return *ref;
}

Result<std::string> read_reference(const formats::DesiredValue& v) {
    if (!v.env.empty()) {
        const char* e = std::getenv(v.env.c_str());  // NOLINT(concurrency-mt-unsafe)
        if (e == nullptr)
            return fail(ErrorKind::Invalid, v.field + ".env",
                        "environment variable " + v.env + " is not set");
        return std::string(e);
    }
    auto text = os::read_file(v.file, kMaxReference);
    if (!text)
        return fail(ErrorKind::Invalid, v.field + ".file",
                    "cannot read " + v.file + ": " + text.error().message);
    std::string s = std::move(*text);
    if (s.ends_with('\n')) s.pop_back();
    if (s.ends_with('\r')) s.pop_back();
    return s;
}

json value_from_text(const formats::ConfigKey* spec, const std::string& text,
                     const std::string& field) {
    if (!spec || spec->type == formats::ConfigType::String ||
        spec->type == formats::ConfigType::Enum)
        return text;
    auto j = formats::parse_json(text, field);
    return j ? std::move(*j) : json(text);
}

}  // namespace nxp::runtime
