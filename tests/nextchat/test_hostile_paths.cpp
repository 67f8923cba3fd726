// Issue 13 items 4, 5 and 6 on the NextChat side: whoever can write the NextChat directory
// cannot make nxp write elsewhere through a symlink; a plugin's files are never read through
// a link leaving its tree; an mcp_config.json entry nxp did not create is never replaced or
// removed.
#include <sys/stat.h>

#include <algorithm>
#include <thread>

#include "nextchat/catalog.hpp"
#include "nextchat/mcp_config.hpp"
#include "tests/nextchat/fixture.hpp"

using namespace nxp;
using namespace nxp::nextchat;
using namespace nxp::nextchat::test;

namespace {

// Everything under `dir` with its content: proves nothing appeared or changed there.
std::vector<std::string> snapshot(const fs::path& dir) {
    std::vector<std::string> out;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
         ++it) {
        std::string line = fs::relative(it->path(), dir).string();
        if (it->is_regular_file()) line += "=" + read_text(it->path());
        out.push_back(line);
    }
    std::sort(out.begin(), out.end());
    return out;
}

ServerEntry server(const std::string& name, const std::string& root = "/srv/nxp") {
    return ServerEntry{name, "/usr/bin/nxp", {"--root", root, "exec", name}, {}, false};
}

constexpr const char* kMask = R"({"name": "M", "context": [{"role": "user", "content": "hi"}]})";

// The ways to point a NextChat file or directory elsewhere, for one file under DIR.
struct Redirect {
    std::string label;
    std::string link;   // relative to DIR: what becomes a symlink
    bool to_directory;  // the link points at a directory (else at a file)
};

std::vector<Redirect> redirects(const std::string& dir, const std::string& file) {
    std::vector<Redirect> out{{dir + " -> elsewhere", dir, true},
                              {dir + "/" + file + " -> elsewhere", dir + "/" + file, false}};
    if (dir.find('/') != std::string::npos) {
        const std::string top = dir.substr(0, dir.find('/'));
        out.push_back({top + " -> elsewhere", top, true});
    }
    return out;
}

// Replaces `link` under the NextChat copy by a symlink into `elsewhere` holding the same.
void plant(const NextChatCopy& nc, const fs::path& elsewhere, const Redirect& r) {
    const fs::path at = nc.dir() / r.link;
    const fs::path target = elsewhere / r.link;
    fs::create_directories(target.parent_path());
    if (fs::exists(at))
        fs::copy(at, target, fs::copy_options::recursive);
    else if (r.to_directory)
        fs::create_directories(target);
    fs::remove_all(at);
    fs::create_directories(at.parent_path());
    fs::create_symlink(target, at);
}

}  // namespace

TEST_CASE("mcp_config.json is never written through a symlink", "[nextchat][hostile]") {
    for (const auto& r : redirects("app/mcp", "mcp_config.json")) {
        INFO(r.label);
        NextChatCopy nc;
        const fs::path elsewhere = nc.dir().parent_path() / "elsewhere";
        plant(nc, elsewhere, r);
        const auto before = snapshot(elsewhere);
        auto checked = check_mcp_config(nc.dir(), {server("calculator")}, {});
        REQUIRE_FALSE(checked);
        CHECK(checked.error().kind == ErrorKind::Verification);
        CHECK(checked.error().str().find((nc.dir() / r.link).string() + ": is a symbolic link") !=
              std::string::npos);
        CHECK(checked.error().str().find("nxp writes only inside the NextChat directory") !=
              std::string::npos);
        auto synced = sync_mcp_config(nc.dir(), {server("calculator")}, {"weather"});
        REQUIRE_FALSE(synced);
        CHECK(synced.error().kind == ErrorKind::Verification);
        CHECK(snapshot(elsewhere) == before);
        CHECK(fs::is_symlink(nc.dir() / r.link));
    }
}

TEST_CASE("masks.json and prompts.json are never written through a symlink",
          "[nextchat][hostile]") {
    for (auto [catalog, file] :
         {std::pair{Catalog::Masks, "masks.json"}, std::pair{Catalog::Prompts, "prompts.json"}}) {
        for (const auto& r : redirects("public", file)) {
            INFO(r.label);
            NextChatCopy nc;
            const fs::path plugin = nc.dir().parent_path() / "plugins" / "p";
            write_text(plugin / (catalog == Catalog::Masks ? "mask.json" : "prompts.json"),
                       catalog == Catalog::Masks ? std::string(kMask) : R"({"en": [["T", "C"]]})");
            const fs::path elsewhere = nc.dir().parent_path() / "elsewhere";
            plant(nc, elsewhere, r);
            const auto before = snapshot(elsewhere);
            auto checked = check_catalog_target(nc.dir(), catalog);
            REQUIRE_FALSE(checked);
            CHECK(checked.error().str().find("is a symbolic link") != std::string::npos);
            auto synced = sync_catalog(nc.dir(), catalog, {{"p", plugin}});
            REQUIRE_FALSE(synced);
            CHECK(synced.error().str().find((nc.dir() / r.link).string()) != std::string::npos);
            CHECK(snapshot(elsewhere) == before);
        }
    }
}

TEST_CASE("a missing app/mcp is created, never through a dangling symlink", "[nextchat][hostile]") {
    NextChatCopy nc;
    const fs::path elsewhere = nc.dir().parent_path() / "elsewhere";
    fs::remove_all(nc.dir() / "app");
    fs::create_symlink(elsewhere / "app", nc.dir() / "app");  // dangling
    REQUIRE_FALSE(sync_mcp_config(nc.dir(), {server("calculator")}, {}));
    CHECK_FALSE(fs::exists(elsewhere));
    fs::remove(nc.dir() / "app");
    REQUIRE(sync_mcp_config(nc.dir(), {server("calculator")}, {}));
    CHECK(read_json(nc.config())["mcpServers"].contains("calculator"));
}

TEST_CASE("a FIFO or directory in place of NextChat's file is refused, never waited on",
          "[nextchat][hostile]") {
    NextChatCopy nc;
    fs::remove(nc.config());
    REQUIRE(mkfifo(nc.config().c_str(), 0644) == 0);
    auto r = sync_mcp_config(nc.dir(), {server("calculator")}, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().str().find("not a regular file") != std::string::npos);
    fs::remove(nc.dir() / "public" / "masks.json");
    fs::create_directory(nc.dir() / "public" / "masks.json");
    const fs::path plugin = nc.dir().parent_path() / "plugins" / "p";
    write_text(plugin / "mask.json", kMask);
    CHECK_FALSE(sync_catalog(nc.dir(), Catalog::Masks, {{"p", plugin}}));
}

TEST_CASE("an entry nxp did not create is never replaced or removed", "[nextchat][hostile]") {
    const std::string foreign_entry = R"({"command": "npx", "args": ["-y", "github-mcp"],
        "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_operator_secret"}, "status": "active"})";
    // The shapes an operator's own entry can take under a plugin's name.
    const std::vector<std::string> shapes = {
        foreign_entry,
        R"({"type": "sse", "url": "https://mcp.example.com/sse", "status": "active"})",
        R"({"command": "nxp", "args": ["--root", "/another/root", "exec", "github"]})",
        R"({"command": "/usr/bin/nxp", "args": ["exec", "something-else"]})",
        R"("not even an object")",
    };
    for (const auto& shape : shapes) {
        INFO(shape);
        NextChatCopy nc;
        Json cfg = read_json(nc.config());
        cfg["mcpServers"]["github"] = Json::parse(shape);
        write_text(nc.config(), cfg.dump(2));
        const std::string before = read_text(nc.config());

        auto checked =
            check_mcp_config(nc.dir(), {server("weather"), server("github")}, {"weather"});
        REQUIRE_FALSE(checked);
        CHECK(checked.error().context == nc.config().string() + ": mcpServers.github");
        CHECK(checked.error().message.find("not created by nxp") != std::string::npos);
        CHECK(checked.error().message.find("Rename or remove that entry") != std::string::npos);

        auto synced = sync_mcp_config(nc.dir(), {server("weather"), server("github")}, {"weather"});
        REQUIRE_FALSE(synced);
        CHECK(read_text(nc.config()) == before);

        // Removing every plugin nxp manages leaves it alone too.
        REQUIRE(sync_mcp_config(nc.dir(), {}, {"weather"}));
        CHECK(read_json(nc.config())["mcpServers"]["github"] == Json::parse(shape));
    }
}

TEST_CASE("nxp's own entries are recognised and updated", "[nextchat]") {
    NextChatCopy nc;
    Json cfg = read_json(nc.config());
    // Written by nxp for this root (the managed list was lost), or by an older nxp.
    cfg["mcpServers"]["github"] = {{"command", "/old/path/nxp"},
                                   {"args", {"--root", "/srv/nxp", "exec", "github"}}};
    cfg["mcpServers"]["calculator"] = {{"command", "nxp"}, {"args", {"exec", "calculator"}}};
    write_text(nc.config(), cfg.dump(2));
    const std::vector<ServerEntry> want = {server("github"), server("calculator")};
    REQUIRE(check_mcp_config(nc.dir(), want, {}));
    auto synced = sync_mcp_config(nc.dir(), want, {});
    REQUIRE(synced);
    CHECK(read_json(nc.config())["mcpServers"]["github"]["command"] == "/usr/bin/nxp");
    // A name nxp created itself (nextchat.managed) is nxp's whatever it now holds.
    cfg = read_json(nc.config());
    cfg["mcpServers"]["github"] = {{"command", "edited-by-hand"}};
    write_text(nc.config(), cfg.dump(2));
    REQUIRE(sync_mcp_config(nc.dir(), want, {"github", "calculator"}));
}

TEST_CASE("a plugin's catalog files are never read through a link leaving its tree",
          "[nextchat][hostile]") {
    struct Variant {
        std::string label;
        std::vector<std::pair<std::string, std::string>> links;  // path -> target
        std::vector<std::string> dirs;
    };
    NextChatCopy nc;
    const fs::path secret = nc.dir().parent_path() / "secret.json";
    write_text(secret,
               R"({"name": "SECRET", "context": [{"role": "user", "content": "root:x:0"}]})");
    const std::string up = fs::relative(secret, nc.dir().parent_path() / "plugins" / "x").string();
    const std::vector<Variant> variants = {
        {"absolute", {{"mask.json", secret.string()}}, {}},
        {"relative ..", {{"mask.json", up}}, {}},
        {"chain x -> ., y1 -> x/.., y2 -> y1/..",
         {{"x", "."}, {"y1", "x/.."}, {"y2", "y1/.."}, {"mask.json", "y2/secret.json"}},
         {}},
        {"through a directory link",
         {{"deep", "a/b"}, {"mask.json", "deep/../../../../secret.json"}},
         {"a/b"}},
        {"link to a link", {{"l1", secret.string()}, {"mask.json", "l1"}}, {}},
        {"masks.json (read first)", {{"masks.json", secret.string()}}, {}},
    };
    int n = 0;
    for (const auto& v : variants) {
        INFO(v.label);
        const fs::path plugin = nc.dir().parent_path() / "plugins" / ("x" + std::to_string(n++));
        fs::create_directories(plugin);
        for (const auto& d : v.dirs) fs::create_directories(plugin / d);
        for (const auto& [path, target] : v.links) fs::create_symlink(target, plugin / path);
        auto checked = check_catalog_plugin(Catalog::Masks, plugin);
        REQUIRE_FALSE(checked);
        CHECK(checked.error().kind == ErrorKind::Verification);
        CHECK(checked.error().message.find("leads outside") != std::string::npos);
        auto synced = sync_catalog(nc.dir(), Catalog::Masks, {{"evil", plugin}});
        REQUIRE_FALSE(synced);
        CHECK(read_text(nc.dir() / "public" / "masks.json").find("SECRET") == std::string::npos);
    }
    SECTION("a link inside the tree is followed") {
        const fs::path plugin = nc.dir().parent_path() / "plugins" / "inside";
        write_text(plugin / "real" / "mask.json", kMask);
        fs::create_symlink("real/mask.json", plugin / "mask.json");
        REQUIRE(check_catalog_plugin(Catalog::Masks, plugin));
        REQUIRE(sync_catalog(nc.dir(), Catalog::Masks, {{"inside", plugin}}));
        CHECK(read_json(nc.dir() / "public" / "masks.json")["en"].back()["name"] == "M");
    }
}
