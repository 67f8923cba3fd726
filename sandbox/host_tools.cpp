#include "sandbox/host_tools.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <system_error>

#include "sandbox/process.hpp"

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

std::optional<HostTool> find_node(const std::string& path_var) {
    std::string exe = detail::find_executable("node", path_var);
    if (exe.empty()) return {};
    std::error_code ec;
    fs::path real = fs::canonical(exe, ec);
    if (ec) return {};
    detail::SpawnSpec spec;
    spec.path = real.string();
    spec.argv = {exe, "--version"};
    spec.env = {"PATH=" + path_var};
    auto out = detail::run_captured(spec, 5, 4096);
    if (!out || out->timed_out || !WIFEXITED(out->wait_status) || WEXITSTATUS(out->wait_status) != 0)
        return {};
    auto version = version_of(out->output);
    if (!version) return {};
    return HostTool{real, *version};
}

const std::optional<HostTool>& host_node() {
    static const std::optional<HostTool> node = [] {
        const char* path = std::getenv("PATH");
        return find_node(path ? path : "/usr/local/bin:/usr/bin:/bin");
    }();
    return node;
}

std::vector<fs::path> host_tool_dirs() {
    std::vector<fs::path> dirs;
    if (const auto& node = host_node(); node && !inside_system_tree(node->path.parent_path()))
        dirs.push_back(node->path.parent_path());
    return dirs;
}

}  // namespace nxp::sandbox
