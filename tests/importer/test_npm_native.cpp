// find_native_addons: the dependencies holding a binding.gyp (issue 19), scoped and nested,
// symlinks not followed, bounded.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "importer/npm.hpp"

namespace fs = std::filesystem;
using nxp::importer::find_native_addons;

namespace {
struct TempDir {
    fs::path dir;
    TempDir() {
        dir = fs::temp_directory_path() / ("nxp-native-" + std::to_string(::getpid()) + "-" +
                                           std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};
void touch(const fs::path& p) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "{}\n";
}
}  // namespace

TEST_CASE("find_native_addons finds binding.gyp in plain, scoped and nested packages") {
    TempDir t;
    const fs::path nm = t.dir / "node_modules";
    touch(nm / "better-sqlite3" / "binding.gyp");
    touch(nm / "better-sqlite3" / "package.json");
    touch(nm / "plain" / "package.json");
    touch(nm / "@scope" / "pty" / "binding.gyp");
    touch(nm / "@scope" / "js-only" / "index.js");
    touch(nm / "outer" / "node_modules" / "sqlite3" / "binding.gyp");
    touch(nm / "outer" / "node_modules" / "@s" / "deep" / "node_modules" / "x" / "binding.gyp");
    // Not a package: dot directories, and a binding.gyp deeper than the package's top.
    touch(nm / ".bin" / "binding.gyp");
    touch(nm / "plain" / "deps" / "binding.gyp");
    CHECK(find_native_addons(nm) ==
          std::vector<std::string>{"@scope/pty", "better-sqlite3",
                                   "outer/node_modules/@s/deep/node_modules/x",
                                   "outer/node_modules/sqlite3"});
}

TEST_CASE("find_native_addons does not follow symlinks") {
    TempDir t;
    const fs::path nm = t.dir / "node_modules";
    touch(t.dir / "elsewhere" / "binding.gyp");
    touch(t.dir / "gyp" / "real.gyp");
    fs::create_directories(nm / "linked-file");
    fs::create_directory_symlink(t.dir / "elsewhere", nm / "linked-dir");
    fs::create_directory_symlink(t.dir / "elsewhere", nm / "@scope");
    fs::create_symlink(t.dir / "gyp" / "real.gyp", nm / "linked-file" / "binding.gyp");
    // A loop: a package whose node_modules points back up.
    touch(nm / "loop" / "package.json");
    fs::create_directory_symlink(nm, nm / "loop" / "node_modules");
    CHECK(find_native_addons(nm).empty());
}

TEST_CASE("find_native_addons is bounded and copes with a missing directory") {
    TempDir t;
    CHECK(find_native_addons(t.dir / "absent").empty());
    // Nesting deeper than 8 node_modules levels is not visited.
    fs::path p = t.dir / "node_modules";
    const fs::path nm = p;
    for (int i = 0; i < 12; ++i) p = p / ("p" + std::to_string(i)) / "node_modules";
    touch(p / "deep" / "binding.gyp");
    touch(nm / "p0" / "binding.gyp");
    auto found = find_native_addons(nm);
    REQUIRE(found.size() == 1);
    CHECK(found[0] == "p0");
}
