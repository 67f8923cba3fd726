// nxp keeps NextChat's app/mcp/mcp_config.json in step with what it installed, and leaves
// everything it does not manage exactly as the operator or NextChat wrote it.
#include <sys/stat.h>

#include "nextchat/mcp_config.hpp"
#include "tests/nextchat/fixture.hpp"

using namespace nxp::nextchat;
using namespace nxp::nextchat::test;

namespace {

ServerEntry managed(const std::string& name, std::map<std::string, std::string> env = {}) {
    return ServerEntry{name, "nxp", {"exec", name}, std::move(env), false};
}

// The fixture's weather entry, which nxp manages, as nxp would describe it.
ServerEntry weather() { return managed("weather", {{"WEATHER_UNITS", "metric"}}); }

void check_foreign_untouched(const Json& before, const Json& after) {
    CHECK(after["mcpServers"]["filesystem"] == before["mcpServers"]["filesystem"]);
    CHECK(after["mcpServers"]["remote-search"] == before["mcpServers"]["remote-search"]);
    CHECK(after["enableMcp"] == true);
    CHECK(after["x-operator-note"] == before["x-operator-note"]);
}

std::vector<std::string> keys(const Json& object) {
    std::vector<std::string> out;
    for (const auto& [key, value] : object.items()) out.push_back(key);
    return out;
}

}  // namespace

TEST_CASE("read_mcp_config lists every server", "[nextchat]") {
    NextChatCopy nc;
    auto servers = read_mcp_config(nc.dir());
    REQUIRE(servers);
    REQUIRE(servers->size() == 3);
    CHECK((*servers)[0].name == "filesystem");
    CHECK((*servers)[0].args.back() == "/srv/shared");
    CHECK((*servers)[1].name == "remote-search");
    CHECK((*servers)[1].paused);
    CHECK((*servers)[1].command.empty());
    CHECK((*servers)[2].name == "weather");
    CHECK((*servers)[2].env == std::map<std::string, std::string>{{"WEATHER_UNITS", "metric"}});
    CHECK_FALSE((*servers)[2].paused);
}

TEST_CASE("a new managed server is added and nothing else changes", "[nextchat]") {
    NextChatCopy nc;
    Json before = read_json(nc.config());
    auto changed = sync_mcp_config(nc.dir(), {weather(), managed("calculator")}, {"weather"});
    REQUIRE(changed);
    CHECK(*changed);
    Json after = read_json(nc.config());
    check_foreign_untouched(before, after);
    CHECK(keys(after) == keys(before));
    CHECK(keys(after["mcpServers"]) ==
          std::vector<std::string>{"filesystem", "remote-search", "weather", "calculator"});
    CHECK(after["mcpServers"]["calculator"] ==
          Json::parse(R"({"command": "nxp", "args": ["exec", "calculator"], "status": "active"})"));
    CHECK(after["mcpServers"]["weather"] == before["mcpServers"]["weather"]);
    // No temporary file is left beside it.
    CHECK(std::distance(fs::directory_iterator(nc.config().parent_path()),
                        fs::directory_iterator()) == 1);
}

TEST_CASE("a managed server is updated in place", "[nextchat]") {
    NextChatCopy nc;
    Json before = read_json(nc.config());
    auto w = weather();
    w.env = {{"WEATHER_UNITS", "imperial"}, {"WEATHER_CITY", "Oslo"}};
    w.args = {"exec", "--verbose", "weather"};
    auto changed = sync_mcp_config(nc.dir(), {w}, {"weather"});
    REQUIRE(changed);
    CHECK(*changed);
    Json after = read_json(nc.config());
    check_foreign_untouched(before, after);
    CHECK(after["mcpServers"]["weather"]["env"] ==
          Json::parse(R"({"WEATHER_CITY": "Oslo", "WEATHER_UNITS": "imperial"})"));
    CHECK(after["mcpServers"]["weather"]["args"] ==
          Json::parse(R"(["exec", "--verbose", "weather"])"));
    CHECK(keys(after["mcpServers"]) == keys(before["mcpServers"]));
}

TEST_CASE("a disabled plugin's server is paused, and resumed", "[nextchat]") {
    NextChatCopy nc;
    auto w = weather();
    w.paused = true;
    auto paused = sync_mcp_config(nc.dir(), {w}, {"weather"});
    REQUIRE(paused);
    CHECK(*paused);
    CHECK(read_json(nc.config())["mcpServers"]["weather"]["status"] == "paused");
    auto servers = read_mcp_config(nc.dir());
    REQUIRE(servers);
    CHECK(servers->back().paused);

    auto resumed = sync_mcp_config(nc.dir(), {weather()}, {"weather"});
    REQUIRE(resumed);
    CHECK(*resumed);
    CHECK(read_json(nc.config())["mcpServers"]["weather"]["status"] == "active");
}

TEST_CASE("a removed plugin's server goes; foreign servers stay", "[nextchat]") {
    NextChatCopy nc;
    Json before = read_json(nc.config());
    // "filesystem" was never managed by nxp: it must survive even when not desired.
    auto changed = sync_mcp_config(nc.dir(), {}, {"weather", "gone-long-ago"});
    REQUIRE(changed);
    CHECK(*changed);
    Json after = read_json(nc.config());
    check_foreign_untouched(before, after);
    CHECK_FALSE(after["mcpServers"].contains("weather"));
    CHECK(keys(after["mcpServers"]) == std::vector<std::string>{"filesystem", "remote-search"});
}

TEST_CASE("unchanged content is not rewritten", "[nextchat]") {
    NextChatCopy nc;
    // Reformat the file: same content, different bytes; nxp must not "normalise" it.
    Json compact = read_json(nc.config());
    write_text(nc.config(), compact.dump());
    std::string bytes = read_text(nc.config());
    auto mtime = fs::last_write_time(nc.config());
    auto changed = sync_mcp_config(nc.dir(), {weather()}, {"weather"});
    REQUIRE(changed);
    CHECK_FALSE(*changed);
    CHECK(read_text(nc.config()) == bytes);
    CHECK(fs::last_write_time(nc.config()) == mtime);

    // And a second identical sync after a real change is a no-op too.
    REQUIRE(sync_mcp_config(nc.dir(), {weather(), managed("calculator")}, {"weather"}).value());
    auto again = sync_mcp_config(nc.dir(), {weather(), managed("calculator")}, {"weather"});
    REQUIRE(again);
    CHECK_FALSE(*again);
}

TEST_CASE("NextChat's own error status is not churned", "[nextchat]") {
    NextChatCopy nc;
    Json config = read_json(nc.config());
    config["mcpServers"]["weather"]["status"] = "error";
    write_text(nc.config(), config.dump(2));
    auto changed = sync_mcp_config(nc.dir(), {weather()}, {"weather"});
    REQUIRE(changed);
    CHECK_FALSE(*changed);
}

TEST_CASE("an unparsable config is an error naming it, and is left as it was", "[nextchat]") {
    NextChatCopy nc;
    std::string broken = "{\n  \"mcpServers\": {\n    \"weather\": {\"command\": \"nxp\",,}\n";
    write_text(nc.config(), broken);
    auto changed = sync_mcp_config(nc.dir(), {weather(), managed("calculator")}, {"weather"});
    REQUIRE_FALSE(changed);
    CHECK(changed.error().kind == nxp::ErrorKind::Invalid);
    CHECK(changed.error().context == nc.config().string());
    CHECK(changed.error().message.find("line 3") != std::string::npos);
    CHECK(changed.error().message.find("[json.exception") == std::string::npos);
    CHECK(read_text(nc.config()) == broken);
    CHECK_FALSE(read_mcp_config(nc.dir()));

    write_text(nc.config(), R"({"mcpServers": ["weather"]})");
    auto wrong_shape = sync_mcp_config(nc.dir(), {weather()}, {});
    REQUIRE_FALSE(wrong_shape);
    CHECK(wrong_shape.error().str() == nc.config().string() + ": mcpServers: expected an object");
}

TEST_CASE("a missing config is created; mode and unknown fields are kept", "[nextchat]") {
    NextChatCopy nc;
    fs::remove_all(nc.dir() / "app" / "mcp");
    auto created = sync_mcp_config(nc.dir(), {managed("calculator")}, {});
    REQUIRE(created);
    CHECK(*created);
    CHECK(read_json(nc.config()) == Json::parse(R"({"mcpServers": {"calculator": {
              "command": "nxp", "args": ["exec", "calculator"], "status": "active"}}})"));
    CHECK((fs::status(nc.config()).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
           fs::perms::others_read));

    // A field NextChat or the operator added to a managed entry survives an update.
    Json config = read_json(nc.config());
    config["mcpServers"]["calculator"]["description"] = "added by hand";
    write_text(nc.config(), config.dump(2));
    chmod(nc.config().c_str(), 0640);
    REQUIRE(sync_mcp_config(nc.dir(), {managed("calculator", {{"PRECISION", "10"}})}, {}));
    Json after = read_json(nc.config());
    CHECK(after["mcpServers"]["calculator"]["description"] == "added by hand");
    CHECK(after["mcpServers"]["calculator"]["env"]["PRECISION"] == "10");
    CHECK((fs::status(nc.config()).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));

    auto missing_dir = sync_mcp_config(nc.dir() / "nope", {}, {});
    REQUIRE_FALSE(missing_dir);
    CHECK(missing_dir.error().kind == nxp::ErrorKind::NotFound);
}
