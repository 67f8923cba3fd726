#pragma once
// `nxp serve`, the host runner (issue 17): the launcher nxp-launch (launcher/nxp-launch.c),
// run by a NextChat in a container or as another uid, connects to ROOT/export/nxp.sock and
// hands over its stdin, stdout and stderr (SCM_RIGHTS); the runner authenticates the peer
// (SO_PEERCRED), starts `nxp --root ROOT exec NAME` with those descriptors as its stdio (so
// the plugin runs sandboxed on the host with every guarantee of nxp exec, and no byte of the
// session passes through the runner) and answers with its exit status. The wire format is
// documented at the top of launcher/nxp-launch.c.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"
#include "os/fd.hpp"

namespace nxp::runtime {

// The request, as far as `bytes` (what arrived so far) shows it.
struct ServeRequest {
    enum class State { Incomplete, Bad, Complete } state = State::Incomplete;
    std::string name;      // Complete: the plugin name, a valid package name
    std::string reason;    // Bad: what is wrong, for the refusal
    std::size_t need = 6;  // Incomplete: total bytes the request needs (known once its header is)
};
constexpr std::size_t kMaxServeRequest = 6 + 64;
ServeRequest parse_serve_request(std::string_view bytes);

// The reply: kind 'X' (exit status of nxp exec) or 'R' (refused, with a message); the message
// is cut to 1024 bytes.
std::string serve_reply(char kind, int status, std::string_view message = {});

struct ServeOptions {
    std::filesystem::path root;     // absolute: given to nxp exec as --root
    std::filesystem::path socket;   // ROOT/export/nxp.sock
    std::string nxp_exe;            // this binary
    std::vector<uid_t> allow_uids;  // besides the runner's own uid and root
    int listen_fd = -1;             // a socket passed by systemd (socket activation), or -1
    std::size_t max_sessions = 64;  // connections at once; more are refused
    int request_timeout_ms = 2000;  // for the whole request
    int kill_grace_ms = 2000;       // SIGTERM, then SIGKILL this much later
};

struct ServeEvents {
    // Once listening: the socket and whether systemd passed it.
    std::function<void(const std::filesystem::path& socket, bool activated)> listening;
    // One line per connection: who, which plugin, how it ended (or why it was refused).
    std::function<void(const std::string& line)> session;
};

// The descriptor systemd passed (LISTEN_PID is this process, LISTEN_FDS = 1: fd 3), checked
// to be a listening Unix stream socket; nullopt when not socket-activated. LISTEN_* are
// removed from the environment either way, so that no child sees them.
Result<std::optional<int>> systemd_listen_fd();

// The listening socket at `path` (ROOT/export/nxp.sock), mode 0666: bound beside it and
// renamed into place, so that a stale socket is replaced; never one another runner answers on
// (Locked), never anything that is not a socket (Invalid). `ino` is the inode made, so that
// only that one is removed at the end.
Result<os::Fd> make_serve_socket(const std::filesystem::path& path, ino_t& ino);

// Serves until SIGTERM, SIGINT or SIGHUP: then running servers are stopped (SIGTERM, SIGKILL
// after the grace) and the socket it created is removed. Errors: the socket cannot be made
// (another runner listens on it, something else is at its path, the path is too long).
Result<void> serve(const ServeOptions& opts, const ServeEvents& events);

}  // namespace nxp::runtime
