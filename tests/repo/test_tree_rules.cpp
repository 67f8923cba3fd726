// Rules over the whole plugin tree (issue 13 items 4 and 14): symlink chains that leave the
// tree together although each link alone stays inside, and control characters in names.
// Every shape is checked the three ways a tree enters nxp: pack (a directory), lint (a
// directory) and extraction (install, repo build, lint of a .nxp).
#include <algorithm>
#include <cstdio>

#include "repo/archive.hpp"
#include "repo/archive_util.hpp"
#include "test_util.hpp"

using namespace nxp;
using namespace nxp::repo;
using namespace nxp::test;

namespace {

struct Link {
    std::string path;  // relative to files/
    std::string target;
};

// A tree: directories, regular files and links, relative to files/.
struct Shape {
    std::string label;
    std::vector<std::string> dirs;
    std::vector<std::string> files;
    std::vector<Link> links;
};

fs::path make_dir_plugin(const fs::path& root, const Shape& s) {
    fs::path dir = root / "src";
    write_file(dir / "plugin.json", manifest_json());
    fs::create_directories(dir / "files");
    for (const auto& d : s.dirs) fs::create_directories(dir / "files" / d);
    for (const auto& f : s.files) write_file(dir / "files" / f, "data\n");
    for (const auto& l : s.links) fs::create_symlink(l.target, dir / "files" / l.path);
    return dir;
}

fs::path make_archive(const fs::path& root, const Shape& s) {
    std::vector<RawEntry> e{manifest_entry(), dir_entry("files/")};
    for (const auto& d : s.dirs) e.push_back(dir_entry("files/" + d + "/"));
    for (const auto& f : s.files) e.push_back(file_entry("files/" + f, "data\n"));
    for (const auto& l : s.links)
        e.push_back(RawEntry{"files/" + l.path, AE_IFLNK, 0777, "", l.target, ""});
    fs::path pkg = root / "shape.nxp";
    write_raw_archive(pkg, e);
    return pkg;
}

bool lint_has_error(const Result<std::vector<LintFinding>>& r, const std::string& needle) {
    if (!r) return r.error().str().find(needle) != std::string::npos;
    for (const auto& f : *r)
        if (f.error && (f.where + ": " + f.message).find(needle) != std::string::npos) return true;
    return false;
}

bool lint_clean(const Result<std::vector<LintFinding>>& r) {
    if (!r) return false;
    for (const auto& f : *r)
        if (f.error) return false;
    return true;
}

// Refused by pack, lint (directory and archive) and extraction, each naming `needle`.
void require_refused_everywhere(const Shape& s, const std::string& needle) {
    INFO(s.label);
    TempDir t;
    const fs::path dir = make_dir_plugin(t.path, s);
    auto packed = pack_directory(dir);
    REQUIRE_FALSE(packed);
    INFO("pack: " << packed.error().str());
    CHECK(packed.error().str().find(needle) != std::string::npos);
    auto linted = lint(dir);
    INFO("lint dir");
    CHECK(lint_has_error(linted, needle));

    const fs::path pkg = make_archive(t.path, s);
    write_file(t.path / "outside.txt", "secret");
    auto ex = extract_package(pkg, t.path / "dest");
    REQUIRE_FALSE(ex);
    INFO("extract: " << ex.error().str());
    CHECK(ex.error().kind == ErrorKind::Verification);
    CHECK(ex.error().str().find(needle) != std::string::npos);
    CHECK_FALSE(fs::exists(fs::symlink_status(t.path / "dest")));
    CHECK(lint_has_error(lint(pkg), needle));
}

void require_accepted_everywhere(const Shape& s) {
    INFO(s.label);
    TempDir t;
    const fs::path dir = make_dir_plugin(t.path, s);
    auto packed = pack_directory(dir);
    REQUIRE(packed);
    CHECK(lint_clean(lint(dir)));
    const fs::path pkg = make_archive(t.path, s);
    auto ex = extract_package(pkg, t.path / "dest");
    REQUIRE(ex);
    for (const auto& l : s.links)
        CHECK(fs::read_symlink(t.path / "dest" / l.path).string() == l.target);
}

// `x -> .` then y1 -> x/.., y2 -> y1/.., … under a prefix `depth` directories deep: y_n is
// n levels above the prefix, though each link alone resolves lexically inside the tree.
Shape dot_chain(int depth, int length) {
    Shape s;
    std::string prefix;
    for (int i = 0; i < depth; ++i) {
        prefix += "d" + std::to_string(i) + "/";
        s.dirs.push_back(prefix.substr(0, prefix.size() - 1));
    }
    s.links.push_back({prefix + "x", "."});
    std::string prev = "x";
    for (int i = 1; i <= length; ++i) {
        const std::string name = "y" + std::to_string(i);
        s.links.push_back({prefix + name, prev + "/.."});
        prev = name;
    }
    s.label = "dot chain, depth " + std::to_string(depth) + ", length " + std::to_string(length);
    return s;
}

}  // namespace

TEST_CASE("tree: chains of links that each stay inside but together leave", "[tree]") {
    for (int depth = 0; depth <= 3; ++depth) {
        // depth + 1 links up from the prefix is one level above the tree root.
        require_refused_everywhere(dot_chain(depth, depth + 1), "leaves the plugin tree");
        require_refused_everywhere(dot_chain(depth, depth + 3), "leaves the plugin tree");
        // Control: exactly at the tree root is still inside.
        require_accepted_everywhere(dot_chain(depth, depth));
    }
}

TEST_CASE("tree: links through directories and links to links", "[tree]") {
    require_refused_everywhere(Shape{"through a link to a deep directory",
                                     {"a", "a/b", "a/b/c"},
                                     {},
                                     {{"deep", "a/b/c"}, {"up", "deep/../../../.."}}},
                               "leaves the plugin tree");
    require_refused_everywhere(Shape{"link to a link to a directory, then up",
                                     {"a", "a/b"},
                                     {},
                                     {{"l1", "a/b"}, {"l2", "l1"}, {"a/esc", "../l2/../../.."}}},
                               "leaves the plugin tree");
    require_refused_everywhere(Shape{"a link inside a directory pointing at its parent's link",
                                     {"p"},
                                     {},
                                     {{"p/self", "."}, {"p/q", "self/../self/../.."}}},
                               "leaves the plugin tree");
    require_refused_everywhere(
        Shape{"a link to a link that is absolute", {}, {}, {{"a", "b"}, {"b", "/etc"}}}, "/etc");
    require_refused_everywhere(Shape{"a loop", {}, {}, {{"a", "b"}, {"b", "a"}}}, "loop");
    Shape long_chain{"a chain of 45 links", {}, {"f"}, {{"l0", "f"}}};
    for (int i = 1; i < 45; ++i)
        long_chain.links.push_back({"l" + std::to_string(i), "l" + std::to_string(i - 1)});
    require_refused_everywhere(long_chain, "more than 40 symlinks");

    // Controls: what real trees hold is accepted.
    require_accepted_everywhere(
        Shape{"node_modules/.bin",
              {"node_modules", "node_modules/.bin", "node_modules/pkg", "node_modules/pkg/bin"},
              {"node_modules/pkg/bin/tool.js"},
              {{"node_modules/.bin/tool", "../pkg/bin/tool.js"}}});
    require_accepted_everywhere(Shape{"a link to a link to a file",
                                      {"dir"},
                                      {"dir/file"},
                                      {{"a", "b"}, {"b", "dir/file"}, {"dir/c", "../a"}}});
    require_accepted_everywhere(
        Shape{"a dangling link inside", {}, {}, {{"dangling", "missing/file"}}});
}

TEST_CASE("tree: every control character in a name is refused, and shown escaped", "[tree]") {
    std::vector<std::string> controls;
    for (int c = 1; c < 0x20; ++c) controls.push_back(std::string(1, static_cast<char>(c)));
    controls.push_back("\x7f");
    for (int c = 0x80; c <= 0x9f; ++c)  // C1, as UTF-8
        controls.push_back(std::string{'\xc2', static_cast<char>(c)});
    for (const auto& ctl : controls) {
        char code[16];
        std::snprintf(code, sizeof code, "U+%04X",
                      static_cast<unsigned char>(ctl.size() == 1 ? ctl[0] : ctl[1]));
        INFO("control " << code);
        const std::string name = "a" + ctl + "b";
        Shape s{std::string("file named with ") + code, {}, {name}, {}};
        require_refused_everywhere(s, code);
        TempDir t;
        auto ex = extract_package(make_archive(t.path, s), t.path / "dest");
        REQUIRE_FALSE(ex);
        CHECK(ex.error().str().find(ctl) == std::string::npos);  // never quoted raw
        CHECK(ex.error().str().find("files/a") != std::string::npos);
    }
    SECTION("the issue's name, a directory and a symlink target") {
        require_refused_everywhere(Shape{"a\\nb\\e[31m", {}, {"a\nb\x1b[31m"}, {}},
                                   "files/a\\nb\\e[31m");
        require_refused_everywhere(Shape{"directory", {"d\x1b"}, {}, {}}, "U+001B");
        require_refused_everywhere(Shape{"link target", {}, {}, {{"l", "x\ny"}}}, "U+000A");
    }
    SECTION("printable UTF-8 is fine") {
        require_accepted_everywhere(Shape{"unicode", {"café"}, {"café/naïve €.txt"}, {}});
    }
}

TEST_CASE("tree: a chain of 200,000 links is refused without deep recursion", "[tree]") {
    std::vector<detail::TreeLink> links{{"l0", "f"}};
    for (int i = 1; i < 200000; ++i)
        links.push_back({"l" + std::to_string(i), "l" + std::to_string(i - 1)});
    std::reverse(links.begin(), links.end());  // the deepest first
    auto why = detail::check_tree_links(links);
    REQUIRE(why);
    CHECK(why->find("more than 40 symlinks") != std::string::npos);
    // Long but harmless: 200,000 links each one step from a file are fine.
    std::vector<detail::TreeLink> wide;
    for (int i = 0; i < 200000; ++i) wide.push_back({"w" + std::to_string(i), "dir/file"});
    CHECK_FALSE(detail::check_tree_links(wide));
}
