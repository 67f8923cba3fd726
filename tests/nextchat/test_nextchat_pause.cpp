// NextChat's own pause button (issue 17 item 5): an entry the operator paused in NextChat's UI
// ("status": "paused" written by NextChat) stays paused through nxp's syncs until the operator
// resumes it there or `nxp enable` resumes it; nxp's own pauses stay nxp's to undo. And which
// entries a sync rewrote, for the restart (item 3).
#include "nextchat/mcp_config.hpp"
#include "tests/nextchat/fixture.hpp"

using namespace nxp::nextchat;
using namespace nxp::nextchat::test;

namespace {

ServerEntry weather(bool paused = false) {
    return ServerEntry{
        "weather", "nxp", {"exec", "weather"}, {{"WEATHER_UNITS", "metric"}}, paused};
}

ServerEntry notes(bool paused = false) {
    return ServerEntry{"notes", "nxp", {"exec", "notes"}, {}, paused};
}

// What NextChat's UI does when the operator presses pause (or resume) on an entry.
void set_status(const NextChatCopy& nc, const std::string& name, const std::string& status) {
    Json j = read_json(nc.config());
    j["mcpServers"][name]["status"] = status;
    write_text(nc.config(), j.dump(2));
}

std::string status(const NextChatCopy& nc, const std::string& name) {
    return read_json(nc.config())["mcpServers"][name]["status"].get<std::string>();
}

}  // namespace

TEST_CASE("a pause made in NextChat survives a sync and is remembered", "[nextchat][pause]") {
    NextChatCopy nc;
    NextchatPauses memory;
    REQUIRE(sync_mcp_config(nc.dir(), {weather(), notes()}, {"weather"}, &memory));
    CHECK(memory.in_nextchat.empty());
    CHECK(memory.written_paused.empty());

    set_status(nc, "weather", "paused");
    auto changed = sync_mcp_config(nc.dir(), {weather(), notes()}, {"weather", "notes"}, &memory);
    REQUIRE(changed);
    CHECK_FALSE(*changed);  // nothing for nxp to write: the pause is NextChat's
    CHECK(status(nc, "weather") == "paused");
    CHECK(status(nc, "notes") == "active");
    CHECK(memory.in_nextchat == std::set<std::string>{"weather"});
    CHECK(memory.written_paused.empty());
    CHECK(memory.rewritten.empty());

    // A later sync with a change elsewhere keeps it paused too.
    auto other = notes();
    other.env["NOTES_DIR"] = "/srv/notes";
    REQUIRE(sync_mcp_config(nc.dir(), {weather(), other}, {"weather", "notes"}, &memory));
    CHECK(status(nc, "weather") == "paused");
    CHECK(memory.in_nextchat == std::set<std::string>{"weather"});
    CHECK(memory.rewritten == std::set<std::string>{"notes"});
}

TEST_CASE("a NextChat pause is forgotten when NextChat resumes it", "[nextchat][pause]") {
    NextChatCopy nc;
    NextchatPauses memory;
    memory.in_nextchat = {"weather"};
    set_status(nc, "weather", "paused");
    REQUIRE(sync_mcp_config(nc.dir(), {weather()}, {"weather"}, &memory));
    CHECK(memory.in_nextchat == std::set<std::string>{"weather"});

    set_status(nc, "weather", "active");
    REQUIRE(sync_mcp_config(nc.dir(), {weather()}, {"weather"}, &memory));
    CHECK(memory.in_nextchat.empty());
    CHECK(status(nc, "weather") == "active");
    // NextChat's "error" is not a pause either.
    set_status(nc, "weather", "error");
    REQUIRE(sync_mcp_config(nc.dir(), {weather()}, {"weather"}, &memory));
    CHECK(memory.in_nextchat.empty());
    CHECK(status(nc, "weather") == "error");
}

TEST_CASE("nxp enable (resume) writes a NextChat-paused entry active", "[nextchat][pause]") {
    NextChatCopy nc;
    NextchatPauses memory;
    memory.in_nextchat = {"weather"};
    set_status(nc, "weather", "paused");
    memory.resume = {"weather"};
    auto changed = sync_mcp_config(nc.dir(), {weather()}, {"weather"}, &memory);
    REQUIRE(changed);
    CHECK(*changed);
    CHECK(status(nc, "weather") == "active");
    CHECK(memory.in_nextchat.empty());
    CHECK(memory.rewritten == std::set<std::string>{"weather"});
}

TEST_CASE("nxp's own pause is nxp's to undo", "[nextchat][pause]") {
    NextChatCopy nc;
    NextchatPauses memory;
    // Disabled in nxp: written paused by nxp, not a NextChat pause.
    REQUIRE(sync_mcp_config(nc.dir(), {weather(true)}, {"weather"}, &memory));
    CHECK(status(nc, "weather") == "paused");
    CHECK(memory.written_paused == std::set<std::string>{"weather"});
    CHECK(memory.in_nextchat.empty());
    // Enabled again (or its missing config given): active, whatever the file says.
    REQUIRE(sync_mcp_config(nc.dir(), {weather()}, {"weather"}, &memory));
    CHECK(status(nc, "weather") == "active");
    CHECK(memory.written_paused.empty());
    CHECK(memory.in_nextchat.empty());
}

TEST_CASE("a NextChat pause outlives nxp's own pause of the same entry", "[nextchat][pause]") {
    NextChatCopy nc;
    NextchatPauses memory;
    set_status(nc, "weather", "paused");
    REQUIRE(sync_mcp_config(nc.dir(), {weather()}, {"weather"}, &memory));
    CHECK(memory.in_nextchat == std::set<std::string>{"weather"});
    // Disabled in nxp meanwhile, then its configuration made complete again: still paused
    // in NextChat, since the operator paused it there and did not resume it.
    REQUIRE(sync_mcp_config(nc.dir(), {weather(true)}, {"weather"}, &memory));
    CHECK(memory.in_nextchat == std::set<std::string>{"weather"});
    REQUIRE(sync_mcp_config(nc.dir(), {weather()}, {"weather"}, &memory));
    CHECK(status(nc, "weather") == "paused");
    CHECK(memory.in_nextchat == std::set<std::string>{"weather"});
}

TEST_CASE("a removed server's pause is forgotten; removal counts as rewritten",
          "[nextchat][pause]") {
    NextChatCopy nc;
    NextchatPauses memory;
    memory.in_nextchat = {"weather"};
    set_status(nc, "weather", "paused");
    REQUIRE(sync_mcp_config(nc.dir(), {}, {"weather"}, &memory));
    CHECK(memory.in_nextchat.empty());
    CHECK(memory.rewritten == std::set<std::string>{"weather"});
    CHECK_FALSE(read_json(nc.config())["mcpServers"].contains("weather"));
}

TEST_CASE("without pause memory the old behaviour stays", "[nextchat][pause]") {
    NextChatCopy nc;
    set_status(nc, "weather", "paused");
    REQUIRE(sync_mcp_config(nc.dir(), {weather()}, {"weather"}));
    CHECK(status(nc, "weather") == "active");
}

TEST_CASE("paused_in_nextchat decides from the file's status and the memory", "[nextchat][pause]") {
    NextchatPauses m;
    CHECK(paused_in_nextchat(weather(), "paused", m));
    CHECK_FALSE(paused_in_nextchat(weather(), "active", m));
    CHECK_FALSE(paused_in_nextchat(weather(), "error", m));
    CHECK_FALSE(paused_in_nextchat(weather(), "", m));
    CHECK_FALSE(paused_in_nextchat(weather(true), "paused", m));  // nxp pauses it itself
    m.written_paused = {"weather"};
    CHECK_FALSE(paused_in_nextchat(weather(), "paused", m));  // nxp wrote that pause
    m.in_nextchat = {"weather"};
    CHECK(paused_in_nextchat(weather(), "paused", m));
    CHECK(paused_in_nextchat(weather(true), "paused", m));
    m.resume = {"weather"};
    CHECK_FALSE(paused_in_nextchat(weather(), "paused", m));
}

TEST_CASE("read_mcp_config reports each entry's status as written", "[nextchat][pause]") {
    NextChatCopy nc;
    set_status(nc, "weather", "error");
    std::map<std::string, std::string> statuses;
    REQUIRE(read_mcp_config(nc.dir(), &statuses));
    CHECK(statuses == std::map<std::string, std::string>{{"filesystem", "active"},
                                                         {"remote-search", "paused"},
                                                         {"weather", "error"}});
}
