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
        CHECK(t.capacity() < text.size());  // the text was given up
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

namespace {

// parse_index_each against parse_index on one text: the same entries (as texts) and the
// same rest, or the same error.
void same_as_parse_index(const std::string& text) {
    INFO(text.substr(0, 400));
    auto want = parse_index(text);
    Collect c;
    auto got = parse_index_each(std::string(text), c);
    REQUIRE(static_cast<bool>(got) == static_cast<bool>(want));
    if (!want) {
        CHECK(got.error().str() == want.error().str());
        return;
    }
    REQUIRE(c.texts.size() == want->packages.size());
    for (std::size_t i = 0; i < c.texts.size(); ++i)
        CHECK(c.texts[i] == write_index_entry(want->packages[i]));
    Index rebuilt = *got;
    rebuilt.packages = want->packages;
    CHECK(write_index(rebuilt) == write_index(*want));
    CHECK(got->revoked == want->revoked);
}

std::string nested(std::size_t depth) {
    return std::string(depth, '[') + "1" + std::string(depth, ']');
}

}  // namespace

TEST_CASE("parse_index_each reads unusual shapes of valid and invalid JSON as parse_index") {
    // Each entry alone is parsed without a DOM of the whole document (issue 20); whatever
    // the shape, the answer must be the whole-document parse's.
    const std::string a = entry_text("a", "1.0.0", R"(,"summary":"{[\"]}\\","requires":["b"])");
    const std::string b = entry_text("b", "1.0.0");
    const std::string rev = R"(,"revoked":[")" + std::string(64, 'b') + R"("])";
    const std::vector<std::string> texts = {
        index_text({a, b}, rev),
        index_text({}),
        " \n\t{ \"packages\" : [ " + a + " ,\r\n " + b +
            R"( ] , "format":1,"repo":"main","version":7,"generated":5,"expires":4102444800 } )" +
            "\n",
        // keys written with escapes, a byte-order mark, text after the object
        R"({"format":1,"repo":"main","version":7,"generated":5,"expires":4102444800,"pack\u0061ges":[)" +
            a + "]}",
        R"({"format":1,"repo":"main","version":7,"generated":5,"expires":4102444800,"pack\u0061ges":[)" +
            a + R"(],"packages":[])" + "}",
        "\xef\xbb\xbf" + index_text({a}),
        index_text({a}) + " x",
        index_text({a}) + "{}",
        // two "packages", "packages" not an array, elements that are not objects
        index_text({a}, R"(,"packages":[])"),
        R"({"format":1,"repo":"main","version":7,"generated":5,"expires":4102444800,"packages":{}})",
        index_text({a, "1"}),
        index_text({a, "\"x\""}),
        index_text({a, "[]"}),
        index_text({a, "null"}),
        // separators and brackets out of place
        index_text({a, ""}),
        index_text({a + ","}),
        index_text({a}).substr(0, index_text({a}).size() - 2) + ",]}",
        index_text({a + " " + b}),
        index_text({"{" + a}),
        index_text({a.substr(0, a.size() - 1) + "]"}),
        index_text({a.substr(0, a.size() - 1)}),
        index_text({a + "}"}),
        // deep nesting inside an entry: as deep as the document allows and deeper
        index_text({entry_text("d", "1.0.0", R"(,"x":)" + nested(1015))}),
        index_text({entry_text("d", "1.0.0", R"(,"x":)" + nested(1020))}),
        index_text({entry_text("d", "1.0.0", R"(,"x":)" + nested(1021))}),
        index_text({entry_text("d", "1.0.0", R"(,"x":)" + nested(1022))}),
        index_text({entry_text("d", "1.0.0", R"(,"x":)" + nested(5000))}),
        index_text({entry_text("d", "1.0.0", R"(,"tools":)" + nested(70))}),
        index_text({a, entry_text("d", "1.0.0", R"(,"x":)" + std::string(3000, '['))}),
        // invalid UTF-8 and control characters between and inside entries
        index_text({a, b}).insert(index_text({a}).size() - 2, "\xff"),
        index_text({a, entry_text("c", "1.0.0", ",\"summary\":\"\xc3\"")}),
        index_text({a, b}, rev + ",\"x\":\"\x01\""),
        // a later problem after good entries: JSON, entry, list
        index_text({a, b}, ",\"x\":tru"),
        index_text({a, b}, ",\"x\":1.e"),
        index_text({a, b, R"({"name":"c"})"}),
        index_text({a, b}, R"(,"revoked":["nothex"])"),
    };
    for (const auto& text : texts) same_as_parse_index(text);
}

TEST_CASE("parse_index_each answers as parse_index for damaged texts") {
    // Every way a byte can go wrong at many places of a small index: flipped to each of the
    // JSON's structural characters, deleted, or the text cut there.
    const std::string text =
        index_text({entry_text("a", "1.0.0", R"(,"requires":["b ^1.2 | c"],"summary":"x\"y")"),
                    entry_text("b", "1.4.0", R"(,"permissions":{"network":["api.example.org"]})"),
                    entry_text("c", "2.0.0", R"(,"tools":[{"name":"t","inputSchema":{}}])")},
                   R"(,"revoked":[")" + std::string(64, 'b') + R"("],"advisories":[])");
    same_as_parse_index(text);
    for (std::size_t at = 0; at < text.size(); ++at) {
        for (char c : std::string("{}[],:\" \\0")) {
            std::string t = text;
            t[at] = c;
            same_as_parse_index(t);
        }
        same_as_parse_index(text.substr(0, at) + text.substr(at + 1));
        same_as_parse_index(text.substr(0, at));
    }
}
