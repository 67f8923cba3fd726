#pragma once
// Shared by the sandbox tests: temporary trees, scripts, and the "is bwrap here" gate.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "sandbox/runner.hpp"
#include "tests/common/skip.hpp"
#include "tests/common/temp_dir.hpp"

namespace nxp::sandbox::test {

namespace fs = std::filesystem;
using nxp::test::TempDir;

// The file's text, or "" when it cannot be read: /proc/PID/cmdline of a process that exits
// while it is read makes libstdc++'s stream throw (ESRCH), and the scans of /proc here see
// such processes whenever other tests run.
inline std::string read_text(const fs::path& p) {
    try {
        std::ifstream in(p);
        return std::string(std::istreambuf_iterator<char>(in), {});
    } catch (const std::exception&) {
        return {};
    }
}

inline void write_script(const fs::path& p, const std::string& body) {
    std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
}

// A plugin tree with a state directory beside it, as the install root lays them out.
struct Plugin {
    TempDir root;
    Profile profile;

    Plugin() {
        profile.name = "demo";
        profile.plugin_dir = root.path / "plugins" / "demo";
        profile.state_dir = root.path / "state" / "demo";
        fs::create_directories(profile.plugin_dir);
        profile.timeout_s = 20;
    }
    // Runs `body` as a shell script stored in the plugin tree.
    Result<RunResult> run_script(const std::string& body) {
        write_script(profile.plugin_dir / "script.sh", body);
        profile.argv = {"sh", (profile.plugin_dir / "script.sh").string()};
        return run(profile);
    }
};

// bubblewrap is installed here and in CI: its absence fails the tests unless the
// developer says their machine has none, and then they are reported skipped (exit 77).
inline bool require_sandbox() {
    std::string why;
    if (sandbox_available(&why)) return true;
    const char* allow = std::getenv("NXP_TEST_ALLOW_NO_SANDBOX");
    if (allow && std::string(allow) == "1") {
        nxp::test::skip("bubblewrap unusable: " + why);
        return false;
    }
    FAIL("bubblewrap unusable (" << why << "); set NXP_TEST_ALLOW_NO_SANDBOX=1 to skip");
    return false;
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace nxp::sandbox::test
