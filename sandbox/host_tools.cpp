#include "sandbox/host_tools.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <system_error>

#include "sandbox/process.hpp"

extern char** environ;

namespace nxp::sandbox {

namespace {

namespace fs = std::filesystem;

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// "v20.11.1" → "20.11.1"; anything else (an error message, several lines) is not a version.
std::optional<std::string> version_of(const std::string& output) {
    std::string s = trimmed(output);
    if (s.size() < 2 || s[0] != 'v' || s.find_first_of("\n ") != std::string::npos) return {};
    s.erase(0, 1);
    if (s.find_first_not_of("0123456789.") != std::string::npos) return {};
    return s;
}

bool inside_system_tree(const fs::path& dir) {
    for (const char* top : {"/usr", "/bin", "/sbin", "/lib", "/lib64"}) {
        auto rel = dir.lexically_relative(top);
        if (!rel.empty() && *rel.begin() != "..") return true;
    }
    return false;
}

}  // namespace

namespace {

fs::path& memo_dir() {
    static fs::path dir;
    return dir;
}

}  // namespace

void set_host_memo_dir(const fs::path& dir) { memo_dir() = dir; }

const fs::path& host_memo_dir() { return memo_dir(); }

namespace detail {

std::optional<std::string> executable_identity(const fs::path& real) {
    struct stat st {};
    if (::stat(real.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
    char magic[4] = {};
    std::ifstream in(real, std::ios::binary);
    if (!in.read(magic, 4) || std::string_view(magic, 4) !=
                                  "\x7f"
                                  "ELF")
        return {};
    auto ns = [](const timespec& t) {
        return std::to_string(static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec);
    };
    return real.string() + '\t' + std::to_string(st.st_dev) + '\t' + std::to_string(st.st_ino) +
           '\t' + std::to_string(st.st_size) + '\t' + ns(st.st_mtim) + '\t' + ns(st.st_ctim);
}

std::optional<std::string> read_memo(const fs::path& memo, const std::string& key) {
    if (memo.empty()) return {};
    std::ifstream in(memo);
    std::string line;
    if (!std::getline(in, line)) return {};
    // The value is what follows the last tab (keys hold tabs, values never do), so that a
    // key that is a prefix of the file's key never matches.
    auto tab = line.rfind('\t');
    if (tab == std::string::npos || line.compare(0, tab, key) != 0 || tab != key.size()) return {};
    return line.substr(tab + 1);
}

void write_memo(const fs::path& memo, const std::string& key, const std::string& value) {
    if (memo.empty() || value.find_first_of("\t\n") != std::string::npos) return;
    // A private temporary name: two nxp processes remembering at once must not mix lines.
    fs::path tmp = memo;
    tmp += ".tmp." + std::to_string(::getpid());
    {
        std::ofstream o(tmp, std::ios::trunc);
        if (!o) return;  // a cache nxp cannot write: the next run finds out again
        o << key << '\t' << value << '\n';
        if (!o.flush()) {
            o.close();
            std::error_code ec;
            fs::remove(tmp, ec);
            return;
        }
    }
    std::error_code ec;
    fs::rename(tmp, memo, ec);
    if (ec) fs::remove(tmp, ec);
}

}  // namespace detail

std::optional<HostTool> find_node(const std::string& path_var) { return find_node(path_var, {}); }

std::optional<HostTool> find_node(const std::string& path_var, const fs::path& memo) {
    std::string exe = detail::find_executable("node", path_var);
    if (exe.empty()) return {};
    std::error_code ec;
    fs::path real = fs::canonical(exe, ec);
    if (ec) return {};
    std::optional<std::string> id = memo.empty() ? std::nullopt : detail::executable_identity(real);
    if (id) {
        if (auto v = detail::read_memo(memo, *id); v && version_of("v" + *v))
            return HostTool{real, *version_of("v" + *v)};
    }
    detail::SpawnSpec spec;
    spec.path = real.string();
    spec.argv = {exe, "--version"};
    spec.env = {"PATH=" + path_var};
    auto out = detail::run_captured(spec, 5, 4096);
    if (!out || out->timed_out || !WIFEXITED(out->wait_status) ||
        WEXITSTATUS(out->wait_status) != 0)
        return {};
    auto version = version_of(out->output);
    if (!version) return {};
    if (id) detail::write_memo(memo, *id, *version);  // best effort
    return HostTool{real, *version};
}

const std::optional<HostTool>& host_node(const fs::path& memo) {
    static const std::optional<HostTool> node = [&memo] {
        const char* path = std::getenv("PATH");
        fs::path file = memo;
        if (file.empty() && !host_memo_dir().empty()) file = host_memo_dir() / "host-node";
        return find_node(path ? path : "/usr/local/bin:/usr/bin:/bin", file);
    }();
    return node;
}

std::vector<fs::path> host_tool_dirs() {
    std::vector<fs::path> dirs;
    if (const auto& node = host_node(); node && !inside_system_tree(node->path.parent_path()))
        dirs.push_back(node->path.parent_path());
    return dirs;
}

std::string find_host_tool(const std::string& name, const std::string& path_var) {
    return detail::find_executable(name, path_var);
}

Result<HostToolRun> run_host_tool(const std::string& path, const std::vector<std::string>& argv,
                                  const std::vector<std::string>& extra_env, int timeout_s,
                                  std::uint64_t max_output) {
    detail::SpawnSpec spec;
    spec.path = path;
    spec.argv = argv;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) spec.env.emplace_back(*e);
    spec.env.insert(spec.env.end(), extra_env.begin(), extra_env.end());
    auto r = detail::run_captured(spec, timeout_s, max_output);
    if (!r) return tl::unexpected(r.error());
    HostToolRun out;
    out.timed_out = r->timed_out;
    if (WIFEXITED(r->wait_status)) out.exit_code = WEXITSTATUS(r->wait_status);
    out.output = std::move(r->output);
    return out;
}

}  // namespace nxp::sandbox
