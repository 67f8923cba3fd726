#include "sandbox/runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <system_error>

#include "formats/display.hpp"
#include "sandbox/cgroup.hpp"
#include "sandbox/host_tools.hpp"
#include "sandbox/launch.hpp"
#include "sandbox/process.hpp"

namespace nxp::sandbox {

namespace {

namespace fs = std::filesystem;
using detail::Launch;
using detail::SpawnSpec;

constexpr const char* kSandboxPath = "/usr/local/bin:/usr/bin:/bin";
constexpr const char* kBwrapSearch = "/usr/bin:/usr/local/bin:/bin";

// Top-level directories that merged-/usr hosts make symlinks into /usr.
constexpr const char* kRootDirs[] = {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
// Non-secret parts of /etc that programs commonly need.
constexpr const char* kEtcAlways[] = {"/etc/ssl", "/etc/ca-certificates", "/etc/alternatives",
                                      "/etc/ld.so.cache", "/etc/localtime"};
// With network grants: the host's address-selection rules; resolv.conf, hosts and
// nsswitch.conf are nxp's own (egress_etc_files), naming its DNS stub.
constexpr const char* kEtcNetwork[] = {"/etc/gai.conf"};

std::string bwrap_binary() {
    std::string found = detail::find_executable("bwrap", kBwrapSearch);
    return found.empty() ? "bwrap" : found;
}

bool exists(const char* path) {
    struct stat st;
    return stat(path, &st) == 0;
}

void add(std::vector<std::string>& v, std::initializer_list<std::string> items) {
    v.insert(v.end(), items);
}

void add_root_dirs(std::vector<std::string>& args) {
    for (const char* dir : kRootDirs) {
        struct stat st;
        if (lstat(dir, &st) != 0) continue;
        if (S_ISLNK(st.st_mode)) {
            std::error_code ec;
            fs::path target = fs::read_symlink(dir, ec);
            if (!ec) add(args, {"--symlink", target.string(), dir});
        } else if (S_ISDIR(st.st_mode)) {
            add(args, {"--ro-bind", dir, dir});
        }
    }
}

// The host's tool directories, then the system's.
std::string search_path(const Profile& p) {
    std::string path;
    for (const auto& dir : p.tool_dirs) path += dir.string() + ":";
    return path + kSandboxPath;
}

// The environment the plugin sees: fixed basics, then its configured variables.
std::vector<std::pair<std::string, std::string>> plugin_env(const Profile& p) {
    std::vector<std::pair<std::string, std::string>> env = {
        {"PATH", search_path(p)}, {"HOME", p.state_dir.string()}, {"TMPDIR", "/tmp"}};
    for (const auto& [name, value] : p.env) env.emplace_back(name, value);
    return env;
}

// A server starts in its own writable state directory (also its HOME), as it would start in a
// writable directory under npx: servers that create files relative to where they start
// (`mkdir ./datasets`) must not fail on the read-only plugin tree. Without a state directory,
// the plugin tree.
fs::path workdir_of(const Profile& p) {
    if (!p.workdir.empty()) return p.workdir;
    return p.state_dir.empty() ? p.plugin_dir : p.state_dir;
}

SpawnSpec direct_spec(const Profile& p, std::string executable) {
    SpawnSpec spec;
    spec.path = std::move(executable);
    spec.argv = p.argv;
    for (const auto& [name, value] : plugin_env(p)) {
        const std::string prefix = name + "=";  // clang 14 cannot capture a structured binding
        std::erase_if(spec.env, [&](const std::string& e) { return e.starts_with(prefix); });
        spec.env.push_back(name + "=" + value);
    }
    spec.workdir = workdir_of(p).string();
    spec.max_processes = p.max_processes;
    return spec;
}

std::string first_line(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    auto nl = text.rfind('\n');
    return nl == std::string::npos ? text : text.substr(nl + 1);
}

struct Probe {
    bool works = false;
    std::string why;
};

// What could change whether bubblewrap works here, as one memo key: bubblewrap itself (real
// path, device, inode, size, mtime, ctime: a new version, a setuid bit added), the boot (a
// sysctl set since, a new kernel), the sysctls that gate unprivileged user namespaces, and
// the process's own standing (its user, user and mount namespaces, capabilities, seccomp
// filters and no_new_privs: a container, a service with RestrictNamespaces=). nullopt when
// bubblewrap cannot be identified (not an ELF file): then it is probed every time.
std::optional<std::string> probe_key(const std::string& bwrap) {
    std::error_code ec;
    fs::path real = fs::canonical(bwrap, ec);
    if (ec) return {};
    auto id = detail::executable_identity(real);
    if (!id) return {};
    auto file = [](const char* path) {
        std::ifstream in(path);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.is_open()) return std::string("-");
        while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
        std::replace_if(
            text.begin(), text.end(), [](char c) { return c == '\n' || c == '\t'; }, ' ');
        return text;
    };
    std::string key = "bwrap-probe-1\t" + *id;
    for (const char* path :
         {"/proc/sys/kernel/random/boot_id", "/proc/sys/kernel/unprivileged_userns_clone",
          "/proc/sys/user/max_user_namespaces",
          "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"})
        key += '\t' + file(path);
    for (const char* ns : {"/proc/self/ns/user", "/proc/self/ns/mnt"}) {
        auto target = fs::read_symlink(ns, ec);
        key += '\t' + (ec ? std::string("-") : target.string());
    }
    key += "\tuid=" + std::to_string(::geteuid());
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
        if (line.starts_with("CapEff:") || line.starts_with("NoNewPrivs:") ||
            line.starts_with("Seccomp:") || line.starts_with("Seccomp_filters:")) {
            std::replace(line.begin(), line.end(), '\t', ' ');
            key += '\t' + line;
        }
    }
    return key;
}

// Whether bubblewrap can make a sandbox here: a trial run, ~10-50 ms of namespaces and
// mounts. `nxp exec` starts once per MCP server and NextChat session, so a success is
// remembered in host_memo_dir()/bwrap-probe under probe_key. A failure is not remembered:
// it may pass (a hung bwrap under load, a process limit), and a host without a sandbox
// refuses plugin code anyway or runs it only with --allow-unsandboxed.
Probe probe_bwrap() {
    std::string bwrap = detail::find_executable("bwrap", kBwrapSearch);
    if (bwrap.empty()) return {false, "bwrap not found in " + std::string(kBwrapSearch)};
    const fs::path memo = host_memo_dir().empty() ? fs::path() : host_memo_dir() / "bwrap-probe";
    std::optional<std::string> key = memo.empty() ? std::nullopt : probe_key(bwrap);
    if (key && detail::read_memo(memo, *key) == "works") return {true, ""};
    SpawnSpec spec;
    spec.path = bwrap;
    spec.argv = {bwrap,        "--unshare-all", "--die-with-parent", "--new-session",
                 "--cap-drop", "ALL",           "--ro-bind",         "/",
                 "/",          "true"};
    spec.env = {std::string("PATH=") + kSandboxPath};
    auto out = detail::run_captured(spec, 10, 4096);
    if (!out) return {false, out.error().str()};
    if (WIFEXITED(out->wait_status) && WEXITSTATUS(out->wait_status) == 0) {
        if (key) detail::write_memo(memo, *key, "works");
        return {true, ""};
    }
    std::string why = first_line(out->output);
    if (why.empty()) why = out->timed_out ? "bwrap hung" : "bwrap failed";
    return {false, why};
}

Result<detail::Launch> prepare(const Profile& p, bool inherit_stdio) {
    if (p.argv.empty()) return fail(ErrorKind::Invalid, p.name, "no command to run");
    std::error_code ec;
    fs::create_directories(p.state_dir, ec);
    if (ec) return fail(ErrorKind::Io, p.state_dir.string(), ec.message());
    std::string why;
    bool works = sandbox_available(&why);
    return detail::launch_spec(p, works, why, inherit_stdio);
}

}  // namespace

namespace detail {

namespace {

// The plugin's environment as bubblewrap arguments in a memfd read through --args: on
// bubblewrap's command line every local user could read a secret in /proc/PID/cmdline, and
// in bubblewrap's own environment a variable such as LD_PRELOAD would act on bubblewrap
// itself, outside the sandbox.
Result<os::Fd> data_file(const std::string& text);

Result<os::Fd> env_args_file(const Profile& p) {
    std::string text;
    for (const auto& [name, value] : plugin_env(p)) {
        // A NUL would end the value early and turn the rest into bubblewrap options.
        if (name.find('\0') != std::string::npos || value.find('\0') != std::string::npos)
            return fail(ErrorKind::Invalid, p.name + ": environment variable " + name,
                        "holds a NUL byte; refused");
        text.append("--setenv").push_back('\0');
        text.append(name).push_back('\0');
        text.append(value).push_back('\0');
    }
    return data_file(text);
}

// `text` in a memfd, read from its start (--args, --ro-bind-data).
Result<os::Fd> data_file(const std::string& text) {
    os::Fd fd(::memfd_create("nxp-sandbox", MFD_CLOEXEC));
    if (!fd.valid()) return fail(ErrorKind::Io, "memfd_create", std::strerror(errno));
    for (std::size_t done = 0; done < text.size();) {
        ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(ErrorKind::Io, "memfd", std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
    if (::lseek(fd.get(), 0, SEEK_SET) != 0)
        return fail(ErrorKind::Io, "memfd", std::strerror(errno));
    return fd;
}

// A descriptor numbered 3 or more: 0-2 are replaced by the child's stdio before exec.
os::Fd above_stdio(os::Fd fd) {
    if (fd.get() > 2) return fd;
    return os::Fd(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
}

std::string tmp_size(const Profile& p) {
    return std::to_string(p.max_tmp ? p.max_tmp : Profile{}.max_tmp);
}

}  // namespace

Result<Launch> bwrap_launch(const Profile& p) {
    auto mounts = open_mounts(p);
    if (!mounts) return tl::unexpected(mounts.error());
    auto env = env_args_file(p);
    if (!env) return tl::unexpected(env.error());
    *env = above_stdio(std::move(*env));
    if (!env->valid()) return fail(ErrorKind::Io, "memfd", std::strerror(errno));
    Launch l;
    auto& args = l.spec.argv;
    if (p.network.empty()) {
        args = {bwrap_binary(), "--unshare-all"};
    } else {
        // Every namespace but the network one: nxp's child made a private one already, with
        // only loopback, its DNS stub and nxp deciding each connect (egress_supervisor.hpp).
        args = {bwrap_binary(),  "--unshare-user-try", "--unshare-ipc",
                "--unshare-pid", "--unshare-uts",      "--unshare-cgroup-try"};
    }
    // As root, bubblewrap keeps every capability inside; without dropping them plugin code
    // could remount its read-only binds writable.
    add(args, {"--die-with-parent", "--new-session", "--cap-drop", "ALL"});
    add(args, {"--ro-bind", "/usr", "/usr"});
    add_root_dirs(args);
    for (const char* path : kEtcAlways) {
        if (exists(path)) add(args, {"--ro-bind", path, path});
    }
    if (!p.network.empty()) {
        for (const char* path : kEtcNetwork) {
            if (exists(path)) add(args, {"--ro-bind", path, path});
        }
        for (const auto& [dest, text] : egress_etc_files()) {
            auto fd = data_file(text);
            if (!fd) return tl::unexpected(fd.error());
            *fd = above_stdio(std::move(*fd));
            if (!fd->valid()) return fail(ErrorKind::Io, dest, std::strerror(errno));
            add(args, {"--ro-bind-data", std::to_string(fd->get()), dest});
            l.spec.inherit_fds.push_back(fd->get());
            l.fds.push_back(std::move(*fd));
        }
    }
    // Every writable tmpfs is capped (its pages count against the memory cgroup too); /dev
    // and / are read-only once set up, so nothing else can be filled.
    add(args, {"--proc", "/proc", "--dev", "/dev", "--size", tmp_size(p), "--tmpfs", "/dev/shm",
               "--remount-ro", "/dev", "--size", tmp_size(p), "--tmpfs", "/tmp"});
    // After /tmp: a plugin or state directory may live below it.
    for (auto& m : *mounts) {
        m.fd = above_stdio(std::move(m.fd));
        if (!m.fd.valid()) return fail(ErrorKind::Io, m.dest.string(), std::strerror(errno));
        const std::string fd = std::to_string(m.fd.get());
        add(args, {m.writable ? "--bind-fd" : "--ro-bind-fd", fd, m.dest.string()});
        l.spec.inherit_fds.push_back(m.fd.get());
        l.fds.push_back(std::move(m.fd));
    }
    // Last: a writable grant above a tool directory must not make the host's Node writable.
    for (const auto& dir : p.tool_dirs) add(args, {"--ro-bind-try", dir.string(), dir.string()});
    add(args, {"--remount-ro", "/", "--chdir", workdir_of(p).string(), "--clearenv"});
    add(args, {"--args", std::to_string(env->get())});
    l.spec.inherit_fds.push_back(env->get());
    l.fds.push_back(std::move(*env));
    args.push_back("--");
    args.insert(args.end(), p.argv.begin(), p.argv.end());
    l.spec.path = args.front();
    l.spec.env = {std::string("PATH=") + kSandboxPath};
    l.spec.max_processes = p.max_processes;
    return l;
}

}  // namespace detail

Result<std::vector<std::string>> bwrap_argv(const Profile& p) {
    auto l = detail::bwrap_launch(p);
    if (!l) return tl::unexpected(l.error());
    return l->spec.argv;
}

bool sandbox_available(std::string* why) {
    // Once per process (the host does not change under it), and remembered between processes
    // while probe_key holds.
    static const Probe probe = probe_bwrap();
    if (why) *why = probe.why;
    return probe.works;
}

namespace detail {

Result<Launch> launch_spec(const Profile& p, bool sandbox_works, const std::string& why,
                           bool inherit_stdio) {
    Launch l;
    if (sandbox_works) {
        auto b = bwrap_launch(p);
        if (!b) return tl::unexpected(b.error());
        l = std::move(*b);
        if (!p.network.empty()) {
            auto egress = EgressSupervisor::start(p);
            if (!egress) return tl::unexpected(egress.error());
            l.egress = std::move(*egress);
            l.spec.egress_fd = l.egress->child_fd();
        }
    } else if (p.allow_unsandboxed) {
        std::string path_var = search_path(p);
        if (auto it = p.env.find("PATH"); it != p.env.end()) path_var = it->second;
        std::string exe = find_executable(p.argv.front(), path_var);
        if (exe.empty()) {
            return fail(ErrorKind::NotFound, p.name, p.argv.front() + ": command not found");
        }
        l.spec = direct_spec(p, exe);
    } else {
        return fail(ErrorKind::Invalid, "",
                    "cannot run plugin code for " + p.name + ": bubblewrap sandbox unavailable (" +
                        why + "); pass --allow-unsandboxed to run it without one");
    }
    l.spec.inherit_stdio = inherit_stdio;
    return l;
}

}  // namespace detail

Result<RunResult> run(const Profile& profile) {
    auto launch = prepare(profile, false);
    if (!launch) return tl::unexpected(launch.error());
    auto cgroup = detail::SandboxCgroup::create(profile.max_processes, profile.max_memory);
    launch->spec.cgroup_procs = cgroup.procs_files();
    auto out = detail::run_captured(launch->spec, profile.timeout_s, profile.max_output);
    if (!out) return tl::unexpected(in_context(out.error(), profile.name));
    RunResult r;
    if (WIFEXITED(out->wait_status)) r.exit_code = WEXITSTATUS(out->wait_status);
    if (WIFSIGNALED(out->wait_status)) r.signal = WTERMSIG(out->wait_status);
    r.timed_out = out->timed_out;
    r.output_truncated = out->output_truncated;
    r.output_flood = out->output_flood;
    r.output = std::move(out->output);
    r.timeout_s = profile.timeout_s;
    // bubblewrap's init reports its killed child as status 137, not as a signal.
    r.out_of_memory = (r.signal != 0 || r.exit_code != 0) && cgroup.oom_killed();
    r.max_memory = profile.max_memory;
    r.sandboxed = sandbox_available(nullptr);  // launch_spec used bubblewrap exactly then
    return r;
}

Result<RunResult> converse(const Profile& profile, const std::string& first_input,
                           const LineHandler& on_line) {
    auto launch = prepare(profile, false);
    if (!launch) return tl::unexpected(launch.error());
    auto cgroup = detail::SandboxCgroup::create(profile.max_processes, profile.max_memory);
    launch->spec.cgroup_procs = cgroup.procs_files();
    auto out = detail::run_dialogue(launch->spec, profile.timeout_s, profile.max_output,
                                    first_input, on_line);
    if (!out) return tl::unexpected(in_context(out.error(), profile.name));
    RunResult r;
    if (WIFEXITED(out->wait_status)) r.exit_code = WEXITSTATUS(out->wait_status);
    if (WIFSIGNALED(out->wait_status)) r.signal = WTERMSIG(out->wait_status);
    r.timed_out = out->timed_out;
    r.output_truncated = out->output_truncated;
    r.output_flood = out->output_flood;
    r.output = std::move(out->output);
    r.timeout_s = profile.timeout_s;
    // bubblewrap's init reports its killed child as status 137, not as a signal.
    r.out_of_memory = (r.signal != 0 || r.exit_code != 0) && cgroup.oom_killed();
    r.max_memory = profile.max_memory;
    r.sandboxed = sandbox_available(nullptr);
    return r;
}

Result<int> exec_inherit(const Profile& profile) {
    auto launch = prepare(profile, true);
    if (!launch) return tl::unexpected(launch.error());
    auto cgroup = detail::SandboxCgroup::create(profile.max_processes, profile.max_memory);
    launch->spec.cgroup_procs = cgroup.procs_files();
    auto status = detail::run_inherited(launch->spec, profile.timeout_s);
    if (!status) return tl::unexpected(in_context(status.error(), profile.name));
    if (WIFSIGNALED(*status)) return 128 + WTERMSIG(*status);  // as a shell reports it
    return WEXITSTATUS(*status);
}

Result<int> exec_relayed(const Profile& profile, LineRelay& relay) {
    // Blocked before the egress supervisor's thread starts, so that it inherits the mask and
    // the loop's signalfd receives them.
    sigset_t forwarded, old_mask;
    sigemptyset(&forwarded);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&forwarded, sig);
    pthread_sigmask(SIG_BLOCK, &forwarded, &old_mask);
    auto launch = prepare(profile, false);
    if (!launch) {
        pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
        return tl::unexpected(launch.error());
    }
    auto cgroup = detail::SandboxCgroup::create(profile.max_processes, profile.max_memory);
    launch->spec.cgroup_procs = cgroup.procs_files();
    auto out = detail::run_relayed(launch->spec, relay);
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    if (!out) return tl::unexpected(in_context(out.error(), profile.name));
    if (out->closed) return 1;
    if (WIFSIGNALED(out->wait_status)) return 128 + WTERMSIG(out->wait_status);
    int code = WEXITSTATUS(out->wait_status);
    return code == 0 && out->mid_message ? 1 : code;
}

std::string RunResult::describe() const {
    if (timed_out) return "timed out after " + std::to_string(timeout_s) + " s";
    if (out_of_memory)
        return "killed for using more than its memory limit (" + formats::human_size(max_memory) +
               ")";
    if (output_flood) return "killed for writing too much output";
    if (signal != 0) {
        const char* name = sigabbrev_np(signal);
        return "killed by signal " + (name ? "SIG" + std::string(name) : std::to_string(signal));
    }
    return "exited with status " + std::to_string(exit_code);
}

}  // namespace nxp::sandbox
