#include "txn/fsutil.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>

namespace nxp::txn {
namespace fs = std::filesystem;

namespace {

Error io_error(const fs::path& p, std::string_view what) {
    return Error{ErrorKind::Io, p.string(), std::string(what) + ": " + std::strerror(errno)};
}

class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

std::string random_suffix() {
    std::random_device rd;
    return std::to_string(rd()) + std::to_string(::getpid());
}

}  // namespace

Result<void> fsync_path(const fs::path& p) {
    Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return tl::unexpected(io_error(p, "cannot open for fsync"));
    if (::fsync(fd.get()) != 0) return tl::unexpected(io_error(p, "fsync failed"));
    return {};
}

Result<void> write_file_atomic(const fs::path& dest, std::string_view data, unsigned mode) {
    fs::path tmp = dest;
    tmp += ".tmp-" + random_suffix();
    {
        Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
        if (fd.get() < 0) return tl::unexpected(io_error(tmp, "cannot create"));
        ::fchmod(fd.get(), mode);
        std::size_t off = 0;
        while (off < data.size()) {
            ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
            if (n < 0) {
                if (errno == EINTR) continue;
                auto e = io_error(tmp, "write failed");
                ::unlink(tmp.c_str());
                return tl::unexpected(e);
            }
            off += static_cast<std::size_t>(n);
        }
        if (::fsync(fd.get()) != 0) {
            auto e = io_error(tmp, "fsync failed");
            ::unlink(tmp.c_str());
            return tl::unexpected(e);
        }
    }
    if (::rename(tmp.c_str(), dest.c_str()) != 0) {
        auto e = io_error(dest, "cannot rename into place");
        ::unlink(tmp.c_str());
        return tl::unexpected(e);
    }
    return fsync_path(dest.parent_path().empty() ? fs::path(".") : dest.parent_path());
}

Result<std::string> read_file(const fs::path& p, std::uint64_t max_size) {
    std::error_code ec;
    auto size = fs::file_size(p, ec);
    if (ec) return fail(ErrorKind::NotFound, p.string(), "cannot read: " + ec.message());
    if (size > max_size)
        return fail(ErrorKind::Invalid, p.string(),
                    "file is " + std::to_string(size) + " bytes, more than the limit of " +
                        std::to_string(max_size));
    std::ifstream in(p, std::ios::binary);
    std::string data(size, '\0');
    if (!in.read(data.data(), static_cast<std::streamsize>(size)))
        return fail(ErrorKind::Io, p.string(), "read failed");
    return data;
}

Result<void> switch_symlink(const fs::path& link, const std::string& target) {
    fs::path tmp = link;
    tmp += ".tmp-" + random_suffix();
    if (::symlink(target.c_str(), tmp.c_str()) != 0)
        return tl::unexpected(io_error(tmp, "cannot create symlink"));
    if (::rename(tmp.c_str(), link.c_str()) != 0) {
        auto e = io_error(link, "cannot switch symlink");
        ::unlink(tmp.c_str());
        return tl::unexpected(e);
    }
    return fsync_path(link.parent_path());
}

Result<void> sync_filesystem(const fs::path& p) {
    Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return tl::unexpected(io_error(p, "cannot open for syncfs"));
    if (::syncfs(fd.get()) != 0) return tl::unexpected(io_error(p, "syncfs failed"));
    return {};
}

void crash_point([[maybe_unused]] std::string_view step) {
#ifdef NXP_FAULT_INJECTION
    const char* at = std::getenv("NXP_CRASH_AT");
    if (at != nullptr && step == at) ::kill(::getpid(), SIGKILL);
#endif
}

}  // namespace nxp::txn
