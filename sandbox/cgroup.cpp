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

std::string make_limited(const std::string& parent, std::uint64_t max_processes) {
    if (parent.empty()) return {};
    std::string dir = parent + "/" + unique_name();
    if (mkdir(dir.c_str(), 0755) != 0) return {};
    if (!write_file(dir + "/pids.max", std::to_string(max_processes))) {
        rmdir(dir.c_str());
        return {};
    }
    return dir;
}

}  // namespace

PidsCgroup PidsCgroup::create(std::uint64_t max_processes) {
    if (max_processes == 0) return {};
    // cgroup v2 only where pids is already delegated below this process's cgroup.
    std::string v2 = own_cgroup_dir("");
    if (!v2.empty() &&
        read_file(v2 + "/cgroup.subtree_control").find("pids") != std::string::npos) {
        if (auto dir = make_limited(v2, max_processes); !dir.empty()) return PidsCgroup(dir);
    }
    if (auto dir = make_limited(own_cgroup_dir("pids"), max_processes); !dir.empty()) {
        return PidsCgroup(dir);
    }
    return {};
}

PidsCgroup::~PidsCgroup() {
    if (dir_.empty()) return;
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (rmdir(dir_.c_str()) != 0 && std::chrono::steady_clock::now() < give_up) {
        std::istringstream procs(read_file(dir_ + "/cgroup.procs"));
        for (long pid; procs >> pid;) kill(static_cast<pid_t>(pid), SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace nxp::sandbox::detail
