#include "formats/redact.hpp"

namespace nxp::formats {

namespace {
constexpr std::string_view kMasked = "••••";
}  // namespace

std::string redact_url_credentials(std::string_view value) {
    std::string out(value);
    std::size_t pos = 0;
    while ((pos = out.find("://", pos)) != std::string::npos) {
        const std::size_t start = pos + 3;
        std::size_t end = out.find_first_of("/?# \t\n'\"", start);
        if (end == std::string::npos) end = out.size();
        const std::size_t at = out.substr(start, end - start).rfind('@');
        if (at == std::string::npos) {
            pos = start;
            continue;
        }
        const std::string userinfo = out.substr(start, at);
        const std::size_t colon = userinfo.find(':');
        const std::string masked = colon == std::string::npos
                                       ? std::string(kMasked)
                                       : userinfo.substr(0, colon + 1) + std::string(kMasked);
        out.replace(start, at, masked);
        pos = start + masked.size() + 1;
    }
    return out;
}

}  // namespace nxp::formats
