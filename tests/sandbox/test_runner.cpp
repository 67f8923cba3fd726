// The sandbox's command line, its refusal without bubblewrap, and the limits of one run:
// environment, timeout, output cap, exit status.
#include <signal.h>

#include <algorithm>
#include <thread>

#include "sandbox/launch.hpp"
#include "tests/sandbox/helpers.hpp"

using namespace nxp::sandbox;
using namespace nxp::sandbox::test;

namespace {

bool has_sequence(const std::vector<std::string>& v, std::vector<std::string> seq) {
    return std::search(v.begin(), v.end(), seq.begin(), seq.end()) != v.end();
}

std::ptrdiff_t index_of(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) - v.begin();
}

}  // namespace

TEST_CASE("bwrap_argv isolates everything and drops capabilities", "[sandbox]") {
    Plugin plugin;
    Profile& p = plugin.profile;
    fs::create_directories(p.state_dir);
    TempDir data, ref;
    p.argv = {"node", "server.js"};
    p.env = {{"API_URL", "http://x"}, {"API_TOKEN", "sk-not-on-argv"}};
    p.binds = {{data.path, true}, {ref.path, false}, {"/nonexistent/nxp-grant", false}};
    auto argv = bwrap_argv(p);
    REQUIRE(argv);
    const auto& a = *argv;

    CHECK(a[1] == "--unshare-all");
    CHECK(index_of(a, "--share-net") == static_cast<std::ptrdiff_t>(a.size()));
    CHECK(has_sequence(a, {"--cap-drop", "ALL"}));
    CHECK(has_sequence(a, {"--die-with-parent", "--new-session"}));
    CHECK(has_sequence(a, {"--ro-bind", "/usr", "/usr"}));
    // Everything plugin-controlled is bound through a descriptor opened by nxp.
    auto bound = [&](const std::string& option, const fs::path& dest) {
        auto at = index_of(a, dest.string());
        return at >= 2 && at < static_cast<std::ptrdiff_t>(a.size()) && a[at - 2] == option;
    };
    CHECK(bound("--ro-bind-fd", p.plugin_dir));
    CHECK(bound("--bind-fd", p.state_dir));
    CHECK(bound("--bind-fd", data.path));
    CHECK(bound("--ro-bind-fd", ref.path));
    CHECK(index_of(a, "/nonexistent/nxp-grant") == static_cast<std::ptrdiff_t>(a.size()));
    CHECK(index_of(a, "--bind") == static_cast<std::ptrdiff_t>(a.size()));
    // The environment is read from a descriptor: no value on the command line.
    CHECK(index_of(a, "--setenv") == static_cast<std::ptrdiff_t>(a.size()));
    for (const auto& arg : a) {
        CHECK(arg.find("sk-not-on-argv") == std::string::npos);
        CHECK(arg.find("http://x") == std::string::npos);
    }
    CHECK(index_of(a, "--args") < index_of(a, "--"));
    CHECK(has_sequence(a, {"--", "node", "server.js"}));
    CHECK(has_sequence(a, {"--size", std::to_string(p.max_tmp), "--tmpfs", "/tmp"}));
    CHECK(has_sequence(a, {"--size", std::to_string(p.max_tmp), "--tmpfs", "/dev/shm"}));
    CHECK(has_sequence(a, {"--remount-ro", "/dev"}));
    CHECK(has_sequence(a, {"--remount-ro", "/", "--chdir", p.state_dir.string(), "--clearenv"}));
    CHECK(index_of(a, "/etc/resolv.conf") == static_cast<std::ptrdiff_t>(a.size()));
    // The private /tmp is mounted first so a plugin tree below /tmp stays visible.
    CHECK(index_of(a, "/tmp") < index_of(a, p.plugin_dir.string()));
    if (fs::is_symlink("/bin")) {
        CHECK(has_sequence(a, {"--symlink", fs::read_symlink("/bin").string(), "/bin"}));
    }

    // Network grants: bubblewrap keeps the private network namespace nxp's child made (only
    // loopback, nxp's DNS stub, connects decided by nxp); the host's is never shared.
    p.network = {"example.org"};
    auto n = bwrap_argv(p);
    REQUIRE(n);
    CHECK(index_of(*n, "--share-net") == static_cast<std::ptrdiff_t>(n->size()));
    CHECK(index_of(*n, "--unshare-all") == static_cast<std::ptrdiff_t>(n->size()));
    CHECK(has_sequence(*n, {"--unshare-user-try", "--unshare-ipc", "--unshare-pid", "--unshare-uts",
                            "--unshare-cgroup-try"}));
    CHECK(has_sequence(*n, {"--cap-drop", "ALL"}));
    // nxp's own resolv.conf, hosts and nsswitch.conf, never the host's.
    for (const char* etc : {"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf"}) {
        auto at = index_of(*n, etc);
        REQUIRE(at < static_cast<std::ptrdiff_t>(n->size()));
        CHECK((*n)[static_cast<std::size_t>(at) - 2] == "--ro-bind-data");
    }
}

TEST_CASE("without a sandbox, plugin code is refused unless explicitly allowed", "[sandbox]") {
    Profile p;
    p.name = "weather";
    p.plugin_dir = "/tmp";
    p.state_dir = "/tmp";
    p.argv = {"sh", "-c", "env"};
    auto refused = detail::launch_spec(p, false, "no user namespaces", false);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == nxp::ErrorKind::Invalid);
    CHECK(refused.error().str() ==
          "cannot run plugin code for weather: bubblewrap sandbox unavailable (no user "
          "namespaces); pass --allow-unsandboxed to run it without one");

    p.allow_unsandboxed = true;
    p.env = {{"CITY", "Oslo"}};
    setenv("OPENAI_API_KEY", "sk-host-secret", 1);
    auto direct = detail::launch_spec(p, false, "no user namespaces", false);
    REQUIRE(direct);
    CHECK(direct->spec.argv == p.argv);
    auto out = detail::run_captured(direct->spec, 10, 1 << 16);
    REQUIRE(out);
    CHECK(out->output.find("CITY=Oslo") != std::string::npos);
    CHECK(out->output.find("OPENAI_API_KEY") == std::string::npos);
    CHECK(out->output.find("sk-host-secret") == std::string::npos);
}

TEST_CASE("the plugin sees only its configured environment", "[sandbox]") {
    if (!require_sandbox()) return;
    setenv("OPENAI_API_KEY", "sk-host-secret", 1);
    Plugin plugin;
    plugin.profile.env = {{"WEATHER_UNITS", "metric"}};
    auto r = plugin.run_script("env");
    REQUIRE(r);
    INFO(r->output);
    CHECK(r->exit_code == 0);
    CHECK(r->sandboxed);
    CHECK(r->output.find("OPENAI_API_KEY") == std::string::npos);
    CHECK(r->output.find("sk-host-secret") == std::string::npos);
    CHECK(r->output.find("WEATHER_UNITS=metric") != std::string::npos);
    CHECK(r->output.find("HOME=" + plugin.profile.state_dir.string()) != std::string::npos);
    CHECK(r->output.find("PATH=/usr/local/bin:/usr/bin:/bin") != std::string::npos);
}

TEST_CASE("a plugin starts in its state directory and may write where it starts", "[sandbox]") {
    if (!require_sandbox()) return;
    Plugin plugin;
    auto r = plugin.run_script(
        "pwd && mkdir ./datasets && echo made > ./datasets/a && "
        "cat datasets/a");
    REQUIRE(r);
    INFO(r->output);
    CHECK(r->exit_code == 0);
    CHECK(r->output.find(plugin.profile.state_dir.string() + "\n") != std::string::npos);
    CHECK(r->output.find("made") != std::string::npos);
    CHECK(fs::exists(plugin.profile.state_dir / "datasets" / "a"));
    CHECK_FALSE(fs::exists(plugin.profile.plugin_dir / "datasets"));
}

TEST_CASE("exit status and missing commands are reported", "[sandbox]") {
    if (!require_sandbox()) return;
    Plugin plugin;
    auto r = plugin.run_script("echo failing >&2; exit 3");
    REQUIRE(r);
    CHECK(r->exit_code == 3);
    CHECK(r->output == "failing\n");
    CHECK(r->describe() == "exited with status 3");

    plugin.profile.argv = {"no-such-command-nxp"};
    auto missing = run(plugin.profile);
    REQUIRE(missing);
    CHECK(missing->exit_code != 0);
    CHECK(missing->output.find("no-such-command-nxp") != std::string::npos);
}

TEST_CASE("a run that outlives its timeout is killed", "[sandbox]") {
    if (!require_sandbox()) return;
    Plugin plugin;
    plugin.profile.timeout_s = 1;
    auto start = std::chrono::steady_clock::now();
    auto r = plugin.run_script("echo started; sleep 100 & sleep 100");
    double took = seconds_since(start);
    REQUIRE(r);
    CHECK(r->timed_out);
    CHECK(r->output == "started\n");
    CHECK(r->describe() == "timed out after 1 s");
    CHECK(took < 3.0);
}

TEST_CASE("output beyond max_output is dropped and a flood is stopped", "[sandbox]") {
    if (!require_sandbox()) return;
    Plugin plugin;
    plugin.profile.max_output = 4096;
    plugin.profile.timeout_s = 10;
    auto start = std::chrono::steady_clock::now();
    auto r = plugin.run_script("yes");
    REQUIRE(r);
    CHECK(r->output_truncated);
    CHECK(r->output.size() == 4096);
    CHECK(r->output.substr(0, 4) == "y\ny\n");
    CHECK(r->output_flood);
    CHECK_FALSE(r->timed_out);
    CHECK(seconds_since(start) < 5.0);

    auto small = plugin.run_script("head -c 5000 /dev/zero; echo; exit 0");
    REQUIRE(small);
    CHECK(small->output_truncated);
    CHECK_FALSE(small->output_flood);
    CHECK(small->exit_code == 0);
}

TEST_CASE("exec_inherit returns the exit status and forwards SIGTERM", "[sandbox]") {
    if (!require_sandbox()) return;
    Plugin plugin;
    write_script(plugin.profile.plugin_dir / "exit7.sh", "exit 7");
    plugin.profile.argv = {"sh", (plugin.profile.plugin_dir / "exit7.sh").string()};
    auto status = exec_inherit(plugin.profile);
    REQUIRE(status);
    CHECK(*status == 7);

    // SIGTERM stays blocked in both threads so only exec_inherit's wait can take it.
    sigset_t term, old;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, &old);
    std::thread killer([] {
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
        kill(getpid(), SIGTERM);
    });
    plugin.profile.argv = {"sleep", "100"};
    auto start = std::chrono::steady_clock::now();
    auto stopped = exec_inherit(plugin.profile);
    killer.join();
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    REQUIRE(stopped);
    CHECK(*stopped == 128 + SIGTERM);
    CHECK(seconds_since(start) < 5.0);
}
