#pragma once
// Shared fixtures for the database tests.
#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "tests/common/temp_dir.hpp"

namespace nxp::db::test {

namespace fs = std::filesystem;
using nxp::test::TempDir;

inline Database memory_db() {
    auto db = Database::open_memory();
    REQUIRE(db);
    return std::move(*db);
}

inline unsigned mode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

inline RepoRow repo_row(std::string name, int priority) {
    RepoRow r;
    r.name = std::move(name);
    r.url = "https://" + r.name + ".example.org/repo";
    r.keys = {"RWQkey1", "RWQkey2"};
    r.mirrors = {"https://m1.example.org", "https://m2.example.org"};
    r.priority = priority;
    return r;
}

inline StoreTree tree(std::string name, std::string version) {
    StoreTree t;
    t.path = "store/" + name + "-" + version + "-abc";
    t.name = std::move(name);
    t.version = std::move(version);
    t.repo = "main";
    t.sha256 = std::string(64, 'a');
    t.size = 1234;
    t.installed_size = 5678;
    t.manifest_json = R"({"name":")" + t.name + R"("})";
    return t;
}

inline std::vector<FileRow> some_files() {
    return {FileRow{"dist/index.js", 'f', 0644, 42, std::string(64, 'b'), ""},
            FileRow{"dist", 'd', 0755, 0, "", ""},
            FileRow{"bin/run", 'l', 0777, 0, "", "../dist/index.js"}};
}

inline GenPackage gen_pkg(const StoreTree& t, std::string reason) {
    return GenPackage{t.name, t.version, t.path, std::move(reason), "main", true};
}

}  // namespace nxp::db::test
