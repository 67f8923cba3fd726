// Reading an MCPB bundle (a zip) through libarchive under the hostile-archive rules of a
// .nxp (DESIGN.md §3) and the zip's own: duplicate names, symlink attributes, ZIP64 sizes.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <vector>

#include "importer/mcpb.hpp"
#include "repo/archive_util.hpp"

namespace nxp::importer {
namespace fs = std::filesystem;
using repo::detail::Archive;

namespace {

constexpr std::string_view kSigHeader = "MCPB_SIG_V1";
constexpr std::string_view kSigFooter = "MCPB_SIG_END";

struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

// The first `len` bytes of a file, as libarchive's seekable source (the zip without the
// signature block appended after it).
struct Source {
    int fd = -1;
    std::int64_t len = 0;
    std::int64_t pos = 0;
    std::vector<char> buf = std::vector<char>(64 * 1024);

    static la_ssize_t read(archive*, void* self, const void** out) {
        auto* s = static_cast<Source*>(self);
        const std::int64_t want =
            std::min<std::int64_t>(static_cast<std::int64_t>(s->buf.size()), s->len - s->pos);
        if (want <= 0) return 0;
        ssize_t n;
        do {
            n = ::pread(s->fd, s->buf.data(), static_cast<size_t>(want), s->pos);
        } while (n < 0 && errno == EINTR);
        if (n < 0) return -1;
        s->pos += n;
        *out = s->buf.data();
        return n;
    }
    static la_int64_t seek(archive*, void* self, la_int64_t off, int whence) {
        auto* s = static_cast<Source*>(self);
        std::int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? s->pos : s->len;
        std::int64_t to = base + off;
        if (to < 0) return ARCHIVE_FATAL;
        s->pos = std::min(to, s->len);
        return s->pos;
    }
    static la_int64_t skip(archive*, void* self, la_int64_t request) {
        auto* s = static_cast<Source*>(self);
        const std::int64_t n = std::max<std::int64_t>(0, std::min(request, s->len - s->pos));
        s->pos += n;
        return n;
    }
};

// Where the zip ends: the whole file, or the offset of an MCPB signature block
// ("MCPB_SIG_V1", a 32-bit little-endian length, the PKCS#7 bytes, "MCPB_SIG_END").
Result<std::int64_t> zip_length(int fd, std::int64_t size, const std::string& ctx, bool& signed_) {
    signed_ = false;
    const std::int64_t tail_len = std::min<std::int64_t>(size, 8 << 20);
    std::string tail(static_cast<std::size_t>(tail_len), '\0');
    if (::pread(fd, tail.data(), tail.size(), size - tail_len) != tail_len)
        return fail(ErrorKind::Io, ctx, std::string("read error: ") + std::strerror(errno));
    if (tail.size() < kSigFooter.size() ||
        tail.compare(tail.size() - kSigFooter.size(), kSigFooter.size(), kSigFooter) != 0)
        return size;
    const std::size_t h = tail.rfind(kSigHeader);
    if (h == std::string::npos || h + kSigHeader.size() + 4 > tail.size())
        return fail(ErrorKind::Verification, ctx,
                    "ends with MCPB_SIG_END but holds no MCPB_SIG_V1 signature block");
    const auto* p = reinterpret_cast<const unsigned char*>(tail.data() + h + kSigHeader.size());
    const std::uint64_t sig_len =
        p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint64_t>(p[3]) << 24);
    if (h + kSigHeader.size() + 4 + sig_len + kSigFooter.size() != tail.size())
        return fail(ErrorKind::Verification, ctx,
                    "malformed MCPB signature block (its length does not match the file)");
    signed_ = true;
    return size - tail_len + static_cast<std::int64_t>(h);
}

// Creates the directories of `parts` (all but the last when `parent_only`) beneath `dest`.
Result<void> make_dirs(const fs::path& dest, const std::vector<std::string>& parts,
                       bool parent_only, const std::string& ctx) {
    fs::path p = dest;
    const std::size_t n = parts.size() - (parent_only ? 1 : 0);
    for (std::size_t i = 0; i < n; ++i) {
        p /= parts[i];
        if (::mkdir(p.c_str(), 0755) == 0) continue;
        struct stat st {};
        if (errno == EEXIST && ::lstat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
        return fail(ErrorKind::Verification, ctx,
                    errno == EEXIST || errno == ENOTDIR
                        ? "a file and a directory of the same name"
                        : std::string("cannot create directory: ") + std::strerror(errno));
    }
    return {};
}

Result<ZipContents> extract(const fs::path& bundle, const fs::path& dest, const ZipLimits& limits) {
    const std::string where = bundle.string();
    Fd fd(::open(bundle.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.fd < 0)
        return fail(errno == ENOENT ? ErrorKind::NotFound : ErrorKind::Io, where,
                    std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.fd, &st) != 0 || !S_ISREG(st.st_mode))
        return fail(ErrorKind::Invalid, where, "not a regular file");
    if (static_cast<std::uint64_t>(st.st_size) > limits.max_bundle_bytes)
        return fail(ErrorKind::Verification, where,
                    "larger than " + std::to_string(limits.max_bundle_bytes) + " bytes");
    ZipContents out;
    auto len = zip_length(fd.fd, st.st_size, where, out.signed_bundle);
    if (!len) return tl::unexpected(len.error());

    Archive a(Archive::Mode::Read);
    if (a.get() == nullptr) return fail(ErrorKind::Internal, where, "out of memory");
    Source src{fd.fd, *len};
    // The central directory is what unzip tools and Claude Desktop read: seekable only.
    archive_read_support_format_zip_seekable(a.get());
    archive_read_set_read_callback(a.get(), &Source::read);
    archive_read_set_seek_callback(a.get(), &Source::seek);
    archive_read_set_skip_callback(a.get(), &Source::skip);
    archive_read_set_callback_data(a.get(), &src);
    if (archive_read_open1(a.get()) != ARCHIVE_OK)
        return fail(ErrorKind::Invalid, where, "not an MCPB bundle (a zip): " + a.error());
    if (::mkdir(dest.c_str(), 0755) != 0)
        return fail(ErrorKind::Io, dest.string(), std::strerror(errno));

    std::set<std::string> seen;
    std::vector<std::string> parts;
    std::vector<char> buf(64 * 1024);
    std::uint64_t total = 0;
    const std::uint64_t compressed = static_cast<std::uint64_t>(*len);
    for (;;) {
        archive_entry* e = nullptr;
        const int r = archive_read_next_header(a.get(), &e);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            return fail(ErrorKind::Verification, where, "damaged zip: " + a.error());
        const char* raw = archive_entry_pathname(e);
        std::string name = raw != nullptr ? raw : "";
        const std::string shown = where + ": entry \"" + repo::detail::escaped(name) + "\"";
        if (out.entries.size() >= limits.max_entries)
            return fail(ErrorKind::Verification, shown,
                        "more than " + std::to_string(limits.max_entries) + " entries");
        if (name.find('\\') != std::string::npos)
            return fail(ErrorKind::Verification, shown,
                        "a '\\' in a name (zip names use '/'; Windows tools would read it as a "
                        "directory separator)");
        if (auto why = repo::detail::split_safe(name, parts))
            return fail(ErrorKind::Verification, shown, *why);
        std::string path;
        for (const auto& c : parts) path += (path.empty() ? "" : "/") + c;
        if (!seen.insert(path).second)
            return fail(ErrorKind::Verification, shown,
                        "given twice in the zip (a duplicate central-directory entry: tools "
                        "would disagree on which one is the file)");
        const auto type = archive_entry_filetype(e);
        const auto mode = static_cast<std::uint32_t>(archive_entry_mode(e));
        if (archive_entry_hardlink(e) != nullptr)
            return fail(ErrorKind::Verification, shown, "hard links are not allowed");
        if (type == AE_IFLNK)
            return fail(ErrorKind::Verification, shown,
                        "a symlink (its external attributes say so); bundles may hold only "
                        "regular files and directories");
        if (type != AE_IFREG && type != AE_IFDIR)
            return fail(ErrorKind::Verification, shown,
                        "not a regular file or directory (device, FIFO or socket attributes)");
        if ((mode & (S_ISUID | S_ISGID | S_ISVTX)) != 0 && type == AE_IFREG)
            return fail(ErrorKind::Verification, shown, "setuid/setgid files are not allowed");
        if (archive_entry_is_encrypted(e))
            return fail(ErrorKind::Verification, shown, "encrypted entries are not allowed");
        if (type == AE_IFDIR) {
            if (auto m = make_dirs(dest, parts, false, shown); !m) return tl::unexpected(m.error());
            out.entries.push_back({path, 'd', 0755, 0});
            continue;
        }
        if (archive_entry_size_is_set(e)) {
            const la_int64_t declared = archive_entry_size(e);
            if (declared < 0 || static_cast<std::uint64_t>(declared) > limits.max_total_bytes)
                return fail(ErrorKind::Verification, shown,
                            "declares " + std::to_string(declared) + " bytes (ZIP64 sizes past " +
                                std::to_string(limits.max_total_bytes) + " bytes are refused)");
        }
        const bool is_manifest = path == "manifest.json";
        if (auto m = make_dirs(dest, parts, true, shown); !m) return tl::unexpected(m.error());
        const fs::path target = dest / path;
        const std::uint32_t perm = repo::detail::normal_mode(mode);
        Fd out_fd(
            ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, perm));
        if (out_fd.fd < 0)
            return fail(ErrorKind::Verification, shown,
                        errno == EEXIST || errno == ENOTDIR
                            ? "a file and a directory of the same name"
                            : std::string("cannot create: ") + std::strerror(errno));
        std::uint64_t size = 0;
        for (;;) {
            const la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
            if (n < 0) return fail(ErrorKind::Verification, shown, "damaged data: " + a.error());
            if (n == 0) break;
            size += static_cast<std::uint64_t>(n);
            total += static_cast<std::uint64_t>(n);
            if (total > limits.max_total_bytes)
                return fail(ErrorKind::Verification, shown,
                            "the bundle unpacks to more than " +
                                std::to_string(limits.max_total_bytes) + " bytes");
            if (total > limits.ratio_floor_bytes && total / limits.max_ratio > compressed)
                return fail(ErrorKind::Verification, shown,
                            "a decompression bomb: " + std::to_string(total) + " bytes from a " +
                                std::to_string(compressed) + "-byte zip (more than " +
                                std::to_string(limits.max_ratio) + " times)");
            if (is_manifest) {
                if (size > limits.max_manifest_bytes)
                    return fail(
                        ErrorKind::Invalid, where + ": manifest.json",
                        "larger than " + std::to_string(limits.max_manifest_bytes) + " bytes");
                out.manifest_text.append(buf.data(), static_cast<std::size_t>(n));
            }
            const char* p = buf.data();
            std::size_t left = static_cast<std::size_t>(n);
            while (left > 0) {
                const ssize_t w = ::write(out_fd.fd, p, left);
                if (w < 0 && errno == EINTR) continue;
                if (w < 0) return fail(ErrorKind::Io, target.string(), std::strerror(errno));
                p += w;
                left -= static_cast<std::size_t>(w);
            }
        }
        out.entries.push_back({path, 'f', perm, size});
    }
    if (!seen.count("manifest.json"))
        return fail(ErrorKind::Invalid, where,
                    "no manifest.json at the top of the bundle: not an MCPB bundle");
    return out;
}

}  // namespace

Result<ZipContents> extract_mcpb(const fs::path& bundle, const fs::path& dest,
                                 const ZipLimits& limits) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(dest, ec)))
        return fail(ErrorKind::Io, dest.string(), "already exists");
    auto r = extract(bundle, dest, limits);
    if (!r) fs::remove_all(dest, ec);
    return r;
}

}  // namespace nxp::importer
