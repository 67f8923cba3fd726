#pragma once
// The static launcher nxp-launch (launcher/nxp-launch.c), embedded in nxp at build time.
#include <string_view>

namespace nxp::launcher {

// The bytes of the nxp-launch executable that nxp writes to ROOT/export/nxp-launch.
std::string_view binary();

}  // namespace nxp::launcher
