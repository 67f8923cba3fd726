#pragma once
// Internal to sandbox/: turning a Profile into the process to start, with or without
// bubblewrap. Split from runner.cpp so tests can check the refusal without breaking bwrap.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "os/beneath.hpp"
#include "sandbox/egress_supervisor.hpp"
#include "sandbox/process.hpp"
#include "sandbox/runner.hpp"

namespace nxp::sandbox::detail {

// A directory (or file) the sandbox binds, opened by nxp and bound by bubblewrap through its
// file descriptor (--bind-fd / --ro-bind-fd), at `dest` inside the sandbox.
struct OpenMount {
    std::filesystem::path dest;
    bool writable = false;
    bool base = false;  // paths below it are resolved beneath it (the plugin may write it)
    os::Fd fd;
};

// Opens the plugin tree, the state directory and every granted path, parents first. A path
// below the plugin tree, the state directory or a writable grant is resolved beneath that
// directory (openat2 RESOLVE_BENEATH): a symlink or ".." leading out of it is an error
// naming the plugin and the path. Other granted paths are the operator's host paths: their
// last component must not be a symlink. A granted path missing on this host is left out.
// Below the plugin tree nothing is writable.
Result<std::vector<OpenMount>> open_mounts(const Profile& profile);

// What starts the plugin: the spawn description and the descriptors bubblewrap inherits
// (bound directories, the --args file holding the environment). They stay open until the
// child has started.
struct Launch {
    SpawnSpec spec;
    std::vector<os::Fd> fds;
    // With network grants: the supervisor enforcing them while the sandbox runs.
    std::unique_ptr<EgressSupervisor> egress;
};

// bubblewrap around argv when `sandbox_works`, argv directly when the profile allows that,
// else an Invalid error naming the plugin and `why`.
Result<Launch> launch_spec(const Profile& profile, bool sandbox_works, const std::string& why,
                           bool inherit_stdio);

// The bubblewrap invocation for a profile: its binds opened now (open_mounts), and the
// plugin's environment passed in a memfd read through --args, never on a command line.
Result<Launch> bwrap_launch(const Profile& profile);

}  // namespace nxp::sandbox::detail
