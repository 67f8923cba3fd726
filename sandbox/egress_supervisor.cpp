#include "sandbox/egress_supervisor.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <list>
#include <mutex>
#include <thread>

#include "sandbox/egress.hpp"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

namespace nxp::sandbox::detail {

namespace {

// ---- the child: async-signal-safe only ----

int write_all(const char* path, const char* text, std::size_t n) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    ssize_t w = write(fd, text, n);
    int err = w == static_cast<ssize_t>(n) ? 0 : (w < 0 ? errno : EIO);
    close(fd);
    return err;
}

// "ID ID 1\n" into buf; returns its length.
std::size_t id_map_line(char* buf, unsigned id) {
    char digits[16];
    std::size_t n = 0;
    do {
        digits[n++] = static_cast<char>('0' + id % 10);
        id /= 10;
    } while (id);
    std::size_t len = 0;
    for (int rep = 0; rep < 2; ++rep) {
        for (std::size_t i = n; i-- > 0;) buf[len++] = digits[i];
        buf[len++] = ' ';
    }
    buf[len++] = '1';
    buf[len++] = '\n';
    return len;
}

constexpr unsigned kMsgFastOpen = 0x20000000;  // MSG_FASTOPEN: a connect hidden in a send

constexpr std::uint32_t arg_low(int i) {
    return static_cast<std::uint32_t>(offsetof(seccomp_data, args) + 8 * i);
}

#if defined(__x86_64__)
// connect() goes to nxp; io_uring (whose operations never meet seccomp) is unavailable; a
// send with MSG_FASTOPEN (a connect of a TCP socket by another name) fails; any other ABI
// (i386, x32) cannot run at all.
const sock_filter kFilter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000 /* __X32_SYSCALL_BIT */, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_connect, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendto, 2, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendmmsg, 1, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendmsg, 2, 4),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arg_low(3)),  // sendto, sendmmsg: flags
    BPF_STMT(BPF_JMP | BPF_JA, 1),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arg_low(2)),  // sendmsg: flags
    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, kMsgFastOpen, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EOPNOTSUPP),
};
#endif

}  // namespace

int private_network_child(int sock) {
#if !defined(__x86_64__)
    (void)sock;
    return ENOSYS;  // the filter is written for x86_64's system call numbers
#else
    const unsigned uid = getuid(), gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) return errno;
    char line[48];
    int err = write_all("/proc/self/setgroups", "deny", 4);
    if (err && err != ENOENT) return err;
    if ((err = write_all("/proc/self/uid_map", line, id_map_line(line, uid)))) return err;
    if ((err = write_all("/proc/self/gid_map", line, id_map_line(line, gid)))) return err;

    int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (udp < 0) return errno;
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, "lo", 3);
    if (ioctl(udp, SIOCGIFFLAGS, &ifr) != 0) return errno;
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (ioctl(udp, SIOCSIFFLAGS, &ifr) != 0) return errno;
    sockaddr_in stub{};
    stub.sin_family = AF_INET;
    stub.sin_port = htons(53);
    stub.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(udp, reinterpret_cast<sockaddr*>(&stub), sizeof stub) != 0) return errno;

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
    sock_fprog prog{static_cast<unsigned short>(sizeof kFilter / sizeof kFilter[0]),
                    const_cast<sock_filter*>(kFilter)};
    long listener =
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    if (listener < 0) return errno;

    int fds[2] = {static_cast<int>(listener), udp};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof fds)] = {};
    char byte = 'n';
    iovec iov{&byte, 1};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fds);
    std::memcpy(CMSG_DATA(c), fds, sizeof fds);
    if (sendmsg(sock, &msg, MSG_NOSIGNAL) != 1) return errno ? errno : EIO;
    close(fds[0]);
    close(fds[1]);
    return 0;
#endif
}

std::vector<std::pair<std::string, std::string>> egress_etc_files() {
    return {{"/etc/resolv.conf",
             "# nxp: names are resolved by nxp, for the plugin's network grants only\n"
             "nameserver 127.0.0.1\noptions timeout:5 attempts:2\n"},
            {"/etc/hosts", "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n"},
            {"/etc/nsswitch.conf", "hosts: files dns\n"}};
}

// ---- the supervisor ----

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr int kMaxOpening = 64;  // connections being opened on the plugin's behalf at once
constexpr std::size_t kMaxAnswered = 4096;  // (name, address) pairs the stub gave out, kept

long sys_pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }
long sys_pidfd_getfd(int pidfd, int fd) { return syscall(SYS_pidfd_getfd, pidfd, fd, 0); }

// The target's descriptor `fd`, duplicated into nxp.
os::Fd target_fd(pid_t pid, int fd) {
    long p = sys_pidfd_open(pid, PIDFD_THREAD);
    if (p < 0) p = sys_pidfd_open(pid, 0);
    if (p < 0) return os::Fd();
    os::Fd pidfd(static_cast<int>(p));
    return os::Fd(static_cast<int>(sys_pidfd_getfd(pidfd.get(), fd)));
}

// Whether the target's descriptor is close-on-exec (the flags: line of its fdinfo).
bool target_cloexec(pid_t pid, int fd) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/fdinfo/" + std::to_string(fd));
    std::string key, value;
    while (in >> key >> value) {
        if (key == "flags:") return (std::stoul(value, nullptr, 8) & O_CLOEXEC) != 0;
    }
    return false;
}

int sock_opt(int fd, int level, int name) {
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, name, &v, &len) != 0) return -1;
    return v;
}

}  // namespace

struct EgressSupervisor::State {
    std::vector<egress::Grant> grants;
    egress::Log log;
    os::Fd parent;  // our end of the socket pair
    os::Fd stop;    // eventfd: the sandbox is gone
    os::Fd notify;  // the seccomp listener
    os::Fd dns;     // the stub's socket, in the sandbox's namespace
    ino_t sandbox_netns = 0;
    std::mutex mutex;
    std::vector<std::pair<std::string, egress::Address>> answered;  // under mutex
    struct Worker {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    std::list<Worker> workers;  // only the supervisor thread touches it
    std::thread thread;

    explicit State(std::filesystem::path log_file) : log(std::move(log_file)) {}

    bool stopping() const {
        pollfd p{stop.get(), POLLIN, 0};
        return poll(&p, 1, 0) > 0;
    }

    void respond(std::uint64_t id, int error, bool cont = false) {
        seccomp_notif_resp resp{};
        resp.id = id;
        resp.error = error ? -error : 0;
        resp.flags = cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
        ioctl(notify.get(), SECCOMP_IOCTL_NOTIF_SEND, &resp);  // ENOENT: the call is gone
    }

    bool still_valid(std::uint64_t id) {
        return ioctl(notify.get(), SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
    }

    void record(bool allow, const std::string& host, const egress::Address& a, int port,
                const std::string& reason) {
        log.write({allow, host, a.str(), port, "connect", reason});
    }

    void run() {
        if (!receive()) return;
        for (;;) {
            reap(false);
            pollfd p[3] = {
                {stop.get(), POLLIN, 0}, {notify.get(), POLLIN, 0}, {dns.get(), POLLIN, 0}};
            if (poll(p, 3, 1000) < 0 && errno != EINTR) break;
            if (p[0].revents) break;
            if (p[2].revents & POLLIN) answer_dns();
            if (p[1].revents & POLLIN) handle_notification();
            if ((p[1].revents & (POLLHUP | POLLERR)) && !(p[1].revents & POLLIN)) {
                // Every process of the sandbox is gone; wait to be stopped.
                pollfd s{stop.get(), POLLIN, 0};
                poll(&s, 1, -1);
                break;
            }
        }
        reap(true);
    }

    // The listener and DNS socket from the child; false when it failed before sending them.
    bool receive() {
        for (;;) {
            pollfd p[2] = {{stop.get(), POLLIN, 0}, {parent.get(), POLLIN, 0}};
            if (poll(p, 2, -1) < 0) {
                if (errno == EINTR) continue;
                return false;
            }
            if (p[0].revents) return false;
            if (p[1].revents) break;
        }
        int fds[2] = {-1, -1};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof fds)] = {};
        char byte = 0;
        iovec iov{&byte, 1};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        if (recvmsg(parent.get(), &msg, MSG_CMSG_CLOEXEC) != 1) return false;
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof fds)) return false;
        std::memcpy(fds, CMSG_DATA(c), sizeof fds);
        notify = os::Fd(fds[0]);
        dns = os::Fd(fds[1]);
        sandbox_netns = netns_of(dns.get());
        return sandbox_netns != 0;
    }

    // The inode of a socket's network namespace (SIOCGSKNS), 0 when it cannot be told.
    static ino_t netns_of(int sock) {
        os::Fd ns(ioctl(sock, SIOCGSKNS));
        struct stat st;
        if (!ns || fstat(ns.get(), &st) != 0) return 0;
        return st.st_ino;
    }
    bool in_sandbox_namespace(int sock) const { return netns_of(sock) == sandbox_netns; }

    void answer_dns() {
        unsigned char buf[4096];
        sockaddr_storage from{};
        socklen_t from_len = sizeof from;
        ssize_t n = recvfrom(dns.get(), buf, sizeof buf, MSG_DONTWAIT,
                             reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n <= 0) return;
        auto a =
            egress::answer_dns(buf, static_cast<std::size_t>(n), grants, egress::resolve_on_host);
        for (const auto& d : a.decisions) log.write(d);
        if (!a.answered.empty()) {
            std::lock_guard lock(mutex);
            for (auto& entry : a.answered) {
                if (std::find(answered.begin(), answered.end(), entry) == answered.end())
                    answered.push_back(std::move(entry));
            }
            // Bounded (a *.suffix grant admits any number of names): the oldest answers go
            // first; a client connects right after resolving.
            if (answered.size() > kMaxAnswered)
                answered.erase(answered.begin(),
                               answered.begin() + static_cast<std::ptrdiff_t>(kMaxAnswered / 2));
        }
        if (!a.reply.empty())
            sendto(dns.get(), a.reply.data(), a.reply.size(), MSG_DONTWAIT,
                   reinterpret_cast<sockaddr*>(&from), from_len);
    }

    void handle_notification() {
        seccomp_notif req{};
        if (ioctl(notify.get(), SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return;
        const int fd = static_cast<int>(req.data.args[0]);
        const std::uint64_t len = req.data.args[2];
        sockaddr_storage addr{};
        if (len < sizeof(sa_family_t) || len > sizeof addr) return respond(req.id, 0, true);
        iovec local{&addr, static_cast<std::size_t>(len)};
        iovec remote{reinterpret_cast<void*>(req.data.args[1]), static_cast<std::size_t>(len)};
        ssize_t got = process_vm_readv(static_cast<pid_t>(req.pid), &local, 1, &remote, 1, 0);
        // What was read belongs to this call only if the call is still waiting.
        if (!still_valid(req.id)) return;
        if (got != static_cast<ssize_t>(len)) return respond(req.id, EFAULT);
        if (addr.ss_family == AF_UNSPEC) return unspec(req, fd);
        // Other families (AF_UNIX, netlink, …) stay within the sandbox's own namespaces.
        if (addr.ss_family != AF_INET && addr.ss_family != AF_INET6)
            return respond(req.id, 0, true);
        auto target = egress::from_sockaddr(&addr, static_cast<std::size_t>(len));
        if (!target) return respond(req.id, 0, true);  // the kernel refuses the short address
        const auto& [to, port] = *target;
        egress::ConnectVerdict verdict;
        {
            std::lock_guard lock(mutex);
            verdict = egress::check_connect(grants, answered, to, port);
        }
        os::Fd sock = target_fd(static_cast<pid_t>(req.pid), fd);
        if (!verdict.allow && egress::is_loopback(to) && sock && in_sandbox_namespace(sock.get())) {
            // Within the private namespace loopback is the sandbox's own: the stub, or a
            // listener the plugin opened itself. Nothing on the host is reachable there.
            // (A socket nxp connected on the host is never handed back to the kernel.)
            if (!(port == 53 && to.str() == "127.0.0.1"))
                record(false, verdict.host, to, port,
                       verdict.reason + "; reaches only the sandbox's own loopback");
            return respond(req.id, 0, true);
        }
        int type = sock ? sock_opt(sock.get(), SOL_SOCKET, SO_TYPE) : -1;
        if (type == SOCK_DGRAM) {
            // Connecting a datagram socket sends nothing, and in the private namespace
            // nothing but loopback can be reached: the kernel answers ENETUNREACH.
            if (port != 0)
                record(false, verdict.host, to, port,
                       verdict.allow ? "only TCP is granted" : verdict.reason);
            return respond(req.id, 0, true);
        }
        if (!verdict.allow || type != SOCK_STREAM) {
            record(false, verdict.host, to, port,
                   verdict.allow ? "only TCP is granted" : verdict.reason);
            return respond(req.id, ECONNREFUSED);
        }
        if (static_cast<int>(workers.size()) >= kMaxOpening) {
            record(false, verdict.host, to, port, "too many connections being opened at once");
            return respond(req.id, ECONNREFUSED);
        }
        auto done = std::make_shared<std::atomic<bool>>(false);
        Worker w;
        w.done = done;
        w.thread = std::thread([this, req, fd, addr, len, sock = std::move(sock), verdict, to = to,
                                port = port, done]() mutable {
            open_for(req, fd, addr, static_cast<socklen_t>(len), std::move(sock), verdict, to,
                     port);
            done->store(true);
        });
        workers.push_back(std::move(w));
    }

    // connect(fd, AF_UNSPEC) dissolves a connection; on a TCP socket nxp opened on the host
    // it would let the plugin listen there. Refused for TCP, left to the kernel otherwise.
    void unspec(const seccomp_notif& req, int fd) {
        os::Fd sock = target_fd(static_cast<pid_t>(req.pid), fd);
        int type = sock ? sock_opt(sock.get(), SOL_SOCKET, SO_TYPE) : -1;
        if (type == SOCK_DGRAM) return respond(req.id, 0, true);
        int domain = sock ? sock_opt(sock.get(), SOL_SOCKET, SO_DOMAIN) : -1;
        if (domain != AF_INET && domain != AF_INET6 && type != -1) return respond(req.id, 0, true);
        respond(req.id, EOPNOTSUPP);
    }

    // Opens the granted connection on the host and puts it in place of the plugin's socket.
    void open_for(const seccomp_notif& req, int fd, const sockaddr_storage& addr, socklen_t len,
                  os::Fd theirs, const egress::ConnectVerdict& verdict, const egress::Address& to,
                  std::uint16_t port) {
        int domain = sock_opt(theirs.get(), SOL_SOCKET, SO_DOMAIN);
        int protocol = sock_opt(theirs.get(), SOL_SOCKET, SO_PROTOCOL);
        int status = fcntl(theirs.get(), F_GETFL);
        bool cloexec = target_cloexec(static_cast<pid_t>(req.pid), fd);
        os::Fd ours(socket(domain, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                           protocol < 0 ? 0 : protocol));
        if (!ours) {
            record(true, verdict.host, to, port, verdict.reason + "; " + std::strerror(errno));
            return respond(req.id, errno);
        }
        for (int opt : {TCP_NODELAY}) {
            int v = sock_opt(theirs.get(), IPPROTO_TCP, opt);
            if (v > 0) setsockopt(ours.get(), IPPROTO_TCP, opt, &v, sizeof v);
        }
        if (int v = sock_opt(theirs.get(), SOL_SOCKET, SO_KEEPALIVE); v > 0)
            setsockopt(ours.get(), SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v);
        theirs.reset();
        int err = 0;
        if (connect(ours.get(), reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
            err = errno;
            if (err == EINPROGRESS) err = wait_connected(ours.get());
        }
        if (err != 0) {
            record(true, verdict.host, to, port,
                   verdict.reason + "; connecting failed: " + std::strerror(err));
            return respond(req.id, err);
        }
        if (status >= 0 && !(status & O_NONBLOCK))
            fcntl(ours.get(), F_SETFL, fcntl(ours.get(), F_GETFL) & ~O_NONBLOCK);
        seccomp_notif_addfd add{};
        add.id = req.id;
        add.flags = SECCOMP_ADDFD_FLAG_SETFD;
        add.srcfd = static_cast<std::uint32_t>(ours.get());
        add.newfd = static_cast<std::uint32_t>(fd);
        add.newfd_flags = cloexec ? O_CLOEXEC : 0;
        if (ioctl(notify.get(), SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0) {
            // The call was interrupted (a signal) or the process is gone: nothing happened.
            return;
        }
        record(true, verdict.host, to, port, verdict.reason);
        respond(req.id, 0);
    }

    // SO_ERROR once connected, ETIMEDOUT after kConnectTimeout, ECANCELED when stopping.
    int wait_connected(int fd) {
        auto until = Clock::now() + kConnectTimeout;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
            if (left.count() <= 0) return ETIMEDOUT;
            pollfd p[2] = {{fd, POLLOUT, 0}, {stop.get(), POLLIN, 0}};
            int r = poll(p, 2, static_cast<int>(left.count()));
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) return errno;
            if (p[1].revents) return ECANCELED;
            if (p[0].revents) {
                int v = sock_opt(fd, SOL_SOCKET, SO_ERROR);
                return v < 0 ? EIO : v;
            }
        }
    }

    void reap(bool all) {
        for (auto it = workers.begin(); it != workers.end();) {
            if (all || it->done->load()) {
                it->thread.join();
                it = workers.erase(it);
            } else {
                ++it;
            }
        }
    }
};

namespace {

// Whether this host lets nxp make the private namespaces (once per process): empty, or why
// not, so that a plugin with network grants fails naming the cause rather than with the
// bare errno of a failed start.
std::string namespaces_problem() {
#if !defined(__x86_64__)
    return "per-host network grants are enforced on x86_64 only";
#else
    static const std::string problem = [] {
        pid_t pid = fork();
        if (pid < 0) return std::string("fork: ") + std::strerror(errno);
        if (pid == 0) _exit(unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0 ? 0 : errno);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::string();
        int err = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
        return "creating a user and network namespace failed (" + std::string(std::strerror(err)) +
               "; are unprivileged user namespaces disabled, e.g. "
               "kernel.unprivileged_userns_clone=0?)";
    }();
    return problem;
#endif
}

}  // namespace

Result<std::unique_ptr<EgressSupervisor>> EgressSupervisor::start(const Profile& profile) {
    auto grants = egress::parse_grants(profile.network);
    if (!grants) return tl::unexpected(in_context(grants.error(), profile.name));
    if (auto problem = namespaces_problem(); !problem.empty())
        return fail(ErrorKind::Invalid, "",
                    "cannot confine the network of " + profile.name + " to its grants: " + problem);
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        return fail(ErrorKind::Io, "socketpair", std::strerror(errno));
    std::unique_ptr<EgressSupervisor> s(new EgressSupervisor());
    s->child_ = os::Fd(pair[1]);
    s->state_ = std::make_unique<State>(profile.egress_log);
    s->state_->parent = os::Fd(pair[0]);
    s->state_->grants = std::move(*grants);
    s->state_->stop = os::Fd(eventfd(0, EFD_CLOEXEC));
    if (!s->state_->stop) return fail(ErrorKind::Io, "eventfd", std::strerror(errno));
    // Signals stay with the thread that waits for the sandbox (exec forwards them).
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    State* state = s->state_.get();
    s->state_->thread = std::thread([state] { state->run(); });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return s;
}

EgressSupervisor::~EgressSupervisor() {
    if (!state_) return;
    std::uint64_t one = 1;
    ssize_t ignored = write(state_->stop.get(), &one, sizeof one);
    (void)ignored;
    if (state_->thread.joinable()) state_->thread.join();
}

}  // namespace nxp::sandbox::detail
