#include "sandbox/cgroup.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

namespace nxp::sandbox::detail {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(s);
    while (std::getline(in, part, sep)) parts.push_back(part);
    return parts;
}

bool write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    out.flush();
    return static_cast<bool>(out);
}

bool exists_file(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

struct Mount {
    std::string root;
    std::string point;
};

// Mount of a cgroup hierarchy: cgroup2 when `controller` is empty, else the v1 one holding it.
bool find_mount(const std::string& controller, Mount* found) {
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        auto dash = line.find(" - ");
        if (dash == std::string::npos) continue;
        auto left = split(line.substr(0, dash), ' ');
        auto right = split(line.substr(dash + 3), ' ');
        if (left.size() < 5 || right.size() < 3) continue;
        bool match = controller.empty() ? right[0] == "cgroup2"
                                        : right[0] == "cgroup" &&
                                              ("," + right[2] + ",").find("," + controller + ",") !=
                                                  std::string::npos;
        if (match) {
            *found = {left[3], left[4]};
            return true;
        }
    }
    return false;
}

// Directory of this process's cgroup in the hierarchy (v2 when `controller` is empty).
std::string own_cgroup_dir(const std::string& controller) {
    Mount mount;
    if (!find_mount(controller, &mount)) return {};
    std::ifstream in("/proc/self/cgroup");
    std::string line;
    while (std::getline(in, line)) {
        auto first = line.find(':');
        auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        auto controllers = "," + line.substr(first + 1, second - first - 1) + ",";
        bool match = controller.empty()
                         ? line.compare(0, first + 2, "0::") == 0
                         : controllers.find("," + controller + ",") != std::string::npos;
        if (!match) continue;
        std::string path = line.substr(second + 1);
        if (mount.root != "/" && path.compare(0, mount.root.size(), mount.root) == 0) {
            path = path.substr(mount.root.size());
        }
        return mount.point + path;
    }
    return {};
}

std::string unique_name() {
    std::random_device rd;
    std::ostringstream name;
    name << "nxp-sandbox-" << getpid() << "-" << std::hex << rd() << rd();
    return name.str();
}

// A new cgroup below `parent` with each (file, value) written; empty when any step fails.
std::string make_limited(const std::string& parent,
                         const std::vector<std::pair<std::string, std::string>>& limits) {
    if (parent.empty()) return {};
    std::string dir = parent + "/" + unique_name();
    if (mkdir(dir.c_str(), 0755) != 0) return {};
    for (const auto& [file, value] : limits) {
        if (!write_file(dir + "/" + file, value)) {
            rmdir(dir.c_str());
            return {};
        }
    }
    return dir;
}

bool delegated(const std::string& v2, const std::string& controller) {
    std::istringstream in(read_file(v2 + "/cgroup.subtree_control"));
    for (std::string c; in >> c;)
        if (c == controller) return true;
    return false;
}

void remove_cgroup(const std::string& dir) {
    if (dir.empty()) return;
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (rmdir(dir.c_str()) != 0 && std::chrono::steady_clock::now() < give_up) {
        std::istringstream procs(read_file(dir + "/cgroup.procs"));
        for (long pid; procs >> pid;) kill(static_cast<pid_t>(pid), SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

// The "oom_kill N" counter of memory.events (v2) or memory.oom_control (v1).
std::uint64_t oom_kills(const std::string& text) {
    std::istringstream in(text);
    for (std::string key; in >> key;) {
        std::uint64_t n = 0;
        if (!(in >> n)) break;
        if (key == "oom_kill") return n;
    }
    return 0;
}

}  // namespace

SandboxCgroup SandboxCgroup::create(std::uint64_t max_processes, std::uint64_t max_memory) {
    SandboxCgroup c;
    const std::string pids_max = std::to_string(max_processes);
    const std::string memory_max = std::to_string(max_memory);
    // cgroup v2 only where the controllers are already delegated below this process's cgroup.
    std::string v2 = own_cgroup_dir("");
    if (!v2.empty()) {
        std::vector<std::pair<std::string, std::string>> limits;
        const bool pids = max_processes && delegated(v2, "pids");
        const bool memory = max_memory && delegated(v2, "memory");
        if (pids) limits.emplace_back("pids.max", pids_max);
        // No swap: a limit that pages out to disk only makes the run slower.
        if (memory) limits.emplace_back("memory.max", memory_max);
        if (memory) limits.emplace_back("memory.swap.max", "0");
        if (!limits.empty()) {
            std::string dir = make_limited(v2, limits);
            if (dir.empty() && memory) {  // memory.swap.max is missing without swap accounting
                limits.pop_back();
                dir = make_limited(v2, limits);
            }
            if (pids) c.pids_dir_ = dir;
            if (memory) c.memory_dir_ = dir;
        }
    }
    if (max_processes && c.pids_dir_.empty())
        c.pids_dir_ = make_limited(own_cgroup_dir("pids"), {{"pids.max", pids_max}});
    if (max_memory && c.memory_dir_.empty())
        c.memory_dir_ =
            make_limited(own_cgroup_dir("memory"), {{"memory.limit_in_bytes", memory_max}});
    return c;
}

SandboxCgroup::SandboxCgroup(SandboxCgroup&& other) noexcept
    : pids_dir_(std::move(other.pids_dir_)), memory_dir_(std::move(other.memory_dir_)) {
    other.pids_dir_.clear();
    other.memory_dir_.clear();
}

namespace {

// The file the child writes "0" to. On cgroup v1, `tasks` (the writing thread only; the child
// is single-threaded after fork, so the same set of tasks): writing cgroup.procs there takes
// the kernel's cgroup_threadgroup_rwsem for writing, an RCU grace period that cost every
// `nxp exec` 10-20 ms (issue 16 item 4); `tasks` does not take it. v2 has only cgroup.procs.
std::string entry_file(const std::string& dir) {
    return exists_file(dir + "/tasks") ? dir + "/tasks" : dir + "/cgroup.procs";
}

}  // namespace

std::vector<std::string> SandboxCgroup::procs_files() const {
    std::vector<std::string> files;
    if (!pids_dir_.empty()) files.push_back(entry_file(pids_dir_));
    if (!memory_dir_.empty() && memory_dir_ != pids_dir_) files.push_back(entry_file(memory_dir_));
    return files;
}

bool SandboxCgroup::oom_killed() const {
    if (memory_dir_.empty()) return false;
    if (memory_dir_ == pids_dir_ || exists_file(memory_dir_ + "/memory.events"))
        return oom_kills(read_file(memory_dir_ + "/memory.events")) > 0;
    return oom_kills(read_file(memory_dir_ + "/memory.oom_control")) > 0;
}

SandboxCgroup::~SandboxCgroup() {
    remove_cgroup(pids_dir_);
    if (memory_dir_ != pids_dir_) remove_cgroup(memory_dir_);
}

}  // namespace nxp::sandbox::detail
