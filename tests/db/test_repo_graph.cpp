// The repository dependency graph (db/repo_graph.hpp): what a request reaches, and files
// that cannot be used.
#include <fstream>
#include <set>

#include "db/repo_graph.hpp"
#include "formats/index_entries.hpp"
#include "tests/db/helpers.hpp"

using namespace nxp;
using namespace nxp::db;
using namespace nxp::db::test;

namespace {

// An index of packages "NAME VERSION" with relations given as JSON members.
formats::Index index_of(const std::vector<std::pair<std::string, std::string>>& pkgs) {
    std::string text =
        R"({"format":1,"repo":"t","version":1,"generated":0,"expires":0,"packages":[)";
    bool first = true;
    for (const auto& [nv, rel] : pkgs) {
        auto sp = nv.find(' ');
        std::string name = nv.substr(0, sp), version = nv.substr(sp + 1);
        if (!first) text += ',';
        first = false;
        text += R"({"name":")" + name + R"(","version":")" + version +
                R"(","kind":"library","path":"p/)" + name + "-" + version +
                R"(.nxp","size":1,"sha256":")" + std::string(64, 'a') + '"';
        if (!rel.empty()) text += "," + rel;
        text += '}';
    }
    text += "]}";
    auto idx = formats::parse_index(text);
    INFO(text);
    REQUIRE(idx);
    return *idx;
}

std::vector<const formats::IndexEntry*> all(const formats::Index& idx) {
    std::vector<const formats::IndexEntry*> out;
    for (const auto& e : idx.packages) out.push_back(&e);
    return out;
}

// "name version" of every reached package of graph g, parsed back from its stored text.
std::set<std::string> names(const std::vector<ReachedEntry>& reached) {
    std::set<std::string> out;
    for (const auto& r : reached) {
        auto one = formats::parse_index_entries({r.text});
        REQUIRE(one);
        REQUIRE(one->size() == 1);
        out.insert((*one)[0].name + " " + (*one)[0].version.str());
    }
    return out;
}

}  // namespace

TEST_CASE("a graph reaches providers, alternatives, recommends and successors only", "[graph]") {
    TempDir dir;
    auto main = index_of({
        {"app 1.0.0", R"("requires":["lib ^1 | altlib","storage"],"recommends":["extra"])"},
        {"app 2.0.0", R"("requires":["lib ^2"])"},
        {"lib 1.0.0", ""},
        {"lib 2.0.0", R"("requires":["deep"])"},
        {"altlib 1.0.0", ""},
        {"extra 1.0.0", ""},
        {"sqlite-store 1.0.0", R"("provides":["storage"])"},
        {"json-store 1.0.0", R"("provides":["storage = 2.0.0"])"},
        {"app-ng 1.0.0", R"("replaces":["app"])"},
        {"enemy 1.0.0", R"("conflicts":["app"])"},
        {"unrelated 1.0.0", R"("requires":["lib"])"},
    });
    auto other = index_of({{"deep 1.0.0", ""}, {"lonely 1.0.0", ""}});
    REQUIRE(write_repo_graph((dir.path / "main.db").string(), {"k1", 99, 11}, all(main)));
    REQUIRE(write_repo_graph((dir.path / "other.db").string(), {"k2", 0, 2}, all(other)));

    std::vector<RepoGraph> graphs;
    for (const char* f : {"main.db", "other.db"}) {
        auto g = RepoGraph::open((dir.path / f).string());
        REQUIRE(g);
        graphs.push_back(std::move(*g));
    }
    CHECK(graphs[0].stamp().key == "k1");
    CHECK(graphs[0].stamp().expires == 99);
    CHECK(graphs[0].stamp().packages == 11);

    auto reached = reachable(graphs, {"app"});
    REQUIRE(reached);
    REQUIRE(reached->size() == 2);
    CHECK(names((*reached)[0]) == std::set<std::string>{"app 1.0.0", "app 2.0.0", "lib 1.0.0",
                                                        "lib 2.0.0", "altlib 1.0.0", "extra 1.0.0",
                                                        "sqlite-store 1.0.0", "json-store 1.0.0",
                                                        "app-ng 1.0.0"});
    // Followed across repositories: lib 2.0.0 needs deep, which only `other` has.
    CHECK(names((*reached)[1]) == std::set<std::string>{"deep 1.0.0"});
    // In repository order, so libsolv sees the packages in the order a full load gives.
    std::vector<std::int64_t> pos;
    for (const auto& r : (*reached)[0]) pos.push_back(r.position);
    CHECK(std::is_sorted(pos.begin(), pos.end()));
    CHECK(pos.front() == 0);

    auto none = reachable(graphs, {"no-such-plugin"});
    REQUIRE(none);
    CHECK((*none)[0].empty());
    CHECK((*none)[1].empty());
}

TEST_CASE("a missing, damaged or foreign graph file is refused, naming the file", "[graph]") {
    TempDir dir;
    auto missing = RepoGraph::open((dir.path / "graph.db").string());
    REQUIRE_FALSE(missing);

    auto junk = dir.path / "junk.db";
    std::ofstream(junk) << std::string(4096, 'x');
    auto damaged = RepoGraph::open(junk.string());
    REQUIRE_FALSE(damaged);
    CHECK(damaged.error().str().find("junk.db") != std::string::npos);

    // A real SQLite file that is not a graph (the install database, say).
    auto other = Database::create(dir.path / "nxp.db");
    REQUIRE(other);
    auto foreign = RepoGraph::open((dir.path / "nxp.db").string());
    REQUIRE_FALSE(foreign);
    CHECK(foreign.error().str().find("nxp.db") != std::string::npos);

    // Rewriting replaces the file whole (no .tmp left behind).
    auto idx = index_of({{"a 1.0.0", ""}});
    REQUIRE(write_repo_graph((dir.path / "g.db").string(), {"k", 0, 1}, all(idx)));
    REQUIRE(write_repo_graph((dir.path / "g.db").string(), {"k2", 0, 1}, all(idx)));
    CHECK_FALSE(std::filesystem::exists(dir.path / "g.db.tmp"));
    auto g = RepoGraph::open((dir.path / "g.db").string());
    REQUIRE(g);
    CHECK(g->stamp().key == "k2");
}

TEST_CASE(
    "a package's references are sorted and given once; a name it answers to twice is "
    "stored once",
    "[graph]") {
    TempDir dir;
    auto idx = index_of({
        {"app 1.0.0", R"("requires":["zlib | alib","mid","alib ^1"],"recommends":["mid","b"],)"
                      R"("replaces":["zlib"],"provides":["app","alias"])"},
        {"alib 1.0.0", ""},
    });
    const formats::IndexEntry& app = idx.packages[0];
    CHECK(graph_refs(app) == "alib\nb\nmid\nzlib");
    CHECK(graph_names(app) == "app\napp\nalias\nzlib");
    CHECK(graph_refs(idx.packages[1]).empty());

    REQUIRE(write_repo_graph((dir.path / "g.db").string(), {"k", 0, 2}, all(idx)));
    auto g = RepoGraph::open((dir.path / "g.db").string());
    REQUIRE(g);
    std::vector<RepoGraph> graphs;
    graphs.push_back(std::move(*g));
    // app is reached by its own name, its provide and the name it replaces, once each time.
    for (const char* seed : {"app", "alias", "zlib"}) {
        auto reached = reachable(graphs, {seed});
        REQUIRE(reached);
        CHECK(names((*reached)[0]) == std::set<std::string>{"app 1.0.0", "alib 1.0.0"});
        CHECK((*reached)[0].size() == 2);
    }
}
