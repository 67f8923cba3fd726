// Acting on a conflict (issue 18 item 9): --allow-erasing lets the solver remove installed
// plugins; a solution chosen from a problem's list is taken (solver_take_solution) and the
// request solved again; each problem carries its rules and solutions as fields.
#include "tests/resolver/helpers.hpp"

using namespace nxp::resolver;
using namespace nxp::resolver::test;

namespace {

// The id of the first solution of `p` with an element `action name`.
int solution_with(const Problem& p, const std::string& action, const std::string& name) {
    for (const auto& s : p.solutions)
        for (const auto& e : s.elements)
            if (e.action == action && e.name == name) return s.id;
    return 0;
}

const Rule* rule_of_kind(const Problem& p, const std::string& kind) {
    for (const auto& r : p.rules)
        if (r.kind == kind) return &r;
    return nullptr;
}

}  // namespace

TEST_CASE("a conflict with an installed plugin: --allow-erasing removes it", "[resolver]") {
    World w;
    w.inst("uxdice 1.0.0").avail("uxdice 1.0.0").avail("uxroll 1.0.0", {.con = {"uxdice"}});
    auto u = unsolvable(w.u, install({"uxroll"}));
    REQUIRE(u.problems.size() == 1);
    CHECK(solution_with(u.problems[0], "remove", "uxdice") != 0);

    Request erase = install({"uxroll"});
    erase.allow_erasing = true;
    CHECK(sorted(lines(w.u, erase)) == V{"install uxroll 1.0.0", "remove uxdice 1.0.0"});
}

TEST_CASE("--allow-erasing removes only what the request needs removed", "[resolver]") {
    World w;
    w.inst("uxdice 1.0.0").inst("other 1.0.0").avail("uxroll 1.0.0", {.con = {"uxdice"}});
    Request erase = install({"uxroll"});
    erase.allow_erasing = true;
    CHECK(sorted(lines(w.u, erase)) == V{"install uxroll 1.0.0", "remove uxdice 1.0.0"});
    // Nothing to resolve by removing: nothing is removed.
    Request plain = install({"other"});
    plain.allow_erasing = true;
    CHECK(lines(w.u, plain).empty());
}

TEST_CASE("--allow-erasing never removes a held plugin", "[resolver]") {
    World w;
    w.held("uxdice 1.0.0").avail("uxroll 1.0.0", {.con = {"uxdice"}});
    Request erase = install({"uxroll"});
    erase.allow_erasing = true;
    auto u = unsolvable(w.u, erase);
    REQUIRE_FALSE(u.problems.empty());
    CHECK_THAT(u.str(), Contains("uxdice is held at 1.0.0"));
}

TEST_CASE("a chosen solution is taken and the request solved again", "[resolver]") {
    World w;
    w.inst("uxdice 1.0.0").avail("uxroll 1.0.0", {.con = {"uxdice"}});
    auto u = unsolvable(w.u, install({"uxroll"}));
    REQUIRE(u.problems.size() == 1);
    const Problem& p = u.problems[0];
    CHECK(p.id == 1);

    SECTION("remove uxdice") {
        Request r = install({"uxroll"});
        r.choices = {{{p.id, solution_with(p, "remove", "uxdice")}}};
        CHECK(sorted(lines(w.u, r)) == V{"install uxroll 1.0.0", "remove uxdice 1.0.0"});
    }
    SECTION("do not install uxroll") {
        Request r = install({"uxroll"});
        r.choices = {{{p.id, solution_with(p, "do-not-install", "uxroll")}}};
        CHECK(lines(w.u, r).empty());
    }
    SECTION("a choice naming no problem or solution of this request changes nothing") {
        Request r = install({"uxroll"});
        r.choices = {{{7, 1}, {p.id, 99}}};
        auto again = unsolvable(w.u, r);
        CHECK(again.problems.size() == 1);
    }
}

TEST_CASE("two problems, one choice each, taken in one round", "[resolver]") {
    World w;
    w.inst("d1 1.0.0").inst("d2 1.0.0");
    w.avail("r1 1.0.0", {.con = {"d1"}}).avail("r2 1.0.0", {.con = {"d2"}});
    auto u = unsolvable(w.u, install({"r1", "r2"}));
    REQUIRE(u.problems.size() == 2);
    Request r = install({"r1", "r2"});
    std::vector<Choice> round;
    for (const auto& p : u.problems) {
        std::string name = solution_with(p, "remove", "d1") ? "d1" : "d2";
        round.push_back({p.id, solution_with(p, "remove", name)});
    }
    r.choices = {round};
    CHECK(sorted(lines(w.u, r)) ==
          V{"install r1 1.0.0", "install r2 1.0.0", "remove d1 1.0.0", "remove d2 1.0.0"});
}

TEST_CASE("problems carry their rules as fields", "[resolver]") {
    SECTION("a conflict names both packages, versions and where they come from") {
        World w;
        w.inst("uxdice 1.0.0").avail("uxroll 2.1.0", {.con = {"uxdice < 2"}});
        auto u = unsolvable(w.u, install({"uxroll"}));
        const Rule* c = rule_of_kind(u.problems.at(0), "conflicts");
        REQUIRE(c);
        REQUIRE(c->source);
        CHECK(c->source->name == "uxroll");
        CHECK(c->source->version == "2.1.0");
        CHECK(c->source->repo == "main");
        CHECK_FALSE(c->source->installed);
        REQUIRE(c->target);
        CHECK(c->target->name == "uxdice");
        CHECK(c->target->version == "1.0.0");
        CHECK(c->target->installed);
        REQUIRE(c->relation);
        CHECK(c->relation->name == "uxdice");
        CHECK(c->relation->constraint == "< 2");
        const Rule* job = rule_of_kind(u.problems.at(0), "job");
        REQUIRE(job);
        CHECK(job->job == "install");
        CHECK(job->job_spec == "uxroll");
    }
    SECTION("a requirement names its relation; alternatives are listed one by one") {
        World w;
        w.avail("a 2.0.0", {.req = {"b >= 3 | c ^2"}}).avail("b 2.1.0").avail("c 1.0.0");
        auto u = unsolvable(w.u, install({"a"}));
        const Rule* r = nullptr;
        for (const auto& rule : u.problems.at(0).rules)
            if (rule.relation && !rule.relation->alternatives.empty()) r = &rule;
        REQUIRE(r);
        REQUIRE(r->relation->alternatives.size() == 2);
        CHECK(r->relation->alternatives[0].name == "b");
        CHECK(r->relation->alternatives[0].constraint == ">= 3");
        CHECK(r->relation->alternatives[1].name == "c");
        CHECK(r->relation->alternatives[1].constraint == "^2");
    }
    SECTION("solution elements say what changes, with versions") {
        World w;
        w.inst("a 1.0.0").avail("a 2.0.0").avail("x 1.0.0", {.req = {"a >= 2"}});
        w.u.installed.back().held = true;
        auto u = unsolvable(w.u, install({"x"}));
        bool unhold = false;
        for (const auto& s : u.problems.at(0).solutions)
            for (const auto& e : s.elements) {
                CHECK_FALSE(e.text.empty());
                CHECK_FALSE(e.action.empty());
                unhold = unhold || (e.action == "unhold" && e.name == "a");
            }
        CHECK(unhold);
    }
}

TEST_CASE("update --allow-erasing: a named update takes the newest version", "[resolver]") {
    World w;
    w.inst("a 1.0.0").inst("b 1.0.0").held("h 1.0.0");
    w.avail("a 1.0.0").avail("a 2.0.0", {.con = {"b"}}).avail("b 1.0.0").avail("h 2.0.0");
    // Without it the update keeps a where it fits.
    CHECK(lines(w.u, one(JobKind::Update, "a")).empty());
    Request named = one(JobKind::Update, "a");
    named.allow_erasing = true;
    CHECK(sorted(lines(w.u, named)) == V{"remove b 1.0.0", "upgrade a 1.0.0 -> 2.0.0"});
    // Updating everything removes only where needed, and a held plugin stays as it is.
    Request all = one(JobKind::UpdateAll);
    all.allow_erasing = true;
    auto steps = lines(w.u, all);
    CHECK(std::find(steps.begin(), steps.end(), "upgrade h 1.0.0 -> 2.0.0") == steps.end());
    CHECK(std::find(steps.begin(), steps.end(), "remove h 1.0.0") == steps.end());
}

TEST_CASE("what --allow-erasing removes takes its own dependencies along", "[resolver]") {
    World w;
    w.inst("uxdice 1.0.0", {.req = {"dicelib ^1"}})
        .dep_inst("dicelib 1.0.0")
        .dep_inst("orphan 1.0.0");
    w.inst("keeper 1.0.0", {.req = {"shared"}}).dep_inst("shared 1.0.0");
    w.avail("uxroll 1.0.0", {.con = {"uxdice"}});
    Request erase = install({"uxroll"});
    erase.allow_erasing = true;
    // dicelib only served uxdice; orphan was unneeded before and stays; shared is still needed.
    CHECK(sorted(lines(w.u, erase)) ==
          V{"install uxroll 1.0.0", "remove dicelib 1.0.0", "remove uxdice 1.0.0"});
    Request keep = erase;
    keep.keep_deps = true;
    CHECK(sorted(lines(w.u, keep)) == V{"install uxroll 1.0.0", "remove uxdice 1.0.0"});
    // A chosen removal does the same.
    auto u = unsolvable(w.u, install({"uxroll"}));
    Request chosen = install({"uxroll"});
    chosen.choices = {{{u.problems.at(0).id, solution_with(u.problems.at(0), "remove", "uxdice")}}};
    CHECK(sorted(lines(w.u, chosen)) ==
          V{"install uxroll 1.0.0", "remove dicelib 1.0.0", "remove uxdice 1.0.0"});
}
