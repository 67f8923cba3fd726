#pragma once
// Internal to sandbox/: starting a child process with limits and collecting it, either with
// its output captured through a pipe (hooks, health checks) or with nxp's own stdio (exec).
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "os/fd.hpp"
#include "sandbox/runner.hpp"

namespace nxp::sandbox::detail {

using os::Fd;

struct SpawnSpec {
    std::string path;                       // absolute path of the executable
    std::vector<std::string> argv;          // argv[0] included
    std::vector<std::string> env;           // "NAME=value", the whole environment
    std::string workdir;                    // chdir before exec; empty keeps nxp's
    std::vector<std::string> cgroup_procs;  // cgroup.procs files to enter first
    std::uint64_t max_processes = 0;        // RLIMIT_NPROC; 0 leaves it
    bool inherit_stdio = false;             // else stdin is /dev/null and stdout+stderr one pipe
    std::vector<int> inherit_fds;  // kept open across exec (bubblewrap's --bind-fd, --args)
    // A socket of an EgressSupervisor: the child moves into a private network namespace and
    // hands nxp its DNS socket and seccomp listener through it (egress_supervisor.hpp).
    int egress_fd = -1;
};

struct Captured {
    int wait_status = 0;  // as from waitpid
    bool timed_out = false;
    bool output_truncated = false;
    bool output_flood = false;  // killed for writing far more than it may keep
    std::string output;
};

// Runs the child in its own session, keeps the first max_output bytes of its output, and
// kills its process group when timeout_s (0: none) passes or output floods.
Result<Captured> run_captured(const SpawnSpec& spec, int timeout_s, std::uint64_t max_output);

// Called with each line the child writes to stdout; returns text to send to its stdin and
// sets `done` when the conversation is over (the child is then killed).
using LineHandler = std::function<std::string(const std::string& line, bool& done)>;

// Runs the child with stdin and stdout as pipes for a line-based conversation (an MCP
// handshake): writes first_input, then whatever on_line answers. Captured.output holds
// stderr (capped at max_output); the child is killed when done, on timeout or on a flood.
Result<Captured> run_dialogue(const SpawnSpec& spec, int timeout_s, std::uint64_t max_output,
                              const std::string& first_input, const LineHandler& on_line);

// Runs the child with nxp's stdio, forwarding SIGINT, SIGTERM and SIGHUP to it, and returns
// its wait status. timeout_s 0 means none; on timeout the child is killed.
Result<int> run_inherited(const SpawnSpec& spec, int timeout_s);

// Starts the child in its own session with stdin from `in_fd` and stdout to `out_fd`, stderr
// left as nxp's, and returns its pid once it has exec'd (exec_relayed collects it).
Result<pid_t> spawn_piped(const SpawnSpec& spec, int in_fd, int out_fd);

struct Relayed {
    int wait_status = 0;       // as from waitpid
    bool closed = false;       // the relay ended the session (the child was killed)
    bool mid_message = false;  // the child's output ended inside a line
};

// exec_relayed's loop (sandbox/relay.cpp): the child with its stdin and stdout through
// `relay`, SIGINT, SIGTERM and SIGHUP forwarded to it.
Result<Relayed> run_relayed(const SpawnSpec& spec, LineRelay& relay);

// The executable `name` would run as, searched in `path_var` (a PATH value) unless it has a
// slash; empty when none is found.
std::string find_executable(const std::string& name, const std::string& path_var);

}  // namespace nxp::sandbox::detail
