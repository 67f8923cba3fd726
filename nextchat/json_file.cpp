#include "nextchat/json_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "formats/json_util.hpp"

namespace nxp::nextchat::detail {

namespace {

// NextChat's own lists are a few hundred KiB; a plugin's mask or prompt pack far less.
constexpr std::uint64_t kMaxNextchatFile = 64ULL << 20;
constexpr std::uint64_t kMaxPluginFile = 16ULL << 20;
const char* const kSymlinkRule = "nxp writes only inside the NextChat directory";

std::string errno_text() { return std::strerror(errno); }

// Unlinks the temporary file it names unless released.
class TempName {
  public:
    TempName(int dirfd, std::string name) : dirfd_(dirfd), name_(std::move(name)) {}
    TempName(const TempName&) = delete;
    TempName& operator=(const TempName&) = delete;
    ~TempName() {
        if (!kept_) unlinkat(dirfd_, name_.c_str(), 0);
    }
    const std::string& name() const { return name_; }
    void keep() { kept_ = true; }

  private:
    int dirfd_;
    std::string name_;
    bool kept_ = false;
};

// Whoever can write the NextChat directory writes these files: the one depth-limited
// parser (a deep file would crash every later transaction). A key given twice keeps its
// last value, as NextChat's JSON.parse does.
Result<Json> parse_text(const std::string& text, const std::string& shown) {
    return formats::parse_ordered_json(text, shown, {.reject_duplicate_keys = false});
}

bool write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::string random_suffix() {
    std::random_device rd;
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < 12; ++i) s += hex[rd() % 16];
    return s;
}

}  // namespace

Result<os::Fd> open_nextchat_subdir(const std::filesystem::path& nextchat_dir,
                                    const std::string& rel, bool create) {
    auto top = os::open_directory(nextchat_dir);
    if (!top) {
        if (top.error().kind == ErrorKind::NotFound)
            return fail(ErrorKind::NotFound, nextchat_dir.string(), "no such NextChat directory");
        return tl::unexpected(top.error());
    }
    os::Fd cur = std::move(*top);
    std::filesystem::path shown = nextchat_dir;
    std::string_view rest = rel;
    while (!rest.empty()) {
        const std::size_t slash = rest.find('/');
        const std::string part(rest.substr(0, slash));
        shown /= part;
        auto next = os::open_subdir_nofollow(cur.get(), part, create, shown.string(), kSymlinkRule);
        if (!next) return tl::unexpected(next.error());
        cur = std::move(*next);
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    return cur;
}

Result<std::optional<Json>> read_json_at(int dirfd, const std::string& name,
                                         const std::string& shown) {
    os::Fd fd(
        openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd.valid()) {
        if (errno == ENOENT) return std::optional<Json>();
        if (errno == ELOOP)
            return fail(ErrorKind::Verification, shown,
                        std::string("is a symbolic link; ") + kSymlinkRule);
        return fail(ErrorKind::Io, shown, "cannot read: " + errno_text());
    }
    auto text = os::read_all(fd.get(), kMaxNextchatFile, shown);
    if (!text) return tl::unexpected(text.error());
    auto json = parse_text(*text, shown);
    if (!json) return tl::unexpected(json.error());
    return std::optional<Json>(std::move(*json));
}

Result<std::optional<Json>> read_json_file(const std::filesystem::path& path) {
    os::Fd fd(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd.valid()) {
        if (errno == ENOENT) return std::optional<Json>();
        return fail(ErrorKind::Io, path.string(), "cannot read: " + errno_text());
    }
    auto text = os::read_all(fd.get(), kMaxNextchatFile, path.string());
    if (!text) return tl::unexpected(text.error());
    auto json = parse_text(*text, path.string());
    if (!json) return tl::unexpected(json.error());
    return std::optional<Json>(std::move(*json));
}

Result<std::optional<Json>> read_plugin_json(int plugin_dirfd, const std::string& rel,
                                             const std::string& shown) {
    auto text = os::read_beneath(plugin_dirfd, rel, kMaxPluginFile, shown);
    if (!text) return tl::unexpected(text.error());
    if (!*text) return std::optional<Json>();
    auto json = parse_text(**text, shown);
    if (!json) return tl::unexpected(json.error());
    return std::optional<Json>(std::move(*json));
}

namespace {

bool pwrite_all(int fd, std::string_view data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        if (n == 0) {
            errno = EIO;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// The whole content of the regular file `fd` of `size` bytes, nullopt when it cannot be read.
std::optional<std::string> pread_all(int fd, std::size_t size) {
    std::string out(size, '\0');
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = pread(fd, out.data() + done, size - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) break;  // shrunk meanwhile
        done += static_cast<std::size_t>(n);
    }
    out.resize(done);
    return out;
}

// Whether `name` in `dirfd` is the root of a mount (a bind-mounted file); false when the
// kernel cannot tell (before Linux 5.8): the rename then fails with EBUSY instead.
bool is_mount_root(int dirfd, const std::string& name) {
    struct statx stx {};
    if (statx(dirfd, name.c_str(), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE, &stx) != 0)
        return false;
    return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0 &&
           (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

constexpr const char* kBindMounted =
    "is bind-mounted (a mount point of its own), so it cannot be replaced by renaming";

Result<void> in_place_because(int dirfd, const std::string& name, std::string_view text,
                              const std::string& shown, const std::string& why) {
    auto r = write_in_place_at(dirfd, name, text, shown);
    if (!r) return fail(r.error().kind, shown, why + "; " + r.error().message);
    return {};
}

}  // namespace

bool rename_cannot_replace(int err) {
    return err == EBUSY || err == EXDEV || err == EPERM || err == EACCES;
}

Result<void> write_in_place(int fd, std::string_view text, const std::string& shown) {
    struct stat st {};
    if (fstat(fd, &st) != 0)
        return fail(ErrorKind::Io, shown, "cannot write it in place: " + errno_text());
    if (!S_ISREG(st.st_mode)) return fail(ErrorKind::Invalid, shown, "is not a regular file");
    if (st.st_nlink > 1)
        return fail(ErrorKind::Verification, shown,
                    "has " + std::to_string(st.st_nlink) +
                        " hard links; writing it in place would change the other names too");
    const auto old_size = static_cast<std::uint64_t>(st.st_size);
    if (old_size > kMaxNextchatFile)
        return fail(ErrorKind::Invalid, shown,
                    "is larger than " + std::to_string(kMaxNextchatFile >> 20) + " MiB");
    auto old = pread_all(fd, static_cast<std::size_t>(old_size));
    if (!old) return fail(ErrorKind::Io, shown, "cannot read it before writing: " + errno_text());

    // Never shorter than the old content until the final ftruncate: JSON may end in blanks.
    std::string padded(text);
    if (padded.size() < old->size()) padded.append(old->size() - padded.size(), ' ');
    if (padded.size() > old->size() &&
        fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(padded.size())) != 0 &&
        (errno == ENOSPC || errno == EDQUOT || errno == EFBIG))
        return fail(ErrorKind::Io, shown,
                    "cannot write it in place: " + errno_text() + " (nothing was written)");

    if (!pwrite_all(fd, padded)) {
        const std::string what = errno_text();
        // Put the old bytes back: they fit where they were.
        const bool restored = pwrite_all(fd, *old) &&
                              ftruncate(fd, static_cast<off_t>(old->size())) == 0 && fsync(fd) == 0;
        return fail(ErrorKind::Io, shown,
                    "writing it in place failed: " + what +
                        (restored ? " (its old content was written back)"
                                  : " (it may now hold part of the new content)"));
    }
    if (ftruncate(fd, static_cast<off_t>(text.size())) != 0)
        return fail(ErrorKind::Io, shown,
                    "cannot truncate it after writing in place: " + errno_text() +
                        " (it holds the new content followed by blanks)");
    if (fsync(fd) != 0)
        return fail(ErrorKind::Io, shown,
                    "cannot fsync it after writing in place: " + errno_text());
    return {};
}

Result<void> write_in_place_at(int dirfd, const std::string& name, std::string_view text,
                               const std::string& shown) {
    os::Fd fd(openat(dirfd, name.c_str(), O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd.valid()) {
        if (errno == ELOOP)
            return fail(ErrorKind::Verification, shown,
                        std::string("is a symbolic link; ") + kSymlinkRule);
        if (errno == ENOENT) return fail(ErrorKind::NotFound, shown, "no such file");
        if (errno == EROFS)
            return fail(ErrorKind::Io, shown,
                        "cannot open it to write in place: " + errno_text() +
                            " (it is mounted read-only: mount it read-write, e.g. without ':ro' "
                            "on the Docker volume)");
        return fail(ErrorKind::Io, shown, "cannot open it to write in place: " + errno_text());
    }
    return write_in_place(fd.get(), text, shown);
}

Result<void> write_json_at(int dirfd, const std::string& name, const Json& value,
                           const std::string& shown) {
    std::string text = value.dump(2);
    text.push_back('\n');
    struct stat old {};
    const bool had_file = fstatat(dirfd, name.c_str(), &old, AT_SYMLINK_NOFOLLOW) == 0;
    if (had_file && S_ISLNK(old.st_mode))
        return fail(ErrorKind::Verification, shown,
                    std::string("is a symbolic link; ") + kSymlinkRule);
    if (had_file && !S_ISREG(old.st_mode))
        return fail(ErrorKind::Invalid, shown, "is not a regular file");
    if (had_file && is_mount_root(dirfd, name))
        return in_place_because(dirfd, name, text, shown, kBindMounted);

    int raw = -1;
    std::string tmp_name;
    for (int attempt = 0; raw < 0 && attempt < 8; ++attempt) {
        tmp_name = name + ".nxp-" + random_suffix();
        raw = openat(dirfd, tmp_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     0600);
        if (raw < 0 && errno != EEXIST) break;
    }
    if (raw < 0) {
        const int err = errno;
        const std::string why = "cannot create a temporary file beside it: " + errno_text();
        if (had_file && (err == EACCES || err == EPERM || err == EROFS))
            return in_place_because(dirfd, name, text, shown, why);
        return fail(ErrorKind::Io, shown, why);
    }
    os::Fd fd(raw);
    TempName tmp(dirfd, tmp_name);
    const std::string tmp_shown = shown + " (temporary " + tmp_name + ")";
    mode_t mode = had_file ? (old.st_mode & 07777) : 0644;
    if (fchmod(fd.get(), mode) != 0) return fail(ErrorKind::Io, tmp_shown, errno_text());
    if (had_file && (old.st_uid != geteuid() || old.st_gid != getegid())) {
        // NextChat (often another user in a container) must still be able to edit it.
        if (fchown(fd.get(), old.st_uid, old.st_gid) != 0) {
            // nxp's user may not give a file away, but may write this one (NextChat's uid
            // owns it, nxp's group may write it): in place keeps the owner.
            const int err = errno;
            const std::string why = "cannot be replaced keeping its owner (uid " +
                                    std::to_string(old.st_uid) + "): " + errno_text();
            if (err != EPERM) return fail(ErrorKind::Io, tmp_shown, why);
            fd.reset();
            return in_place_because(dirfd, name, text, shown, why);
        }
    }
    if (!write_all(fd.get(), text) || fsync(fd.get()) != 0)
        return fail(ErrorKind::Io, tmp_shown, errno_text());
    fd.reset();
    if (renameat(dirfd, tmp.name().c_str(), dirfd, name.c_str()) != 0) {
        const int err = errno;
        const std::string text_err = errno_text();
        if (!had_file || !rename_cannot_replace(err))
            return fail(ErrorKind::Io, shown, "cannot replace: " + text_err);
        unlinkat(dirfd, tmp.name().c_str(), 0);
        tmp.keep();  // removed
        const std::string why = err == EBUSY || err == EXDEV
                                    ? std::string(kBindMounted) + " (" + text_err + ")"
                                    : "cannot be replaced by renaming: " + text_err;
        return in_place_because(dirfd, name, text, shown, why);
    }
    tmp.keep();
    fsync(dirfd);  // best effort: some filesystems refuse fsync on directories
    return {};
}

}  // namespace nxp::nextchat::detail
