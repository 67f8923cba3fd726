#include "os/beneath.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace nxp::os {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// openat2(2): glibc 2.36 (Debian 12) has no wrapper.
int sys_openat2(int dirfd, const char* path, int flags, std::uint64_t resolve) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags);
    how.resolve = resolve;
    for (int attempt = 0;; ++attempt) {
        const long fd = ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        // EAGAIN: a concurrent rename raced the lookup; the kernel asks to retry.
        if (fd < 0 && (errno == EAGAIN || errno == EINTR) && attempt < 16) continue;
        return static_cast<int>(fd);
    }
}

Result<Fd> escape(const std::string& shown) {
    return fail(ErrorKind::Verification, shown,
                "leads outside its directory (through a symbolic link, \"..\" or an absolute "
                "path); refused");
}

// Without openat2: one component at a time, never following a symlink.
Result<Fd> open_walking(int dirfd, std::string_view rel, int flags, const std::string& shown) {
    std::vector<std::string> parts;
    while (!rel.empty()) {
        const std::size_t slash = rel.find('/');
        const std::string_view c = rel.substr(0, slash);
        if (c == "..") return escape(shown);
        if (!c.empty() && c != ".") parts.emplace_back(c);
        if (slash == std::string_view::npos) break;
        rel.remove_prefix(slash + 1);
    }
    if (parts.empty()) {
        Fd d(::openat(dirfd, ".", flags | O_CLOEXEC));
        if (!d.valid()) return fail(ErrorKind::Io, shown, errno_text(errno));
        return d;
    }
    Fd cur;
    int at = dirfd;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const bool last = i + 1 == parts.size();
        const int f = last ? (flags | O_NOFOLLOW | O_CLOEXEC)
                           : (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        Fd next(::openat(at, parts[i].c_str(), f));
        if (!next.valid()) {
            const int err = errno;
            if (err == ENOENT) return fail(ErrorKind::NotFound, shown, "no such file");
            if (err == ELOOP || (err == ENOTDIR && !last)) {
                struct stat st {};
                if (::fstatat(at, parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    S_ISLNK(st.st_mode))
                    return fail(ErrorKind::Verification, shown,
                                "\"" + parts[i] +
                                    "\" is a symbolic link, which this kernel (no openat2) "
                                    "cannot follow safely; refused");
            }
            return fail(ErrorKind::Io, shown, errno_text(err));
        }
        cur = std::move(next);
        at = cur.get();
    }
    return cur;
}

}  // namespace

Result<Fd> open_directory(const std::filesystem::path& dir) {
    Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!d.valid()) {
        const int err = errno;
        if (err == ENOENT) return fail(ErrorKind::NotFound, dir.string(), "no such directory");
        return fail(ErrorKind::Io, dir.string(), errno_text(err));
    }
    return d;
}

Result<Fd> open_beneath(int dirfd, std::string_view rel, int flags, const std::string& shown) {
    if (!rel.empty() && rel.front() == '/') return escape(shown);
    const std::string path = rel.empty() ? std::string(".") : std::string(rel);
    if (path.find('\0') != std::string::npos) return escape(shown);
    Fd fd(sys_openat2(dirfd, path.c_str(), flags | O_CLOEXEC,
                      RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS));
    if (fd.valid()) return fd;
    const int err = errno;
    switch (err) {
        case ENOSYS:
            return open_walking(dirfd, rel, flags, shown);
        case EXDEV:
            return escape(shown);
        case ENOENT:
            return fail(ErrorKind::NotFound, shown, "no such file");
        case ELOOP:
            return fail(ErrorKind::Verification, shown,
                        (flags & O_NOFOLLOW) != 0 ? "is a symbolic link; refused"
                                                  : "too many levels of symbolic links");
        default:
            return fail(ErrorKind::Io, shown, errno_text(err));
    }
}

Result<std::string> read_all(int fd, std::uint64_t max_bytes, const std::string& shown) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail(ErrorKind::Io, shown, errno_text(errno));
    if (!S_ISREG(st.st_mode)) return fail(ErrorKind::Invalid, shown, "not a regular file");
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
        return fail(ErrorKind::Invalid, shown,
                    "larger than " + std::to_string(max_bytes) + " bytes");
    std::string out;
    out.reserve(static_cast<std::size_t>(st.st_size));
    char buf[64 * 1024];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(ErrorKind::Io, shown, "cannot read: " + errno_text(errno));
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > max_bytes)  // grew while being read
            return fail(ErrorKind::Invalid, shown,
                        "larger than " + std::to_string(max_bytes) + " bytes");
    }
    return out;
}

Result<std::optional<std::string>> read_beneath(int dirfd, std::string_view rel,
                                                std::uint64_t max_bytes, const std::string& shown) {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    auto fd = open_beneath(dirfd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, shown);
    if (!fd) {
        if (fd.error().kind == ErrorKind::NotFound) return std::optional<std::string>();
        return tl::unexpected(fd.error());
    }
    auto text = read_all(fd->get(), max_bytes, shown);
    if (!text) return tl::unexpected(text.error());
    return std::optional<std::string>(std::move(*text));
}

Result<Fd> open_subdir_nofollow(int dirfd, const std::string& name, bool create,
                                const std::string& shown, const std::string& why) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        Fd d(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (d.valid()) return d;
        const int err = errno;
        struct stat st {};
        const bool exists = ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
        if (exists && S_ISLNK(st.st_mode))
            return fail(ErrorKind::Verification, shown, "is a symbolic link; " + why);
        if (exists && !S_ISDIR(st.st_mode))
            return fail(ErrorKind::Invalid, shown, "is not a directory");
        if (err != ENOENT) return fail(ErrorKind::Io, shown, errno_text(err));
        if (!create) return fail(ErrorKind::NotFound, shown, "no such directory");
        if (::mkdirat(dirfd, name.c_str(), 0755) != 0 && errno != EEXIST)
            return fail(ErrorKind::Io, shown, "cannot create: " + errno_text(errno));
    }
    return fail(ErrorKind::Io, shown, "cannot open the directory it just created");
}

}  // namespace nxp::os
