#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "repo/fetch.hpp"
#include "repo/keys.hpp"
#include "repo/repository.hpp"
#include "tests/common/temp_dir.hpp"

using namespace nxp;
using nxp::test::TempDir;
using namespace nxp::repo;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

std::string file_url(const fs::path& p) { return "file://" + p.string(); }

// A tiny HTTP/1.0 server on 127.0.0.1 for the routes the tests need; one request at a time.
class Server {
  public:
    Server() {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        socklen_t len = sizeof a;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        listen(fd_, 8);
        thread_ = std::thread([this] { loop(); });
    }
    ~Server() {
        stop_ = true;
        shutdown(fd_, SHUT_RDWR);
        close(fd_);
        thread_.join();
    }
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }

  private:
    void loop() {
        while (!stop_) {
            int c = accept(fd_, nullptr, nullptr);
            if (c < 0) return;
            char buf[2048];
            ssize_t n = recv(c, buf, sizeof buf - 1, 0);
            std::string req(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
            std::string path = req.substr(4, req.find(' ', 4) - 4);
            respond(c, path);
            close(c);
        }
    }
    static void send_all(int c, const std::string& s) {
        std::size_t off = 0;
        while (off < s.size()) {
            ssize_t n = send(c, s.data() + off, s.size() - off, MSG_NOSIGNAL);
            if (n <= 0) return;
            off += static_cast<std::size_t>(n);
        }
    }
    void respond(int c, const std::string& path) {
        if (path == "/ok") {
            send_all(c, "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        } else if (path == "/redirect") {
            send_all(c, "HTTP/1.0 302 Found\r\nLocation: /ok\r\n\r\n");
        } else if (path == "/to-file") {
            send_all(c, "HTTP/1.0 302 Found\r\nLocation: file:///etc/passwd\r\n\r\n");
        } else if (path == "/loop") {
            send_all(c, "HTTP/1.0 302 Found\r\nLocation: /loop\r\n\r\n");
        } else if (path == "/endless") {
            send_all(c, "HTTP/1.0 200 OK\r\n\r\n");  // no length: body until close
            std::string chunk(64 * 1024, 'x');
            for (int i = 0; i < 1024 && !stop_; ++i) send_all(c, chunk);
        } else if (path == "/error") {
            send_all(c, "HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
        } else {
            send_all(c, "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        }
    }
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace

TEST_CASE("fetch_bytes reads file:// URLs and names a missing file", "[fetch]") {
    TempDir t;
    write(t.path / "a.txt", "content");
    auto ok = fetch_bytes(file_url(t.path / "a.txt"));
    REQUIRE(ok);
    CHECK(*ok == "content");

    auto missing = fetch_bytes(file_url(t.path / "nope.txt"));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::NotFound);
    CHECK(missing.error().context == file_url(t.path / "nope.txt"));
}

TEST_CASE("fetch_bytes cuts off a body larger than max_bytes", "[fetch]") {
    TempDir t;
    write(t.path / "big", std::string(10000, 'z'));
    FetchLimits lim;
    lim.max_bytes = 1000;
    auto r = fetch_bytes(file_url(t.path / "big"), lim);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("1000") != std::string::npos);
}

TEST_CASE("fetch_bytes refuses protocols other than file/http/https", "[fetch]") {
    auto r = fetch_bytes("ftp://127.0.0.1/x");
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::Network);
    CHECK(r.error().context == "ftp://127.0.0.1/x");
}

TEST_CASE("fetch over HTTP: status codes, redirects, endless bodies", "[fetch]") {
    Server srv;
    auto ok = fetch_bytes(srv.url("/ok"));
    REQUIRE(ok);
    CHECK(*ok == "hello");

    auto redirected = fetch_bytes(srv.url("/redirect"));
    REQUIRE(redirected);
    CHECK(*redirected == "hello");

    auto missing = fetch_bytes(srv.url("/missing"));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::NotFound);
    CHECK(missing.error().str().find("404") != std::string::npos);
    CHECK(missing.error().str().find(srv.url("/missing")) != std::string::npos);

    auto unavailable = fetch_bytes(srv.url("/error"));
    REQUIRE_FALSE(unavailable);
    CHECK(unavailable.error().kind == ErrorKind::Network);
    CHECK(unavailable.error().message.find("503") != std::string::npos);

    auto to_file = fetch_bytes(srv.url("/to-file"));
    CHECK_FALSE(to_file);  // a server must not redirect us into the local disk

    CHECK_FALSE(fetch_bytes(srv.url("/loop")));

    FetchLimits lim;
    lim.max_bytes = 100000;
    auto endless = fetch_bytes(srv.url("/endless"), lim);
    REQUIRE_FALSE(endless);
    CHECK(endless.error().message.find("100000") != std::string::npos);
}

TEST_CASE("fetch_file checks size and sha256 and leaves nothing on mismatch", "[fetch]") {
    TempDir t;
    const std::string body = "package bytes";
    write(t.path / "src.nxp", body);
    const fs::path dest = t.path / "dest.nxp";
    const std::string url = file_url(t.path / "src.nxp");

    SECTION("good") {
        REQUIRE(fetch_file(url, dest, body.size(), sha256_hex(body)));
        CHECK(fs::exists(dest));
        CHECK_FALSE(fs::exists(t.path / "dest.nxp.part"));
    }
    SECTION("wrong hash") {
        const std::string wrong(64, '0');
        auto r = fetch_file(url, dest, body.size(), wrong);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Verification);
        CHECK(r.error().context == url);
        CHECK(r.error().message.find(wrong) != std::string::npos);
        CHECK(r.error().message.find(sha256_hex(body)) != std::string::npos);
        CHECK_FALSE(fs::exists(dest));
        CHECK_FALSE(fs::exists(t.path / "dest.nxp.part"));
    }
    SECTION("larger than announced") {
        auto r = fetch_file(url, dest, body.size() - 1, sha256_hex(body));
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Verification);
        CHECK_FALSE(fs::exists(t.path / "dest.nxp.part"));
    }
    SECTION("smaller than announced") {
        auto r = fetch_file(url, dest, body.size() + 1, sha256_hex(body));
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Verification);
        CHECK_FALSE(fs::exists(dest));
    }
}

TEST_CASE("join_url handles slashes", "[fetch]") {
    CHECK(join_url("file:///srv/repo", "packages/a.nxp") == "file:///srv/repo/packages/a.nxp");
    CHECK(join_url("https://x/repo/", "/index.json.zst") == "https://x/repo/index.json.zst");
}

TEST_CASE("zstd round-trips deterministically and caps the output", "[zstd]") {
    std::string text;
    for (int i = 0; i < 5000; ++i) text += "package-" + std::to_string(i) + "\n";
    const std::string z = zstd_compress(text);
    CHECK(z == zstd_compress(text));
    CHECK(z.size() < text.size());
    auto back = zstd_decompress(z, text.size(), "index.json.zst");
    REQUIRE(back);
    CHECK(*back == text);

    auto capped = zstd_decompress(z, text.size() - 1, "index.json.zst");
    REQUIRE_FALSE(capped);
    CHECK(capped.error().context == "index.json.zst");

    CHECK_FALSE(zstd_decompress(z.substr(0, z.size() / 2), 1 << 20, "x"));
    CHECK_FALSE(zstd_decompress("not zstd", 1 << 20, "x"));
    CHECK_FALSE(zstd_decompress("", 1 << 20, "x"));

    const std::string bomb = zstd_compress(std::string(50 << 20, '\0'));
    CHECK(bomb.size() < 10000);
    CHECK_FALSE(zstd_decompress(bomb, 1 << 20, "bomb"));
}
