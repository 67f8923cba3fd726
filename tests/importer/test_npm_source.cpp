// Supply-chain gates: --min-age picks the newest version old enough (a pure function over
// npm's time map and a fixed now), the "source" record, and the warnings a re-import gives
// when the publisher or the provenance changed.
#include <catch2/catch.hpp>

#include "importer/npm_source.hpp"

using namespace nxp::importer;
using json = nlohmann::json;
using Names = std::vector<std::string>;

namespace {
const std::int64_t kNow = *parse_iso_time("2026-06-15T12:00:00Z");
constexpr std::int64_t kDay = 86400;

json times() {
    return json::parse(R"({"created": "2025-01-01T00:00:00.000Z",
        "modified": "2026-06-15T00:00:00.000Z",
        "1.0.0": "2026-01-01T00:00:00.000Z", "1.1.0": "2026-06-01T00:00:00.000Z",
        "1.2.0-rc.1": "2026-06-05T00:00:00.000Z", "1.2.0": "2026-06-12T00:00:00+00:00",
        "2.0.0": "2026-06-15T11:00:00.000Z"})");
}
}  // namespace

TEST_CASE("durations and times") {
    CHECK(*parse_duration("7d", "--min-age") == 7 * kDay);
    CHECK(*parse_duration("12h", "--min-age") == 12 * 3600);
    CHECK(*parse_duration("30m", "--min-age") == 1800);
    CHECK(*parse_duration("2w", "--min-age") == 14 * kDay);
    CHECK(*parse_duration("0d", "--min-age") == 0);
    for (const char* bad : {"", "7", "d", "7x", "-1d", "1.5d", "99999999999999d", "7 d"}) {
        auto r = parse_duration(bad, "--min-age");
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == nxp::ErrorKind::Usage);
        CHECK(r.error().context.find("--min-age") != std::string::npos);
    }
    CHECK(*parse_iso_time("1970-01-01T00:00:00Z") == 0);
    CHECK(*parse_iso_time("2026-01-21T08:56:38.653000+00:00") ==
          *parse_iso_time("2026-01-21T08:56:38.653Z"));
    CHECK(*parse_iso_time("2026-01-21T10:56:38+02:00") == *parse_iso_time("2026-01-21T08:56:38Z"));
    CHECK(iso_time(*parse_iso_time("2024-02-29T23:59:59.5Z")) == "2024-02-29T23:59:59Z");
    for (const char* bad : {"", "2026-01-21", "2026-13-01T00:00:00Z", "2026-01-21T08:56:38",
                            "2026-01-21T08:56:38Zjunk", "yyyy-01-21T08:56:38Z"})
        CHECK_FALSE(parse_iso_time(bad));
    CHECK(age_text(3 * kDay + 5) == "3 days");
    CHECK(age_text(5 * 3600) == "5 hours");
    CHECK(age_text(61) == "61 seconds");
}

TEST_CASE("--min-age: the newest version old enough") {
    const Names all = {"1.0.0", "1.1.0", "1.2.0", "2.0.0"};
    CHECK(choose_by_age(times(), all, kNow, 0, "x")->version == "2.0.0");
    CHECK(choose_by_age(times(), all, kNow, 2 * 3600, "x")->version == "1.2.0");
    auto week = choose_by_age(times(), all, kNow, 7 * kDay, "x");
    REQUIRE(week);
    CHECK(week->version == "1.1.0");
    CHECK(week->published == *parse_iso_time("2026-06-01T00:00:00Z"));
    CHECK(choose_by_age(times(), all, kNow, 30 * kDay, "x")->version == "1.0.0");
    // Order of the candidates does not matter; SemVer decides which is newest.
    CHECK(choose_by_age(times(), {"2.0.0", "1.0.0", "1.1.0"}, kNow, 7 * kDay, "x")->version ==
          "1.1.0");
    // None old enough: the newest and its age are named.
    auto none = choose_by_age(times(), all, kNow, 365 * kDay, "@x/y");
    REQUIRE_FALSE(none);
    CHECK(none.error().context == "@x/y");
    CHECK(none.error().message.find("the newest, 2.0.0, was published 60 minutes ago") !=
          std::string::npos);
    CHECK(none.error().message.find("365 days") != std::string::npos);
    // No publish times at all.
    CHECK_FALSE(choose_by_age(json(), all, kNow, kDay, "x"));
    CHECK_FALSE(choose_by_age(json::object(), all, kNow, kDay, "x"));
    CHECK_FALSE(choose_by_age(times(), {}, kNow, kDay, "x"));
}

TEST_CASE("--min-age candidates: a range's matches, an exact version, a tag's releases") {
    json doc = {{"name", "x"},
                {"version", "1.2.0"},
                {"versions", {"1.0.0", "1.1.0", "1.2.0-rc.1", "1.2.0", "2.0.0-beta.1"}}};
    CHECK(age_candidates(doc, "x") == Names{"1.0.0", "1.1.0", "1.2.0"});
    CHECK(age_candidates(doc, "x@latest") == Names{"1.0.0", "1.1.0", "1.2.0"});
    CHECK(age_candidates(doc, "@s/x@latest") == Names{"1.0.0", "1.1.0", "1.2.0"});
    CHECK(age_candidates(doc, "x@1.2.0") == Names{"1.2.0"});
    CHECK(age_candidates(doc, "x@^1.2") == Names{"1.2.0"});  // a range with one match
    json arr = json::array({{{"version", "1.0.0"}}, {{"version", "1.1.0"}}});
    CHECK(age_candidates(arr, "x@^1") == Names{"1.0.0", "1.1.0"});
}

TEST_CASE("the source record from npm's document") {
    json meta = json::parse(R"({"name": "@x/y", "version": "1.2.0",
        "time": {"1.2.0": "2026-06-12T00:00:00.000Z"},
        "_npmUser": {"name": "bob", "email": "bob@example.org"},
        "maintainers": [{"name": "bob"}, "alice <alice@example.org>"],
        "dist": {"integrity": "sha512-abc", "tarball": "https://registry/x.tgz",
                 "attestations": {"url": "https://registry.npmjs.org/-/npm/v1/attestations/@x/y@1.2.0",
                                  "provenance": {"predicateType": "https://slsa.dev/provenance/v1"}}}})");
    auto s = npm_source(meta);
    CHECK(s["type"] == "npm");
    CHECK(s["package"] == "@x/y");
    CHECK(s["version"] == "1.2.0");
    CHECK(s["published"] == "2026-06-12T00:00:00.000Z");
    CHECK(s["publisher"] == "bob");
    CHECK(s["maintainers"] == json({"alice", "bob"}));
    CHECK(s["provenance"]["predicateType"] == "https://slsa.dev/provenance/v1");
    CHECK(s["provenance"]["url"] == "https://registry.npmjs.org/-/npm/v1/attestations/@x/y@1.2.0");
    CHECK(s["integrity"] == "sha512-abc");
    // Nothing but a name and version: only those.
    auto bare = npm_source(json{{"name", "z"}, {"version", "1.0.0"}, {"maintainers", 5}});
    CHECK(bare.size() == 3);
}

TEST_CASE("a re-import warns when the publisher or the provenance changed") {
    json before = {{"type", "npm"},
                   {"package", "@x/y"},
                   {"version", "1.1.0"},
                   {"publisher", "alice"},
                   {"maintainers", {"alice"}},
                   {"provenance", {{"predicateType", "https://slsa.dev/provenance/v1"}}}};
    json same = before;
    same["version"] = "1.2.0";
    CHECK(source_changes(before, same).empty());

    json other = same;
    other["publisher"] = "bob";
    other["maintainers"] = {"alice", "bob"};
    auto w = source_changes(before, other);
    REQUIRE(w.size() == 2);
    CHECK(w[0] == "@x/y 1.2.0 was published by bob; 1.1.0 by alice");
    CHECK(w[1] == "@x/y 1.2.0 has new maintainers since 1.1.0: bob");

    json gone = same;
    gone.erase("provenance");
    w = source_changes(before, gone);
    REQUIRE(w.size() == 1);
    CHECK(w[0] == "@x/y 1.2.0 has no provenance; 1.1.0 had (https://slsa.dev/provenance/v1)");

    json kind = same;
    kind["provenance"]["predicateType"] = "https://example.org/other";
    CHECK(source_changes(before, kind).size() == 1);

    json nopub = same;
    nopub.erase("publisher");
    CHECK(source_changes(before, nopub)[0] ==
          "@x/y 1.2.0 was published by an unnamed publisher; 1.1.0 by alice");

    json pkg = same;
    pkg["package"] = "@x/z";
    CHECK(source_changes(before, pkg)[0].find("previous import was of @x/y") != std::string::npos);
    // Gaining provenance is not a warning; nor is an earlier import without a source.
    json gained = before;
    gained.erase("provenance");
    CHECK(source_changes(gained, same).empty());
    CHECK(source_changes(json(), same).empty());
}
