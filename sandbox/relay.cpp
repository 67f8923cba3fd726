// exec_relayed's loop (sandbox/runner.hpp): nxp's stdin and stdout on one side, the child's
// stdin and stdout on the other, every line through a LineRelay. One thread, one poll set:
// both directions, the child's exit (a pidfd) and the signals to forward (a signalfd).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>

#include "sandbox/process.hpp"

namespace nxp::sandbox::detail {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kReadChunk = 64 * 1024;
// Bytes that may wait for one side before nxp stops reading the other: a client or server
// that does not read slows its peer down instead of growing nxp.
constexpr std::size_t kHighWater = 1 << 20;
constexpr auto kExitGrace = milliseconds(2000);  // after the client's end, before SIGTERM
constexpr auto kTermGrace = milliseconds(500);   // after SIGTERM, before SIGKILL
constexpr auto kDrainAfterExit = milliseconds(500);
constexpr auto kFlushLimit = milliseconds(2000);  // for the last words to the client

// A byte stream cut into lines; an unfinished line is kept up to `max` bytes.
class LineSplitter {
  public:
    explicit LineSplitter(std::size_t max) : max_(max) {}

    // Hands each complete line of `data` to on_line (false stops), calls on_too_long once
    // when an unfinished line passes max and drops it up to its newline. Returns false when
    // a callback asked to stop.
    template <class Line, class TooLong>
    bool feed(const char* data, std::size_t n, Line&& on_line, TooLong&& on_too_long) {
        std::size_t start = 0;
        while (start < n) {
            const void* hit = std::memchr(data + start, '\n', n - start);
            std::size_t end =
                hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - data) : n;
            if (!hit) {
                if (!skipping_) buf_.append(data + start, end - start);
                if (!skipping_ && buf_.size() > max_) {
                    buf_.clear();
                    buf_.shrink_to_fit();
                    skipping_ = true;
                    if (!on_too_long()) return false;
                }
                return true;
            }
            bool go = true;
            if (skipping_) {
                skipping_ = false;
            } else if (buf_.empty()) {
                go = on_line(std::string_view(data + start, end - start));
            } else {
                buf_.append(data + start, end - start);
                std::string line = std::move(buf_);
                buf_.clear();
                go = on_line(std::string_view(line));
            }
            start = end + 1;
            if (!go) return false;
        }
        return true;
    }
    std::size_t unfinished() const { return buf_.size(); }

  private:
    std::string buf_;
    std::size_t max_;
    bool skipping_ = false;
};

Result<std::pair<Fd, Fd>> pipe_pair() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return fail(ErrorKind::Io, "pipe", std::strerror(errno));
    return std::pair<Fd, Fd>{Fd(fds[0]), Fd(fds[1])};
}

void kill_all(pid_t pid, int sig) {
    kill(-pid, sig);
    kill(pid, sig);
}

bool has_exited(pid_t pid) {
    siginfo_t info{};
    return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == pid;
}

int reap(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

std::string describe_status(int status) {
    if (WIFSIGNALED(status)) {
        const char* name = sigabbrev_np(WTERMSIG(status));
        return "was killed by signal " +
               (name ? "SIG" + std::string(name) : std::to_string(WTERMSIG(status)));
    }
    return "exited with status " + std::to_string(WEXITSTATUS(status));
}

// Writes what it can of `buf` to `fd` without blocking; false when the fd is broken.
bool write_some(int fd, std::string& buf) {
    while (!buf.empty()) {
        ssize_t n = write(fd, buf.data(), buf.size());
        if (n > 0) {
            buf.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
    return true;
}

// The last words to the client, within kFlushLimit.
void flush(int fd, std::string& buf) {
    auto until = Clock::now() + kFlushLimit;
    while (!buf.empty()) {
        if (!write_some(fd, buf)) return;
        if (buf.empty()) return;
        auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count();
        if (left <= 0) return;
        pollfd p{fd, POLLOUT, 0};
        poll(&p, 1, static_cast<int>(left));
    }
}

int ms_until(std::optional<Clock::time_point> t, Clock::time_point now) {
    if (!t) return -1;
    auto left = std::chrono::duration_cast<milliseconds>(*t - now).count();
    return static_cast<int>(std::max<long long>(left + 1, 0));
}

void earliest(std::optional<Clock::time_point>& t, Clock::time_point candidate) {
    if (!t || candidate < *t) t = candidate;
}

// Restores a descriptor's status flags when the loop ends.
class FlagGuard {
  public:
    FlagGuard(int fd, int add) : fd_(fd), old_(fcntl(fd, F_GETFL)) {
        if (old_ >= 0) fcntl(fd, F_SETFL, old_ | add);
    }
    ~FlagGuard() {
        if (old_ >= 0) fcntl(fd_, F_SETFL, old_);
    }
    FlagGuard(const FlagGuard&) = delete;
    FlagGuard& operator=(const FlagGuard&) = delete;

  private:
    int fd_;
    int old_;
};

struct Loop {
    Loop(LineRelay& r, pid_t p, int out, Fd in)
        : relay(r),
          pid(p),
          child_out(out),
          child_in(std::move(in)),
          from_client(r.max_line()),
          from_server(r.max_line()) {}

    LineRelay& relay;
    pid_t pid;
    int child_out;
    Fd child_in;
    Fd exit_fd;
    Fd signal_fd;
    LineSplitter from_client;
    LineSplitter from_server;
    std::string to_client, to_server;
    bool client_eof = false, client_broken = false, server_eof = false, exited = false;
    bool closed = false;
    int status = 0;
    std::optional<Clock::time_point> exit_by, term_by, drain_by;

    void take(RelayOutput&& out) {
        if (!client_broken) to_client += out.to_client;
        if (child_in) to_server += out.to_server;
        if (out.close) closed = true;
    }

    // The client is gone (its stdin ended or its stdout broke): the server gets its stdin
    // closed once what waits for it is written, and kExitGrace to exit.
    void client_ended(Clock::time_point now) {
        client_eof = true;
        earliest(exit_by, now + kExitGrace);
    }

    void read_client(Clock::time_point now) {
        char buf[kReadChunk];
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n <= 0) return client_ended(now);
        from_client.feed(
            buf, static_cast<std::size_t>(n),
            [&](std::string_view line) {
                take(relay.from_client(line));
                return !closed;
            },
            [&] {
                take(relay.client_line_too_long());
                return !closed;
            });
    }

    void read_server(Clock::time_point now) {
        char buf[kReadChunk];
        ssize_t n = read(child_out, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n <= 0) {
            server_eof = true;
            earliest(exit_by, now + kExitGrace);
            return;
        }
        from_server.feed(
            buf, static_cast<std::size_t>(n),
            [&](std::string_view line) {
                take(relay.from_server(line));
                return !closed;
            },
            [&] {
                take(relay.server_line_too_long());
                return !closed;
            });
    }

    void forward_signals() {
        signalfd_siginfo info{};
        while (read(signal_fd.get(), &info, sizeof info) == sizeof info)
            kill(pid, static_cast<int>(info.ssi_signo));
    }

    void check_exit(Clock::time_point now) {
        if (exited || !has_exited(pid)) return;
        kill_all(pid, SIGKILL);  // what it left behind in its group
        status = reap(pid);
        exited = true;
        drain_by = now + kDrainAfterExit;
    }

    void escalate(Clock::time_point now) {
        if (exited) return;
        if (term_by && now >= *term_by) {
            kill_all(pid, SIGKILL);
        } else if (!term_by && exit_by && now >= *exit_by) {
            if (child_in) child_in.reset();
            kill_all(pid, SIGTERM);
            term_by = now + kTermGrace;
        }
    }

    void turn() {
        auto now = Clock::now();
        bool room = to_client.size() < kHighWater && to_server.size() < kHighWater;
        if (client_eof && child_in && to_server.empty()) child_in.reset();
        pollfd p[6] = {
            {!client_eof && room ? STDIN_FILENO : -1, POLLIN, 0},
            {!server_eof && room ? child_out : -1, POLLIN, 0},
            {child_in && !to_server.empty() ? child_in.get() : -1, POLLOUT, 0},
            {!client_broken && !to_client.empty() ? STDOUT_FILENO : -1, POLLOUT, 0},
            {exited ? -1 : exit_fd.get(), POLLIN, 0},
            {signal_fd.get(), POLLIN, 0},
        };
        std::optional<Clock::time_point> wake = exited ? drain_by : term_by ? term_by : exit_by;
        int timeout = ms_until(wake, now);
        if (!exit_fd && !exited) timeout = timeout < 0 ? 100 : std::min(timeout, 100);
        int r = poll(p, 6, timeout);
        now = Clock::now();
        if (r > 0) {
            if (p[5].revents) forward_signals();
            if (p[3].revents && !write_some(STDOUT_FILENO, to_client)) {
                client_broken = true;
                to_client.clear();
                client_ended(now);
            }
            if (p[2].revents && !write_some(child_in.get(), to_server)) {
                child_in.reset();  // it closed its stdin: nothing more can reach it
                to_server.clear();
            }
            if (p[0].revents && !closed) read_client(now);
            if (p[1].revents && !closed) read_server(now);
        }
        check_exit(now);
        escalate(now);
    }

    bool finished(Clock::time_point now) const {
        return closed || (exited && (server_eof || (drain_by && now >= *drain_by)));
    }
};

}  // namespace

Result<Relayed> run_relayed(const SpawnSpec& spec, LineRelay& relay) {
    auto in_pipe = pipe_pair();
    if (!in_pipe) return tl::unexpected(in_pipe.error());
    auto out_pipe = pipe_pair();
    if (!out_pipe) return tl::unexpected(out_pipe.error());
    sigset_t forwarded, old_mask;
    sigemptyset(&forwarded);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&forwarded, sig);
    pthread_sigmask(SIG_BLOCK, &forwarded, &old_mask);
    struct sigaction ignore {
    }, old_pipe{};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &old_pipe);  // a side that went away is an error, not death
    auto restore = [&] {
        sigaction(SIGPIPE, &old_pipe, nullptr);
        pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    };
    auto pid = spawn_piped(spec, in_pipe->first.get(), out_pipe->second.get());
    if (!pid) {
        restore();
        return tl::unexpected(pid.error());
    }
    in_pipe->first.reset();
    out_pipe->second.reset();
    Loop loop(relay, *pid, out_pipe->first.get(), std::move(in_pipe->second));
    loop.exit_fd = Fd(static_cast<int>(syscall(SYS_pidfd_open, *pid, 0)));
    loop.signal_fd = Fd(signalfd(-1, &forwarded, SFD_NONBLOCK | SFD_CLOEXEC));
    fcntl(loop.child_out, F_SETFL, fcntl(loop.child_out, F_GETFL) | O_NONBLOCK);
    fcntl(loop.child_in.get(), F_SETFL, fcntl(loop.child_in.get(), F_GETFL) | O_NONBLOCK);
    Relayed result;
    {
        FlagGuard stdout_flags(STDOUT_FILENO, O_NONBLOCK);
        while (!loop.finished(Clock::now())) loop.turn();
        result.closed = loop.closed;
        if (!loop.closed) {
            std::string why = loop.exited ? describe_status(loop.status) : "closed its output";
            if (loop.from_server.unfinished() > 0) {
                why = "stopped in the middle of a message (" +
                      std::to_string(loop.from_server.unfinished()) +
                      " bytes without a newline) and " + why;
                result.mid_message = true;
            }
            loop.take(relay.server_gone(why));
        }
        if (!loop.client_broken) flush(STDOUT_FILENO, loop.to_client);
    }
    if (!loop.exited) {
        kill_all(*pid, SIGKILL);
        loop.status = reap(*pid);
    }
    result.wait_status = loop.status;
    restore();
    return result;
}

}  // namespace nxp::sandbox::detail
