#pragma once
// Per-host egress (DESIGN §7, issue 15): what a network grant means, which addresses a name
// grant may never reach, the DNS answers nxp gives the sandbox, and the decision log. Pure
// apart from the log; the supervisor that applies it lives in egress_supervisor.cpp.
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"

namespace nxp::sandbox::egress {

constexpr std::uint16_t kDefaultPort = 443;

// An IPv4 or IPv6 address (family AF_INET: the first 4 bytes).
struct Address {
    int family = 0;
    std::array<unsigned char, 16> bytes{};

    std::string str() const;  // "127.0.0.2", "2001:db8::1"
    auto operator<=>(const Address&) const = default;
};

std::optional<Address> parse_address(std::string_view text);
// The address and port of an AF_INET/AF_INET6 sockaddr; nullopt for other families or a
// short length.
std::optional<std::pair<Address, std::uint16_t>> from_sockaddr(const void* sa, std::size_t len);

bool is_loopback(const Address& a);
// Why a name grant may not lead to this address ("loopback", "private", "link-local",
// "shared (CGNAT)", "unique-local", "multicast", "unspecified", "reserved", …), looking
// through IPv4-mapped, IPv4-compatible, 6to4 and NAT64 forms; empty for a public address.
std::string refused_class(const Address& a);

// One permissions.network entry: "host", "host:port", "*.suffix[:port]", "a.b.c.d[:port]",
// "[v6][:port]"; no port means 443.
struct Grant {
    enum class Kind { Name, Suffix, Address };
    Kind kind = Kind::Name;
    std::string host;  // lower-case name, the suffix without "*.", or the address's text
    Address address;   // Kind::Address
    std::uint16_t port = kDefaultPort;
    std::string text;  // as granted
};

// An Invalid error naming the entry when it is none of the forms above.
Result<Grant> parse_grant(std::string_view entry);
Result<std::vector<Grant>> parse_grants(const std::vector<std::string>& entries);

// Whether a DNS name (any case, an optional trailing dot) falls under a Name or Suffix
// grant: exactly the host, or strictly below the suffix.
bool name_matches(const Grant& g, std::string_view name);
std::string normalize_name(std::string_view name);  // lower case, no trailing dot

// One decision, as logged.
struct Decision {
    bool allow = false;
    std::string host;     // the name asked for or connected to, or the address's text
    std::string address;  // the address's text, or "" (a refused name)
    int port = 0;         // 0 for DNS answers
    std::string via;      // "dns" or "connect"
    std::string reason;
};

// {"time":"2026-12-05T04:50:00Z","decision":"allow","host":…,"address":…,"port":N,
//  "via":"dns"|"connect","reason":…} without a newline.
std::string log_line(const Decision& d, std::time_t t);

// Appends decisions to the egress log (parent directories created, the file 0600), moving
// it to FILE.1 once it passes max_bytes. Thread-safe; failures to write are ignored (the
// decision itself is enforced either way).
class Log {
  public:
    explicit Log(std::filesystem::path file, std::uint64_t max_bytes = 1 << 20)
        : file_(std::move(file)), max_bytes_(max_bytes) {}
    void write(const Decision& d);

  private:
    std::filesystem::path file_;
    std::uint64_t max_bytes_;
    std::mutex mutex_;
};

// Resolves a name on the host for one family (AF_INET or AF_INET6); empty when it has none.
using Resolver = std::function<std::vector<Address>(const std::string& name, int family)>;
std::vector<Address> resolve_on_host(const std::string& name, int family);

// The addresses of one family a granted name may lead to, as the DNS stub gives them out:
// the host's public addresses for it (a loopback, private, … one is refused and logged), or
// under fault injection NXP_TEST_EGRESS_HOSTS's. nxp exec's remote bridge (runtime/
// mcp_remote) pins its connections to these, with the same decisions.
struct Lookup {
    std::vector<Decision> decisions;                        // via "dns"
    std::vector<std::pair<std::string, Address>> answered;  // (name, address) allowed
    bool found = false;                                     // the name had addresses at all
};
Lookup lookup_granted_name(const std::string& name, int family, const Resolver& resolve);

// The DNS stub's answer to one query: A/AAAA for a granted name get the host's public
// addresses for it; a granted name with only refused addresses and any name not granted
// get REFUSED; other types of a granted name an empty answer. `answered` lists the
// addresses given, with the name, for the connect check.
struct DnsAnswer {
    std::string reply;  // empty: not a query worth answering (dropped)
    std::vector<Decision> decisions;
    std::vector<std::pair<std::string, Address>> answered;
};
DnsAnswer answer_dns(const unsigned char* query, std::size_t size, const std::vector<Grant>& grants,
                     const Resolver& resolve);

// The connect check: an Address grant matches its address and port exactly; a Name or
// Suffix grant matches an address the stub answered for a name under it, at its port.
struct ConnectVerdict {
    bool allow = false;
    std::string host;    // the granted name that led here, or the address's text
    std::string reason;  // the grant, or why not
};
ConnectVerdict check_connect(const std::vector<Grant>& grants,
                             const std::vector<std::pair<std::string, Address>>& answered,
                             const Address& to, std::uint16_t port);

}  // namespace nxp::sandbox::egress
