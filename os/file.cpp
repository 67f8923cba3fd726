#include "os/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "os/beneath.hpp"
#include "os/fd.hpp"

namespace nxp::os {
namespace fs = std::filesystem;

namespace {

tl::unexpected<Error> io_error(const fs::path& p, std::string_view what, int err) {
    return fail(ErrorKind::Io, p.string(), std::string(what) + ": " + std::strerror(err));
}

std::string random_suffix() {
    std::random_device rd;
    return std::to_string(rd()) + std::to_string(::getpid());
}

// Writes all of `data` to `fd`; false (errno set) on failure.
bool write_all(int fd, std::string_view data) {
    std::size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            return false;
        }
        off += static_cast<std::size_t>(n);
    }
    return true;
}

// Creates `tmp` (never an existing file or a symlink), gives it `mode`, writes `data` and
// fsyncs it. On failure the temporary is removed.
Result<void> write_temporary(const fs::path& tmp, std::string_view data, unsigned mode) {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (!fd.valid()) return io_error(tmp, "cannot create", errno);
    const char* step = nullptr;
    if (::fchmod(fd.get(), mode) != 0) {
        step = "cannot set its mode";
    } else if (!write_all(fd.get(), data)) {
        step = "write failed";
    } else if (::fsync(fd.get()) != 0) {
        step = "fsync failed";
    }
    if (step == nullptr) return {};
    const int err = errno;
    fd.reset();
    ::unlink(tmp.c_str());
    return io_error(tmp, step, err);
}

}  // namespace

void Fd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

Result<std::string> read_file(const fs::path& p, std::uint64_t max_bytes) {
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever.
    Fd fd(::open(p.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd.valid())
        return fail(ErrorKind::NotFound, p.string(),
                    std::string("cannot read: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return io_error(p, "cannot read", errno);
    if (S_ISDIR(st.st_mode))
        return fail(ErrorKind::NotFound, p.string(),
                    std::string("cannot read: ") + std::strerror(EISDIR));
    if (!S_ISREG(st.st_mode))
        return fail(ErrorKind::NotFound, p.string(), "cannot read: not a regular file");
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > max_bytes)
        return fail(ErrorKind::Invalid, p.string(),
                    "file is " + std::to_string(size) + " bytes, more than the limit of " +
                        std::to_string(max_bytes));
    return read_all(fd.get(), max_bytes, p.string());
}

Result<void> write_file_atomic(const fs::path& dest, std::string_view data, unsigned mode) {
    fs::path tmp = dest;
    tmp += ".tmp-" + random_suffix();
    if (auto r = write_temporary(tmp, data, mode); !r) return r;
    if (::rename(tmp.c_str(), dest.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return io_error(dest, "cannot rename into place", err);
    }
    return fsync_path(dest.parent_path().empty() ? fs::path(".") : dest.parent_path());
}

Result<void> switch_symlink(const fs::path& link, const std::string& target) {
    fs::path tmp = link;
    tmp += ".tmp-" + random_suffix();
    if (::symlink(target.c_str(), tmp.c_str()) != 0)
        return io_error(tmp, "cannot create symlink", errno);
    if (::rename(tmp.c_str(), link.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return io_error(link, "cannot switch symlink", err);
    }
    return fsync_path(link.parent_path());
}

Result<void> fsync_path(const fs::path& p) {
    Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return io_error(p, "cannot open for fsync", errno);
    if (::fsync(fd.get()) != 0) return io_error(p, "fsync failed", errno);
    return {};
}

}  // namespace nxp::os
