// The health check's conversation (sandbox::detail::run_dialogue) against children that
// flood: requests it never reads the answers to, endless lines, a line without end. Each
// is stopped quickly with a message saying what happened; nothing grows without bound and
// nothing keeps nxp from noticing its timeout.
#include <catch2/catch.hpp>
#include <chrono>

#include "sandbox/process.hpp"

using namespace nxp;
using nxp::sandbox::detail::run_dialogue;
using nxp::sandbox::detail::SpawnSpec;

namespace {

SpawnSpec shell(const std::string& script) {
    SpawnSpec s;
    s.path = "/bin/sh";
    s.argv = {"sh", "-c", script};
    s.env = {"PATH=/usr/bin:/bin"};
    return s;
}

// Answers every request as the MCP handshake answers a ping; counts the lines.
struct Answerer {
    std::size_t lines = 0;
    std::string operator()(const std::string& line, bool&) {
        ++lines;
        if (line.find("\"method\"") == std::string::npos) return {};
        return R"({"jsonrpc":"2.0","id":1,"result":{}})"
               "\n";
    }
};

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("a child that sends requests without reading the answers is stopped") {
    // Variants: one request per line as fast as possible, requests in bursts, long ids.
    for (const char* script :
         {"yes '{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":1}'",
          "while :; do printf '{\"method\":\"ping\",\"id\":1}\\n%.0s' $(seq 500); done",
          "yes "
          "'{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":\"iiiiiiiiiiiiiiiiiiiiiiiiiiiii\"}'"}) {
        INFO(script);
        Answerer a;
        auto start = std::chrono::steady_clock::now();
        auto r = run_dialogue(shell(script), 30, 1 << 20, "", std::ref(a));
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message,
                   Catch::StartsWith("the server sent requests without reading the answers"));
        CHECK(seconds_since(start) < 20);
    }
}

TEST_CASE("a child that never reads its stdin and floods pings leaves nxp bounded") {
    // stdin left open but never read: the pipe fills, answers queue in nxp, up to the cap.
    Answerer a;
    auto start = std::chrono::steady_clock::now();
    auto r = run_dialogue(shell("sleep 1000 & yes '{\"method\":\"ping\",\"id\":7}'"), 30, 1 << 20,
                          "", std::ref(a));
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("without reading the answers"));
    CHECK(seconds_since(start) < 20);
}

TEST_CASE("a line longer than the cap is refused by its size") {
    Answerer a;
    auto r = run_dialogue(shell("head -c 3000000 /dev/zero | tr '\\0' x; sleep 100"), 30, 1 << 20,
                          "", std::ref(a));
    REQUIRE_FALSE(r);
    CHECK(r.error().message ==
          "the server wrote a line of more than 1048576 bytes on stdout; it was stopped");
    CHECK(a.lines == 0);
}

TEST_CASE("endless output still lets the timeout fire") {
    // Empty lines and log lines nobody answers: nxp must come back to its clock.
    for (const char* script : {"yes ''", "yes 'a log line'", "yes '{}'"}) {
        INFO(script);
        Answerer a;
        auto start = std::chrono::steady_clock::now();
        auto r = run_dialogue(shell(script), 2, 1 << 20, "", std::ref(a));
        REQUIRE(r);
        CHECK(r->timed_out);
        CHECK(seconds_since(start) < 15);
        CHECK(a.lines > 0);
    }
}
