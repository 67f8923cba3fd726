#pragma once
// Whether something listens on a Unix socket path.
#include <string>

namespace nxp::os {

// Connects to the stream socket at `path` and closes at once without sending anything (a
// listener should treat such a client as a probe, not an error). True when the connection
// was accepted or the listener's backlog is full; false when nothing listens there, the path
// is missing or not a socket, or it is too long for a socket address.
bool unix_socket_listening(const std::string& path);

}  // namespace nxp::os
