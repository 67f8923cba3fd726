#pragma once
// A directory of its own for one test, removed with everything in it at the end of the
// scope (its owner permissions are restored first: some tests make it read-only).
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

namespace nxp::test {

struct TempDir {
    std::filesystem::path path;

    explicit TempDir(const std::filesystem::path& base = std::filesystem::temp_directory_path()) {
        std::string tmpl = (base / "nxp-test-XXXXXX").string();
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        namespace fs = std::filesystem;
        fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // The path of `name` inside, as a string.
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

}  // namespace nxp::test
