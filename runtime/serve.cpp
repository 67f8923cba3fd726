// The host runner's event loop: one thread, poll(2) over the listening socket, a signalfd
// (SIGCHLD, SIGTERM, SIGINT, SIGHUP) and each connection. Every client is bounded: a fixed
// request size, a deadline for it, a cap on connections, exactly three descriptors.
#include "runtime/serve.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <list>

#include "os/fd.hpp"

extern char** environ;

namespace nxp::runtime {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kExitRefused = 77;  // EX_NOPERM: the peer's uid is not allowed
constexpr int kExitBad = 64;      // EX_USAGE: a malformed request, an unknown plugin
constexpr int kExitBusy = 75;     // EX_TEMPFAIL: too many sessions
constexpr std::size_t kMaxFdsRead = 8;

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

struct Session {
    os::Fd conn;
    uid_t uid = 0;
    pid_t peer_pid = 0;
    std::string got;  // request bytes so far
    std::vector<os::Fd> fds;
    Clock::time_point started = Clock::now();
    std::string name;
    pid_t child = -1;                          // nxp exec, once running (its own process group)
    std::optional<Clock::time_point> kill_at;  // SIGKILL then, once SIGTERM was sent
    bool client_gone = false;
    std::string note;  // for the log line, when the session ended unusually
};

std::string who(const Session& s) {
    return "uid " + std::to_string(s.uid) + " pid " + std::to_string(s.peer_pid);
}

void send_reply(int fd, const std::string& reply) {
    // The reply is far smaller than a socket buffer nobody else writes to: one send.
    (void)::send(fd, reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

class Runner {
  public:
    Runner(const ServeOptions& o, const ServeEvents& e) : opts_(o), events_(e) {}
    Result<void> run(int listen_fd, int signal_fd);

  private:
    void accept_one(int listen_fd);
    void read_request(Session& s);
    void refuse(Session& s, int status, const std::string& why);
    void start(Session& s);
    void client_input(Session& s);
    void reap();
    void stop_child(Session& s);
    int timeout_ms() const;
    void expire();
    void log(const std::string& line) {
        if (events_.session) events_.session(line);
    }

    const ServeOptions& opts_;
    const ServeEvents& events_;
    std::list<Session> sessions_;
    Clock::time_point accept_after_{};  // accepting pauses until then (out of descriptors)
};

bool allowed(const ServeOptions& o, uid_t uid) {
    return uid == 0 || uid == ::geteuid() ||
           std::find(o.allow_uids.begin(), o.allow_uids.end(), uid) != o.allow_uids.end();
}

void Runner::accept_one(int listen_fd) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
        // Out of descriptors: wait a little rather than spin on a socket that stays readable.
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            accept_after_ = Clock::now() + std::chrono::milliseconds(100);
        return;  // or gone already (ECONNABORTED)
    }
    Session s;
    s.conn = os::Fd(fd);
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        log("refused a client: cannot read its credentials (SO_PEERCRED)");
        return;
    }
    s.uid = cred.uid;
    s.peer_pid = cred.pid;
    if (!allowed(opts_, s.uid))
        return refuse(s, kExitRefused,
                      "uid " + std::to_string(s.uid) +
                          " is not allowed to start plugins (nxp serve --allow-uid " +
                          std::to_string(s.uid) + " allows it)");
    if (sessions_.size() >= opts_.max_sessions)
        return refuse(s, kExitBusy,
                      "busy: " + std::to_string(opts_.max_sessions) +
                          " sessions are running (try again later)");
    sessions_.push_back(std::move(s));
}

void Runner::refuse(Session& s, int status, const std::string& why) {
    log("refused " + who(s) + (s.name.empty() ? "" : " plugin " + s.name) + ": " + why);
    s.fds.clear();
    if (s.conn) send_reply(s.conn.get(), serve_reply('R', status, why));
    s.conn.reset();
}

// What a descriptor the client sent may not be: a directory, or a path-only handle.
std::string unusable_fd(int fd, int index) {
    static const char* const kNames[] = {"stdin", "stdout", "stderr"};
    struct stat st {};
    int fl = ::fcntl(fd, F_GETFL);
    if (::fstat(fd, &st) != 0 || fl < 0) return std::string(kNames[index]) + " is unusable";
    if (S_ISDIR(st.st_mode)) return std::string(kNames[index]) + " is a directory";
    if ((fl & O_PATH) != 0) return std::string(kNames[index]) + " is an O_PATH descriptor";
    return {};
}

void Runner::read_request(Session& s) {
    auto req = parse_serve_request(s.got);
    std::array<char, kMaxServeRequest> buf{};
    const std::size_t want = std::min(req.need, kMaxServeRequest) - s.got.size();
    alignas(cmsghdr) std::array<char, CMSG_SPACE(kMaxFdsRead * sizeof(int))> control{};
    iovec iov{buf.data(), want};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    ssize_t n = ::recvmsg(s.conn.get(), &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int fd = -1;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            s.fds.emplace_back(fd);  // owned (and so closed) whatever happens next
        }
    }
    if (n <= 0) {
        // A client that connects and closes without a byte or a descriptor is a probe (nxp
        // doctor and nextchat status asking whether anything listens): not worth a log line.
        if (n == 0 && s.got.empty() && s.fds.empty()) {
            s.conn.reset();
            return;
        }
        log("dropped " + who(s) + ": closed the connection before its request was complete");
        s.conn.reset();
        s.fds.clear();
        return;
    }
    // More than three at any point is refused at once, so that a client sending a few with
    // each byte cannot make the runner hold many.
    if ((msg.msg_flags & MSG_CTRUNC) != 0 || s.fds.size() > 3)
        return refuse(s, kExitBad, "too many descriptors sent (3 expected: stdin, stdout, stderr)");
    s.got.append(buf.data(), static_cast<std::size_t>(n));
    req = parse_serve_request(s.got);
    if (req.state == ServeRequest::State::Bad) return refuse(s, kExitBad, req.reason);
    if (req.state == ServeRequest::State::Incomplete) return;
    s.name = req.name;
    if (s.fds.size() != 3)
        return refuse(s, kExitBad,
                      std::to_string(s.fds.size()) +
                          " descriptors sent with the request (3 expected: stdin, stdout, stderr)");
    for (int i = 0; i < 3; ++i)
        if (auto why = unusable_fd(s.fds[i].get(), i); !why.empty())
            return refuse(s, kExitBad, why);
    std::error_code ec;
    if (fs::symlink_status(opts_.root / "current" / "plugins" / s.name, ec).type() ==
        fs::file_type::not_found)
        return refuse(s, kExitBad,
                      "unknown plugin " + s.name + ": not installed in " + opts_.root.string());
    start(s);
}

// nxp exec's environment: the runner's own (what the operator gave nxp serve, e.g. systemd's
// Environment=; permissions.env and {"env": …} configuration read it), never the client's.
std::vector<std::string> child_environment() {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view v(*e);
        if (v.starts_with("LISTEN_") || v.starts_with("NOTIFY_SOCKET=") ||
            v.starts_with("NO_COLOR="))
            continue;
        env.emplace_back(v);
    }
    env.emplace_back("NO_COLOR=1");  // its stderr is NextChat's log
    return env;
}

void Runner::start(Session& s) {
    std::vector<std::string> args = {opts_.nxp_exe, "--root", opts_.root.string(), "exec", s.name};
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    auto env = child_environment();
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    for (int i = 0; i < 3; ++i) posix_spawn_file_actions_adddup2(&fa, s.fds[i].get(), i);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);  // nothing else of the runner's
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGPIPE}) sigaddset(&defaults, sig);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, opts_.nxp_exe.c_str(), &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    s.fds.clear();  // nxp exec has them now; the runner keeps none
    if (rc != 0) {
        errno = rc;
        return refuse(s, 71, errno_text(("cannot start " + opts_.nxp_exe).c_str()));
    }
    s.child = pid;
    s.started = Clock::now();
}

void Runner::stop_child(Session& s) {
    if (s.child <= 0 || s.kill_at) return;
    ::kill(-s.child, SIGTERM);
    s.kill_at = Clock::now() + std::chrono::milliseconds(opts_.kill_grace_ms);
}

// While nxp exec runs the launcher only waits: its end stops the server, and so does a byte
// (nothing follows a request; a client that sends more is not the launcher).
void Runner::client_input(Session& s) {
    char byte = 0;
    ssize_t n = ::recv(s.conn.get(), &byte, 1, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n > 0) s.note = "sent data after its request: stopped";
    s.client_gone = true;
    s.conn.reset();
    stop_child(s);
}

void Runner::reap() {
    int status = 0;
    for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) {
        auto it = std::find_if(sessions_.begin(), sessions_.end(),
                               [pid](const Session& s) { return s.child == pid; });
        if (it == sessions_.end()) continue;
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - it->started);
        if (it->conn) send_reply(it->conn.get(), serve_reply('X', code));
        log("session " + who(*it) + " plugin " + it->name + ": nxp exec exited " +
            std::to_string(code) + " after " + std::to_string(ms.count()) + " ms" +
            (!it->note.empty() ? " (" + it->note + ")"
             : it->client_gone ? " (the launcher went first: stopped)"
                               : ""));
        sessions_.erase(it);
    }
}

int Runner::timeout_ms() const {
    auto now = Clock::now();
    auto next = now + std::chrono::hours(1);
    if (accept_after_ > now) next = accept_after_;
    for (const auto& s : sessions_) {
        if (s.child < 0)
            next = std::min(next, s.started + std::chrono::milliseconds(opts_.request_timeout_ms));
        if (s.kill_at) next = std::min(next, *s.kill_at);
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
    return static_cast<int>(std::clamp<long long>(ms + 1, 0, 3600 * 1000));
}

void Runner::expire() {
    auto now = Clock::now();
    for (auto& s : sessions_) {
        if (s.child < 0 && s.conn &&
            now >= s.started + std::chrono::milliseconds(opts_.request_timeout_ms))
            refuse(
                s, kExitBad,
                "no complete request within " + std::to_string(opts_.request_timeout_ms) + " ms");
        if (s.kill_at && now >= *s.kill_at) {
            ::kill(-s.child, SIGKILL);
            s.kill_at = now + std::chrono::hours(1);  // sent; wait for SIGCHLD
        }
    }
    // Sessions whose client is gone and that never started a child are over.
    sessions_.remove_if([](const Session& s) { return s.child < 0 && !s.conn; });
}

Result<void> Runner::run(int listen_fd, int signal_fd) {
    bool stopping = false;
    std::vector<pollfd> pfds;
    std::vector<Session*> owners;
    while (!stopping || !sessions_.empty()) {
        pfds.clear();
        owners.clear();
        pfds.push_back({signal_fd, POLLIN, 0});
        const bool accepting = !stopping && Clock::now() >= accept_after_;
        pfds.push_back({accepting ? listen_fd : -1, POLLIN, 0});
        for (auto& s : sessions_)
            if (s.conn) {
                pfds.push_back({s.conn.get(), POLLIN, 0});
                owners.push_back(&s);
            }
        int n = ::poll(pfds.data(), pfds.size(), timeout_ms());
        if (n < 0 && errno != EINTR) return fail(ErrorKind::Io, "nxp serve", errno_text("poll"));
        if (n > 0 && (pfds[0].revents & POLLIN) != 0) {
            signalfd_siginfo info{};
            while (::read(signal_fd, &info, sizeof info) == sizeof info) {
                if (info.ssi_signo == SIGCHLD) continue;
                if (!stopping) log("stopping: signal " + std::to_string(info.ssi_signo));
                stopping = true;
                for (auto& s : sessions_) {
                    if (s.child < 0) s.conn.reset();
                    stop_child(s);
                }
            }
            reap();
        }
        if (n > 0) {
            for (std::size_t i = 0; i < owners.size(); ++i) {
                if (pfds[i + 2].revents == 0 || !owners[i]->conn) continue;
                if (owners[i]->child < 0)
                    read_request(*owners[i]);
                else
                    client_input(*owners[i]);
            }
            if (accepting && (pfds[1].revents & POLLIN) != 0) accept_one(listen_fd);
        }
        reap();
        expire();
    }
    return {};
}

}  // namespace

Result<void> serve(const ServeOptions& opts, const ServeEvents& events) {
    // Received descriptors must never land on 0, 1 or 2, which nxp exec's stdio replace.
    for (int fd = 0; fd < 3; ++fd)
        if (::fcntl(fd, F_GETFD) < 0) ::open("/dev/null", O_RDWR);
    os::Fd owned;
    ino_t ino = 0;
    int listen_fd = opts.listen_fd;
    if (listen_fd < 0) {
        auto made = make_serve_socket(opts.socket, ino);
        if (!made) return tl::unexpected(made.error());
        owned = std::move(*made);
        listen_fd = owned.get();
    }
    sigset_t mask, old;
    sigemptyset(&mask);
    for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&mask, sig);
    ::sigprocmask(SIG_BLOCK, &mask, &old);
    os::Fd sfd(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!sfd) return fail(ErrorKind::Io, "nxp serve", errno_text("signalfd"));
    if (events.listening) events.listening(opts.socket, opts.listen_fd >= 0);
    Runner runner(opts, events);
    auto r = runner.run(listen_fd, sfd.get());
    struct stat st {};
    if (owned && ::lstat(opts.socket.c_str(), &st) == 0 && st.st_ino == ino)
        ::unlink(opts.socket.c_str());
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    return r;
}

}  // namespace nxp::runtime
