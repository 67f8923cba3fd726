// The launcher's request and the runner's reply (the wire format: launcher/nxp-launch.c).
#include <algorithm>

#include "formats/constraint.hpp"
#include "runtime/serve.hpp"

namespace nxp::runtime {

namespace {
constexpr std::string_view kRequestMagic = "NXPL";
constexpr std::string_view kReplyMagic = "NXPR";
constexpr unsigned char kVersion = 1;
constexpr std::size_t kMaxMessage = 1024;

ServeRequest bad(std::string reason) {
    ServeRequest r;
    r.state = ServeRequest::State::Bad;
    r.reason = std::move(reason);
    return r;
}
}  // namespace

ServeRequest parse_serve_request(std::string_view bytes) {
    ServeRequest r;
    const std::size_t magic = std::min(bytes.size(), kRequestMagic.size());
    if (bytes.substr(0, magic) != kRequestMagic.substr(0, magic))
        return bad("not an nxp-launch request");
    if (bytes.size() >= 5 && static_cast<unsigned char>(bytes[4]) != kVersion)
        return bad("protocol version " + std::to_string(static_cast<unsigned char>(bytes[4])) +
                   " of nxp-launch, this nxp speaks 1 (run the nxp-launch this nxp exported)");
    if (bytes.size() < 6) return r;
    const std::size_t len = static_cast<unsigned char>(bytes[5]);
    if (len == 0 || len > kMaxServeRequest - 6)
        return bad("plugin name of " + std::to_string(len) + " bytes (1 to 64 allowed)");
    r.need = 6 + len;
    if (bytes.size() < r.need) return r;
    if (bytes.size() > r.need) return bad("bytes after the request");
    std::string name(bytes.substr(6, len));
    if (!formats::is_valid_package_name(name))
        return bad("not a plugin name (plugin names use [a-z0-9][a-z0-9._-]{0,63})");
    r.state = ServeRequest::State::Complete;
    r.name = std::move(name);
    return r;
}

std::string serve_reply(char kind, int status, std::string_view message) {
    message = message.substr(0, kMaxMessage);
    std::string out(kReplyMagic);
    out += static_cast<char>(kVersion);
    out += kind;
    out += static_cast<char>(static_cast<unsigned char>(status & 0xff));
    out += static_cast<char>((message.size() >> 8) & 0xff);
    out += static_cast<char>(message.size() & 0xff);
    out += message;
    return out;
}

}  // namespace nxp::runtime
