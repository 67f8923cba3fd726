// nxp serve's listening socket: made by nxp serve itself, or passed by systemd.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "os/unix_socket.hpp"
#include "runtime/serve.hpp"

namespace nxp::runtime {
namespace fs = std::filesystem;

namespace {
std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }
}  // namespace

Result<os::Fd> make_serve_socket(const fs::path& path, ino_t& ino) {
    sockaddr_un addr{};
    const std::string tmp = path.string() + ".tmp-" + std::to_string(::getpid());
    if (tmp.size() >= sizeof addr.sun_path)
        return fail(ErrorKind::Invalid, path.string(),
                    "socket path too long for a Unix socket (" +
                        std::to_string(sizeof addr.sun_path - 1) + " bytes at most)");
    addr.sun_family = AF_UNIX;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return fail(ErrorKind::Invalid, path.string(),
                        "exists and is not a socket; nxp serve will not replace it");
        if (os::unix_socket_listening(path.string()))
            return fail(ErrorKind::Locked, path.string(),
                        "another nxp serve is listening on this socket");
    }
    os::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return fail(ErrorKind::Io, path.string(), errno_text("socket"));
    std::memcpy(addr.sun_path, tmp.c_str(), tmp.size() + 1);
    ::unlink(tmp.c_str());
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return fail(ErrorKind::Io, tmp, errno_text("bind"));
    // Anyone may connect: who may start plugins is decided by SO_PEERCRED, per connection.
    if (::chmod(tmp.c_str(), 0666) != 0 || ::listen(fd.get(), 128) != 0 ||
        ::lstat(tmp.c_str(), &st) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
        auto e = fail(ErrorKind::Io, path.string(), errno_text("cannot put the socket in place"));
        ::unlink(tmp.c_str());
        return e;
    }
    ino = st.st_ino;
    return fd;
}

Result<std::optional<int>> systemd_listen_fd() {
    const char* pid = std::getenv("LISTEN_PID");
    const char* fds = std::getenv("LISTEN_FDS");
    const bool ours = pid != nullptr && fds != nullptr && std::to_string(::getpid()) == pid;
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
    if (!ours) return std::nullopt;
    if (std::string_view(fds) != "1")
        return fail(ErrorKind::Invalid, "LISTEN_FDS",
                    std::string("systemd passed ") + fds + " sockets; nxp.socket must have one");
    int type = 0, listening = 0, domain = 0;
    socklen_t len = sizeof type;
    bool ok = ::getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
    len = sizeof listening;
    ok = ok && ::getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening;
    len = sizeof domain;
    ok = ok && ::getsockopt(3, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_UNIX;
    if (!ok)
        return fail(ErrorKind::Invalid, "LISTEN_FDS",
                    "descriptor 3 is not a listening Unix stream socket (ListenStream=PATH)");
    ::fcntl(3, F_SETFD, FD_CLOEXEC);
    return 3;
}

}  // namespace nxp::runtime
