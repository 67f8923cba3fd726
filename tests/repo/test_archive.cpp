#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "os/fd.hpp"
#include "repo/archive.hpp"
#include "repo/keys.hpp"
#include "test_util.hpp"

using namespace nxp;
using namespace nxp::repo;
using namespace nxp::test;

namespace {

// Names of the archive's entries, in order.
std::vector<std::string> entry_names(const fs::path& file) {
    std::vector<std::string> out;
    archive* a = archive_read_new();
    archive_read_support_filter_zstd(a);
    archive_read_support_format_tar(a);
    REQUIRE(archive_read_open_filename(a, file.c_str(), 10240) == ARCHIVE_OK);
    archive_entry* e = nullptr;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        out.emplace_back(archive_entry_pathname(e));
        CHECK(archive_entry_mtime(e) == 0);
        CHECK(archive_entry_uid(e) == 0);
        CHECK(archive_entry_gid(e) == 0);
        const char* uname = archive_entry_uname(e);
        const char* gname = archive_entry_gname(e);
        CHECK(std::string(uname != nullptr ? uname : "").empty());
        CHECK(std::string(gname != nullptr ? gname : "").empty());
    }
    archive_read_free(a);
    return out;
}

const PackedFile* find(const Extracted& x, const std::string& path) {
    for (const auto& f : x.files) {
        if (f.path == path) return &f;
    }
    return nullptr;
}

}  // namespace

TEST_CASE("pack: plugin.json first, then files/ and the sorted tree", "[archive]") {
    TempDir t;
    const fs::path src = make_plugin(t.path);
    auto bytes = pack_directory(src);
    REQUIRE(bytes);
    write_file(t.path / "demo.nxp", *bytes);
    // Sorted by byte order of the path, so a directory always precedes its contents.
    const std::vector<std::string> expected{
        "plugin.json",      "files/",     "files/README",   "files/bin/",
        "files/bin/run.sh", "files/lib/", "files/lib-link", "files/lib/data.txt"};
    CHECK(entry_names(t.path / "demo.nxp") == expected);
}

TEST_CASE("pack is reproducible, whatever the mtimes and owners on disk", "[archive]") {
    TempDir t;
    const fs::path src = make_plugin(t.path);
    auto first = pack_directory(src);
    REQUIRE(first);
    auto second = pack_directory(src);
    REQUIRE(second);
    CHECK(*first == *second);

    const auto old = fs::file_time_type::clock::now() - std::chrono::hours(24 * 400);
    fs::last_write_time(src / "files/README", old);
    fs::last_write_time(src / "files/lib", old);
    fs::last_write_time(src / "plugin.json", old);
    auto third = pack_directory(src);
    REQUIRE(third);
    CHECK(*first == *third);
}

TEST_CASE("pack refuses symlinks leaving the tree and invalid manifests", "[archive]") {
    TempDir t;
    const fs::path src = make_plugin(t.path);
    SECTION("absolute symlink") {
        fs::create_symlink("/etc/passwd", src / "files/passwd");
        auto r = pack_directory(src);
        REQUIRE_FALSE(r);
        CHECK(r.error().context.find("passwd") != std::string::npos);
    }
    SECTION("escaping symlink") {
        fs::create_symlink("../../plugin.json", src / "files/bin/up");
        CHECK_FALSE(pack_directory(src));
    }
    SECTION("bad manifest") {
        write_file(src / "plugin.json", "{\"name\": \"Bad Name\"}");
        auto r = pack_directory(src);
        REQUIRE_FALSE(r);
        CHECK(r.error().str().find("plugin.json") != std::string::npos);
    }
    SECTION("hook pointing to a missing file") {
        write_file(src / "plugin.json",
                   manifest_json("demo", "1.0.0", ", \"hooks\": {\"post-install\": \"nope.sh\"}"));
        auto r = pack_directory(src);
        REQUIRE_FALSE(r);
        CHECK(r.error().str().find("nope.sh") != std::string::npos);
    }
    SECTION("FIFO in the tree") {
        REQUIRE(::mkfifo((src / "files/fifo").c_str(), 0644) == 0);
        auto r = pack_directory(src);
        REQUIRE_FALSE(r);
        CHECK(r.error().context.find("fifo") != std::string::npos);
    }
}

TEST_CASE("pack without files/ holds just the manifest", "[archive]") {
    TempDir t;
    write_file(t.path / "mask/plugin.json", manifest_json("mask-only"));
    auto bytes = pack_directory(t.path / "mask");
    REQUIRE(bytes);
    write_file(t.path / "m.nxp", *bytes);
    CHECK(entry_names(t.path / "m.nxp") == std::vector<std::string>{"plugin.json"});
    auto x = extract_package(t.path / "m.nxp", t.path / "out");
    REQUIRE(x);
    CHECK(x->files.empty());
    CHECK(fs::is_directory(t.path / "out"));
}

TEST_CASE("extract gives recorded modes under any umask, and files in every directory",
          "[archive]") {
    TempDir t;
    const fs::path src = make_plugin(t.path);
    // Files alternate between directories, so the reused parent directory changes often.
    for (int i = 0; i < 6; ++i) {
        write_file(src / ("files/a/f" + std::to_string(i)), "a" + std::to_string(i));
        write_file(src / ("files/a/b/f" + std::to_string(i)), "b" + std::to_string(i));
        write_file(src / ("files/c/f" + std::to_string(i)), "c" + std::to_string(i));
    }
    auto bytes = pack_directory(src);
    REQUIRE(bytes);
    write_file(t.path / "demo.nxp", *bytes);
    for (mode_t mask : {mode_t(022), mode_t(077), mode_t(0)}) {
        mode_t old = ::umask(mask);
        const fs::path dest = t.path / ("store/demo-" + std::to_string(mask));
        auto x = extract_package(t.path / "demo.nxp", dest);
        ::umask(old);
        REQUIRE(x);
        for (const auto& f : x->files) {
            if (f.type == 'l') continue;
            struct stat st {};
            REQUIRE(::lstat((dest / f.path).c_str(), &st) == 0);
            INFO(f.path << " under umask " << mask);
            CHECK((st.st_mode & 07777) == f.mode);
        }
        for (int i = 0; i < 6; ++i) {
            CHECK(read_file(dest / ("a/f" + std::to_string(i))) == "a" + std::to_string(i));
            CHECK(read_file(dest / ("a/b/f" + std::to_string(i))) == "b" + std::to_string(i));
            CHECK(read_file(dest / ("c/f" + std::to_string(i))) == "c" + std::to_string(i));
        }
    }
}

// The extractor keeps the directories on the path to the previous entry open and reuses
// them (issue 20: node_modules trees). Entries that go deep, back up and down into siblings
// with the same names at other depths must each land in their own directory.
TEST_CASE("extract: deep trees entered, left and re-entered land where they belong", "[archive]") {
    TempDir t;
    std::vector<RawEntry> entries{manifest_entry(), dir_entry("files/")};
    std::vector<std::pair<std::string, std::string>> expect;
    auto file = [&](const std::string& rel, unsigned mode = 0644) {
        entries.push_back(file_entry("files/" + rel, "<" + rel + ">", mode));
        expect.emplace_back(rel, "<" + rel + ">");
    };
    for (const char* d :
         {"node_modules/", "node_modules/a/", "node_modules/a/lib/", "node_modules/a/node_modules/",
          "node_modules/a/node_modules/b/", "node_modules/a/node_modules/b/lib/", "node_modules/b/",
          "node_modules/b/lib/", "lib/"})
        entries.push_back(dir_entry(std::string("files/") + d));
    file("node_modules/a/lib/x.js");
    file("node_modules/a/node_modules/b/lib/x.js");
    file("node_modules/a/package.json");  // back up two levels
    file("node_modules/b/lib/x.js");      // same names as a/node_modules/b/lib, elsewhere
    file("node_modules/a/node_modules/b/package.json");  // down again from the top
    file("lib/x.js", 0755);
    file("node_modules/b/lib/y.js");
    file("top.js");
    file("node_modules/a/lib/z.js");
    write_raw_archive(t.path / "deep.nxp", entries);
    for (mode_t mask : {mode_t(022), mode_t(077), mode_t(0)}) {
        mode_t old = ::umask(mask);
        const fs::path dest = t.path / ("store/deep-" + std::to_string(mask));
        auto x = extract_package(t.path / "deep.nxp", dest);
        ::umask(old);
        REQUIRE(x);
        INFO("umask " << mask);
        for (const auto& [rel, data] : expect) {
            INFO(rel);
            CHECK(read_file(dest / rel) == data);
        }
        std::size_t dirs = 0;
        for (const auto& f : x->files) {
            struct stat st {};
            REQUIRE(::lstat((dest / f.path).c_str(), &st) == 0);
            INFO(f.path);
            CHECK((st.st_mode & 07777) == f.mode);
            if (f.type == 'd') {
                ++dirs;
                CHECK(S_ISDIR(st.st_mode));
                CHECK(f.mode == 0755);
            }
        }
        CHECK(dirs == 9);
        CHECK(find(*x, "lib/x.js")->mode == 0755);
        // Nothing else appeared: exactly the directories and files of the archive.
        CHECK(listing(dest).size() == 9 + expect.size());
    }
}

TEST_CASE("extract writes the tree with normalised modes and hashes", "[archive]") {
    TempDir t;
    const fs::path src = make_plugin(t.path);
    fs::permissions(src / "files/lib/data.txt", fs::perms::owner_read | fs::perms::owner_write);
    auto bytes = pack_directory(src);
    REQUIRE(bytes);
    write_file(t.path / "demo.nxp", *bytes);

    auto m = read_package_manifest(t.path / "demo.nxp");
    REQUIRE(m);
    CHECK(m->name == "demo");

    const fs::path dest = t.path / "store/demo";
    auto x = extract_package(t.path / "demo.nxp", dest);
    REQUIRE(x);
    CHECK(x->manifest.name == "demo");
    CHECK(x->manifest_text == read_file(src / "plugin.json"));
    CHECK(read_file(dest / "lib/data.txt") == "data for demo\n");
    CHECK(fs::read_symlink(dest / "lib-link") == "lib");

    const PackedFile* run = find(*x, "bin/run.sh");
    REQUIRE(run);
    CHECK(run->mode == 0755);
    CHECK(run->sha256 == sha256_hex("#!/bin/sh\necho hi\n"));
    CHECK((fs::status(dest / "bin/run.sh").permissions() & fs::perms::all) ==
          (fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
           fs::perms::others_read | fs::perms::others_exec));
    const PackedFile* data = find(*x, "lib/data.txt");
    REQUIRE(data);
    CHECK(data->mode == 0644);
    CHECK((fs::status(dest / "lib/data.txt").permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
           fs::perms::others_read));
    const PackedFile* link = find(*x, "lib-link");
    REQUIRE(link);
    CHECK(link->type == 'l');
    CHECK(link->link_target == "lib");
    CHECK(x->installed_size == 18 + 14 + 7);
}

TEST_CASE("extract refuses an existing destination and leaves it alone", "[archive]") {
    TempDir t;
    auto bytes = pack_directory(make_plugin(t.path));
    REQUIRE(bytes);
    write_file(t.path / "demo.nxp", *bytes);
    write_file(t.path / "dest/keep", "mine");
    CHECK_FALSE(extract_package(t.path / "demo.nxp", t.path / "dest"));
    CHECK(read_file(t.path / "dest/keep") == "mine");
}

TEST_CASE("read_package_manifest: missing file and non-archives", "[archive]") {
    TempDir t;
    auto missing = read_package_manifest(t.path / "nope.nxp");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::NotFound);
    write_file(t.path / "junk.nxp", "this is not a tar.zst");
    CHECK_FALSE(read_package_manifest(t.path / "junk.nxp"));
}

TEST_CASE("lint: warnings for a directory, errors for a hostile archive", "[archive]") {
    TempDir t;
    write_file(t.path / "p/plugin.json",
               "{\"name\": \"bare\", \"version\": \"1.0.0\", \"kind\": \"library\"}");
    auto f = lint(t.path / "p");
    REQUIRE(f);
    bool summary = false;
    bool license = false;
    for (const auto& x : *f) {
        CHECK_FALSE(x.error);
        summary = summary || x.where.find("summary") != std::string::npos;
        license = license || x.where.find("license") != std::string::npos;
    }
    CHECK(summary);
    CHECK(license);

    write_raw_archive(t.path / "bad.nxp", {manifest_entry(), file_entry("files/../../x")});
    auto bad = lint(t.path / "bad.nxp");
    REQUIRE(bad);
    REQUIRE(bad->size() == 1);
    CHECK(bad->front().error);

    auto packed = pack_directory(make_plugin(t.path));
    REQUIRE(packed);
    write_file(t.path / "good.nxp", *packed);
    auto good = lint(t.path / "good.nxp");
    REQUIRE(good);
    for (const auto& x : *good) CHECK_FALSE(x.error);
}

TEST_CASE("extract from a descriptor: the same tree, and the archive's digest from one read",
          "[archive]") {
    TempDir t;
    auto bytes = pack_directory(make_plugin(t.path));
    REQUIRE(bytes);
    write_file(t.path / "demo.nxp", *bytes);
    const std::string whole = read_file(t.path / "demo.nxp");
    const std::uint64_t size = whole.size();
    os::Fd fd(::open((t.path / "demo.nxp").c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(fd.get() >= 0);
    ArchiveDigest d;
    auto x =
        extract_package_fd(fd.get(), size, t.path / "demo.nxp", t.path / "out", ExtractLimits{}, d);
    REQUIRE(x);
    CHECK(d.bytes == size);
    CHECK(d.sha256 == sha256_hex(whole));
    auto y = extract_package(t.path / "demo.nxp", t.path / "out2");
    REQUIRE(y);
    REQUIRE(x->files.size() == y->files.size());
    for (std::size_t i = 0; i < x->files.size(); ++i) {
        CHECK(x->files[i].path == y->files[i].path);
        CHECK(x->files[i].sha256 == y->files[i].sha256);
    }
    CHECK(read_file(t.path / "out/lib/data.txt") == "data for demo\n");
    CHECK(::lseek(fd.get(), 0, SEEK_CUR) == 0);  // the file position is left alone

    // A cap below the size: one byte more than the cap is read, and the count says so.
    ArchiveDigest capped;
    (void)extract_package_fd(fd.get(), size / 2, t.path / "demo.nxp", t.path / "out3",
                             ExtractLimits{}, capped);
    CHECK(capped.bytes == size / 2 + 1);
}

TEST_CASE("extract from a descriptor: a refused archive is still read and hashed to its end",
          "[archive]") {
    TempDir t;
    std::string junk(300000, '\0');
    for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>(i * 7919 % 251);
    write_file(t.path / "junk.nxp", junk);
    os::Fd fd(::open((t.path / "junk.nxp").c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(fd.get() >= 0);
    ArchiveDigest d;
    auto x =
        extract_package_fd(fd.get(), junk.size(), "shown.nxp", t.path / "out", ExtractLimits{}, d);
    REQUIRE_FALSE(x);
    CHECK(x.error().context.find("shown.nxp") != std::string::npos);
    CHECK_FALSE(fs::exists(t.path / "out"));
    CHECK(d.bytes == junk.size());
    CHECK(d.sha256 == sha256_hex(junk));
}
