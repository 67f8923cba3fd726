// Hostile packages (DESIGN.md §3, §9: no file is ever written outside the destination).
#include <catch2/catch.hpp>

#include "repo/archive.hpp"
#include "test_util.hpp"

using namespace nxp;
using namespace nxp::repo;
using namespace nxp::test;

namespace {

struct Outcome {
    Result<Extracted> result;
    bool dest_removed = false;
    bool outside_unchanged = false;
};

// Extracts `entries` into sandbox/dest and reports what happened around it.
Outcome extract_raw(const TempDir& t, const std::vector<RawEntry>& entries,
                    const ExtractLimits& limits = {}) {
    const fs::path sandbox = t.path / "sandbox";
    fs::create_directories(sandbox);
    write_file(sandbox / "victim.txt", "untouched");
    const fs::path pkg = t.path / "hostile.nxp";
    write_raw_archive(pkg, entries);
    const auto before = listing(t.path);
    Outcome o{extract_package(pkg, sandbox / "dest", limits)};
    o.dest_removed = !fs::exists(fs::symlink_status(sandbox / "dest"));
    o.outside_unchanged =
        listing(t.path) == before && read_file(sandbox / "victim.txt") == "untouched";
    return o;
}

// The archive is refused as a verification failure naming `entry`, and leaves no trace.
void require_refused(const Outcome& o, const std::string& entry) {
    REQUIRE_FALSE(o.result);
    INFO(o.result.error().str());
    CHECK(o.result.error().kind == ErrorKind::Verification);
    CHECK(o.result.error().str().find(entry) != std::string::npos);
    CHECK(o.dest_removed);
    CHECK(o.outside_unchanged);
}

}  // namespace

TEST_CASE("hostile: a well-formed crafted archive is accepted (control)", "[hostile]") {
    TempDir t;
    auto o = extract_raw(t, {manifest_entry(), dir_entry("files/"), dir_entry("files/a/"),
                             file_entry("files/a/b.txt", "ok"),
                             RawEntry{"files/l", AE_IFLNK, 0777, "", "a/b.txt", ""}});
    REQUIRE(o.result);
    CHECK(read_file(t.path / "sandbox/dest/a/b.txt") == "ok");
}

TEST_CASE("hostile: paths", "[hostile]") {
    TempDir t;
    SECTION("../ traversal") {
        require_refused(extract_raw(t, {manifest_entry(), dir_entry("files/"),
                                        file_entry("files/../../victim.txt", "pwned")}),
                        "files/../../victim.txt");
    }
    SECTION("absolute path") {
        const std::string abs = (t.path / "sandbox/abs.txt").string();
        require_refused(extract_raw(t, {manifest_entry(), file_entry(abs, "pwned")}), abs);
        CHECK_FALSE(fs::exists(t.path / "sandbox/abs.txt"));
    }
    SECTION("entry outside files/") {
        require_refused(extract_raw(t, {manifest_entry(), file_entry("other/x")}), "other/x");
    }
    SECTION("component longer than 255 bytes") {
        const std::string name = "files/" + std::string(300, 'a');
        require_refused(extract_raw(t, {manifest_entry(), dir_entry("files/"), file_entry(name)}),
                        std::string(300, 'a'));
    }
    SECTION("path longer than 4096 bytes") {
        std::string name = "files";
        while (name.size() < 4200) name += "/" + std::string(100, 'd');
        require_refused(extract_raw(t, {manifest_entry(), dir_entry("files/"), file_entry(name)}),
                        "longer than 4096");
    }
    SECTION("file whose parent directory was never extracted") {
        require_refused(
            extract_raw(t, {manifest_entry(), dir_entry("files/"), file_entry("files/x/y")}),
            "files/x/y");
    }
}

TEST_CASE("hostile: symlinks", "[hostile]") {
    TempDir t;
    SECTION("absolute symlink") {
        require_refused(extract_raw(t, {manifest_entry(), dir_entry("files/"),
                                        RawEntry{"files/etc", AE_IFLNK, 0777, "", "/etc", ""}}),
                        "files/etc");
    }
    SECTION("symlink escaping the tree, then a file written through it") {
        require_refused(extract_raw(t, {manifest_entry(), dir_entry("files/"),
                                        RawEntry{"files/up", AE_IFLNK, 0777, "", "..", ""},
                                        file_entry("files/up/victim.txt", "pwned")}),
                        "files/up");
    }
    SECTION("in-tree symlink to a directory, then a file written through it") {
        require_refused(
            extract_raw(t, {manifest_entry(), dir_entry("files/"), dir_entry("files/d/"),
                            RawEntry{"files/l", AE_IFLNK, 0777, "", "d", ""},
                            file_entry("files/l/x", "through the link")}),
            "files/l/x");
    }
    SECTION("deep escape a/b/../../../x") {
        require_refused(
            extract_raw(t, {manifest_entry(), dir_entry("files/"), dir_entry("files/a/"),
                            RawEntry{"files/a/l", AE_IFLNK, 0777, "", "b/../../../x", ""}}),
            "files/a/l");
    }
}

// The extractor reuses the directories open on the path to the previous entry (issue 20):
// a symlink or a file placed where that path goes must still stop the next entry, whichever
// level of the open path it sits at.
TEST_CASE("hostile: symlinks and files on the path the extractor keeps open", "[hostile]") {
    TempDir t;
    const std::vector<RawEntry> deep{manifest_entry(),          dir_entry("files/"),
                                     dir_entry("files/a/"),     dir_entry("files/a/b/"),
                                     dir_entry("files/a/b/c/"), file_entry("files/a/b/c/f", "ok")};
    const std::vector<std::string> parents{"a", "a/b", "a/b/c"};
    for (std::size_t level = 0; level < parents.size(); ++level) {
        const std::string at = parents[level];
        SECTION("a symlink beside " + at + " to it, then a file through the symlink") {
            auto e = deep;
            const std::string link = "files/" + at + "-l";
            e.push_back(RawEntry{link, AE_IFLNK, 0777, "", at.substr(at.rfind('/') + 1), ""});
            e.push_back(file_entry(link + "/x", "through the link"));
            require_refused(extract_raw(t, e), link + "/x");
        }
        SECTION("a symlink out of the tree below " + at + ", then a file through it") {
            auto e = deep;
            std::string up = "..";
            for (std::size_t k = 0; k <= level; ++k) up += "/..";
            e.push_back(RawEntry{"files/" + at + "/out", AE_IFLNK, 0777, "", up, ""});
            e.push_back(file_entry("files/" + at + "/out/victim.txt", "pwned"));
            require_refused(extract_raw(t, e), "files/" + at + "/out");
        }
        SECTION("a file in " + at + ", then a file below it as if it were a directory") {
            auto e = deep;
            e.push_back(file_entry("files/" + at + "/plain", "x"));
            e.push_back(file_entry("files/" + at + "/plain/x", "y"));
            require_refused(extract_raw(t, e), "files/" + at + "/plain/x");
        }
        SECTION("the directory " + at + " again (a duplicate)") {
            auto e = deep;
            e.push_back(dir_entry("files/" + at + "/"));
            require_refused(extract_raw(t, e), "files/" + at);
        }
        SECTION("'..' back out of " + at) {
            auto e = deep;
            e.push_back(file_entry("files/" + at + "/../../../../victim.txt", "pwned"));
            require_refused(extract_raw(t, e), "victim.txt");
        }
    }
}

TEST_CASE("hostile: entry types and mode bits", "[hostile]") {
    TempDir t;
    SECTION("hard link") {
        require_refused(
            extract_raw(t, {manifest_entry(), dir_entry("files/"), file_entry("files/a"),
                            RawEntry{"files/h", AE_IFREG, 0644, "", "", "files/a"}}),
            "files/h");
    }
    SECTION("character device") {
        require_refused(extract_raw(t, {manifest_entry(), dir_entry("files/"),
                                        RawEntry{"files/null", AE_IFCHR, 0666, "", "", ""}}),
                        "files/null");
    }
    SECTION("FIFO") {
        require_refused(extract_raw(t, {manifest_entry(), dir_entry("files/"),
                                        RawEntry{"files/pipe", AE_IFIFO, 0644, "", "", ""}}),
                        "files/pipe");
    }
    SECTION("setuid") {
        require_refused(extract_raw(t, {manifest_entry(), dir_entry("files/"),
                                        file_entry("files/suid", "x", 04755)}),
                        "files/suid");
    }
    SECTION("setgid directory") {
        require_refused(extract_raw(t, {manifest_entry(), dir_entry("files/"),
                                        RawEntry{"files/g/", AE_IFDIR, 02755, "", "", ""}}),
                        "files/g");
    }
    SECTION("duplicate entry") {
        require_refused(
            extract_raw(t, {manifest_entry(), dir_entry("files/"), file_entry("files/a", "one"),
                            file_entry("files/a", "two")}),
            "files/a");
    }
    SECTION("files/ that is not a directory") {
        require_refused(extract_raw(t, {manifest_entry(), file_entry("files", "x")}), "files");
    }
}

TEST_CASE("hostile: the manifest", "[hostile]") {
    TempDir t;
    SECTION("manifest not first") {
        require_refused(extract_raw(t, {dir_entry("files/"), manifest_entry()}), "files/");
        auto m = read_package_manifest(t.path / "hostile.nxp");
        REQUIRE_FALSE(m);
        CHECK(m.error().str().find("plugin.json") != std::string::npos);
    }
    SECTION("manifest larger than 1 MiB") {
        RawEntry big = manifest_entry();
        big.data =
            manifest_json("demo", "1.0.0", ", \"homepage\": \"" + std::string(1100000, 'a') + "\"");
        require_refused(extract_raw(t, {big}), "plugin.json");
        auto m = read_package_manifest(t.path / "hostile.nxp");
        REQUIRE_FALSE(m);
        CHECK(m.error().str().find("1 MiB") != std::string::npos);
    }
    SECTION("second plugin.json") {
        require_refused(extract_raw(t, {manifest_entry(), manifest_entry()}), "plugin.json");
    }
}

TEST_CASE("hostile: caps on entry count, total size and ratio", "[hostile]") {
    TempDir t;
    std::vector<RawEntry> many{manifest_entry(), dir_entry("files/")};
    for (int i = 0; i < 50; ++i) many.push_back(file_entry("files/f" + std::to_string(i)));
    SECTION("entry count") {
        ExtractLimits lim;
        lim.max_entries = 20;
        require_refused(extract_raw(t, many, lim), "more than 20 entries");
    }
    SECTION("total size") {
        ExtractLimits lim;
        lim.max_total_bytes = 1000;
        require_refused(extract_raw(t,
                                    {manifest_entry(), dir_entry("files/"),
                                     file_entry("files/big", std::string(5000, 'z'))},
                                    lim),
                        "files/big");
    }
    SECTION("decompression bomb") {
        ExtractLimits lim;
        lim.ratio_floor_bytes = 1 << 20;
        lim.max_ratio = 100;
        require_refused(extract_raw(t,
                                    {manifest_entry(), dir_entry("files/"),
                                     file_entry("files/zeros", std::string(8 << 20, '\0'))},
                                    lim),
                        "decompression bomb");
    }
}

TEST_CASE("hostile: names", "[hostile]") {
    TempDir t;
    SECTION("// in a path") {
        require_refused(extract_raw(t, {manifest_entry(), dir_entry("files/"),
                                        file_entry("files//etc/passwd", "pwned")}),
                        "files//etc/passwd");
    }
    SECTION("non-UTF-8 name") {
        const std::string name = "files/caf\xe9\xff.txt";
        auto o = extract_raw(t, {manifest_entry(), dir_entry("files/"), file_entry(name, "x")});
        require_refused(o, "files/caf\\xe9\\xff.txt");  // quoted escaped, never raw
        CHECK(o.result.error().message.find("UTF-8") != std::string::npos);
    }
    SECTION("overlong UTF-8 encoding of '/'") {
        const std::string name =
            "files/a\xc0\xaf"
            "b";
        require_refused(extract_raw(t, {manifest_entry(), dir_entry("files/"), file_entry(name)}),
                        "files/a\\xc0\\xafb");
    }
    SECTION("names that differ only in case") {
        auto o = extract_raw(t, {manifest_entry(), dir_entry("files/"),
                                 file_entry("files/README", "a"), file_entry("files/readme", "b")});
        require_refused(o, "files/readme");
        CHECK(o.result.error().message.find("files/README") != std::string::npos);
    }
    SECTION("depth 500") {
        std::vector<RawEntry> deep{manifest_entry(), dir_entry("files/")};
        std::string path = "files/";
        for (int i = 0; i < 500; ++i) {
            path += "d/";
            deep.push_back(dir_entry(path));
        }
        auto o = extract_raw(t, deep);
        std::string refused = "files/";
        for (int i = 0; i < 64; ++i) refused += "d/";
        require_refused(o, refused);
        CHECK(o.result.error().message.find("deeper than 64") != std::string::npos);
    }
}

TEST_CASE("hostile: links and duplicates", "[hostile]") {
    TempDir t;
    SECTION("symlink chain out of the tree") {
        // Each hop looks local; together they climb out. The hop that leaves is refused.
        require_refused(
            extract_raw(t, {manifest_entry(), dir_entry("files/"), dir_entry("files/a/"),
                            RawEntry{"files/a/l1", AE_IFLNK, 0777, "", "../l2", ""},
                            RawEntry{"files/l2", AE_IFLNK, 0777, "", "../../sandbox", ""},
                            file_entry("files/a/l1/victim.txt", "pwned")}),
            "files/l2");
    }
    SECTION("hard link carrying data") {
        require_refused(
            extract_raw(t, {manifest_entry(), dir_entry("files/"), file_entry("files/a", "one"),
                            RawEntry{"files/h", AE_IFREG, 0644, "data through a hard link", "",
                                     "files/a"}}),
            "files/h");
    }
    SECTION("hard link to a file outside the tree") {
        require_refused(extract_raw(t, {manifest_entry(), dir_entry("files/"),
                                        RawEntry{"files/h", AE_IFREG, 0644, "", "",
                                                 "../../sandbox/victim.txt"}}),
                        "files/h");
    }
    SECTION("the same name as file, then directory, then symlink") {
        auto o = extract_raw(
            t, {manifest_entry(), dir_entry("files/"), file_entry("files/x", "one"),
                dir_entry("files/x/"), RawEntry{"files/x", AE_IFLNK, 0777, "", "..", ""}});
        require_refused(o, "files/x");
        CHECK(o.result.error().message.find("duplicate") != std::string::npos);
    }
    SECTION("directory, then a symlink replacing it") {
        require_refused(
            extract_raw(t, {manifest_entry(), dir_entry("files/"), dir_entry("files/d/"),
                            RawEntry{"files/d", AE_IFLNK, 0777, "", "/", ""},
                            file_entry("files/d/etc-passwd", "pwned")}),
            "files/d");
    }
}

TEST_CASE("hostile: volume", "[hostile]") {
    TempDir t;
    SECTION("10,000 tiny entries over the configured entry cap") {
        // The default cap (100,000) admits a vendored node_modules; a root that sets
        // extract.max_entries lower gets it enforced at the first entry past it.
        std::vector<RawEntry> many{manifest_entry(), dir_entry("files/")};
        for (int i = 0; i < 10000; ++i)
            many.push_back(file_entry("files/f" + std::to_string(i), ""));
        ExtractLimits lim;
        lim.max_entries = 5000;
        auto o = extract_raw(t, many, lim);
        require_refused(o, "files/f4998");
        CHECK(o.result.error().message.find("more than 5000 entries") != std::string::npos);
    }
    SECTION("the default limits admit 10,000 tiny entries (a vendored node_modules)") {
        std::vector<RawEntry> many{manifest_entry(), dir_entry("files/")};
        for (int i = 0; i < 10000; ++i)
            many.push_back(file_entry("files/f" + std::to_string(i), ""));
        auto o = extract_raw(t, many);
        REQUIRE(o.result);
        CHECK(o.result->files.size() >= 10000);
    }
    SECTION("decompression bomb (default limits)") {
        // 80 MiB of zeros compresses to a few KiB: far beyond the ratio allowed past 64 MiB.
        auto o = extract_raw(t, {manifest_entry(), dir_entry("files/"),
                                 file_entry("files/zeros", std::string(80 << 20, '\0'))});
        require_refused(o, "files/zeros");
        CHECK(o.result.error().message.find("decompression bomb") != std::string::npos);
    }
}
