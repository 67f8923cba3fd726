#include "sandbox/runner.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <system_error>

#include "sandbox/cgroup.hpp"
#include "sandbox/launch.hpp"
#include "sandbox/process.hpp"

namespace nxp::sandbox {

namespace {

namespace fs = std::filesystem;
using detail::SpawnSpec;

constexpr const char* kSandboxPath = "/usr/local/bin:/usr/bin:/bin";
constexpr const char* kBwrapSearch = "/usr/bin:/usr/local/bin:/bin";

// Top-level directories that merged-/usr hosts make symlinks into /usr.
constexpr const char* kRootDirs[] = {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
// Non-secret parts of /etc that programs commonly need.
constexpr const char* kEtcAlways[] = {"/etc/ssl", "/etc/ca-certificates", "/etc/alternatives",
                                      "/etc/ld.so.cache", "/etc/localtime"};
constexpr const char* kEtcNetwork[] = {"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf",
                                       "/etc/gai.conf"};

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

fs::path workdir_of(const Profile& p) { return p.workdir.empty() ? p.plugin_dir : p.workdir; }

SpawnSpec direct_spec(const Profile& p, std::string executable) {
    SpawnSpec spec;
    spec.path = std::move(executable);
    spec.argv = p.argv;
    for (const auto& [name, value] : plugin_env(p)) {
        std::erase_if(spec.env, [&](const std::string& e) { return e.starts_with(name + "="); });
        spec.env.push_back(name + "=" + value);
    }
    spec.workdir = workdir_of(p).string();
    spec.max_processes = p.max_processes;
    spec.max_memory = p.max_memory;
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

Probe probe_bwrap() {
    std::string bwrap = detail::find_executable("bwrap", kBwrapSearch);
    if (bwrap.empty()) return {false, "bwrap not found in " + std::string(kBwrapSearch)};
    SpawnSpec spec;
    spec.path = bwrap;
    spec.argv = {bwrap,        "--unshare-all", "--die-with-parent", "--new-session",
                 "--cap-drop", "ALL",           "--ro-bind",         "/",
                 "/",          "true"};
    spec.env = {std::string("PATH=") + kSandboxPath};
    auto out = detail::run_captured(spec, 10, 4096);
    if (!out) return {false, out.error().str()};
    if (WIFEXITED(out->wait_status) && WEXITSTATUS(out->wait_status) == 0) return {true, ""};
    std::string why = first_line(out->output);
    if (why.empty()) why = out->timed_out ? "bwrap hung" : "bwrap failed";
    return {false, why};
}

Result<SpawnSpec> prepare(const Profile& p, bool inherit_stdio) {
    if (p.argv.empty()) return fail(ErrorKind::Invalid, p.name, "no command to run");
    std::error_code ec;
    fs::create_directories(p.state_dir, ec);
    if (ec) return fail(ErrorKind::Io, p.state_dir.string(), ec.message());
    std::string why;
    bool works = sandbox_available(&why);
    return detail::launch_spec(p, works, why, inherit_stdio);
}

}  // namespace

std::vector<std::string> bwrap_argv(const Profile& p) {
    std::vector<std::string> args = {bwrap_binary(), "--unshare-all"};
    if (p.network) args.push_back("--share-net");
    // As root, bubblewrap keeps every capability inside; without dropping them plugin code
    // could remount its read-only binds writable.
    add(args, {"--die-with-parent", "--new-session", "--cap-drop", "ALL"});
    add(args, {"--ro-bind", "/usr", "/usr"});
    add_root_dirs(args);
    for (const char* path : kEtcAlways) {
        if (exists(path)) add(args, {"--ro-bind", path, path});
    }
    if (p.network) {
        for (const char* path : kEtcNetwork) {
            if (exists(path)) add(args, {"--ro-bind", path, path});
        }
    }
    add(args, {"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"});
    // After /tmp: a plugin or state directory may live below it.
    add(args, {"--ro-bind", p.plugin_dir.string(), p.plugin_dir.string()});
    add(args, {"--bind", p.state_dir.string(), p.state_dir.string()});
    for (const auto& dir : p.tool_dirs) add(args, {"--ro-bind-try", dir.string(), dir.string()});
    for (const auto& bind : p.binds) {
        // -try: a granted path that does not exist on this host is simply not there.
        add(args, {bind.writable ? "--bind-try" : "--ro-bind-try", bind.path.string(),
                   bind.path.string()});
    }
    add(args, {"--chdir", workdir_of(p).string(), "--clearenv"});
    for (const auto& [name, value] : plugin_env(p)) add(args, {"--setenv", name, value});
    args.push_back("--");
    args.insert(args.end(), p.argv.begin(), p.argv.end());
    return args;
}

bool sandbox_available(std::string* why) {
    static const Probe probe = probe_bwrap();  // once per process: the host does not change
    if (why) *why = probe.why;
    return probe.works;
}

namespace detail {

Result<SpawnSpec> launch_spec(const Profile& p, bool sandbox_works, const std::string& why,
                              bool inherit_stdio) {
    SpawnSpec spec;
    if (sandbox_works) {
        spec.argv = bwrap_argv(p);
        spec.path = spec.argv.front();
        spec.env = {std::string("PATH=") + kSandboxPath};
        spec.max_processes = p.max_processes;
        spec.max_memory = p.max_memory;
    } else if (p.allow_unsandboxed) {
        std::string path_var = search_path(p);
        if (auto it = p.env.find("PATH"); it != p.env.end()) path_var = it->second;
        std::string exe = find_executable(p.argv.front(), path_var);
        if (exe.empty()) {
            return fail(ErrorKind::NotFound, p.name, p.argv.front() + ": command not found");
        }
        spec = direct_spec(p, exe);
    } else {
        return fail(ErrorKind::Invalid, "",
                    "cannot run plugin code for " + p.name + ": bubblewrap sandbox unavailable (" +
                        why + "); pass --allow-unsandboxed to run it without one");
    }
    spec.inherit_stdio = inherit_stdio;
    return spec;
}

}  // namespace detail

Result<RunResult> run(const Profile& profile) {
    auto spec = prepare(profile, false);
    if (!spec) return tl::unexpected(spec.error());
    auto cgroup = detail::PidsCgroup::create(profile.max_processes);
    spec->cgroup_procs = cgroup.procs_file();
    auto out = detail::run_captured(*spec, profile.timeout_s, profile.max_output);
    if (!out) return tl::unexpected(in_context(out.error(), profile.name));
    RunResult r;
    if (WIFEXITED(out->wait_status)) r.exit_code = WEXITSTATUS(out->wait_status);
    if (WIFSIGNALED(out->wait_status)) r.signal = WTERMSIG(out->wait_status);
    r.timed_out = out->timed_out;
    r.output_truncated = out->output_truncated;
    r.output_flood = out->output_flood;
    r.output = std::move(out->output);
    r.timeout_s = profile.timeout_s;
    r.sandboxed = sandbox_available(nullptr);  // launch_spec used bubblewrap exactly then
    return r;
}

Result<RunResult> converse(const Profile& profile, const std::string& first_input,
                           const LineHandler& on_line) {
    auto spec = prepare(profile, false);
    if (!spec) return tl::unexpected(spec.error());
    auto cgroup = detail::PidsCgroup::create(profile.max_processes);
    spec->cgroup_procs = cgroup.procs_file();
    auto out = detail::run_dialogue(*spec, profile.timeout_s, profile.max_output, first_input,
                                    on_line);
    if (!out) return tl::unexpected(in_context(out.error(), profile.name));
    RunResult r;
    if (WIFEXITED(out->wait_status)) r.exit_code = WEXITSTATUS(out->wait_status);
    if (WIFSIGNALED(out->wait_status)) r.signal = WTERMSIG(out->wait_status);
    r.timed_out = out->timed_out;
    r.output_truncated = out->output_truncated;
    r.output_flood = out->output_flood;
    r.output = std::move(out->output);
    r.timeout_s = profile.timeout_s;
    r.sandboxed = sandbox_available(nullptr);
    return r;
}

Result<int> exec_inherit(const Profile& profile) {
    auto spec = prepare(profile, true);
    if (!spec) return tl::unexpected(spec.error());
    auto cgroup = detail::PidsCgroup::create(profile.max_processes);
    spec->cgroup_procs = cgroup.procs_file();
    auto status = detail::run_inherited(*spec, profile.timeout_s);
    if (!status) return tl::unexpected(in_context(status.error(), profile.name));
    if (WIFSIGNALED(*status)) return 128 + WTERMSIG(*status);  // as a shell reports it
    return WEXITSTATUS(*status);
}

std::string RunResult::describe() const {
    if (timed_out) return "timed out after " + std::to_string(timeout_s) + " s";
    if (output_flood) return "killed for writing too much output";
    if (signal != 0) {
        const char* name = sigabbrev_np(signal);
        return "killed by signal " + (name ? "SIG" + std::string(name) : std::to_string(signal));
    }
    return "exited with status " + std::to_string(exit_code);
}

}  // namespace nxp::sandbox
