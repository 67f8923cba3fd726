#include "sandbox/host_tools.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

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

// What identifies one executable file: the memo line's key.
std::optional<std::string> identity(const fs::path& real) {
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

}  // namespace

std::optional<HostTool> find_node(const std::string& path_var) { return find_node(path_var, {}); }

std::optional<HostTool> find_node(const std::string& path_var, const fs::path& memo) {
    std::string exe = detail::find_executable("node", path_var);
    if (exe.empty()) return {};
    std::error_code ec;
    fs::path real = fs::canonical(exe, ec);
    if (ec) return {};
    std::optional<std::string> id = memo.empty() ? std::nullopt : identity(real);
    if (id) {
        std::ifstream in(memo);
        std::string line;
        if (std::getline(in, line) && line.size() > id->size() + 1 &&
            line.compare(0, id->size(), *id) == 0 && line[id->size()] == '\t') {
            if (auto v = version_of("v" + line.substr(id->size() + 1))) return HostTool{real, *v};
        }
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
    if (id) {  // best effort: a root nxp cannot write just probes every time
        fs::path tmp = memo;
        tmp += ".tmp";
        {
            std::ofstream o(tmp, std::ios::trunc);
            o << *id << '\t' << *version << '\n';
        }
        fs::rename(tmp, memo, ec);
        if (ec) fs::remove(tmp, ec);
    }
    return HostTool{real, *version};
}

const std::optional<HostTool>& host_node(const fs::path& memo) {
    static const std::optional<HostTool> node = [&memo] {
        const char* path = std::getenv("PATH");
        return find_node(path ? path : "/usr/local/bin:/usr/bin:/bin", memo);
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
