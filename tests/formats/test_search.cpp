// nxp search: which entries match a query and in what order (formats/search.hpp), and the
// index fields it searches (publisher) carried from plugin.json through index.json.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "formats/index.hpp"
#include "formats/search.hpp"

using namespace nxp::formats;

namespace {

IndexEntry entry(std::string name, std::string summary, std::string publisher = "") {
    IndexEntry e;
    e.name = std::move(name);
    e.version = *parse_version("1.0.0");
    e.kind = Kind::Library;
    e.summary = std::move(summary);
    e.publisher = std::move(publisher);
    e.path = "packages/" + e.name + "-1.0.0.nxp";
    e.sha256 = std::string(64, 'a');
    return e;
}

SearchQuery must_make(std::vector<std::string> terms, bool regex = false) {
    auto q = SearchQuery::make(terms, regex);
    INFO((q ? "" : q.error().str()));
    REQUIRE(q);
    return *q;
}

std::string matched(const SearchQuery& q, const IndexEntry& e) {
    auto m = q.match(e);
    return m ? std::string(search_match_name(*m)) : "none";
}

// The names of the entries that match, in ranked order, as "name:match".
std::vector<std::string> ranked(const SearchQuery& q, const std::vector<IndexEntry>& entries) {
    std::vector<SearchHit> hits;
    for (const auto& e : entries)
        if (auto m = q.match(e)) hits.push_back({&e, "demo", *m});
    rank_search_hits(hits);
    std::vector<std::string> out;
    for (const auto& h : hits)
        out.push_back(h.entry->name + ":" + std::string(search_match_name(h.match)));
    return out;
}

const std::vector<IndexEntry> kEntries = {
    entry("aaa-notes", "Notes about memory"),           // summary only
    entry("memory-tools", "Tools"),                     // prefix
    entry("bigmemory", "A big one"),                    // elsewhere in the name
    entry("zzz-helper", "Helper", "Memory Labs"),       // publisher only
    entry("memory", "The memory server"),               // exact, sorts after the prefix match
    entry("unrelated", "Nothing here", "example.org"),  // no match
    entry("memory-alpha", "Alpha"),                     // prefix, ties broken by name
};

}  // namespace

TEST_CASE("search ranks exact, prefix, name, summary, then publisher matches", "[search]") {
    auto q = must_make({"memory"});
    CHECK(ranked(q, kEntries) ==
          std::vector<std::string>{"memory:exact", "memory-alpha:prefix", "memory-tools:prefix",
                                   "bigmemory:name", "aaa-notes:summary", "zzz-helper:publisher"});
}

TEST_CASE("search terms ignore case and must all match", "[search]") {
    CHECK(matched(must_make({"MEMORY"}), entry("memory", "")) == "exact");
    CHECK(matched(must_make({"memory", "server"}), entry("memory", "The memory server")) ==
          "exact");
    CHECK(matched(must_make({"memory", "absent"}), entry("memory", "The memory server")) == "none");
    // The best field any term reaches decides the rank.
    CHECK(matched(must_make({"labs", "help"}), entry("zzz-helper", "Helper", "Memory Labs")) ==
          "name");
    CHECK(matched(must_make({"labs"}), entry("zzz-helper", "Helper", "Memory Labs")) ==
          "publisher");
    // An empty term matches everything, ranked by name alone.
    CHECK(ranked(must_make({""}), kEntries).size() == kEntries.size());
    CHECK(ranked(must_make({""}), kEntries).front() == "aaa-notes:name");
}

TEST_CASE("search --regex matches RE2 patterns in each field", "[search]") {
    CHECK(ranked(must_make({"^mem(ory)?$"}, true), kEntries) ==
          std::vector<std::string>{"memory:exact"});
    CHECK(ranked(must_make({"memory-(alpha|tools)"}, true), kEntries) ==
          std::vector<std::string>{"memory-alpha:exact", "memory-tools:exact"});
    CHECK(ranked(must_make({"mem.ry-"}, true), kEntries) ==
          std::vector<std::string>{"memory-alpha:prefix", "memory-tools:prefix"});
    CHECK(ranked(must_make({"big|ABOUT"}, true), kEntries) ==
          std::vector<std::string>{"bigmemory:prefix", "aaa-notes:summary"});
    CHECK(ranked(must_make({"labs$"}, true), kEntries) ==
          std::vector<std::string>{"zzz-helper:publisher"});
    // Plain terms are not patterns: "." is a dot.
    CHECK(ranked(must_make({"mem.ry"}), kEntries).empty());
    CHECK(ranked(must_make({"example.org"}), kEntries) ==
          std::vector<std::string>{"unrelated:publisher"});
}

TEST_CASE("an invalid --regex is a usage error naming the pattern and RE2's reason", "[search]") {
    for (const char* bad : {"memory(", "[z-a]", "a**", "(?P<n>", "\\"}) {
        auto q = SearchQuery::make({"ok", bad}, true);
        REQUIRE_FALSE(q);
        CHECK(q.error().kind == nxp::ErrorKind::Usage);
        CHECK(q.error().str().find(std::string("\"") + bad + "\"") != std::string::npos);
        CHECK(q.error().str().find("not a valid RE2 regular expression: ") != std::string::npos);
    }
    // The same text is fine as a plain term.
    CHECK(SearchQuery::make({"memory("}, false));
    // A pattern longer than the cap is refused, and the message does not repeat it whole.
    auto long_q = SearchQuery::make({std::string(5000, 'a')}, true);
    REQUIRE_FALSE(long_q);
    CHECK(long_q.error().kind == nxp::ErrorKind::Usage);
    CHECK(long_q.error().str().size() < 300);
}

TEST_CASE("search --regex stays linear on patterns that backtrack elsewhere", "[search]") {
    // (a+)+$ against "aaaa…b" is exponential for backtracking engines; RE2 is linear.
    IndexEntry e = entry("x", std::string(100000, 'a') + "b");
    CHECK(matched(must_make({"(a+)+b$"}, true), e) == "summary");
    CHECK(matched(must_make({"(a|aa)+c$"}, true), e) == "none");
}

TEST_CASE("license, homepage and publisher go from the manifest through index.json",
          "[search][index]") {
    auto m = parse_manifest(R"({"name": "w", "version": "1.0.0", "kind": "library",
        "license": "MIT", "homepage": "https://example.org/w", "publisher": "example.org"})");
    REQUIRE(m);
    Index index;
    index.repo = "demo";
    IndexEntry e = entry_from_manifest(*m);
    e.path = "packages/w-1.0.0.nxp";
    e.sha256 = std::string(64, 'b');
    index.packages.push_back(e);
    auto back = parse_index(write_index(index));
    REQUIRE(back);
    REQUIRE(back->packages.size() == 1);
    CHECK(back->packages[0].license == "MIT");
    CHECK(back->packages[0].homepage == "https://example.org/w");
    CHECK(back->packages[0].publisher == "example.org");
    // Absent when empty: an index without them keeps its bytes.
    Index plain;
    plain.repo = "demo";
    plain.packages.push_back(entry("p", ""));
    CHECK(write_index(plain).find("publisher") == std::string::npos);
    // A wrong type is named.
    auto bad = parse_index(R"({"format":1,"repo":"d","version":1,"generated":0,"expires":0,
        "packages":[{"name":"p","version":"1.0.0","kind":"library","path":"packages/p.nxp",
        "size":1,"sha256":")" +
                           std::string(64, 'c') + R"(","publisher":7}]})");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().str().find("packages[0].publisher") != std::string::npos);
}
