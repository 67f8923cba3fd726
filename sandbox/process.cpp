#include "sandbox/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>

#include "sandbox/egress_supervisor.hpp"

namespace nxp::sandbox::detail {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMaxFileSize = 1ull << 30;
constexpr auto kDrainAfterExit = std::chrono::milliseconds(500);

// Everything the child needs, built before fork: after it only async-signal-safe calls.
struct ChildPlan {
    std::vector<char*> argv;
    std::vector<char*> envp;
    const SpawnSpec* spec = nullptr;
    int out_fd = -1;     // write end of the output pipe, or -1
    int in_fd = -1;      // read end of a stdin pipe, or -1 for /dev/null (with out_fd)
    int stderr_fd = -1;  // where stderr goes when not with stdout, or -1
    int err_fd = -1;     // close-on-exec pipe reporting a failed start
};

std::vector<char*> c_strings(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

[[noreturn]] void child_fail(int err_fd) {
    int e = errno;
    ssize_t ignored = write(err_fd, &e, sizeof e);
    (void)ignored;
    _exit(127);
}

void set_limit(int resource, std::uint64_t value) {
    rlimit rl{static_cast<rlim_t>(value), static_cast<rlim_t>(value)};
    setrlimit(resource, &rl);  // best effort: a limit we cannot set is not a reason to fail
}

[[noreturn]] void child_main(const ChildPlan& plan) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    setsid();  // own session and process group: the whole group can be killed at once
    const SpawnSpec& spec = *plan.spec;
    for (const std::string& procs : spec.cgroup_procs) {
        int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t ignored = write(fd, "0", 1);
            (void)ignored;
            close(fd);
        }
    }
    if (spec.max_processes) set_limit(RLIMIT_NPROC, spec.max_processes);
    set_limit(RLIMIT_CORE, 0);
    set_limit(RLIMIT_FSIZE, kMaxFileSize);
    if (spec.egress_fd >= 0) {
        if (int err = private_network_child(spec.egress_fd); err != 0) {
            errno = err;
            child_fail(plan.err_fd);
        }
    }
    if (plan.out_fd >= 0) {
        int in_fd = plan.in_fd >= 0 ? plan.in_fd : open("/dev/null", O_RDONLY);
        if (in_fd < 0 || dup2(in_fd, 0) < 0) child_fail(plan.err_fd);
        int stderr_fd = plan.stderr_fd >= 0 ? plan.stderr_fd : plan.out_fd;
        if (dup2(plan.out_fd, 1) < 0 || dup2(stderr_fd, 2) < 0) child_fail(plan.err_fd);
    }
    // nxp's own descriptors (database, lock, sockets) must not leak into plugin code.
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    for (int fd : spec.inherit_fds) fcntl(fd, F_SETFD, 0);  // what bubblewrap is handed
    if (!spec.workdir.empty() && chdir(spec.workdir.c_str()) != 0) child_fail(plan.err_fd);
    execve(spec.path.c_str(), plan.argv.data(), plan.envp.data());
    child_fail(plan.err_fd);
}

Result<std::pair<Fd, Fd>> make_pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return fail(ErrorKind::Io, "pipe", std::strerror(errno));
    return std::pair<Fd, Fd>{Fd(fds[0]), Fd(fds[1])};
}

// Forks the child and waits until it has exec'd (or failed to); returns its pid.
Result<pid_t> spawn(const SpawnSpec& spec, int out_fd, int in_fd = -1, int stderr_fd = -1) {
    auto err_pipe = make_pipe();
    if (!err_pipe) return tl::unexpected(err_pipe.error());
    ChildPlan plan;
    plan.argv = c_strings(spec.argv);
    plan.envp = c_strings(spec.env);
    plan.spec = &spec;
    plan.out_fd = out_fd;
    plan.in_fd = in_fd;
    plan.stderr_fd = stderr_fd;
    plan.err_fd = err_pipe->second.get();
    pid_t pid = fork();
    if (pid < 0)
        return fail(ErrorKind::Io, spec.path, std::string("fork: ") + std::strerror(errno));
    if (pid == 0) child_main(plan);
    err_pipe->second.reset();
    int child_errno = 0;
    ssize_t n;
    do {
        n = read(err_pipe->first.get(), &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        return fail(ErrorKind::Io, spec.path,
                    std::string("cannot run: ") + std::strerror(child_errno));
    }
    return pid;
}

void kill_group(pid_t pid) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
}

int wait_blocking(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

class OutputSink {
  public:
    explicit OutputSink(std::uint64_t keep)
        : keep_(keep), flood_limit_(std::max<std::uint64_t>(keep * 64, 64 * 1024)) {}

    void add(const char* data, std::size_t n) {
        seen_ += n;
        std::size_t room = out_.size() < keep_ ? keep_ - out_.size() : 0;
        out_.append(data, std::min<std::size_t>(room, n));
        if (n > room) truncated_ = true;
    }
    bool flooding() const { return seen_ > flood_limit_; }
    bool truncated() const { return truncated_; }
    std::string take() { return std::move(out_); }

  private:
    std::uint64_t keep_;
    std::uint64_t flood_limit_;
    std::uint64_t seen_ = 0;
    bool truncated_ = false;
    std::string out_;
};

// Reads what is available; returns false at end of file.
bool drain(int fd, OutputSink& sink) {
    char buf[64 * 1024];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            sink.add(buf, static_cast<std::size_t>(n));
            if (sink.flooding()) return true;
            continue;
        }
        if (n == 0) return false;
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK;
    }
}

int poll_ms(Clock::time_point now, std::optional<Clock::time_point> until) {
    int ms = 100;
    if (until) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*until - now).count();
        ms = static_cast<int>(std::clamp<long long>(left + 1, 0, ms));
    }
    return ms;
}

// Whether the child has exited, leaving it a zombie so its pid and group stay reserved.
bool has_exited(pid_t pid) {
    siginfo_t info{};
    return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == pid;
}

}  // namespace

Result<Captured> run_captured(const SpawnSpec& spec, int timeout_s, std::uint64_t max_output) {
    auto out_pipe = make_pipe();
    if (!out_pipe) return tl::unexpected(out_pipe.error());
    auto pid = spawn(spec, out_pipe->second.get());
    if (!pid) return tl::unexpected(pid.error());
    out_pipe->second.reset();
    int fd = out_pipe->first.get();
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    // Readable once the child exits: its end wakes the loop at once instead of at the next
    // 100 ms turn (a child that closed its output first would otherwise cost every run that
    // wait). Where the kernel has no pidfds, -1: poll ignores it and the turns remain.
    // (The system call directly: glibc 2.36's <sys/pidfd.h> lacks extern "C".)
    Fd exit_fd(static_cast<int>(syscall(SYS_pidfd_open, *pid, 0)));

    Captured result;
    OutputSink sink(max_output);
    std::optional<Clock::time_point> deadline;
    if (timeout_s > 0) deadline = Clock::now() + std::chrono::seconds(timeout_s);
    std::optional<Clock::time_point> drain_until;  // set once the child is gone
    bool eof = false;
    for (;;) {
        auto now = Clock::now();
        if (!drain_until) {
            bool exited = has_exited(*pid);
            result.timed_out = !exited && deadline && now >= *deadline;
            result.output_flood = !exited && !result.timed_out && sink.flooding();
            if (exited || result.timed_out || result.output_flood) {
                kill_group(*pid);  // on a normal exit this reaches only what it left behind
                result.wait_status = wait_blocking(*pid);
                drain_until = Clock::now() + kDrainAfterExit;
            }
        }
        if (drain_until && (eof || now >= *drain_until)) break;
        pollfd p[2] = {{eof ? -1 : fd, POLLIN, 0}, {drain_until ? -1 : exit_fd.get(), POLLIN, 0}};
        if (poll(p, 2, poll_ms(now, drain_until ? drain_until : deadline)) > 0 && p[0].revents) {
            eof = !drain(fd, sink);
        }
    }
    result.output_truncated = sink.truncated();
    result.output = sink.take();
    return result;
}

Result<int> run_inherited(const SpawnSpec& spec, int timeout_s) {
    sigset_t watched, old;
    sigemptyset(&watched);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&watched, sig);
    pthread_sigmask(SIG_BLOCK, &watched, &old);
    auto pid = spawn(spec, -1);
    if (!pid) {
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        return tl::unexpected(pid.error());
    }
    std::optional<Clock::time_point> deadline;
    if (timeout_s > 0) deadline = Clock::now() + std::chrono::seconds(timeout_s);
    int status = 0;
    for (;;) {
        if (waitpid(*pid, &status, WNOHANG) == *pid) break;
        auto now = Clock::now();
        if (deadline && now >= *deadline) {
            kill_group(*pid);
            status = wait_blocking(*pid);
            break;
        }
        int ms = poll_ms(now, deadline);
        timespec ts{ms / 1000, (ms % 1000) * 1000000L};
        int sig = sigtimedwait(&watched, nullptr, &ts);
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) kill(*pid, sig);
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return status;
}

Result<pid_t> spawn_piped(const SpawnSpec& spec, int in_fd, int out_fd) {
    return spawn(spec, out_fd, in_fd, STDERR_FILENO);
}

std::string find_executable(const std::string& name, const std::string& path_var) {
    auto runnable = [](const std::string& p) {
        struct stat st;
        return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0;
    };
    if (name.empty()) return {};
    if (name.find('/') != std::string::npos) return runnable(name) ? name : std::string();
    std::size_t start = 0;
    for (;;) {
        std::size_t end = path_var.find(':', start);
        std::string dir = path_var.substr(start, end - start);
        std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
        if (runnable(candidate)) return candidate;
        if (end == std::string::npos) return {};
        start = end + 1;
    }
}

}  // namespace nxp::sandbox::detail

namespace nxp::sandbox::detail {

namespace {

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// What may wait in nxp for a child that does not read its stdin (answers to its own
// requests, such as a flood of pings), and how much of its stdout one turn of the loop
// reads before timeouts are checked again (a child writing without pause must not keep
// nxp in the reading loop forever).
constexpr std::size_t kMaxQueuedInput = 1 << 20;
constexpr std::size_t kMaxReadPerTurn = 1 << 20;

// The child's stdout, split into lines for the conversation. A line longer than `cap`
// ends the conversation, and so do answers piling up past kMaxQueuedInput.
struct LineReader {
    std::string partial;
    std::uint64_t cap;
    bool line_too_long = false;
    bool queue_full = false;

    // Reads what is available (up to kMaxReadPerTurn) and hands complete lines to
    // `on_line`, appending its answers to `reply`; false at end of file.
    bool read_lines(int fd, const LineHandler& on_line, std::string& reply, bool& done) {
        char buf[16 * 1024];
        for (std::size_t total = 0; total < kMaxReadPerTurn;) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n == 0) return false;
            if (n < 0) return errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK;
            total += static_cast<std::size_t>(n);
            std::size_t scanned = partial.size();
            partial.append(buf, static_cast<std::size_t>(n));
            std::size_t start = 0, nl;
            while (!done && !queue_full &&
                   (nl = partial.find('\n', std::max(start, scanned))) != std::string::npos) {
                reply += on_line(partial.substr(start, nl - start), done);
                start = nl + 1;
                queue_full = reply.size() > kMaxQueuedInput;
            }
            partial.erase(0, start);
            if (partial.size() > cap) line_too_long = true;
            if (done || queue_full || line_too_long) return true;
        }
        return true;
    }
};

}  // namespace

Result<Captured> run_dialogue(const SpawnSpec& spec, int timeout_s, std::uint64_t max_output,
                              const std::string& first_input, const LineHandler& on_line) {
    auto in_pipe = make_pipe();
    auto out_pipe = make_pipe();
    auto err_pipe = make_pipe();
    if (!in_pipe) return tl::unexpected(in_pipe.error());
    if (!out_pipe) return tl::unexpected(out_pipe.error());
    if (!err_pipe) return tl::unexpected(err_pipe.error());
    // nxp must survive a child that closes its stdin early.
    struct sigaction ignore {
    }, old_pipe{};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &old_pipe);
    auto pid = spawn(spec, out_pipe->second.get(), in_pipe->first.get(), err_pipe->second.get());
    if (!pid) {
        sigaction(SIGPIPE, &old_pipe, nullptr);
        return tl::unexpected(pid.error());
    }
    in_pipe->first.reset();
    out_pipe->second.reset();
    err_pipe->second.reset();
    int in_fd = in_pipe->second.get(), out_fd = out_pipe->first.get(),
        err_fd = err_pipe->first.get();
    set_nonblocking(in_fd);
    set_nonblocking(out_fd);
    set_nonblocking(err_fd);

    Captured result;
    OutputSink errors(max_output);
    LineReader lines{{}, std::max<std::uint64_t>(max_output, 64 * 1024)};
    std::string pending = first_input;
    bool done = false, out_eof = false, err_eof = false;
    std::optional<Clock::time_point> deadline;
    if (timeout_s > 0) deadline = Clock::now() + std::chrono::seconds(timeout_s);
    for (;;) {
        auto now = Clock::now();
        bool exited = has_exited(*pid);
        result.timed_out = !exited && !done && deadline && now >= *deadline;
        result.output_flood = !exited && errors.flooding();
        bool refused = lines.queue_full || lines.line_too_long;
        if (done || exited || refused || result.timed_out || result.output_flood ||
            (out_eof && err_eof)) {
            kill_group(*pid);
            result.wait_status = wait_blocking(*pid);
            break;
        }
        if (!pending.empty() && in_pipe->second) {
            ssize_t n = write(in_fd, pending.data(), pending.size());
            if (n > 0)
                pending.erase(0, static_cast<std::size_t>(n));
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                in_pipe->second.reset();
        }
        if (!in_pipe->second) pending.clear();  // stdin closed: no answer can reach it
        pollfd p[2] = {{out_eof ? -1 : out_fd, POLLIN, 0}, {err_eof ? -1 : err_fd, POLLIN, 0}};
        if (poll(p, 2, poll_ms(now, deadline)) <= 0) continue;
        if (p[0].revents) out_eof = !lines.read_lines(out_fd, on_line, pending, done);
        if (p[1].revents) err_eof = !drain(err_fd, errors);
    }
    sigaction(SIGPIPE, &old_pipe, nullptr);
    if (lines.queue_full) {
        return fail(ErrorKind::Invalid, "",
                    "the server sent requests without reading the answers (more than " +
                        std::to_string(kMaxQueuedInput / 1024) +
                        " KiB of answers waiting for its stdin); it was stopped");
    }
    if (lines.line_too_long) {
        return fail(ErrorKind::Invalid, "",
                    "the server wrote a line of more than " + std::to_string(lines.cap) +
                        " bytes on stdout; it was stopped");
    }
    result.output_truncated = errors.truncated();
    result.output = errors.take();
    return result;
}

}  // namespace nxp::sandbox::detail
