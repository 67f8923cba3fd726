// Per-host egress enforced on real code in the sandbox: listeners on several 127.0.0.0/8
// addresses and ports, granted and not, reached (or not) from bash's /dev/tcp, Python,
// Node's fetch() and curl; names resolved by nxp only; every decision in the log.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/sandbox/helpers.hpp"

using namespace nxp::sandbox;
using namespace nxp::sandbox::test;

namespace {

// A TCP listener on `address`:`port` (0: any) answering every connection with a small HTTP
// response, for as long as it lives.
class Server {
  public:
    Server(const char* address, int port) {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        int one = 1;
        setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        REQUIRE(inet_pton(AF_INET, address, &addr.sin_addr) == 1);
        REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(listen(fd_, 16) == 0);
        socklen_t len = sizeof addr;
        REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        port_ = ntohs(addr.sin_port);
        body_ = std::string("hello from ") + address + ":" + std::to_string(port_);
        thread_ = std::thread([this] { serve(); });
    }
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server() {
        stop_ = true;
        thread_.join();
        close(fd_);
    }
    int port() const { return port_; }
    const std::string& body() const { return body_; }
    int accepted() const { return accepted_; }

  private:
    void serve() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 50) <= 0) continue;
            int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            ++accepted_;
            char buf[4096];
            pollfd r{c, POLLIN, 0};
            if (poll(&r, 1, 2000) > 0) {
                ssize_t n = read(c, buf, sizeof buf);
                (void)n;
            }
            std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                               std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" +
                               body_;
            ssize_t w = write(c, resp.data(), resp.size());
            (void)w;
            close(c);
        }
    }

    int fd_ = -1;
    int port_ = 0;
    std::string body_;
    std::atomic<bool> stop_{false};
    std::atomic<int> accepted_{0};
    std::thread thread_;
};

std::vector<nlohmann::json> log_entries(const fs::path& file) {
    std::vector<nlohmann::json> out;
    std::istringstream in(read_text(file));
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
}

bool logged(const std::vector<nlohmann::json>& entries, const std::string& decision,
            const std::string& address, int port, const std::string& via = "connect") {
    for (const auto& e : entries) {
        if (e["decision"] == decision && e["address"] == address && e["port"] == port &&
            e["via"] == via && e["time"].get<std::string>().size() == 20)
            return true;
    }
    return false;
}

struct Setup {
    Server granted{"127.0.0.2", 0};
    Server other_port{"127.0.0.2", 0};
    // Same port, other addresses: only the address differs from the grant.
    Server host_loopback{"127.0.0.1", granted.port()};
    Server other_address{"127.0.0.3", granted.port()};
    Plugin plugin;
    std::string p1 = std::to_string(granted.port());
    std::string p2 = std::to_string(other_port.port());

    Setup() {
        plugin.profile.network = {"127.0.0.2:" + p1};
        plugin.profile.egress_log = plugin.root.path / "log" / "egress" / "demo.jsonl";
        plugin.profile.timeout_s = 30;
    }
};

}  // namespace

TEST_CASE("bash /dev/tcp reaches the granted pair only; others are refused at once", "[egress]") {
    if (!require_sandbox()) return;
    Setup s;
    auto r = s.plugin.run_script(
        "try() { s=$(date +%s%N); if bash -c \"exec 3<>/dev/tcp/$1/$2\" 2>/dev/null; then "
        "r=connected; else r=refused; fi; e=$(date +%s%N); echo \"$1:$2 $r $(( (e-s)/1000000 "
        "))\"; }\n"
        "try 127.0.0.2 " +
        s.p1 + "\ntry 127.0.0.1 " + s.p1 + "\ntry 127.0.0.2 " + s.p2 + "\ntry 127.0.0.3 " + s.p1 +
        "\ntry 169.254.169.254 80\ntry 10.0.0.1 443\n" + "bash -c 'exec 3<>/dev/tcp/127.0.0.2/" +
        s.p1 + " && printf \"GET / HTTP/1.0\\r\\n\\r\\n\" >&3 && cat <&3'");
    REQUIRE(r);
    INFO(r->output);
    CHECK(r->exit_code == 0);
    std::istringstream lines(r->output);
    int checked = 0;
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::string target, result;
        long ms = -1;
        if (!(words >> target >> result >> ms) || target == "hello") continue;
        INFO(line);
        ++checked;
        CHECK(result == (target == "127.0.0.2:" + s.p1 ? "connected" : "refused"));
        CHECK(ms < 2000);  // refused, not a timeout
    }
    CHECK(checked == 6);
    CHECK(r->output.find(s.granted.body()) != std::string::npos);
    CHECK(s.host_loopback.accepted() == 0);
    CHECK(s.other_address.accepted() == 0);
    CHECK(s.other_port.accepted() == 0);

    auto entries = log_entries(s.plugin.profile.egress_log);
    CHECK(logged(entries, "allow", "127.0.0.2", s.granted.port()));
    CHECK(logged(entries, "deny", "127.0.0.1", s.granted.port()));
    CHECK(logged(entries, "deny", "127.0.0.2", s.other_port.port()));
    CHECK(logged(entries, "deny", "127.0.0.3", s.granted.port()));
    CHECK(logged(entries, "deny", "169.254.169.254", 80));
    CHECK(logged(entries, "deny", "10.0.0.1", 443));
}

TEST_CASE("Python's socket and urllib, curl: granted pair only, no DNS", "[egress]") {
    if (!require_sandbox()) return;
    Setup s;
    const std::string py = R"(
import socket, sys, time, urllib.request
p1, p2 = int(sys.argv[1]), int(sys.argv[2])
print("urllib", urllib.request.urlopen(f"http://127.0.0.2:{p1}/", timeout=10).read().decode())
for host, port in [("127.0.0.1", p1), ("127.0.0.2", p2), ("127.0.0.3", p1), ("169.254.169.254", 80)]:
    t = time.monotonic()
    try:
        socket.create_connection((host, port), timeout=10).close()
        print("connected", host, port)
    except ConnectionRefusedError:
        print("refused", host, port, round((time.monotonic() - t) * 1000))
for name in ["example.com", "metadata.google.internal"]:
    try:
        socket.getaddrinfo(name, 443)
        print("resolved", name)
    except socket.gaierror:
        print("unresolved", name)
)";
    write_script(s.plugin.profile.plugin_dir / "check.py", py);
    s.plugin.profile.argv = {"/usr/bin/python3",
                             (s.plugin.profile.plugin_dir / "check.py").string(), s.p1, s.p2};
    auto r = run(s.plugin.profile);
    REQUIRE(r);
    INFO(r->output);
    CHECK(r->exit_code == 0);
    CHECK(r->output.find("urllib " + s.granted.body()) != std::string::npos);
    CHECK(r->output.find("connected") == std::string::npos);
    CHECK(r->output.find("unresolved example.com") != std::string::npos);
    CHECK(r->output.find("unresolved metadata.google.internal") != std::string::npos);
    std::istringstream lines(r->output);
    int refused = 0;
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("refused")) continue;
        ++refused;
        CHECK(std::stol(line.substr(line.rfind(' ') + 1)) < 2000);
    }
    CHECK(refused == 4);
    auto entries = log_entries(s.plugin.profile.egress_log);
    CHECK(logged(entries, "allow", "127.0.0.2", s.granted.port()));
    bool dns_denied = false;
    for (const auto& e : entries) {
        dns_denied |= e["via"] == "dns" && e["decision"] == "deny" && e["host"] == "example.com";
    }
    CHECK(dns_denied);

    if (fs::exists("/usr/bin/curl")) {
        auto c = s.plugin.run_script("curl -sS --max-time 10 http://127.0.0.2:" + s.p1 +
                                     "/; echo; curl -sS --max-time 10 http://127.0.0.3:" + s.p1 +
                                     "/ || echo curl-refused");
        REQUIRE(c);
        INFO(c->output);
        CHECK(c->output.find(s.granted.body()) != std::string::npos);
        CHECK(c->output.find("curl-refused") != std::string::npos);
        CHECK(s.other_address.accepted() == 0);
    }
}

TEST_CASE("Node's fetch() (which ignores HTTP_PROXY) reaches the granted pair only", "[egress]") {
    if (!require_sandbox()) return;
    if (!fs::exists("/usr/bin/node")) {
        nxp::test::skip("no /usr/bin/node");
        return;
    }
    Setup s;
    std::ofstream(s.plugin.profile.plugin_dir / "fetch.mjs") << R"(
const [p1, p2] = process.argv.slice(2);
const ok = await fetch(`http://127.0.0.2:${p1}/`);
console.log("fetched", await ok.text());
for (const url of [`http://127.0.0.2:${p2}/`, `http://127.0.0.3:${p1}/`, `http://127.0.0.1:${p1}/`]) {
  const t = Date.now();
  try { await fetch(url); console.log("reached", url); }
  catch (e) { console.log("failed", url, e.cause?.code, Date.now() - t); }
}
)";
    s.plugin.profile.argv = {"node", (s.plugin.profile.plugin_dir / "fetch.mjs").string(), s.p1,
                             s.p2};
    auto r = run(s.plugin.profile);
    REQUIRE(r);
    INFO(r->output);
    CHECK(r->exit_code == 0);
    CHECK(r->output.find("fetched " + s.granted.body()) != std::string::npos);
    CHECK(r->output.find("reached") == std::string::npos);
    std::istringstream lines(r->output);
    int failed = 0;
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("failed")) continue;
        ++failed;
        CHECK(line.find("ECONNREFUSED") != std::string::npos);
        CHECK(std::stol(line.substr(line.rfind(' ') + 1)) < 2000);
    }
    CHECK(failed == 3);
    CHECK(s.other_port.accepted() == 0);
}

#ifdef NXP_FAULT_INJECTION
TEST_CASE("granted names resolve through nxp; a name resolving to loopback is refused",
          "[egress]") {
    if (!require_sandbox()) return;
    Setup s;
    // Test build only: these names answer with loopback addresses treated as public.
    setenv("NXP_TEST_EGRESS_HOSTS", "api.nxp.test=127.0.0.2,other.nxp.test=127.0.0.3", 1);
    s.plugin.profile.network = {"api.nxp.test:" + s.p1, "localhost:" + s.p1};
    std::ofstream(s.plugin.profile.plugin_dir / "names.mjs") << R"(
const [p1] = process.argv.slice(2);
for (const url of [`http://api.nxp.test:${p1}/`, `http://API.nxp.test:${p1}/`,
                   `http://other.nxp.test:${p1}/`, `http://localhost:${p1}/`,
                   `http://api.nxp.test:${Number(p1) + 1}/`]) {
  try { console.log("reached", url, await (await fetch(url)).text()); }
  catch (e) { console.log("failed", url, e.cause?.code); }
}
)";
    s.plugin.profile.argv = {"node", (s.plugin.profile.plugin_dir / "names.mjs").string(), s.p1};
    auto r = run(s.plugin.profile);
    unsetenv("NXP_TEST_EGRESS_HOSTS");
    REQUIRE(r);
    INFO(r->output);
    CHECK(r->output.find("reached http://api.nxp.test:" + s.p1 + "/ " + s.granted.body()) !=
          std::string::npos);
    CHECK(r->output.find("reached http://API.nxp.test:" + s.p1 + "/ " + s.granted.body()) !=
          std::string::npos);
    CHECK(r->output.find("failed http://other.nxp.test:" + s.p1) != std::string::npos);
    CHECK(r->output.find("failed http://localhost:" + s.p1) != std::string::npos);
    CHECK(r->output.find("reached http://api.nxp.test:" + std::to_string(s.granted.port() + 1)) ==
          std::string::npos);
    CHECK(s.host_loopback.accepted() == 0);
    CHECK(s.other_address.accepted() == 0);
    auto entries = log_entries(s.plugin.profile.egress_log);
    bool answered = false, refused_other = false;
    for (const auto& e : entries) {
        answered |= e["via"] == "dns" && e["decision"] == "allow" && e["host"] == "api.nxp.test";
        refused_other |=
            e["via"] == "dns" && e["decision"] == "deny" && e["host"] == "other.nxp.test";
    }
    CHECK(answered);
    CHECK(refused_other);
    CHECK(logged(entries, "allow", "127.0.0.2", s.granted.port()));
    CHECK(logged(entries, "deny", "127.0.0.1", s.granted.port()));
}
#endif

TEST_CASE("no network grant: no supervisor, no network at all", "[egress]") {
    if (!require_sandbox()) return;
    Setup s;
    s.plugin.profile.network.clear();
    auto r = s.plugin.run_script("bash -c 'exec 3<>/dev/tcp/127.0.0.2/" + s.p1 +
                                 "' 2>/dev/null && echo connected; cat /proc/net/dev | grep -c :");
    REQUIRE(r);
    INFO(r->output);
    CHECK(r->output.find("connected") == std::string::npos);
    CHECK(s.granted.accepted() == 0);
    CHECK_FALSE(fs::exists(s.plugin.profile.egress_log));
}

TEST_CASE("side doors around connect() stay shut", "[egress]") {
    if (!require_sandbox()) return;
    Setup s;
    const std::string py = R"(
import ctypes, errno, socket, struct, sys
p1 = int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
def outcome(f):
    try:
        f(); return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
# IPv4-mapped IPv6: the granted pair is reached, another address is not.
def v6(host):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); s.settimeout(10)
    s.connect((host, p1)); s.close()
print("mapped-granted", outcome(lambda: v6("::ffff:127.0.0.2")))
print("mapped-other", outcome(lambda: v6("::ffff:127.0.0.3")))
print("v6-loopback", outcome(lambda: v6("::1")))
# TCP Fast Open: a connect hidden in sendto().
def tfo():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.sendto(b"GET / HTTP/1.0\r\n\r\n", 0x20000000, ("127.0.0.3", p1))
print("fastopen", outcome(tfo))
# io_uring, whose IORING_OP_CONNECT never meets seccomp.
params = ctypes.create_string_buffer(120)
r = libc.syscall(425, 8, params)
print("io_uring", "ok" if r >= 0 else errno.errorcode[ctypes.get_errno()])
# Dissolving a granted connection (AF_UNSPEC) to reuse the host socket, e.g. to listen.
g = socket.create_connection(("127.0.0.2", p1), timeout=10)
unspec = struct.pack("=H14x", socket.AF_UNSPEC)
r = libc.connect(g.fileno(), ctypes.c_char_p(unspec), len(unspec))
print("unspec", "ok" if r == 0 else errno.errorcode[ctypes.get_errno()])
print("listen-after", outcome(lambda: g.listen(1)))
# Datagrams go nowhere but loopback.
def udp():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01", ("8.8.8.8", 53))
print("udp-out", outcome(udp))
# A second connect on a granted socket to another destination.
def reconnect():
    g2 = socket.create_connection(("127.0.0.2", p1), timeout=10)
    g2.connect(("127.0.0.3", p1))
print("reconnect", outcome(reconnect))
)";
    write_script(s.plugin.profile.plugin_dir / "doors.py", py);
    s.plugin.profile.argv = {"/usr/bin/python3",
                             (s.plugin.profile.plugin_dir / "doors.py").string(), s.p1};
    auto r = run(s.plugin.profile);
    REQUIRE(r);
    INFO(r->output);
    CHECK(r->exit_code == 0);
    auto has = [&](const std::string& line) {
        return r->output.find(line + "\n") != std::string::npos;
    };
    CHECK(has("mapped-granted ok"));
    CHECK(has("mapped-other ECONNREFUSED"));
    CHECK(has("v6-loopback ECONNREFUSED"));
    // EOPNOTSUPP, which Python names ENOTSUP (the same number on Linux).
    CHECK((has("fastopen EOPNOTSUPP") || has("fastopen ENOTSUP")));
    CHECK(has("io_uring ENOSYS"));
    CHECK((has("unspec EOPNOTSUPP") || has("unspec ENOTSUP")));
    CHECK_FALSE(has("listen-after ok"));
    CHECK(has("udp-out ENETUNREACH"));
    CHECK(has("reconnect ECONNREFUSED"));
    CHECK(s.other_address.accepted() == 0);
    CHECK(s.host_loopback.accepted() == 0);
}
