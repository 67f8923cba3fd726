// What the sandbox binds of the host: paths below the plugin's own directories (and below a
// writable grant) resolve beneath them whatever symlinks or ".." the plugin planted; the
// plugin tree is never writable; secrets never reach a command line; /tmp and /dev/shm are
// capped and the rest of the sandbox is read-only.
#include <atomic>
#include <random>
#include <thread>

#include "tests/sandbox/helpers.hpp"

using namespace nxp::sandbox;
using namespace nxp::sandbox::test;

namespace {

// A file outside every directory the sandbox may see, with content a test looks for.
struct Marker {
    TempDir dir{"/var/tmp"};
    fs::path file = dir.path / "host-secret";
    std::string content = "host-marker-" + std::to_string(std::random_device{}());
    Marker() { std::ofstream(file) << content << "\n"; }
};

// Every way a plugin can make a path below its state directory point elsewhere, each
// planted as state/NAME/<link>; `target` receives the host path it reaches.
std::vector<std::pair<std::string, std::string>> escapes(const fs::path& state, const Marker& m) {
    std::string up;
    for (auto it = state.begin(); it != state.end(); ++it) up += "../";
    const std::string dir = m.dir.path.string();
    return {
        {"rel-up", up + dir.substr(1)},                // ../../../var/tmp/...
        {"absolute", dir},                             // /var/tmp/...
        {"proc-root", "/proc/self/root" + dir},        // a magic link
        {"parent", ".."},                              // the state dir's parent
        {"chain-a", "."},                              // chain-a -> . (stays inside)
        {"chain-b", "chain-a/.."},                     // chain-b -> chain-a/.. (the parent)
        {"chain-c", "chain-b/" + up + dir.substr(1)},  // through chain-b, up to the marker
        {"to-link", "absolute"},                       // a link to an escaping link
        {"sub/deep", "../" + up + dir.substr(1)},      // below a real subdirectory
    };
}

bool mentions(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("a bound path below the state dir cannot leave it through links or ..", "[sandbox]") {
    if (!require_sandbox()) return;
    Marker marker;
    Plugin plugin;
    const fs::path state = plugin.profile.state_dir;
    fs::create_directories(state / "sub");
    fs::create_directories(state / "inside");
    std::ofstream(state / "inside" / "ok") << "fine\n";
    for (const auto& [link, target] : escapes(state, marker)) {
        fs::create_symlink(target, state / link);
    }
    fs::create_symlink("inside", state / "good-link");  // stays inside: allowed

    for (const auto& [link, target] : escapes(state, marker)) {
        if (link == "chain-a") continue;  // resolves to the state dir itself: harmless
        for (bool writable : {false, true}) {
            INFO(link << " -> " << target << (writable ? " (read-write)" : " (read-only)"));
            plugin.profile.binds = {{state / link, writable}};
            auto r = plugin.run_script("cat '" + (state / link).string() + "/host-secret'");
            REQUIRE_FALSE(r);
            CHECK(r.error().kind == nxp::ErrorKind::Verification);
            CHECK(mentions(r.error().str(), "demo"));
            CHECK(mentions(r.error().str(), (state / link).string()));
            CHECK(mentions(r.error().str(), "leads outside " + state.string()));
        }
    }

    plugin.profile.binds = {{state / "good-link", false}};
    auto ok = plugin.run_script("cat '" + (state / "good-link" / "ok").string() + "'; cat '" +
                                marker.file.string() + "'");
    REQUIRE(ok);
    INFO(ok->output);
    CHECK(mentions(ok->output, "fine"));
    CHECK_FALSE(mentions(ok->output, marker.content));
}

TEST_CASE("paths below the plugin tree resolve beneath it and are never writable", "[sandbox]") {
    if (!require_sandbox()) return;
    Marker marker;
    Plugin plugin;
    const fs::path tree = plugin.profile.plugin_dir;
    fs::create_directories(tree / "data");
    fs::create_symlink(marker.dir.path, tree / "out");
    plugin.profile.binds = {{tree / "out", false}};
    auto escaped = plugin.run_script("cat '" + (tree / "out/host-secret").string() + "'");
    REQUIRE_FALSE(escaped);
    CHECK(mentions(escaped.error().str(), (tree / "out").string()));

    // A read-write grant on the tree (or below it) is bound read-only.
    for (const fs::path& p : {tree, tree / "data"}) {
        INFO(p);
        plugin.profile.binds = {{p, true}};
        auto r = plugin.run_script("echo x > '" + (p / "written").string() + "'");
        REQUIRE(r);
        CHECK(r->exit_code != 0);
        CHECK_FALSE(fs::exists(p / "written"));
    }
}

TEST_CASE("granted host paths: never a symlink, and beneath a writable grant", "[sandbox]") {
    if (!require_sandbox()) return;
    Marker marker;
    Plugin plugin;
    TempDir grants;
    fs::create_symlink(marker.dir.path, grants.path / "link");
    plugin.profile.binds = {{grants.path / "link", false}};
    auto link = plugin.run_script("true");
    REQUIRE_FALSE(link);
    CHECK(mentions(link.error().str(), (grants.path / "link").string()));
    CHECK(mentions(link.error().str(), "symbolic link"));

    // The plugin may write `grants`: a path below it is resolved beneath it, so a link it
    // planted there cannot lead a second grant out.
    fs::create_directories(grants.path / "real");
    plugin.profile.binds = {{grants.path, true}, {grants.path / "link" / "x", false}};
    auto nested = plugin.run_script("true");
    REQUIRE_FALSE(nested);
    CHECK(mentions(nested.error().str(), "leads outside " + grants.path.string()));

    plugin.profile.binds = {{grants.path / "real", true}, {"/nonexistent/nxp", false}};
    auto fine = plugin.run_script("echo hi > '" + (grants.path / "real/f").string() + "'");
    REQUIRE(fine);
    CHECK(fine->exit_code == 0);
    CHECK(read_text(grants.path / "real/f") == "hi\n");
}

TEST_CASE("no descriptor of a bound directory reaches the plugin", "[sandbox]") {
    if (!require_sandbox()) return;
    Plugin plugin;
    TempDir grant;
    plugin.profile.binds = {{grant.path, true}};
    plugin.profile.env = {{"TOKEN", "fd-check"}};
    auto r = plugin.run_script("for f in /proc/self/fd/*; do echo \"$f $(readlink $f)\"; done");
    REQUIRE(r);
    INFO(r->output);
    CHECK(r->exit_code == 0);
    CHECK_FALSE(mentions(r->output, plugin.profile.state_dir.string()));
    CHECK_FALSE(mentions(r->output, grant.path.string()));
    CHECK_FALSE(mentions(r->output, "memfd"));
    CHECK_FALSE(mentions(r->output, plugin.profile.plugin_dir.string() + "\n"));
}

TEST_CASE("secrets in the environment are on no process's command line", "[sandbox]") {
    if (!require_sandbox()) return;
    Plugin plugin;
    const std::string secret = "sk-cmdline-" + std::to_string(std::random_device{}());
    plugin.profile.env = {{"API_TOKEN", secret}, {"LD_PRELOAD", "/nonexistent/evil.so"}};
    plugin.profile.timeout_s = 20;
    write_script(plugin.profile.plugin_dir / "slow.sh",
                 "echo \"$API_TOKEN\" > \"$HOME/seen\"; sleep 3");
    plugin.profile.argv = {"sh", (plugin.profile.plugin_dir / "slow.sh").string()};
    std::atomic<bool> done{false};
    nxp::Result<RunResult> r = nxp::fail(nxp::ErrorKind::Internal, "", "not run");
    std::thread runner([&] {
        r = run(plugin.profile);
        done = true;
    });
    int with_secret = 0, sandboxed_seen = 0;
    auto start = std::chrono::steady_clock::now();
    while (!done && seconds_since(start) < 15) {
        for (const auto& e : fs::directory_iterator("/proc")) {
            auto name = e.path().filename().string();
            if (name.find_first_not_of("0123456789") != std::string::npos) continue;
            std::string cmdline = read_text(e.path() / "cmdline");
            if (mentions(cmdline, secret)) ++with_secret;
            if (mentions(cmdline, "slow.sh")) ++sandboxed_seen;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    runner.join();
    REQUIRE(r);
    INFO(r->output);
    CHECK(r->exit_code == 0);
    CHECK(sandboxed_seen > 0);  // the scan did see the running plugin
    CHECK(with_secret == 0);
    CHECK(read_text(plugin.profile.state_dir / "seen") == secret + "\n");

    plugin.profile.env = {{"API_TOKEN", std::string("a\0--bind\0/\0/x", 13)}};
    auto nul = plugin.run_script("true");
    REQUIRE_FALSE(nul);
    CHECK(mentions(nul.error().str(), "API_TOKEN"));
    CHECK(mentions(nul.error().str(), "NUL"));
}

TEST_CASE("/tmp and /dev/shm are capped and the rest of the sandbox is read-only", "[sandbox]") {
    if (!require_sandbox()) return;
    Plugin plugin;
    plugin.profile.max_tmp = 1 << 20;
    auto r = plugin.run_script(
        "for d in /tmp /dev/shm / /dev; do"
        "  if head -c 3000000 /dev/zero > $d/fill 2>/dev/null; then echo \"FILLED $d\";"
        "  else echo \"refused $d $(stat -c %s $d/fill 2>/dev/null || echo none)\"; fi; done");
    REQUIRE(r);
    INFO(r->output);
    CHECK_FALSE(mentions(r->output, "FILLED"));
    CHECK(mentions(r->output, "refused /tmp 1048576"));
    CHECK(mentions(r->output, "refused /dev/shm 1048576"));
    CHECK(mentions(r->output, "refused / none"));
    CHECK(mentions(r->output, "refused /dev none"));

    auto enospc = plugin.run_script("head -c 3000000 /dev/zero > /tmp/fill");
    REQUIRE(enospc);
    CHECK(enospc->exit_code != 0);
    CHECK(mentions(enospc->output, "No space left on device"));
}
