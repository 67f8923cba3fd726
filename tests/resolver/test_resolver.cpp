// Resolver scenarios: installs, versions, relations and the plan's steps.
#include "tests/resolver/helpers.hpp"

using namespace nxp::resolver;
using namespace nxp::resolver::test;

TEST_CASE("install picks the newest version and records the entry", "[resolver]") {
    World w;
    w.avail("a 1.0.0").avail("a 1.2.0").avail("a 1.10.0");
    auto plan = plan_of(w.u, install({"a"}));
    REQUIRE(plan.steps.size() == 1);
    const auto& s = plan.steps[0];
    CHECK(line(s) == "install a 1.10.0");
    CHECK(s.explicit_);
    CHECK(s.repo == "main");
    REQUIRE(s.entry);
    CHECK(s.entry->path == "packages/a-1.10.0.nxp");
    CHECK_FALSE(s.from);
}

TEST_CASE("dependencies come first and are marked as dependencies", "[resolver]") {
    World w;
    w.avail("a 1.0.0", {.req = {"b"}}).avail("b 1.0.0", {.req = {"c"}}).avail("c 1.0.0");
    auto plan = plan_of(w.u, install({"a"}));
    std::vector<std::string> got;
    for (const auto& s : plan.steps) got.push_back(line(s));
    CHECK(got == V{"install c 1.0.0", "install b 1.0.0", "install a 1.0.0"});
    CHECK_FALSE(plan.steps[0].explicit_);
    CHECK_FALSE(plan.steps[1].explicit_);
    CHECK(plan.steps[2].explicit_);
}

TEST_CASE("versioned requires: each operator", "[resolver]") {
    struct Case {
        const char* req;
        const char* expect;
    };
    const Case cases[] = {
        {"b = 2.0.0", "install b 2.0.0"},
        {"b < 2.0.0", "install b 1.5.0"},
        {"b <= 2.0.0", "install b 2.0.0"},
        {"b > 2.0.0", "install b 3.0.0"},
        {"b >= 2.0.0", "install b 3.0.0"},
        {"b >= 1.5.0, < 3", "install b 2.0.0"},
        {"b ^1", "install b 1.5.0"},
        {"b ^2", "install b 2.0.0"},
        {"b ~1.0", "install b 1.0.9"},
        {"b = 1.0", "install b 1.0.9"},
        {"b > 1.0.0, <= 1.5.0", "install b 1.5.0"},
    };
    for (const auto& c : cases) {
        INFO(c.req);
        World w;
        w.avail("a 1.0.0", {.req = {c.req}});
        for (auto v : {"1.0.0", "1.0.9", "1.5.0", "2.0.0", "3.0.0"}) {
            w.avail(std::string("b ") + v);
        }
        CHECK(sorted(lines(w.u, install({"a"}))) == V{"install a 1.0.0", c.expect});
    }
}

TEST_CASE("caret and tilde on 0.x versions", "[resolver]") {
    World w;
    w.avail("a 1.0.0", {.req = {"b ^0.2.3", "c ~0.1"}});
    w.avail("b 0.2.2").avail("b 0.2.9").avail("b 0.3.0");
    w.avail("c 0.1.4").avail("c 0.2.0");
    CHECK(sorted(lines(w.u, install({"a"}))) ==
          V{"install a 1.0.0", "install b 0.2.9", "install c 0.1.4"});
}

TEST_CASE("',' all-of: one provider must satisfy every comparator", "[resolver]") {
    // low satisfies only "< 2", high only ">= 1": a pair of them would satisfy each
    // comparator separately, but only mid satisfies both.
    World w;
    w.avail("app 1.0.0", {.req = {"runtime >= 1, < 2"}});
    w.avail("low 1.0.0", {.prov = {"runtime = 0.5.0"}});
    w.avail("high 1.0.0", {.prov = {"runtime = 3.0.0"}});
    w.avail("mid 1.0.0", {.prov = {"runtime = 1.5.0"}});
    CHECK(sorted(lines(w.u, install({"app"}))) == V{"install app 1.0.0", "install mid 1.0.0"});
}

TEST_CASE("'|' alternatives: the second is used when the first cannot be", "[resolver]") {
    World w;
    w.avail("a 1.0.0", {.req = {"x ^5 | y >= 1"}});
    w.avail("x 4.0.0").avail("y 1.2.0");
    CHECK(sorted(lines(w.u, install({"a"}))) == V{"install a 1.0.0", "install y 1.2.0"});

    World both;  // an installed alternative is kept rather than adding another
    both.avail("a 1.0.0", {.req = {"x ^5 | y >= 1"}}).avail("x 5.0.0").avail("y 1.2.0");
    both.inst("y 1.2.0");
    CHECK(lines(both.u, install({"a"})) == V{"install a 1.0.0"});
}

TEST_CASE("virtual provides with versions choose among several candidates", "[resolver]") {
    World w;
    w.avail("github 1.0.0", {.req = {"js-runtime ^22"}});
    w.avail("node20 20.11.0", {.prov = {"js-runtime = 20.11.0"}});
    w.avail("node22 22.3.0", {.prov = {"js-runtime = 22.3.0"}});
    w.avail("node18 18.0.0", {.prov = {"js-runtime = 18.0.0"}});
    CHECK(sorted(lines(w.u, install({"github"}))) ==
          V{"install github 1.0.0", "install node22 22.3.0"});

    // Installing the virtual name itself picks a provider.
    auto plan = lines(w.u, install({"js-runtime >= 20"}));
    REQUIRE(plan.size() == 1);
    CHECK((plan[0] == "install node22 22.3.0" || plan[0] == "install node20 20.11.0"));
}

TEST_CASE("an unversioned provide does not satisfy a versioned requirement", "[resolver]") {
    World w;
    w.avail("github 1.0.0", {.req = {"js-runtime ^22"}});
    w.avail("nodejs 22.0.0", {.prov = {"js-runtime"}});
    auto u = unsolvable(w.u, install({"github"}));
    CHECK_THAT(u.str(), Contains("github 1.0.0 requires js-runtime ^22"));
    CHECK_THAT(u.str(), Contains("nodejs 22.0.0"));

    World plain;  // but it satisfies an unversioned one
    plain.avail("github 1.0.0", {.req = {"js-runtime"}});
    plain.avail("nodejs 22.0.0", {.prov = {"js-runtime"}});
    CHECK(sorted(lines(plain.u, install({"github"}))) ==
          V{"install github 1.0.0", "install nodejs 22.0.0"});
}

TEST_CASE("recommends are installed unless no_recommends", "[resolver]") {
    World w;
    w.avail("a 1.0.0", {.rec = {"r >= 1"}}).avail("r 1.0.0").avail("r 0.5.0");
    CHECK(sorted(lines(w.u, install({"a"}))) == V{"install a 1.0.0", "install r 1.0.0"});
    auto req = install({"a"});
    req.no_recommends = true;
    CHECK(lines(w.u, req) == V{"install a 1.0.0"});

    World missing;  // a recommendation nothing provides is no problem
    missing.avail("a 1.0.0", {.rec = {"ghost"}});
    CHECK(lines(missing.u, install({"a"})) == V{"install a 1.0.0"});
}

TEST_CASE("repository priority wins over a newer version elsewhere", "[resolver]") {
    World w;
    w.avail("a 2.0.0", {}, "community", 0).avail("a 1.0.0", {}, "pinned", 10);
    auto plan = plan_of(w.u, install({"a"}));
    REQUIRE(plan.steps.size() == 1);
    CHECK(line(plan.steps[0]) == "install a 1.0.0");
    CHECK(plan.steps[0].repo == "pinned");
}

TEST_CASE("a dependency cycle a <-> b installs both", "[resolver]") {
    World w;
    w.avail("a 1.0.0", {.req = {"b"}}).avail("b 1.0.0", {.req = {"a ^1"}});
    CHECK(sorted(lines(w.u, install({"a"}))) == V{"install a 1.0.0", "install b 1.0.0"});
}

TEST_CASE("prerelease order through libsolv equals SemVer precedence", "[resolver]") {
    World w;
    for (auto v :
         {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta.11", "1.0.0-beta.2", "1.0.0-rc.1", "0.9.0"}) {
        w.avail(std::string("a ") + v);
    }
    CHECK(lines(w.u, install({"a"})) == V{"install a 1.0.0-rc.1"});
    CHECK(lines(w.u, install({"a < 1.0.0-beta.2"})) == V{"install a 1.0.0-alpha.1"});
    CHECK(lines(w.u, install({"a >= 1.0.0-beta.3, < 1.0.0-rc"})) == V{"install a 1.0.0-beta.11"});
    w.avail("a 1.0.0");
    CHECK(lines(w.u, install({"a"})) == V{"install a 1.0.0"});

    World up;  // an installed prerelease upgrades to its release
    up.inst("a 1.0.0-rc.1").avail("a 1.0.0-rc.1").avail("a 1.0.0");
    CHECK(lines(up.u, one(JobKind::UpdateAll)) == V{"upgrade a 1.0.0-rc.1 -> 1.0.0"});
}

TEST_CASE("host virtuals satisfy requirements and are never changed", "[resolver]") {
    World w;
    w.host("nextchat", "2.16.1").host("nxp", "0.1.0").host("arch:x86_64", "1.0.0");
    w.avail("p 1.0.0", {.req = {"nextchat >= 2.16", "arch:x86_64", "nxp ^0.1"}});
    CHECK(lines(w.u, install({"p"})) == V{"install p 1.0.0"});
    CHECK(lines(w.u, one(JobKind::UpdateAll)).empty());
    CHECK(lines(w.u, one(JobKind::Autoremove)).empty());
}

TEST_CASE("installing what is installed changes nothing", "[resolver]") {
    World w;
    w.inst("a 1.0.0").avail("a 1.0.0").avail("a 2.0.0");
    CHECK(lines(w.u, install({"a"})).empty());
    CHECK(lines(w.u, install({"a ^1"})).empty());
}

TEST_CASE("installing an installed dependency only marks it explicit", "[resolver]") {
    World w;
    w.inst("a 1.0.0", {.req = {"b"}}).dep_inst("b 1.0.0").avail("b 1.0.0").avail("b 2.0.0");
    auto plan = plan_of(w.u, install({"b"}));
    CHECK(plan.steps.empty());
    CHECK(plan.marked_explicit == V{"b"});
    CHECK(plan_of(w.u, install({"a"})).marked_explicit.empty());  // already explicit
}

TEST_CASE("install with a constraint may downgrade", "[resolver]") {
    World w;
    w.inst("a 2.0.0").avail("a 1.0.0").avail("a 1.5.0").avail("a 2.0.0");
    auto plan = plan_of(w.u, install({"a < 2"}));
    REQUIRE(plan.steps.size() == 1);
    CHECK(line(plan.steps[0]) == "downgrade a 2.0.0 -> 1.5.0");
    CHECK(plan.steps[0].explicit_);
    CHECK(lines(w.u, install({"a = 1.0.0"})) == V{"downgrade a 2.0.0 -> 1.0.0"});
}

TEST_CASE("install of a newer version upgrades", "[resolver]") {
    World w;
    w.dep_inst("b 1.0.0").avail("b 1.0.0").avail("b 2.0.0");
    auto plan = plan_of(w.u, install({"b >= 2"}));
    REQUIRE(plan.steps.size() == 1);
    CHECK(line(plan.steps[0]) == "upgrade b 1.0.0 -> 2.0.0");
    CHECK(plan.steps[0].explicit_);  // named by the user now
}
