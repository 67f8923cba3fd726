#pragma once
// Internal to sandbox/: a throw-away pids cgroup around one sandboxed run.
//
// RLIMIT_NPROC counts per real uid and the kernel exempts root from it, and processes in a
// user namespace that bubblewrap creates for root still run as host uid 0; so when nxp
// runs as root only a pids cgroup bounds a fork bomb. Best effort: where no pids
// controller is writable (an unprivileged user on a systemd host), runs go without one
// and RLIMIT_NPROC, which then does apply, is the bound.
#include <cstdint>
#include <string>

namespace nxp::sandbox::detail {

class PidsCgroup {
  public:
    // A fresh cgroup limited to max_processes tasks, or an inactive one when the host
    // offers no pids controller nxp may write to.
    static PidsCgroup create(std::uint64_t max_processes);

    PidsCgroup() = default;
    PidsCgroup(const PidsCgroup&) = delete;
    PidsCgroup& operator=(const PidsCgroup&) = delete;
    PidsCgroup(PidsCgroup&& other) noexcept : dir_(std::move(other.dir_)) { other.dir_.clear(); }
    PidsCgroup& operator=(PidsCgroup&&) = delete;
    ~PidsCgroup();  // kills whatever is left inside and removes the cgroup

    bool active() const { return !dir_.empty(); }
    std::string procs_file() const { return active() ? dir_ + "/cgroup.procs" : std::string(); }

  private:
    explicit PidsCgroup(std::string dir) : dir_(std::move(dir)) {}
    std::string dir_;
};

}  // namespace nxp::sandbox::detail
