#pragma once
// Running untrusted plugin code (DESIGN.md §7) under bubblewrap: read-only system, the
// plugin tree read-only, writes only to the plugin's state dir, a private /tmp and granted
// paths, no network unless granted, a cleared environment, a new session, resource limits
// and a wall-clock timeout that kills the whole process group.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"

namespace nxp::sandbox {

// A granted path, bound at the same path inside. Below the plugin tree, the state directory or
// a writable grant it is resolved beneath that directory (no symlink or ".." leaving it);
// below the plugin tree it is never writable.
struct Bind {
    std::filesystem::path path;
    bool writable = false;
};

struct Profile {
    std::string name;                  // the plugin, for messages
    std::filesystem::path plugin_dir;  // bound read-only at the same path
    std::filesystem::path state_dir;   // bound read-write at the same path (created)
    std::filesystem::path workdir;     // defaults to state_dir (else plugin_dir)
    std::vector<std::string> argv;     // argv[0] resolved inside the sandbox's PATH
    std::map<std::string, std::string>
        env;                  // the only variables the plugin sees (+PATH, HOME, TMPDIR)
    std::vector<Bind> binds;  // granted filesystem permissions
    // Host directories bound read-only and searched first on PATH: where the host's Node.js
    // lives when it is outside /usr (see host_tool_dirs()).
    std::vector<std::filesystem::path> tool_dirs;
    // Network destinations granted (permissions.network entries: host, host:port, *.suffix,
    // IP literals); empty means no network at all. Enforced per host:port (DESIGN §7).
    std::vector<std::string> network;
    // Where every egress decision (allowed and denied destinations) is appended, one JSON
    // object per line; empty records nothing.
    std::filesystem::path egress_log;
    int timeout_s = 30;  // wall clock; 0 = none (exec)
    std::uint64_t max_output =
        1 << 20;  // bytes of stdout+stderr kept; the rest is drained and dropped
    std::uint64_t max_processes = 256;  // RLIMIT_NPROC inside
    // Memory the run may use, bytes: a memory cgroup's limit (memory.max), counting the pages
    // of the private /tmp and /dev/shm too; beyond it the kernel kills the run. Not an
    // address-space limit: Node's fetch() and WebAssembly reserve far more than they use.
    std::uint64_t max_memory = 2ull << 30;
    // Size of the private /tmp and of /dev/shm, each a tmpfs; writes beyond it fail with
    // ENOSPC. The rest of the sandbox is read-only.
    std::uint64_t max_tmp = 256ull << 20;
    bool allow_unsandboxed = false;  // run without bubblewrap when it cannot work
};

struct RunResult {
    int exit_code = -1;  // when exited normally
    int signal = 0;      // when killed by a signal
    bool timed_out = false;
    bool out_of_memory = false;    // killed by the kernel for passing max_memory
    std::uint64_t max_memory = 0;  // the memory limit that applied, for describe()
    bool output_truncated = false;
    std::string output;            // stdout and stderr interleaved, capped at max_output
    bool output_flood = false;     // killed for writing far more output than max_output
    int timeout_s = 0;             // the wall-clock limit that applied, for describe()
    bool sandboxed = true;         // false when run without bubblewrap (allow_unsandboxed)
    std::string describe() const;  // "exited with status 3", "timed out after 30 s", …
};

// Whether bubblewrap can create a sandbox here; when not, `why` says what failed.
bool sandbox_available(std::string* why);

// Runs argv in the sandbox with stdin from /dev/null, capturing output. Errors are for
// failing to start (no bubblewrap and no allow_unsandboxed: ErrorKind::Invalid, naming why;
// a bound path leaving its directory: ErrorKind::Verification, naming the plugin and path).
Result<RunResult> run(const Profile& profile);

// Runs argv in the sandbox speaking a line protocol over its stdin/stdout (an MCP health
// check): sends first_input, then whatever on_line answers to each stdout line, until
// on_line sets `done` (the process group is then killed), the process exits, or the
// timeout passes. RunResult.output holds stderr only.
using LineHandler = std::function<std::string(const std::string& line, bool& done)>;
Result<RunResult> converse(const Profile& profile, const std::string& first_input,
                           const LineHandler& on_line);

// Runs argv in the sandbox with nxp's own stdin/stdout/stderr (an MCP server speaking stdio
// to NextChat); used by `nxp exec`.
Result<int> exec_inherit(const Profile& profile);  // waits and returns the exit status

// What a LineRelay answers: bytes for each side (complete lines) and whether the session ends
// once to_client is written.
struct RelayOutput {
    std::string to_client;
    std::string to_server;
    bool close = false;
};

// Sees every line between nxp's stdin/stdout (the client) and the child's (the server), for
// exec_relayed. Lines are handed over without their '\n'; what is returned is written on.
class LineRelay {
  public:
    virtual ~LineRelay() = default;
    virtual RelayOutput from_client(std::string_view line) = 0;
    virtual RelayOutput from_server(std::string_view line) = 0;
    // A line longer than max_line(): the client's is dropped, the server's ends the session.
    virtual RelayOutput client_line_too_long() = 0;
    virtual RelayOutput server_line_too_long() = 0;
    // The server exited or closed its stdout; `why` says how ("exited with status 1").
    virtual RelayOutput server_gone(const std::string& why) = 0;
    virtual std::size_t max_line() const = 0;
};

// Runs argv in the sandbox as exec_inherit does (same limits, egress, signal forwarding), but
// with its stdin and stdout as pipes through `relay`: each line nxp reads on stdin goes to
// relay.from_client, each line the child writes to relay.from_server, and what they return is
// written to the child's stdin and nxp's stdout. Nothing is buffered without bound: a side
// whose output waits unwritten is not read. When nxp's stdin ends the child's stdin is closed
// and the child gets 2 s to exit (then SIGTERM, then SIGKILL of its process group). Returns the
// child's exit status (128+signal when killed), or 1 when the relay closed the session.
Result<int> exec_relayed(const Profile& profile, LineRelay& relay);

// The bubblewrap command line for a profile (exposed for tests and `--verbose`): directories
// are bound by file descriptor (the numbers mean nothing once this returns) and the
// environment is read from a descriptor (--args), so no configured value is on it. Fails
// when a bound path leaves its directory (see Bind).
Result<std::vector<std::string>> bwrap_argv(const Profile& profile);

}  // namespace nxp::sandbox
