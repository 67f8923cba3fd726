// Resolver scenarios on an installed set: remove, autoremove, update, hold, replaces.
#include "tests/resolver/helpers.hpp"

using namespace nxp::resolver;
using namespace nxp::resolver::test;

TEST_CASE("remove takes unneeded dependencies along, keep_deps keeps them", "[resolver]") {
    World w;
    w.inst("a 1.0.0", {.req = {"b"}}).dep_inst("b 1.0.0", {.req = {"c"}}).dep_inst("c 1.0.0");
    w.inst("d 1.0.0", {.req = {"c"}});
    CHECK(sorted(lines(w.u, one(JobKind::Remove, "a"))) == V{"remove a 1.0.0", "remove b 1.0.0"});
    auto req = one(JobKind::Remove, "a");
    req.keep_deps = true;
    CHECK(lines(w.u, req) == V{"remove a 1.0.0"});
}

TEST_CASE("remove keeps explicit packages that were dependencies too", "[resolver]") {
    World w;
    w.inst("a 1.0.0", {.req = {"b"}}).inst("b 1.0.0");
    CHECK(lines(w.u, one(JobKind::Remove, "a")) == V{"remove a 1.0.0"});
}

TEST_CASE("removing what another package needs is a problem with solutions", "[resolver]") {
    World w;
    w.inst("a 1.0.0", {.req = {"b >= 1"}}).inst("b 1.0.0");
    auto u = unsolvable(w.u, one(JobKind::Remove, "b"));
    REQUIRE(u.problems.size() == 1);
    CHECK(u.problems[0].text == "you asked to remove b, but a 1.0.0 requires b >= 1");
    std::vector<std::string> sols;
    for (const auto& s : u.problems[0].solutions) sols.push_back(s.text);
    CHECK(std::find(sols.begin(), sols.end(), "do not remove b") != sols.end());
    CHECK(std::find(sols.begin(), sols.end(), "remove a 1.0.0") != sols.end());
}

TEST_CASE("autoremove drops dependencies nothing needs", "[resolver]") {
    World w;
    w.inst("a 1.0.0", {.req = {"c"}}).dep_inst("c 1.0.0").dep_inst("orphan 1.0.0");
    w.dep_inst("orphan-dep 1.0.0").dep_inst("orphan2 1.0.0", {.req = {"orphan-dep"}});
    CHECK(sorted(lines(w.u, one(JobKind::Autoremove))) ==
          V{"remove orphan 1.0.0", "remove orphan-dep 1.0.0", "remove orphan2 1.0.0"});

    World clean;
    clean.inst("a 1.0.0", {.req = {"c"}}).dep_inst("c 1.0.0");
    CHECK(lines(clean.u, one(JobKind::Autoremove)).empty());

    World rec;  // what an explicit package recommends is kept
    rec.inst("a 1.0.0", {.rec = {"r"}}).dep_inst("r 1.0.0").dep_inst("orphan 1.0.0");
    CHECK(lines(rec.u, one(JobKind::Autoremove)) == V{"remove orphan 1.0.0"});

    World held;  // a held orphan stays
    held.inst("x 1.0.0", {}, false, true);
    CHECK(lines(held.u, one(JobKind::Autoremove)).empty());
}

TEST_CASE("update all moves to the newest compatible versions", "[resolver]") {
    World w;
    w.inst("a 1.0.0", {.req = {"b < 2"}}).dep_inst("b 1.0.0").inst("c 1.0.0");
    w.avail("a 1.0.0", {.req = {"b < 2"}}).avail("a 1.1.0", {.req = {"b < 2"}});
    w.avail("b 1.0.0").avail("b 1.4.0").avail("b 2.0.0").avail("c 1.0.0");
    auto plan = plan_of(w.u, one(JobKind::UpdateAll));
    std::vector<std::string> got;
    for (const auto& s : plan.steps) got.push_back(line(s));
    CHECK(sorted(got) == V{"upgrade a 1.0.0 -> 1.1.0", "upgrade b 1.0.0 -> 1.4.0"});
    for (const auto& s : plan.steps) {
        CHECK(s.explicit_ == (s.name == "a"));  // reasons carry over
        CHECK(s.entry);
    }
}

TEST_CASE("update one package leaves the others", "[resolver]") {
    World w;
    w.inst("a 1.0.0").inst("b 1.0.0").avail("a 2.0.0").avail("b 2.0.0");
    CHECK(lines(w.u, one(JobKind::Update, "a")) == V{"upgrade a 1.0.0 -> 2.0.0"});
}

TEST_CASE("held packages never change", "[resolver]") {
    World w;
    w.held("b 1.0.0").avail("b 1.0.0").avail("b 2.0.0").inst("a 1.0.0").avail("a 1.1.0");
    CHECK(lines(w.u, one(JobKind::UpdateAll)) == V{"upgrade a 1.0.0 -> 1.1.0"});
    CHECK(lines(w.u, one(JobKind::Update, "b")).empty());
}

TEST_CASE("a held package blocks a request that needs it changed", "[resolver]") {
    World w;
    w.held("b 1.0.0").avail("b 2.0.0").avail("a 1.0.0", {.req = {"b >= 2"}});
    auto u = unsolvable(w.u, install({"a"}));
    CHECK(u.problems.at(0).text == "a 1.0.0 requires b >= 2, but b is held at 1.0.0");
    CHECK_THAT(u.str(), Contains("unhold b"));
    CHECK_THAT(u.str(), !Contains("~"));

    auto rm = unsolvable(w.u, one(JobKind::Remove, "b"));
    CHECK_THAT(rm.str(), Contains("b is held at 1.0.0"));
}

TEST_CASE("replaces: a renamed plugin takes over on update", "[resolver]") {
    World w;
    w.inst("old-name 1.0.0").avail("old-name 1.0.0");
    w.avail("new-name 2.0.0", {.prov = {"old-name = 2.0.0"}, .repl = {"old-name"}});
    auto plan = plan_of(w.u, one(JobKind::UpdateAll));
    std::vector<std::string> got;
    for (const auto& s : plan.steps) got.push_back(line(s));
    CHECK(got == V{"install new-name 2.0.0", "remove old-name 1.0.0 (replaced by new-name)"});
    CHECK(plan.steps[0].explicit_);  // inherits the explicit reason
}

TEST_CASE("replaces: installing the new name removes the old one", "[resolver]") {
    World w;
    w.dep_inst("old-name 1.0.0");
    w.avail("new-name 2.0.0", {.repl = {"old-name"}});
    CHECK(lines(w.u, install({"new-name"})) ==
          V{"install new-name 2.0.0", "remove old-name 1.0.0 (replaced by new-name)"});
}

TEST_CASE("upgrading a dependency that an update needs", "[resolver]") {
    World w;
    w.inst("a 1.0.0", {.req = {"b ^1"}}).dep_inst("b 1.0.0");
    w.avail("a 2.0.0", {.req = {"b ^2"}}).avail("b 2.1.0").avail("b 1.0.0");
    auto plan = plan_of(w.u, one(JobKind::Update, "a"));
    std::vector<std::string> got;
    for (const auto& s : plan.steps) got.push_back(line(s));
    CHECK(got == V{"upgrade b 1.0.0 -> 2.1.0", "upgrade a 1.0.0 -> 2.0.0"});
    CHECK_FALSE(plan.steps[0].explicit_);
}

TEST_CASE("a requested downgrade drags dependencies back, nothing else moves back", "[resolver]") {
    World w;
    w.inst("a 2.0.0", {.req = {"c ^2"}}).dep_inst("c 2.0.0");
    w.avail("a 1.0.0", {.req = {"c ^1"}}).avail("a 2.0.0", {.req = {"c ^2"}});
    w.avail("c 1.0.0").avail("c 2.0.0");
    CHECK(sorted(lines(w.u, install({"a = 1.0.0"}))) ==
          V{"downgrade a 2.0.0 -> 1.0.0", "downgrade c 2.0.0 -> 1.0.0"});
    // Not asked for: a new package needing the older c is a problem, not a silent downgrade.
    w.avail("x 1.0.0", {.req = {"c ^1"}});
    unsolvable(w.u, install({"x"}));
}

TEST_CASE("plugins cannot stand in for the host's virtual packages", "[resolver]") {
    World w;
    w.host("nextchat", "2.16.0");
    w.avail("a 1.0.0", {.req = {"nextchat >= 3"}});
    w.avail("fake 1.0.0", {.prov = {"nextchat = 9.0.0"}});
    w.avail("nextchat 9.0.0");
    w.avail("b 1.0.0", {.req = {"arch:fake-machine"}});
    w.avail("fake-arch 1.0.0", {.prov = {"arch:fake-machine"}});
    CHECK_THAT(unsolvable(w.u, install({"a"})).str(), Contains("nextchat"));
    unsolvable(w.u, install({"b"}));
}
