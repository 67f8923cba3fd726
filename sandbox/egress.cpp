#include "sandbox/egress.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <system_error>

#include "formats/display.hpp"
#include "formats/manifest.hpp"
#include "formats/text_util.hpp"
#include "os/log_file.hpp"

namespace nxp::sandbox::egress {

namespace {

constexpr std::uint32_t kAnswerTtl = 60;
constexpr std::size_t kMaxUdpReply = 512;

bool in_v4(const unsigned char* b, std::uint32_t net, int bits) {
    std::uint32_t a = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                      (std::uint32_t{b[2]} << 8) | b[3];
    std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return (a & mask) == (net & mask);
}

constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c, unsigned d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
}

std::string v4_class(const unsigned char* b) {
    struct Range {
        std::uint32_t net;
        int bits;
        const char* what;
    };
    static constexpr Range kRanges[] = {
        {v4(0, 0, 0, 0), 8, "unspecified"},        {v4(10, 0, 0, 0), 8, "private"},
        {v4(100, 64, 0, 0), 10, "shared (CGNAT)"}, {v4(127, 0, 0, 0), 8, "loopback"},
        {v4(169, 254, 0, 0), 16, "link-local"},    {v4(172, 16, 0, 0), 12, "private"},
        {v4(192, 0, 0, 0), 24, "reserved"},        {v4(192, 0, 2, 0), 24, "reserved"},
        {v4(192, 88, 99, 0), 24, "reserved"},      {v4(192, 168, 0, 0), 16, "private"},
        {v4(198, 18, 0, 0), 15, "reserved"},       {v4(198, 51, 100, 0), 24, "reserved"},
        {v4(203, 0, 113, 0), 24, "reserved"},      {v4(224, 0, 0, 0), 4, "multicast"},
        {v4(240, 0, 0, 0), 4, "reserved"},  // includes 255.255.255.255, broadcast
    };
    for (const auto& r : kRanges) {
        if (in_v4(b, r.net, r.bits)) return r.what;
    }
    return {};
}

bool starts(const Address& a, std::initializer_list<unsigned char> prefix, int bits) {
    int i = 0;
    for (unsigned char p : prefix) {
        int left = bits - 8 * i;
        if (left <= 0) break;
        unsigned char mask = left >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - left));
        if ((a.bytes[i] & mask) != (p & mask)) return false;
        ++i;
    }
    return true;
}

bool all_zero(const Address& a, int from, int to) {
    for (int i = from; i < to; ++i)
        if (a.bytes[i] != 0) return false;
    return true;
}

// The IPv4 address an IPv4-mapped IPv6 address stands for; others unchanged.
Address unmapped(const Address& a) {
    if (a.family != AF_INET6 || !all_zero(a, 0, 10) || a.bytes[10] != 0xff || a.bytes[11] != 0xff)
        return a;
    Address out;
    out.family = AF_INET;
    std::copy(a.bytes.begin() + 12, a.bytes.end(), out.bytes.begin());
    return out;
}

#ifdef NXP_FAULT_INJECTION
// Tests only: NXP_TEST_EGRESS_HOSTS="name=address,…" answers those names with those
// addresses, treated as public, so the name path can be tested against loopback listeners.
std::optional<std::vector<Address>> test_hosts(const std::string& name, int family) {
    const char* env = std::getenv("NXP_TEST_EGRESS_HOSTS");
    if (!env) return std::nullopt;
    std::string_view all(env);
    std::optional<std::vector<Address>> out;
    while (!all.empty()) {
        auto comma = all.find(',');
        std::string_view item = all.substr(0, comma);
        all = comma == std::string_view::npos ? std::string_view() : all.substr(comma + 1);
        auto eq = item.find('=');
        if (eq == std::string_view::npos || normalize_name(item.substr(0, eq)) != name) continue;
        if (!out) out.emplace();
        auto a = parse_address(item.substr(eq + 1));
        if (a && a->family == family) out->push_back(*a);
    }
    return out;
}
#endif

void put16(std::string& out, unsigned v) {
    out.push_back(static_cast<char>((v >> 8) & 0xff));
    out.push_back(static_cast<char>(v & 0xff));
}

// A reply to `query` (whose question section ends at question_end) with rcode and answers.
std::string build_reply(const unsigned char* query, std::size_t question_end, int rcode,
                        const std::vector<Address>& answers, int qtype) {
    std::string out(reinterpret_cast<const char*>(query), question_end);
    // QR, the query's opcode and RD, RA; no AA, TC, AD, CD.
    unsigned char flags1 = static_cast<unsigned char>(0x80 | (query[2] & 0x79));
    out[2] = static_cast<char>(flags1);
    out[3] = static_cast<char>(0x80 | (rcode & 0x0f));
    std::size_t rdlen = qtype == ns_t_a ? 4 : 16;
    std::size_t fit = (kMaxUdpReply - question_end) / (12 + rdlen);
    std::size_t count = std::min(answers.size(), fit);
    out[4] = 0;
    out[5] = 1;
    out[6] = static_cast<char>((count >> 8) & 0xff);
    out[7] = static_cast<char>(count & 0xff);
    for (int i = 8; i < 12; ++i) out[static_cast<std::size_t>(i)] = 0;
    for (std::size_t i = 0; i < count; ++i) {
        put16(out, 0xc00c);  // the name in the question
        put16(out, static_cast<unsigned>(qtype));
        put16(out, ns_c_in);
        put16(out, kAnswerTtl >> 16);
        put16(out, kAnswerTtl & 0xffff);
        put16(out, static_cast<unsigned>(rdlen));
        out.append(reinterpret_cast<const char*>(answers[i].bytes.data()), rdlen);
    }
    return out;
}

}  // namespace

std::string Address::str() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(family, bytes.data(), buf, sizeof buf);
    return buf;
}

std::optional<Address> parse_address(std::string_view text) {
    std::string s(text);
    Address a;
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET;
        return a;
    }
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET6;
        return a;
    }
    return std::nullopt;
}

std::optional<std::pair<Address, std::uint16_t>> from_sockaddr(const void* sa, std::size_t len) {
    sa_family_t family = 0;
    if (len < sizeof family) return std::nullopt;
    std::memcpy(&family, sa, sizeof family);
    Address a;
    if (family == AF_INET && len >= sizeof(sockaddr_in)) {
        sockaddr_in in{};
        std::memcpy(&in, sa, sizeof in);
        a.family = AF_INET;
        std::memcpy(a.bytes.data(), &in.sin_addr, 4);
        return std::pair{a, ntohs(in.sin_port)};
    }
    if (family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, sa, sizeof in6);
        a.family = AF_INET6;
        std::memcpy(a.bytes.data(), &in6.sin6_addr, 16);
        return std::pair{a, ntohs(in6.sin6_port)};
    }
    return std::nullopt;
}

bool is_loopback(const Address& raw) {
    Address a = unmapped(raw);
    if (a.family == AF_INET) return a.bytes[0] == 127;
    return all_zero(a, 0, 15) && a.bytes[15] == 1;
}

std::string refused_class(const Address& raw) {
    Address a = unmapped(raw);
    if (a.family == AF_INET) return v4_class(a.bytes.data());
    if (all_zero(a, 0, 16)) return "unspecified";
    if (all_zero(a, 0, 15) && a.bytes[15] == 1) return "loopback";
    if (all_zero(a, 0, 12)) return "reserved";  // IPv4-compatible, deprecated
    if (starts(a, {0xfe, 0x80}, 10)) return "link-local";
    if (starts(a, {0xfe, 0xc0}, 10)) return "site-local";
    if (starts(a, {0xfc}, 7)) return "unique-local";
    if (starts(a, {0xff}, 8)) return "multicast";
    if (starts(a, {0x20, 0x01, 0x0d, 0xb8}, 32)) return "reserved";        // documentation
    if (starts(a, {0x01, 0x00, 0, 0, 0, 0, 0, 0}, 64)) return "reserved";  // discard
    // Forms that carry an IPv4 address a gateway would reach: NAT64 and 6to4.
    if (starts(a, {0x00, 0x64, 0xff, 0x9b}, 32) && all_zero(a, 4, 12))
        return v4_class(a.bytes.data() + 12);
    if (starts(a, {0x20, 0x02}, 16)) return v4_class(a.bytes.data() + 2);
    return {};
}

std::string normalize_name(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    return formats::detail::ascii_lower(name);
}

Result<Grant> parse_grant(std::string_view entry) {
    auto parts = formats::split_network_entry(entry);
    if (!parts)
        return fail(ErrorKind::Invalid, "network grant \"" + std::string(entry) + "\"",
                    parts.error());
    using Kind = formats::NetworkEntry::Kind;
    Grant g;
    g.text = std::string(entry);
    g.host = std::move(parts->host);
    g.port = parts->port;
    g.kind = parts->kind == Kind::Suffix ? Grant::Kind::Suffix : Grant::Kind::Name;
    if (parts->kind == Kind::Ipv4 || parts->kind == Kind::Ipv6) {
        auto a = parse_address(g.host);  // split_network_entry checked it with inet_pton
        if (!a)
            return fail(ErrorKind::Invalid, "network grant \"" + g.text + "\"", "not an address");
        g.kind = Grant::Kind::Address;
        g.address = *a;
    }
    return g;
}

Result<std::vector<Grant>> parse_grants(const std::vector<std::string>& entries) {
    std::vector<Grant> out;
    for (const auto& e : entries) {
        auto g = parse_grant(e);
        if (!g) return tl::unexpected(g.error());
        out.push_back(std::move(*g));
    }
    return out;
}

bool name_matches(const Grant& g, std::string_view raw) {
    std::string name = normalize_name(raw);
    if (g.kind == Grant::Kind::Name) return name == g.host;
    if (g.kind == Grant::Kind::Suffix)
        return name.size() > g.host.size() + 1 && name.ends_with(g.host) &&
               name[name.size() - g.host.size() - 1] == '.';
    return false;
}

std::string log_line(const Decision& d, std::time_t t) {
    nlohmann::ordered_json j;
    j["time"] = formats::utc_timestamp(t);
    j["decision"] = d.allow ? "allow" : "deny";
    j["host"] = d.host;
    j["address"] = d.address;
    j["port"] = d.port;
    j["via"] = d.via;
    j["reason"] = d.reason;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Log::write(const Decision& d) {
    if (file_.empty()) return;
    std::string line = log_line(d, std::time(nullptr)) + "\n";
    std::lock_guard lock(mutex_);  // the rotation is one writer's at a time
    os::append_log_line(file_, line, max_bytes_);
}

std::vector<Address> resolve_on_host(const std::string& name, int family) {
    addrinfo hints{};
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    std::vector<Address> out;
    if (getaddrinfo(name.c_str(), nullptr, &hints, &res) != 0) return out;
    for (addrinfo* p = res; p; p = p->ai_next) {
        auto a = from_sockaddr(p->ai_addr, p->ai_addrlen);
        if (a && a->first.family == family &&
            std::find(out.begin(), out.end(), a->first) == out.end())
            out.push_back(a->first);
    }
    freeaddrinfo(res);
    return out;
}

DnsAnswer answer_dns(const unsigned char* query, std::size_t size, const std::vector<Grant>& grants,
                     const Resolver& resolve) {
    DnsAnswer out;
    ns_msg msg;
    if (ns_initparse(query, static_cast<int>(size), &msg) != 0) return out;
    if (ns_msg_getflag(msg, ns_f_qr) != 0 || ns_msg_getflag(msg, ns_f_opcode) != ns_o_query ||
        ns_msg_count(msg, ns_s_qd) != 1)
        return out;
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_qd, 0, &rr) != 0) return out;
    // The question section: its name, then type and class.
    int name_len = dn_skipname(query + NS_HFIXEDSZ, query + size);
    if (name_len < 0 || NS_HFIXEDSZ + static_cast<std::size_t>(name_len) + 4 > size) return out;
    std::size_t question_end = NS_HFIXEDSZ + static_cast<std::size_t>(name_len) + 4;
    std::string name = normalize_name(ns_rr_name(rr));
    int qtype = ns_rr_type(rr);

    bool granted = ns_rr_class(rr) == ns_c_in &&
                   std::any_of(grants.begin(), grants.end(),
                               [&](const Grant& g) { return name_matches(g, name); });
    if (!granted) {
        out.decisions.push_back({false, name, "", 0, "dns", "name not granted"});
        out.reply = build_reply(query, question_end, ns_r_refused, {}, qtype);
        return out;
    }
    if (qtype != ns_t_a && qtype != ns_t_aaaa) {
        out.reply = build_reply(query, question_end, ns_r_noerror, {}, qtype);
        return out;
    }
    Lookup found = lookup_granted_name(name, qtype == ns_t_a ? AF_INET : AF_INET6, resolve);
    std::vector<Address> allowed;
    for (const auto& [n, a] : found.answered) allowed.push_back(a);
    out.decisions = std::move(found.decisions);
    out.answered = std::move(found.answered);
    int rcode = allowed.empty() && found.found ? ns_r_refused : ns_r_noerror;
    out.reply = build_reply(query, question_end, rcode, allowed, qtype);
    return out;
}

Lookup lookup_granted_name(const std::string& name, int family, const Resolver& resolve) {
    Lookup out;
    std::vector<Address> found;
    bool trusted = false;
#ifdef NXP_FAULT_INJECTION
    if (auto t = test_hosts(name, family)) {
        found = std::move(*t);
        trusted = true;
    }
#endif
    if (!trusted) found = resolve(name, family);
    out.found = !found.empty();
    for (const auto& a : found) {
        std::string why = trusted ? std::string() : refused_class(a);
        if (!why.empty()) {
            out.decisions.push_back({false, name, a.str(), 0, "dns", why + " address"});
            continue;
        }
        out.decisions.push_back({true, name, a.str(), 0, "dns", "name granted"});
        out.answered.emplace_back(name, a);
    }
    return out;
}

ConnectVerdict check_connect(const std::vector<Grant>& grants,
                             const std::vector<std::pair<std::string, Address>>& answered,
                             const Address& raw, std::uint16_t port) {
    Address to = unmapped(raw);
    for (const auto& g : grants) {
        if (g.kind == Grant::Kind::Address && unmapped(g.address) == to && g.port == port)
            return {true, to.str(), "granted " + g.text};
    }
    std::string other_port;
    for (const auto& [name, a] : answered) {
        if (unmapped(a) != to) continue;
        for (const auto& g : grants) {
            if (!name_matches(g, name)) continue;
            if (g.port == port) return {true, name, "granted " + g.text};
            other_port = name;
        }
    }
    if (!other_port.empty())
        return {false, other_port, "port " + std::to_string(port) + " not granted"};
    return {false, to.str(), "not granted"};
}

}  // namespace nxp::sandbox::egress
