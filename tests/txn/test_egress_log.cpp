// Issue 15 items 1 and 6: `nxp permissions NAME --log` reads lines the sandbox wrote, and a
// line that is not a decision (whatever it holds) is passed over, never a crash; the items of
// `--grant ITEM…` select only what a plugin asks for.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "txn/egress_log.hpp"
#include "txn/permissions.hpp"

using namespace nxp;
namespace fs = std::filesystem;

namespace {

const std::string kGood =
    R"({"time":"2026-12-05T04:50:00Z","decision":"deny","host":"a.example","address":"10.0.0.1","port":443,"via":"connect","reason":"not granted"})";

std::string with(const std::string& key, const std::string& value_json) {
    auto j = nlohmann::json::parse(kGood);
    j[key] = nlohmann::json::parse(value_json);
    return j.dump();
}

}  // namespace

TEST_CASE("a decision line is read, unknown members ignored") {
    auto e = txn::parse_egress_line(kGood);
    REQUIRE(e);
    CHECK_FALSE(e->allow);
    CHECK(e->host == "a.example");
    CHECK(e->address == "10.0.0.1");
    CHECK(e->port == 443);
    CHECK(e->via == "connect");
    CHECK(e->reason == "not granted");
    CHECK(txn::parse_egress_line(with("pid", "42")));
    CHECK(txn::parse_egress_line(with("extra", R"({"a":[1,{"b":2}]})")));
    CHECK(txn::parse_egress_line(with("decision", R"("allow")"))->allow);
}

TEST_CASE("lines that are not decisions are passed over") {
    const std::string deep(100000, '[');
    const std::string nested = with("extra", std::string(20, '[') + std::string(20, ']'));
    const std::string huge = with("host", "\"" + std::string(20000, 'a') + "\"");
    const std::string dup = kGood.substr(0, kGood.size() - 1) + R"(,"port":80})";
    std::string overflow = kGood;
    overflow.replace(overflow.find("443"), 3, "1e400");
    for (const std::string& line :
         {std::string(""),
          std::string("not json"),
          std::string("[1,2,3]"),
          std::string("null"),
          std::string("\"text\""),
          std::string("{"),
          deep,
          nested,
          huge,
          dup,
          std::string("\x1b[2J\xff\xfe"),
          std::string(kGood, 0, kGood.size() / 2),
          with("decision", R"("maybe")"),
          with("decision", "true"),
          with("time", R"("yesterday")"),
          with("time", "1733374200"),
          with("time", R"("2026-12-05 04:50:00")"),
          with("port", R"("443")"),
          with("port", "-1"),
          with("port", "65536"),
          overflow,
          with("port", "4.5"),
          with("host", "7"),
          with("reason", "null"),
          with("via", "[]"),
          std::string(R"({"time":"2026-12-05T04:50:00Z","decision":"deny"})")}) {
        INFO(line.substr(0, 120));
        CHECK_FALSE(txn::parse_egress_line(line));
    }
}

TEST_CASE("the log: rotated file first, garbage counted, filters") {
    auto dir = fs::temp_directory_path() / ("nxp-egress-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    auto file = dir / "p.jsonl";
    auto empty = txn::read_egress_log(file, {});
    REQUIRE(empty);
    CHECK_FALSE(empty->found);
    {
        std::ofstream(file.string() + ".1") << with("time", R"("2026-12-05T04:40:00Z")") << "\n";
        std::ofstream out(file);
        out << "garbage\n\n"
            << with("decision", R"("allow")") << "\n"
            << std::string(9000, 'x') << "\n"
            << kGood;  // no final newline
    }
    auto log = txn::read_egress_log(file, {});
    REQUIRE(log);
    CHECK(log->found);
    CHECK(log->skipped == 2);
    REQUIRE(log->entries.size() == 3);
    CHECK(log->entries[0].time == "2026-12-05T04:40:00Z");
    auto denied = txn::read_egress_log(file, {"", true});
    REQUIRE(denied);
    CHECK(denied->entries.size() == 2);
    auto since = txn::read_egress_log(file, {"2026-12-05T04:45:00Z", false});
    REQUIRE(since);
    CHECK(since->entries.size() == 2);
    fs::remove_all(dir);
}

TEST_CASE("--since takes a UTC date or time, or how long ago") {
    const std::int64_t now = 1764910200;  // 2025-12-05T04:50:00Z
    CHECK(*txn::parse_since("2026-12-05", now) == "2026-12-05T00:00:00Z");
    CHECK(*txn::parse_since("2026-12-05T04:50", now) == "2026-12-05T04:50:00Z");
    CHECK(*txn::parse_since("2026-12-05T04:50:07Z", now) == "2026-12-05T04:50:07Z");
    CHECK(*txn::parse_since("30m", now) == "2025-12-05T04:20:00Z");
    CHECK(*txn::parse_since("2h", now) == "2025-12-05T02:50:00Z");
    CHECK(*txn::parse_since("1d", now) == "2025-12-04T04:50:00Z");
    for (const char* bad : {"", "yesterday", "1w", "h", "-1h", "2026-13-05", "2026-12-32",
                            "2026-12-05T25:00", "2026-12-05 04:50", "99999999999d", "2026-1-5"}) {
        INFO(bad);
        auto r = txn::parse_since(bad, now);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Usage);
        CHECK(r.error().context == std::string("--since ") + bad);
    }
}

TEST_CASE("--grant items select only what is asked for") {
    formats::Permissions asked;
    asked.network = {"api.example.org", "*.cdn.example:8443"};
    asked.filesystem = {{"${config.root}", "read-write"}, {"/srv/data", "read-write"}};
    asked.env = {"TOKEN"};
    auto all = txn::select_permissions(asked, {"all"}, "p");
    REQUIRE(all);
    CHECK(*all == asked);
    auto some = txn::select_permissions(
        asked, {"network api.example.org", "TOKEN", "read-write /srv/data"}, "p");
    REQUIRE(some);
    CHECK(some->network == std::vector<std::string>{"api.example.org"});
    CHECK(some->env == std::vector<std::string>{"TOKEN"});
    CHECK(some->filesystem == std::vector<formats::FsPermission>{{"/srv/data", "read-write"}});
    auto bare = txn::select_permissions(asked, {"${config.root}", "*.cdn.example:8443"}, "p");
    REQUIRE(bare);
    CHECK(bare->filesystem.size() == 1);
    CHECK(bare->network.size() == 1);
    for (const char* bad :
         {"network evil.example", "env api.example.org", "read-only /srv/data", "/srv", "token",
          "network", "api.example.org:443", "network  api.example.org", "*", ""}) {
        INFO(bad);
        auto r = txn::select_permissions(asked, {bad}, "p");
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Usage);
        CHECK(r.error().message.find("p does not ask for this") != std::string::npos);
    }
}
