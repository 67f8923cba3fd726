// Runtimes as packages (issue 19 item 2): node-runtime comes from the host's node or from a
// package of kind runtime, never from another plugin; the host stays a candidate.
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "resolver/pool.hpp"
#include "tests/resolver/helpers.hpp"

using namespace nxp::resolver;
using namespace nxp::resolver::test;
using nxp::formats::Kind;

namespace {

// A host with node 20 and a repository with two builds of Node 22 and one of Node 24.
World node_world() {
    World w;
    w.host("node-runtime", "20.11.1");
    w.avail("node22 22.1.0", {.prov = {"node-runtime = 22.1.0"}, .kind = Kind::Runtime});
    w.avail("node22 22.23.5", {.prov = {"node-runtime = 22.23.5"}, .kind = Kind::Runtime});
    w.avail("node24 24.4.0", {.prov = {"node-runtime = 24.4.0"}, .kind = Kind::Runtime});
    return w;
}

}  // namespace

TEST_CASE("the host's node stays the candidate when it satisfies", "[runtime]") {
    World w = node_world();
    w.avail("a 1.0.0", {.req = {"node-runtime >= 18"}});
    CHECK(lines(w.u, install({"a"})) == V{"install a 1.0.0"});
    w.avail("b 1.0.0", {.req = {"node-runtime ^20 | node-runtime ^22"}});
    CHECK(lines(w.u, install({"b"})) == V{"install b 1.0.0"});
}

TEST_CASE("a plugin needing a newer node pulls a runtime package in", "[runtime]") {
    World w = node_world();
    w.avail("a 1.0.0", {.req = {"node-runtime ^22"}});
    auto plan = plan_of(w.u, install({"a"}));
    CHECK(sorted(lines(w.u, install({"a"}))) == V{"install a 1.0.0", "install node22 22.23.5"});
    for (const auto& s : plan.steps)
        if (s.name == "node22") {
            CHECK_FALSE(s.explicit_);
            REQUIRE(s.entry);
            CHECK(s.entry->kind == Kind::Runtime);
        }
    // node24 only satisfies >= 24.
    w.avail("b 1.0.0", {.req = {"node-runtime >= 24"}});
    CHECK(sorted(lines(w.u, install({"b"}))) == V{"install b 1.0.0", "install node24 24.4.0"});
}

TEST_CASE("an installed runtime package serves later plugins", "[runtime]") {
    World w;
    w.host("node-runtime", "20.11.1");
    w.inst("node22 22.23.5", {.prov = {"node-runtime = 22.23.5"}, .kind = Kind::Runtime}, false);
    w.inst("a 1.0.0", {.req = {"node-runtime ^22"}});
    w.avail("b 1.0.0", {.req = {"node-runtime >= 22"}});
    CHECK(lines(w.u, install({"b"})) == V{"install b 1.0.0"});
    // Removing the runtime a needs is not done silently.
    auto u = unsolvable(w.u, one(JobKind::Remove, "node22"));
    CHECK_THAT(u.str(), Contains("a 1.0.0"));
}

TEST_CASE("no runtime package satisfies: the problem names node-runtime", "[runtime]") {
    World w = node_world();
    w.avail("a 1.0.0", {.req = {"node-runtime >= 30"}});
    auto u = unsolvable(w.u, install({"a"}));
    CHECK_THAT(u.str(), Contains("node-runtime >= 30"));
    CHECK_THAT(u.str(), Contains("a 1.0.0"));
    // Without a host node and without runtime packages, nothing provides it.
    World bare;
    bare.avail("a 1.0.0", {.req = {"node-runtime ^22"}});
    CHECK(unsolvable(bare.u, install({"a"})).problems.at(0).text ==
          "nothing provides node-runtime ^22 needed by a 1.0.0");
}

TEST_CASE("only a package of kind runtime may provide node-runtime", "[runtime]") {
    for (Kind k :
         {Kind::Library, Kind::McpServer, Kind::Mask, Kind::Prompts, Kind::OpenapiPlugin}) {
        World w;
        w.host("node-runtime", "20.11.1");
        w.avail("fake-node 1.0.0", {.prov = {"node-runtime = 99.0.0"}, .kind = k});
        w.avail("a 1.0.0", {.req = {"node-runtime >= 90"}});
        INFO(nxp::formats::kind_name(k));
        auto u = unsolvable(w.u, install({"a"}));
        CHECK_THAT(u.str(), Contains("node-runtime >= 90"));
        // Nor can it be installed in place of the host's node by name.
        CHECK(lines(w.u, install({"fake-node"})) == V{"install fake-node 1.0.0"});
    }
    // A runtime must say which version it is: an unversioned claim is dropped too.
    World w;
    w.avail("vague 1.0.0", {.prov = {"node-runtime"}, .kind = Kind::Runtime});
    w.avail("a 1.0.0", {.req = {"node-runtime"}});
    CHECK_THAT(unsolvable(w.u, install({"a"})).str(), Contains("node-runtime"));
    // Nor may a runtime provide the host's other names.
    World n;
    n.host("nextchat", "2.16.0");
    n.avail("rt 1.0.0",
            {.prov = {"node-runtime = 22.0.0", "nextchat = 9.0.0"}, .kind = Kind::Runtime});
    n.avail("a 1.0.0", {.req = {"nextchat >= 9"}});
    CHECK_THAT(unsolvable(n.u, install({"a"})).str(), Contains("nextchat >= 9"));
}

TEST_CASE("may_provide: the rule the pool applies", "[runtime]") {
    auto meta = [](Kind k) {
        nxp::formats::PackageMeta m;
        m.name = "n";
        m.kind = k;
        return m;
    };
    std::vector<HostProvide> host{{"node-runtime", ver("20.0.0")}};
    CHECK(may_provide(meta(Kind::Runtime), dep("node-runtime = 22.0.0"), host));
    CHECK(may_provide(meta(Kind::Runtime), dep("node-runtime = 22.0.0"), {}));
    CHECK_FALSE(may_provide(meta(Kind::Runtime), dep("node-runtime"), host));
    CHECK_FALSE(may_provide(meta(Kind::Runtime), dep("node-runtime >= 22"), host));
    CHECK_FALSE(may_provide(meta(Kind::Library), dep("node-runtime = 22.0.0"), host));
    CHECK_FALSE(may_provide(meta(Kind::Runtime), dep("nxp = 1.0.0"), host));
    CHECK(may_provide(meta(Kind::Library), dep("db = 2.0.0"), host));
}

TEST_CASE("a runtime's provide survives the repository cache", "[runtime][cache]") {
    char tmpl[] = "/tmp/nxp-rt-solv.XXXXXX";
    int fd = ::mkstemp(tmpl);
    REQUIRE(fd >= 0);
    ::close(fd);
    const std::string path = tmpl;
    World w = node_world();
    w.avail("fake 1.0.0", {.prov = {"node-runtime = 99.0.0"}});
    w.avail("a 1.0.0", {.req = {"node-runtime ^22"}});
    std::vector<nxp::formats::IndexEntry> entries;
    for (const auto& a : w.u.available) entries.push_back(a.entry);
    std::vector<const nxp::formats::IndexEntry*> ptrs;
    for (const auto& e : entries) ptrs.push_back(&e);
    const std::string key(64, 'a');
    auto bytes = make_repo_cache(key, 4102444800, ptrs);
    REQUIRE(bytes);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << *bytes;
    w.u.available.clear();
    int reparsed = 0;
    w.u.cached.push_back({"main", 0, path, key, [&]() {
                              ++reparsed;
                              return nxp::Result<std::vector<nxp::formats::IndexEntry>>(entries);
                          }});
    CHECK(sorted(lines(w.u, install({"a"}))) == V{"install a 1.0.0", "install node22 22.23.5"});
    w.u.available.push_back({"main", 0, entry("b 1.0.0", {.req = {"node-runtime >= 90"}})});
    CHECK_THAT(unsolvable(w.u, install({"b"})).str(), Contains("node-runtime >= 90"));
    CHECK(reparsed == 0);
    std::remove(path.c_str());
}
