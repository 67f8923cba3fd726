#pragma once
// Internal to sandbox/: enforcing a plugin's network grants without a daemon (issue 15).
//
// The child nxp forks for a sandbox with network grants first moves into a user and network
// namespace of its own (private_network_child): only `lo` exists there, a UDP socket is bound
// to 127.0.0.1:53 for the DNS stub, and a seccomp filter turns every connect() into a
// notification for nxp. Both descriptors go back to nxp over a socket pair before bubblewrap
// is exec'd (sharing that namespace, not the host's). The Supervisor, a thread in nxp for as
// long as the sandbox runs, answers DNS for granted names only and, for a granted TCP
// destination, connects a socket of its own on the host and puts it in place of the
// plugin's (SECCOMP_IOCTL_NOTIF_ADDFD); every other connect fails at once. Every decision
// goes to the egress log.
#include <memory>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "os/fd.hpp"
#include "sandbox/runner.hpp"

namespace nxp::sandbox::detail {

// Run in the forked child before exec, async-signal-safe: the private namespaces, `lo` up,
// the DNS socket, no_new_privs, the seccomp filter, and both descriptors sent over `sock`.
// Returns 0 or the errno of the step that failed.
int private_network_child(int sock);

class EgressSupervisor {
  public:
    // Parses the grants (an Invalid error naming the plugin and the entry) and starts the
    // thread, waiting for the child's descriptors on child_fd()'s peer.
    static Result<std::unique_ptr<EgressSupervisor>> start(const Profile& profile);
    ~EgressSupervisor();  // stops the thread and every connection being opened
    EgressSupervisor(const EgressSupervisor&) = delete;
    EgressSupervisor& operator=(const EgressSupervisor&) = delete;

    // The socket the child sends its descriptors through (SpawnSpec::egress_fd).
    int child_fd() const { return child_.get(); }

    struct State;

  private:
    EgressSupervisor() = default;
    os::Fd child_;
    std::unique_ptr<State> state_;
};

// The files bound over the host's in a sandbox with network grants: /etc/resolv.conf naming
// the stub, /etc/hosts with localhost only, /etc/nsswitch.conf with "hosts: files dns".
std::vector<std::pair<std::string, std::string>> egress_etc_files();

}  // namespace nxp::sandbox::detail
