#include "txn/export.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "launcher/embedded.hpp"
#include "os/fd.hpp"

namespace nxp::txn {

namespace {

Error sys_error(const std::filesystem::path& p, const std::string& what) {
    return Error{ErrorKind::Io, p.string(), what + ": " + std::strerror(errno)};
}

// Whether `name` in `dir` is a regular file, mode 0755, holding exactly `want`.
bool holds(int dir, const char* name, std::string_view want) {
    os::Fd fd(::openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
        (st.st_mode & 07777) != 0755 || static_cast<std::size_t>(st.st_size) != want.size())
        return false;
    std::string have(want.size(), '\0');
    std::size_t got = 0;
    while (got < have.size()) {
        ssize_t n = ::read(fd.get(), have.data() + got, have.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        got += static_cast<std::size_t>(n);
    }
    return have == want;
}

Result<void> write_launcher(int dir, const std::filesystem::path& dest, std::string_view bytes) {
    const std::string tmp = ".nxp-launch.tmp-" + std::to_string(::getpid()) + "-" +
                            std::to_string(std::random_device{}());
    os::Fd fd(
        ::openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return tl::unexpected(sys_error(dest, "cannot create " + tmp));
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            auto e = sys_error(dest, "cannot write");
            ::unlinkat(dir, tmp.c_str(), 0);
            return tl::unexpected(e);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fchmod(fd.get(), 0755) != 0 || ::fsync(fd.get()) != 0 ||
        ::renameat(dir, tmp.c_str(), dir, "nxp-launch") != 0) {
        auto e = sys_error(dest, "cannot put the launcher in place");
        ::unlinkat(dir, tmp.c_str(), 0);
        return tl::unexpected(e);
    }
    ::fsync(dir);
    return {};
}

}  // namespace

Result<ExportPaths> prepare_export(const Root& root) {
    auto paths = export_paths(root);
    const auto parent = paths.dir.parent_path();
    os::Fd rootfd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!rootfd) return tl::unexpected(sys_error(parent, "cannot open the root"));
    if (::mkdirat(rootfd.get(), "export", 0755) != 0 && errno != EEXIST)
        return tl::unexpected(sys_error(paths.dir, "cannot create"));
    os::Fd dir(::openat(rootfd.get(), "export", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) {
        if (errno == ELOOP || errno == ENOTDIR)
            return fail(ErrorKind::Invalid, paths.dir.string(),
                        "is not a directory (a symbolic link?); nxp does not follow links here: "
                        "remove it and run the command again");
        return tl::unexpected(sys_error(paths.dir, "cannot open"));
    }
    struct stat st {};
    if (::fstat(dir.get(), &st) != 0) return tl::unexpected(sys_error(paths.dir, "cannot inspect"));
    if (st.st_uid != ::geteuid())
        return fail(ErrorKind::Invalid, paths.dir.string(),
                    "is owned by uid " + std::to_string(st.st_uid) + ", not by this uid (" +
                        std::to_string(::geteuid()) + "), which owns the root");
    if ((st.st_mode & 07777) != 0755 && ::fchmod(dir.get(), 0755) != 0)
        return tl::unexpected(sys_error(paths.dir, "cannot set mode 0755"));
    const auto bytes = launcher::binary();
    if (!holds(dir.get(), "nxp-launch", bytes))
        if (auto r = write_launcher(dir.get(), paths.launcher, bytes); !r)
            return tl::unexpected(r.error());
    return paths;
}

}  // namespace nxp::txn
