// why(): chains from explicit packages to an installed dependency.
#include "tests/resolver/helpers.hpp"

using namespace nxp::resolver;
using namespace nxp::resolver::test;

TEST_CASE("why follows requires from each explicit package", "[resolver]") {
    World w;
    w.inst("a 1.0.0", {.req = {"b ^1"}}).dep_inst("b 1.2.0", {.req = {"c"}}).dep_inst("c 1.0.0");
    w.inst("d 2.0.0", {.req = {"c >= 1"}}).dep_inst("lonely 1.0.0");
    auto chains = why(w.u, "c");
    REQUIRE(chains.size() == 2);
    CHECK(chains[0] ==
          V{"a 1.0.0 (explicit)", "requires b ^1", "b 1.2.0", "requires c", "c 1.0.0"});
    CHECK(chains[1] == V{"d 2.0.0 (explicit)", "requires c >= 1", "c 1.0.0"});
    CHECK(why(w.u, "lonely").empty());
    CHECK(why(w.u, "missing").empty());
    CHECK(why(w.u, "a").empty());  // explicit, and nothing else needs it

    w.inst("e 1.0.0", {.req = {"a"}});  // an explicit package another one needs
    CHECK(why(w.u, "a") == std::vector<V>{V{"e 1.0.0 (explicit)", "requires a", "a 1.0.0"}});
}

TEST_CASE("why sees virtual provides, alternatives and recommends", "[resolver]") {
    World w;
    w.inst("gh 1.0.0", {.req = {"js-runtime ^22 | deno"}})
        .dep_inst("node22 22.1.0", {.prov = {"js-runtime = 22.1.0"}});
    w.inst("m 1.0.0", {.rec = {"extra"}}).dep_inst("extra 0.1.0");
    auto chains = why(w.u, "node22");
    REQUIRE(chains.size() == 1);
    CHECK(chains[0] == V{"gh 1.0.0 (explicit)", "requires js-runtime ^22 | deno", "node22 22.1.0"});
    CHECK(why(w.u, "extra") ==
          std::vector<V>{V{"m 1.0.0 (explicit)", "recommends extra", "extra 0.1.0"}});
}
