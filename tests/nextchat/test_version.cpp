// The NextChat version nxp detects feeds the `nextchat` virtual package: it must be right,
// lenient about how people write it, and clear when it cannot be read.
#include "nextchat/mcp_config.hpp"
#include "tests/nextchat/fixture.hpp"

using namespace nxp::nextchat;
using namespace nxp::nextchat::test;

namespace {

std::string detected(const fs::path& dir) {
    auto v = detect_version(dir);
    if (!v) return "error: " + v.error().str();
    return v->has_value() ? (*v)->str() : "none";
}

void set_tauri_version(const NextChatCopy& nc, const std::string& version) {
    auto path = nc.dir() / "src-tauri" / "tauri.conf.json";
    Json conf = read_json(path);
    conf["package"]["version"] = version;
    write_text(path, conf.dump(2));
}

}  // namespace

TEST_CASE("the version comes from src-tauri/tauri.conf.json", "[nextchat]") {
    NextChatCopy nc;
    auto v = detect_version(nc.dir());
    REQUIRE(v);
    REQUIRE(v->has_value());
    CHECK((*v)->major == 2);
    CHECK((*v)->minor == 16);
    CHECK((*v)->patch == 0);
}

TEST_CASE("versions written loosely are accepted", "[nextchat]") {
    NextChatCopy nc;
    set_tauri_version(nc, "v2.15.8");
    CHECK(detected(nc.dir()) == "2.15.8");
    set_tauri_version(nc, " 2.16 ");
    CHECK(detected(nc.dir()) == "2.16.0");
    set_tauri_version(nc, "2.17.0-beta.1");
    CHECK(detected(nc.dir()) == "2.17.0-beta.1");
}

TEST_CASE("package.json is the fallback; no version at all is not an error", "[nextchat]") {
    NextChatCopy nc;
    fs::remove(nc.dir() / "src-tauri" / "tauri.conf.json");
    CHECK(detected(nc.dir()) == "none");  // the real package.json names no version
    write_text(nc.dir() / "package.json", R"({"name": "nextchat", "version": "2.14.2"})");
    CHECK(detected(nc.dir()) == "2.14.2");

    write_text(nc.dir() / "src-tauri" / "tauri.conf.json", R"({"version": "2.16.1"})");
    CHECK(detected(nc.dir()) == "2.16.1");  // Tauri 2 keeps it at the top level
}

TEST_CASE("an unreadable version is reported with its file and field", "[nextchat]") {
    NextChatCopy nc;
    auto conf = (nc.dir() / "src-tauri" / "tauri.conf.json").string();
    set_tauri_version(nc, "latest");
    auto bad = detect_version(nc.dir());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().kind == nxp::ErrorKind::Invalid);
    CHECK(bad.error().context == conf + ": package.version");
    CHECK(bad.error().message.rfind("\"latest\" is not a version", 0) == 0);

    write_text(conf, R"({"package": {"version": 216}})");
    CHECK(detected(nc.dir()) == "error: " + conf + ": package.version: expected a version string");

    write_text(conf, "{ \"package\": ");
    auto broken = detect_version(nc.dir());
    REQUIRE_FALSE(broken);
    CHECK(broken.error().kind == nxp::ErrorKind::Invalid);
    CHECK(broken.error().context == conf);
}
