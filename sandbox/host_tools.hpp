#pragma once
// Runtimes plugins take from the host rather than from a package: Node.js. nxp offers it to
// the resolver as the `node-runtime` virtual package and binds it into every sandbox.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "formats/error.hpp"

namespace nxp::sandbox {

struct HostTool {
    std::filesystem::path path;  // real path of the executable (symlinks resolved)
    std::string version;         // as the tool printed it, without a leading "v"
};

// The first `node` on `path_var` (a PATH value) that answers `node --version` within 5 s;
// nullopt when there is none.
std::optional<HostTool> find_node(const std::string& path_var);

// find_node, remembering the version in the file `memo` (best effort): `node --version` is
// ~10 ms of V8 start-up, paid by every resolve otherwise. The memo is believed only for the
// same executable (real path, device, inode, size, mtime and ctime unchanged) and only for
// an ELF binary: a shim script may pick another node depending on where it runs.
std::optional<HostTool> find_node(const std::string& path_var, const std::filesystem::path& memo);

// find_node on nxp's own PATH, probed once per process (the host does not change under it);
// the first caller's `memo` is used, if any, else host_memo_dir()/host-node when that is set.
const std::optional<HostTool>& host_node(const std::filesystem::path& memo = {});

// Where facts about the host are remembered between runs, so that a start (`nxp exec`, which
// NextChat runs for every MCP server) does not pay for finding them out again: the node
// memo above and whether bubblewrap works (runner.cpp). The CLI sets the root's cache
// directory once the root is open; empty (the default): nothing is remembered.
void set_host_memo_dir(const std::filesystem::path& dir);
const std::filesystem::path& host_memo_dir();

namespace detail {

// What identifies one ELF executable (real path, device, inode, size, mtime, ctime): a memo's
// key. nullopt for anything else (a shim script may run another program depending on where
// it runs) or when it cannot be read.
std::optional<std::string> executable_identity(const std::filesystem::path& real);

// A memo file holds one line "KEY<TAB>VALUE" (VALUE without tabs: a value holding one is not
// written). read_memo: VALUE when the file's key is exactly `key`.
// write_memo: best effort, atomically (a cache nxp cannot write is simply not remembered).
// An empty `memo` path reads nothing and writes nothing.
std::optional<std::string> read_memo(const std::filesystem::path& memo, const std::string& key);
void write_memo(const std::filesystem::path& memo, const std::string& key,
                const std::string& value);

}  // namespace detail

// The executable `name` runs as when looked up on `path_var` (a PATH value; a name with a
// slash is taken as it is); empty when there is none.
std::string find_host_tool(const std::string& name, const std::string& path_var);

struct HostToolRun {
    int exit_code = -1;  // -1 when it did not exit by itself (a signal, the timeout)
    bool timed_out = false;
    std::string output;  // stdout and stderr, interleaved, at most max_output bytes
};

// Runs a trusted host tool (npm for `nxp import`), NOT sandboxed: `path` (from
// find_host_tool) with `argv` (argv[0] included), nxp's own environment plus `extra_env`
// ("NAME=value"), stdin from /dev/null, in its own session; killed with its process group
// after `timeout_s` seconds (0: never) or when its output floods.
Result<HostToolRun> run_host_tool(const std::string& path, const std::vector<std::string>& argv,
                                  const std::vector<std::string>& extra_env, int timeout_s,
                                  std::uint64_t max_output);

// Directories a sandbox binds read-only and puts first on PATH so plugin code finds the
// host's tools: the host node's directory when it lies outside the system tree (/usr, /bin…)
// that every sandbox already sees. Never a parent: only the executable's own directory.
std::vector<std::filesystem::path> host_tool_dirs();

}  // namespace nxp::sandbox
