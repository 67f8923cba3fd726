// "a | b": the first alternative that can be installed is the default, unless a later one is
// installed or asked for. libsolv alone orders a choice between names by its own criteria
// (here: the name's hash tag), so each case runs over many name pairs: a resolver that
// ignored the written order would pick the second one for about half of them.
#include "tests/resolver/helpers.hpp"

using namespace nxp::resolver;
using namespace nxp::resolver::test;

namespace {

// Name pairs whose hash order differs from one to the next.
std::vector<std::pair<std::string, std::string>> pairs() {
    std::vector<std::pair<std::string, std::string>> out;
    for (int i = 0; i < 24; ++i) {
        out.emplace_back("first" + std::to_string(i), "second" + std::to_string(i));
    }
    return out;
}

}  // namespace

TEST_CASE("alternatives: the first one is installed", "[resolver][alternatives]") {
    for (const auto& [a, b] : pairs()) {
        INFO(a << " | " << b);
        World w;
        w.avail("x 1.0.0", {.req = {a + " ^1 | " + b}})
            .avail(a + " 1.0.0")
            .avail(a + " 2.0.0")
            .avail(b + " 1.0.0");
        CHECK(sorted(lines(w.u, install({"x"}))) ==
              sorted({"install x 1.0.0", "install " + a + " 1.0.0"}));
    }
}

TEST_CASE("alternatives: a virtual second one with several providers", "[resolver][alternatives]") {
    for (const auto& [a, b] : pairs()) {
        INFO(a << " | " << b);
        World w;
        w.avail("x 1.0.0", {.req = {a + " | " + b}})
            .avail(a + " 1.0.0")
            .avail("p1-" + b + " 1.0.0", {.prov = {b}})
            .avail("p2-" + b + " 1.0.0", {.prov = {b}});
        CHECK(sorted(lines(w.u, install({"x"}))) ==
              sorted({"install x 1.0.0", "install " + a + " 1.0.0"}));
    }
}

TEST_CASE("alternatives: a virtual first one takes one of its providers",
          "[resolver][alternatives]") {
    for (const auto& [a, b] : pairs()) {
        INFO(a << " | " << b);
        World w;
        w.avail("x 1.0.0", {.req = {a + " | " + b}})
            .avail("p-" + a + " 1.0.0", {.prov = {a}})
            .avail(b + " 1.0.0");
        CHECK(sorted(lines(w.u, install({"x"}))) ==
              sorted({"install x 1.0.0", "install p-" + a + " 1.0.0"}));
    }
}

TEST_CASE("alternatives: an installed later one is kept", "[resolver][alternatives]") {
    for (const auto& [a, b] : pairs()) {
        INFO(a << " | " << b);
        World w;
        w.avail("x 1.0.0", {.req = {a + " | " + b}}).avail(a + " 1.0.0").avail(b + " 1.0.0");
        w.dep_inst(b + " 1.0.0");
        CHECK(lines(w.u, install({"x"})) == V{"install x 1.0.0"});
    }
}

TEST_CASE("alternatives: a requested later one is used", "[resolver][alternatives]") {
    for (const auto& [a, b] : pairs()) {
        INFO(a << " | " << b);
        World w;
        w.avail("x 1.0.0", {.req = {a + " | " + b}}).avail(a + " 1.0.0").avail(b + " 1.0.0");
        CHECK(sorted(lines(w.u, install({"x", b}))) ==
              sorted({"install x 1.0.0", "install " + b + " 1.0.0"}));
    }
}

TEST_CASE("alternatives: an uninstallable first one falls back", "[resolver][alternatives]") {
    for (const auto& [a, b] : pairs()) {
        INFO(a << " | " << b);
        World conflict;  // the first conflicts with x
        conflict.avail("x 1.0.0", {.req = {a + " | " + b}})
            .avail(a + " 1.0.0", {.con = {"x"}})
            .avail(b + " 1.0.0");
        CHECK(sorted(lines(conflict.u, install({"x"}))) ==
              sorted({"install x 1.0.0", "install " + b + " 1.0.0"}));
        World missing;  // the first needs what no repository has
        missing.avail("x 1.0.0", {.req = {a + " | " + b}})
            .avail(a + " 1.0.0", {.req = {"nowhere"}})
            .avail(b + " 1.0.0");
        CHECK(sorted(lines(missing.u, install({"x"}))) ==
              sorted({"install x 1.0.0", "install " + b + " 1.0.0"}));
    }
}

TEST_CASE("alternatives: three-way with the first missing takes the second",
          "[resolver][alternatives]") {
    for (const auto& [a, b] : pairs()) {
        INFO(a << " | " << b);
        World w;
        w.avail("x 1.0.0", {.req = {"gone | " + b + " | " + a}})
            .avail(a + " 1.0.0")
            .avail(b + " 1.0.0");
        CHECK(sorted(lines(w.u, install({"x"}))) ==
              sorted({"install x 1.0.0", "install " + b + " 1.0.0"}));
    }
}

TEST_CASE("alternatives: the first one's own alternatives prefer their first too",
          "[resolver][alternatives]") {
    for (const auto& [a, b] : pairs()) {
        INFO(a << " | " << b);
        World w;
        w.avail("x 1.0.0", {.req = {a + " | " + b}})
            .avail(a + " 1.0.0", {.req = {"c" + a + " | c" + b}})
            .avail(b + " 1.0.0")
            .avail("c" + a + " 1.0.0")
            .avail("c" + b + " 1.0.0");
        CHECK(sorted(lines(w.u, install({"x"}))) ==
              sorted({"install x 1.0.0", "install " + a + " 1.0.0", "install c" + a + " 1.0.0"}));
    }
}

TEST_CASE("alternatives over one name take the newest version either allows",
          "[resolver][alternatives]") {
    World w;
    w.avail("x 1.0.0", {.req = {"node ^20 | node ^22"}})
        .avail("node 20.11.1")
        .avail("node 22.1.0")
        .avail("node 23.0.0");
    CHECK(sorted(lines(w.u, install({"x"}))) == V{"install node 22.1.0", "install x 1.0.0"});
}
