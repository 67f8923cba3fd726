// parse_index_each (formats/index_padded.hpp, issue 20): the refresh of a large index takes
// its entries one at a time instead of a whole Index. It must see exactly the entries
// parse_index gives, in order, and fail with exactly parse_index's errors.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "formats/index.hpp"
#include "formats/index_entries.hpp"
#include "formats/index_padded.hpp"

using namespace nxp::formats;
using nxp::Result;

namespace {

struct Collect : IndexVisitor {
    int begun = 0;
    std::vector<std::string> revoked_hint;
    std::vector<std::string> texts;
    std::size_t stop_after = static_cast<std::size_t>(-1);
    Result<void> begin(const Index& head) override {
        ++begun;
        revoked_hint = head.revoked;
        texts.clear();
        return {};
    }
    Result<void> entry(IndexEntry&& e) override {
        if (texts.size() == stop_after)
            return nxp::fail(nxp::ErrorKind::Invalid, "visitor", "stopped");
        texts.push_back(write_index_entry(e));
        return {};
    }
};

std::string entry_text(const std::string& name, const std::string& version,
                       const std::string& extra = "") {
    return R"({"name":")" + name + R"(","version":")" + version +
           R"(","kind":"library","path":"packages/)" + name + ".nxp" + R"(","size":1,"sha256":")" +
           std::string(64, name[0] == 'r' ? 'b' : 'a') + '"' + extra + "}";
}

std::string index_text(const std::vector<std::string>& entries, const std::string& tail = "") {
    std::string text =
        R"({"format":1,"repo":"main","version":7,"generated":5,"expires":4102444800,"packages":[)";
    for (std::size_t i = 0; i < entries.size(); ++i) text += (i ? "," : "") + entries[i];
    return text + "]" + tail + "}";
}

std::string padded(const std::string& text) {
    std::string t = text;
    t.reserve(t.size() + kIndexTextPadding);
    return t;
}

}  // namespace

TEST_CASE("parse_index_each visits parse_index's entries in order and returns the rest") {
    const std::string text = index_text(
        {entry_text("a", "1.0.0", R"(,"requires":["b ^1.2 | c"],"summary":"x")"),
         entry_text("rev", "2.0.0"),
         entry_text("b", "1.4.0", R"(,"permissions":{"network":["api.example.org"]})")},
        R"(,"revoked":[")" + std::string(64, 'b') +
            R"("],"advisories":[{"id":"A-1","package":"a","versions":"<2","severity":"high"}])");
    auto whole = parse_index(text);
    REQUIRE(whole);
    for (int way = 0; way < 2; ++way) {
        std::string t = way == 0 ? padded(text) : text;  // read in place, or copied
        if (way == 1) t.shrink_to_fit();
        Collect c;
        auto head = parse_index_each(std::move(t), c);
        REQUIRE(head);
        CHECK(t.capacity() < text.size());  // the text was given up before the entries
        CHECK(c.begun == 1);
        CHECK(c.revoked_hint == whole->revoked);
        REQUIRE(c.texts.size() == whole->packages.size());
        for (std::size_t i = 0; i < c.texts.size(); ++i)
            CHECK(c.texts[i] == write_index_entry(whole->packages[i]));
        CHECK(head->packages.empty());
        Index rebuilt = *head;
        rebuilt.packages = whole->packages;
        CHECK(write_index(rebuilt) == write_index(*whole));
    }
}

TEST_CASE("parse_index_each fails as parse_index does") {
    const std::vector<std::string> bad = {
        // an entry after good ones
        index_text({entry_text("a", "1.0.0"), entry_text("b", "1.0.0"),
                    R"({"name":"c","version":"1.0.0"})"}),
        // a duplicate of an earlier entry
        index_text({entry_text("a", "1.0.0"), entry_text("a", "1.0.0+other")}),
        // a bad revoked list after good entries, and a list that is not of strings
        index_text({entry_text("a", "1.0.0")}, R"(,"revoked":["nothex"])"),
        index_text({entry_text("a", "1.0.0")}, R"(,"revoked":[1])"),
        // a bad advisory, a bad header, invalid JSON
        index_text({entry_text("a", "1.0.0")}, R"(,"advisories":[{"id":"x"}])"),
        R"({"format":2,"repo":"main","version":1,"generated":0,"expires":0,"packages":[]})",
        index_text({entry_text("a", "1.0.0")}).substr(0, 90),
    };
    for (const auto& text : bad) {
        INFO(text);
        auto want = parse_index(text);
        REQUIRE_FALSE(want);
        Collect c;
        auto got = parse_index_each(padded(text), c);
        REQUIRE_FALSE(got);
        CHECK(got.error().str() == want.error().str());
    }
}

TEST_CASE("parse_index_each stops at the visitor's error") {
    Collect c;
    c.stop_after = 1;
    auto r = parse_index_each(
        padded(index_text({entry_text("a", "1.0.0"), entry_text("b", "1.0.0")})), c);
    REQUIRE_FALSE(r);
    CHECK(r.error().str().find("stopped") != std::string::npos);
    CHECK(c.texts.size() == 1);
}
