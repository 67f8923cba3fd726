#pragma once
// Internal to sandbox/: a throw-away cgroup around one sandboxed run, bounding its tasks
// (pids) and its memory.
//
// RLIMIT_NPROC counts per real uid and the kernel exempts root from it, and processes in a
// user namespace that bubblewrap creates for root still run as host uid 0; so when nxp
// runs as root only a pids cgroup bounds a fork bomb. Memory is bounded by the memory
// controller (memory.max, or memory.limit_in_bytes on cgroup v1), which counts what the
// processes really use, including the pages of the sandbox's tmpfs /tmp they write: an
// address-space limit (RLIMIT_AS) would instead kill Node's fetch() and every WebAssembly
// user, which reserve far more virtual memory than they touch. Best effort: where no
// controller is writable (an unprivileged user on a systemd host), runs go without it and
// RLIMIT_NPROC, which then does apply, is the bound on tasks.
#include <cstdint>
#include <string>
#include <vector>

namespace nxp::sandbox::detail {

class SandboxCgroup {
  public:
    // Fresh cgroups limited to max_processes tasks and max_memory bytes (0: no limit of that
    // kind), on whichever hierarchies the host lets nxp write.
    static SandboxCgroup create(std::uint64_t max_processes, std::uint64_t max_memory);

    SandboxCgroup() = default;
    SandboxCgroup(const SandboxCgroup&) = delete;
    SandboxCgroup& operator=(const SandboxCgroup&) = delete;
    SandboxCgroup(SandboxCgroup&& other) noexcept;
    SandboxCgroup& operator=(SandboxCgroup&&) = delete;
    ~SandboxCgroup();  // kills whatever is left inside and removes the cgroups

    bool pids_active() const { return !pids_dir_.empty(); }
    bool memory_active() const { return !memory_dir_.empty(); }
    // The files the child writes itself into before it execs (cgroup.procs; v1's tasks).
    std::vector<std::string> procs_files() const;
    // Whether the kernel's OOM killer killed a task of the memory cgroup.
    bool oom_killed() const;

  private:
    std::string pids_dir_;
    std::string memory_dir_;  // the same directory as pids_dir_ on cgroup v2
};

}  // namespace nxp::sandbox::detail
