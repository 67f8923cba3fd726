// Permissions (shown before install, enforced by the sandbox) and the relation checks shared
// by plugin.json and index.json.
#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include "formats/json_util.hpp"
#include "formats/manifest.hpp"
#include "formats/manifest_util.hpp"
#include "formats/text_util.hpp"

namespace nxp::formats {
namespace {

using detail::invalid;
using detail::json;
using detail::member;

bool is_host_label(std::string_view l) {
    if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
    for (char c : l) {
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!(alpha || detail::is_digit(c) || c == '-')) return false;
    }
    return true;
}

std::optional<std::uint16_t> parse_port(std::string_view p) {
    if (p.empty() || p.size() > 5 || p[0] == '0') return std::nullopt;
    unsigned n = 0;
    for (char c : p) {
        if (!detail::is_digit(c)) return std::nullopt;
        n = n * 10 + static_cast<unsigned>(c - '0');
    }
    if (n > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(n);
}

bool is_host_name(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    for (std::size_t start = 0; start <= s.size();) {
        auto end = s.find('.', start);
        if (end == std::string_view::npos) end = s.size();
        if (!is_host_label(s.substr(start, end - start))) return false;
        start = end + 1;
    }
    return true;
}

// Absolute, or rooted in a placeholder (${plugin_dir}, ${state_dir}, ${config.KEY}); what
// the operator is asked to grant must not depend on a working directory, nor hide a "..".
std::string_view fs_path_problem(std::string_view p) {
    if (p.empty()) return "must not be empty";
    if (p.front() != '/' && p.substr(0, 2) != "${") {
        return "must be absolute or start with a ${...} placeholder";
    }
    for (char c : p) {
        if (static_cast<unsigned char>(c) < 0x20) return "must not contain control characters";
    }
    for (std::size_t s = 0; s <= p.size();) {
        auto e = p.find('/', s);
        if (e == std::string_view::npos) e = p.size();
        if (p.substr(s, e - s) == "..") return "must not contain \"..\"";
        s = e + 1;
    }
    return {};
}

// The rules for a path in the plugin's own directories, which is bound without a grant: it
// must stay the publisher's fixed path below that directory (a ${config.KEY} inside would let
// a value such as "../../etc" choose what is bound), and the plugin's tree is never writable.
std::string own_path_problem(std::string_view p, std::string_view access) {
    for (std::string_view own : {"${plugin_dir}", "${state_dir}"}) {
        const auto at = p.find(own);
        if (at == std::string_view::npos) continue;
        if (at != 0) return std::string(own) + " may only begin a path";
        std::string_view rest = p.substr(own.size());
        if (!rest.empty() && rest.front() != '/')
            return std::string(own) + " must be followed by \"/\" or end the path";
        if (rest.find("${") != std::string_view::npos)
            return "no placeholder (such as ${config.KEY}) may follow " + std::string(own) +
                   ": the path below the plugin's own directory is fixed by the publisher";
        if (own == "${plugin_dir}" && access == "read-write")
            return "the plugin's tree (${plugin_dir}) is never writable; ask for read-only or "
                   "use ${state_dir}";
    }
    return {};
}

Result<FsPermission> parse_fs_entry(const json& v, const std::string& field) {
    if (!v.is_object()) return invalid(field, "expected object with path and access");
    if (auto ok = detail::reject_unknown_keys(v, field, {"path", "access"}); !ok) {
        return tl::unexpected(ok.error());
    }
    FsPermission fs;
    const json* path = member(v, "path");
    if (!path) return invalid(field + ".path", "required field is missing");
    auto p = detail::get_string(*path, field + ".path", 4096);
    if (!p) return tl::unexpected(p.error());
    if (auto why = fs_path_problem(*p); !why.empty())
        return invalid(field + ".path", std::string(why));
    fs.path = std::move(*p);
    const json* access = member(v, "access");
    if (!access) return invalid(field + ".access", "required field is missing");
    if (!access->is_string() || (*access != "read-only" && *access != "read-write")) {
        return invalid(field + ".access", "must be read-only or read-write");
    }
    fs.access = access->get<std::string>();
    if (auto why = own_path_problem(fs.path, fs.access); !why.empty())
        return invalid(field + ".path", detail::quote(fs.path) + ": " + why);
    return fs;
}

}  // namespace

tl::expected<NetworkEntry, std::string> split_network_entry(std::string_view entry) {
    using Kind = NetworkEntry::Kind;
    auto bad = [](std::string why) { return tl::unexpected(std::move(why)); };
    NetworkEntry e;
    std::string_view host = entry;
    if (!host.empty() && host.front() == '[') {
        auto close = host.find(']');
        if (close == std::string_view::npos) return bad("an IPv6 address needs a closing ]");
        std::string_view rest = host.substr(close + 1);
        if (!rest.empty()) {
            auto port = rest.front() == ':' ? parse_port(rest.substr(1)) : std::nullopt;
            if (!port) return bad("expected :PORT (1-65535) after the address");
            e.port = *port;
        }
        std::string text(host.substr(1, close - 1));
        in6_addr a6;
        char buf[INET6_ADDRSTRLEN] = {};
        if (inet_pton(AF_INET6, text.c_str(), &a6) != 1)
            return bad("not an IPv6 address between [ and ]");
        e.kind = Kind::Ipv6;
        e.host = inet_ntop(AF_INET6, &a6, buf, sizeof buf);
        return e;
    }
    if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
        auto port = parse_port(host.substr(colon + 1));
        if (!port) return bad("the port must be a number from 1 to 65535");
        e.port = *port;
        host = host.substr(0, colon);
    }
    in_addr a4;
    if (std::string text(host); inet_pton(AF_INET, text.c_str(), &a4) == 1) {
        char buf[INET_ADDRSTRLEN] = {};
        e.kind = Kind::Ipv4;
        e.host = inet_ntop(AF_INET, &a4, buf, sizeof buf);
        return e;
    }
    if (host.substr(0, 2) == "*.") {
        e.kind = Kind::Suffix;
        host.remove_prefix(2);
    }
    if (!is_host_name(host)) return bad("must be a host name, *.suffix or an IP address");
    e.host = detail::ascii_lower(host);
    return e;
}

namespace detail {

bool is_valid_network_host(std::string_view s) { return split_network_entry(s).has_value(); }

Result<void> check_provides(const std::vector<Dep>& deps, std::string_view field) {
    for (std::size_t i = 0; i < deps.size(); ++i) {
        const auto& all = deps[i].constraint.all;
        if (!is_valid_package_name(deps[i].name)) {
            return invalid(at(field, i), "must name a package, not " + quote(deps[i].name));
        }
        if (!all.empty() && (all.size() != 1 || all[0].op != Op::Eq)) {
            return invalid(at(field, i),
                           "a provided name takes no version or \"= MAJOR.MINOR.PATCH\"");
        }
    }
    return {};
}

Result<void> check_replaces(const std::vector<Dep>& deps, std::string_view field) {
    for (std::size_t i = 0; i < deps.size(); ++i) {
        if (!is_valid_package_name(deps[i].name)) {
            return invalid(at(field, i), "must name a package, not " + quote(deps[i].name));
        }
    }
    return {};
}

}  // namespace detail

Result<Permissions> parse_permissions(const nlohmann::json& obj, std::string_view field) {
    const std::string f(field);
    if (!obj.is_object()) return invalid(f, "expected object");
    if (auto ok = detail::reject_unknown_keys(obj, f, {"network", "filesystem", "env"}); !ok) {
        return tl::unexpected(ok.error());
    }
    Permissions p;
    if (const json* net = member(obj, "network")) {
        auto hosts = detail::get_strings(*net, f + ".network", detail::is_valid_network_host,
                                         "must be a host name, optionally with :port");
        if (!hosts) return tl::unexpected(hosts.error());
        p.network = std::move(*hosts);
    }
    if (const json* env = member(obj, "env")) {
        auto names = detail::get_strings(*env, f + ".env", detail::is_env_name,
                                         "must match [A-Z_][A-Z0-9_]*");
        if (!names) return tl::unexpected(names.error());
        p.env = std::move(*names);
    }
    if (const json* fs = member(obj, "filesystem")) {
        if (!fs->is_array()) return invalid(f + ".filesystem", "expected array");
        for (std::size_t i = 0; i < fs->size(); ++i) {
            auto entry = parse_fs_entry((*fs)[i], detail::at(f + ".filesystem", i));
            if (!entry) return tl::unexpected(entry.error());
            p.filesystem.push_back(std::move(*entry));
        }
    }
    return p;
}

nlohmann::json permissions_to_json(const Permissions& p) {
    json out = json::object();
    if (!p.network.empty()) out["network"] = p.network;
    if (!p.filesystem.empty()) {
        json fs = json::array();
        for (const auto& e : p.filesystem) fs.push_back({{"path", e.path}, {"access", e.access}});
        out["filesystem"] = std::move(fs);
    }
    if (!p.env.empty()) out["env"] = p.env;
    return out;
}

}  // namespace nxp::formats
