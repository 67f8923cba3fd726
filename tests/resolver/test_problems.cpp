// Unsolvable requests: the explanation a user reads, with names and human versions.
#include "tests/resolver/helpers.hpp"

using namespace nxp::resolver;
using namespace nxp::resolver::test;

TEST_CASE("an unknown package is reported without solving", "[resolver]") {
    World w;
    w.avail("a 1.0.0");
    // A name near none that exists (a near one gets "did you mean", issue 18 item 5).
    auto u = unsolvable(w.u, install({"zzz"}));
    REQUIRE(u.problems.size() == 1);
    CHECK(u.problems[0].text == "no package zzz is available");
    CHECK(u.str() == "Problem 1: no package zzz is available\n");
}

TEST_CASE("no version matches: the available ones are listed", "[resolver]") {
    World w;
    w.avail("a 1.2.0").avail("a 1.0.0");
    auto u = unsolvable(w.u, install({"a >= 9"}));
    REQUIRE(u.problems.size() == 1);
    CHECK(u.problems[0].text == "no version of a matches >= 9 (available: 1.0.0, 1.2.0)");
}

TEST_CASE("several bad jobs give several problems", "[resolver]") {
    World w;
    w.avail("a 1.0.0").inst("b 1.0.0");
    Request r = install({"x", "a ^2"});
    r.jobs.push_back(job(JobKind::Remove, "c"));
    auto u = unsolvable(w.u, r);
    REQUIRE(u.problems.size() == 3);
    CHECK(u.problems[2].text == "package c is not installed");
    CHECK_THAT(u.str(), Contains("Problem 3: package c is not installed"));
}

TEST_CASE("a requirement no version satisfies names what exists", "[resolver]") {
    World w;
    w.avail("a 2.0.0", {.req = {"b >= 3"}}).avail("b 2.1.0");
    auto u = unsolvable(w.u, install({"a"}));
    REQUIRE(u.problems.size() == 1);
    CHECK(u.problems[0].text ==
          "a 2.0.0 requires b >= 3, but no version of b satisfies it (available: b 2.1.0)");
    REQUIRE_FALSE(u.problems[0].solutions.empty());
    CHECK(u.problems[0].solutions[0].text == "do not install a");
}

TEST_CASE("nothing provides a runtime", "[resolver]") {
    World w;
    w.avail("x 1.0.0", {.req = {"node-runtime ^22"}});
    auto u = unsolvable(w.u, install({"x"}));
    CHECK(u.problems.at(0).text == "nothing provides node-runtime ^22 needed by x 1.0.0");
}

TEST_CASE("an older version is proposed when the newest cannot be installed", "[resolver]") {
    World w;
    w.avail("a 1.2.0").avail("a 2.0.0", {.req = {"b >= 3"}}).avail("b 2.1.0");
    // Asking for the newest explicitly fails; asking for any version picks 1.2.0.
    CHECK(lines(w.u, install({"a"})) == V{"install a 1.2.0"});
    auto u = unsolvable(w.u, install({"a >= 2"}));
    CHECK_THAT(u.str(), Contains("a 2.0.0 requires b >= 3"));
}

TEST_CASE("conflicts: the message names both packages", "[resolver]") {
    World w;
    w.inst("c 1.0.0").avail("a 1.0.0", {.con = {"c"}});
    auto u = unsolvable(w.u, install({"a"}));
    REQUIRE(u.problems.size() == 1);
    CHECK_THAT(u.problems[0].text, Contains("a 1.0.0 conflicts with c 1.0.0"));
    std::vector<std::string> sols;
    for (const auto& s : u.problems[0].solutions) sols.push_back(s.text);
    CHECK(std::find(sols.begin(), sols.end(), "do not install a") != sols.end());
    CHECK(std::find(sols.begin(), sols.end(), "remove c 1.0.0") != sols.end());
}

TEST_CASE("versioned conflicts only hit matching versions", "[resolver]") {
    World w;
    w.inst("c 1.0.0").avail("a 1.0.0", {.con = {"c < 2"}});
    auto u = unsolvable(w.u, install({"a"}));
    CHECK_THAT(u.str(), Contains("a 1.0.0 conflicts with c < 2 (c 1.0.0)"));
    CHECK_THAT(u.str(), Contains("remove c 1.0.0"));

    World up;  // when a newer c exists, the solver upgrades it instead
    up.inst("c 1.0.0").avail("c 2.0.0").avail("a 1.0.0", {.con = {"c < 2"}});
    CHECK(lines(up.u, install({"a"})) == V{"upgrade c 1.0.0 -> 2.0.0", "install a 1.0.0"});

    World ok;
    ok.inst("c 2.0.0").avail("a 1.0.0", {.con = {"c < 2"}});
    CHECK(lines(ok.u, install({"a"})) == V{"install a 1.0.0"});
}

TEST_CASE("two packages needing different major versions of one dependency", "[resolver]") {
    World w;
    w.inst("a 1.0.0", {.req = {"b ^1"}}).dep_inst("b 1.0.0");
    w.avail("c 1.0.0", {.req = {"b ^2"}}).avail("b 2.0.0").avail("b 1.0.0");
    auto u = unsolvable(w.u, install({"c"}));
    REQUIRE(u.problems.size() == 1);
    CHECK(u.problems[0].text == "c 1.0.0 requires b ^2, but a 1.0.0 requires b ^1");
    CHECK_THAT(u.str(), Contains("only one version of b can be installed (1.0.0 or 2.0.0)"));
    CHECK_THAT(u.str(), Contains("1) remove a 1.0.0"));
    CHECK_THAT(u.str(), Contains("2) do not install c"));
}

TEST_CASE("removing a held package explains the hold", "[resolver]") {
    World w;
    w.held("b 1.0.0").held("a 2.0.0").avail("a 1.0.0");
    auto rm = unsolvable(w.u, one(JobKind::Remove, "b"));
    CHECK(rm.problems.at(0).text == "you asked to remove b, but b is held at 1.0.0");
    auto down = unsolvable(w.u, install({"a = 1.0.0"}));
    CHECK(down.problems.at(0).text == "you asked to install a = 1.0.0, but a is held at 2.0.0");
    CHECK(down.problems.at(0).solutions.back().text == "unhold a");
}

TEST_CASE("two requested packages that conflict", "[resolver]") {
    World w;
    w.avail("a 1.0.0", {.con = {"b"}}).avail("b 1.0.0");
    auto u = unsolvable(w.u, install({"a", "b"}));
    CHECK_THAT(u.str(), Contains("a 1.0.0 conflicts with b 1.0.0"));
    CHECK_THAT(u.str(), Contains("do not install a"));
    CHECK_THAT(u.str(), Contains("do not install b"));
}

TEST_CASE("host nextchat too old", "[resolver]") {
    World w;
    w.host("nextchat", "2.15.0").avail("p 1.0.0", {.req = {"nextchat >= 2.16"}});
    auto u = unsolvable(w.u, install({"p"}));
    REQUIRE(u.problems.size() == 1);
    CHECK(u.problems[0].text ==
          "p 1.0.0 requires nextchat >= 2.16, but the host has nextchat 2.15.0");
    for (const auto& s : u.problems[0].solutions) CHECK_THAT(s.text, !Contains("nextchat"));
    CHECK_THAT(u.str(), !Contains("~"));

    World none;  // no NextChat detected at all
    none.avail("p 1.0.0", {.req = {"nextchat >= 2.16"}});
    CHECK(unsolvable(none.u, install({"p"})).problems.at(0).text ==
          "nothing provides nextchat >= 2.16 needed by p 1.0.0");
}

TEST_CASE("host virtuals cannot be removed or updated", "[resolver]") {
    World w;
    w.host("nextchat", "2.16.0");
    CHECK(unsolvable(w.u, one(JobKind::Remove, "nextchat")).problems.at(0).text ==
          "nextchat is provided by the host and cannot be removed");
}

TEST_CASE("prerelease versions in messages are shown as written", "[resolver]") {
    World w;
    w.avail("a 1.0.0", {.req = {"b >= 2.0.0-rc.2"}}).avail("b 2.0.0-rc.1").avail("b 2.0.0-beta");
    auto u = unsolvable(w.u, install({"a"}));
    CHECK(u.problems.at(0).text ==
          "a 1.0.0 requires b >= 2.0.0-rc.2, but no version of b "
          "satisfies it (available: b 2.0.0-rc.1, b 2.0.0-beta)");
}

TEST_CASE("Unsolvable::str numbers problems and solutions", "[resolver]") {
    Unsolvable u;
    Problem first;
    first.text = "a conflicts with b";
    first.details = {"a conflicts with b", "detail"};
    for (const char* text : {"do not install a", "remove b"}) {
        Solution s;
        s.text = text;
        first.solutions.push_back(s);
    }
    u.problems.push_back(first);
    Problem second;
    second.text = "second";
    u.problems.push_back(second);
    CHECK(u.str() ==
          "Problem 1: a conflicts with b\n"
          "  - detail\n"
          "  1) do not install a\n"
          "  2) remove b\n"
          "Problem 2: second\n");
}

TEST_CASE("bad input is an error, not a problem", "[resolver]") {
    World w;
    w.inst("a 1.0.0").inst("a 2.0.0");
    auto out = resolve(w.u, install({"a"}));
    REQUIRE_FALSE(out);
    CHECK(out.error().kind == nxp::ErrorKind::Invalid);
    CHECK_THAT(out.error().message, Contains("'a'"));
}

TEST_CASE("step kind names", "[resolver]") {
    CHECK(step_kind_name(StepKind::Install) == "install");
    CHECK(step_kind_name(StepKind::Upgrade) == "upgrade");
    CHECK(step_kind_name(StepKind::Downgrade) == "downgrade");
    CHECK(step_kind_name(StepKind::Reinstall) == "reinstall");
    CHECK(step_kind_name(StepKind::Remove) == "remove");
}
