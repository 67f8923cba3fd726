#include "launcher/embedded.hpp"

extern "C" {
extern const char nxp_launch_start[];
extern const char nxp_launch_end[];
}

namespace nxp::launcher {

std::string_view binary() {
    return {nxp_launch_start, static_cast<std::size_t>(nxp_launch_end - nxp_launch_start)};
}

}  // namespace nxp::launcher
