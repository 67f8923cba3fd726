// txn/tools: the reserved rows that hold a plugin's tool filters, and the "did you mean" of
// `nxp tools --disable` (issue 16 item 2).
#include <catch2/catch.hpp>

#include "formats/json_util.hpp"
#include "txn/tool_pins.hpp"
#include "txn/tools.hpp"

using nxp::formats::ToolDef;
using nxp::txn::closest_tool_name;
using nxp::txn::is_reserved_config_key;
using nxp::txn::tool_filter_rows;

namespace {

std::vector<ToolDef> pins(std::initializer_list<const char*> names) {
    std::vector<ToolDef> out;
    for (const char* n : names) out.push_back({n, ""});
    return out;
}

}  // namespace

TEST_CASE("closest_tool_name suggests a near pinned name, and none when nothing is near") {
    const auto p = pins({"read_note", "write_note", "delete_note", "weather_forecast"});
    struct Case {
        const char* typed;
        const char* want;
    };
    for (const auto& c : {Case{"delet_note", "delete_note"}, Case{"Write_Note", "write_note"},
                          Case{"read_notes", "read_note"}, Case{"raed_note", "read_note"},
                          Case{"forecast", "weather_forecast"}, Case{"zzzzzz", ""},
                          Case{"list_files", ""}, Case{"", ""}}) {
        INFO(c.typed);
        CHECK(closest_tool_name(c.typed, p) == c.want);
    }
    CHECK(closest_tool_name("anything", {}).empty());
    // A long name against many pins stays cheap and finds nothing far away.
    std::vector<ToolDef> many;
    for (int i = 0; i < 2000; ++i) many.push_back({"tool_" + std::to_string(i), ""});
    CHECK(closest_tool_name(std::string(128, 'x'), many).empty());
    CHECK(closest_tool_name("tool_19999", many) == "tool_1999");
}

TEST_CASE("tool_filter_rows: sorted names, reserved keys, nothing when nothing is filtered") {
    nxp::runtime::ToolPolicy p;
    CHECK(tool_filter_rows("srv", p).empty());
    p.hidden = {"zeta", "alpha", "with \"quote\"", "ünïcode", "back\\slash"};
    auto rows = tool_filter_rows("srv", p);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].package == "srv");
    CHECK(rows[0].key == "@tools.hidden");
    CHECK_FALSE(rows[0].secret);
    CHECK(rows[0].value_json == R"(["alpha","back\\slash","with \"quote\"","zeta","ünïcode"])");
    auto back = nxp::formats::parse_string_array(rows[0].value_json, "hidden");
    REQUIRE(back);
    CHECK(std::set<std::string>(back->begin(), back->end()) == p.hidden);
    p.allow_unpinned = true;
    rows = tool_filter_rows("srv", p);
    REQUIRE(rows.size() == 2);
    CHECK(rows[1].key == "@tools.unpinned");
    CHECK(rows[1].value_json == "true");
    for (const auto& r : rows) CHECK(is_reserved_config_key(r.key));
    p.hidden.clear();
    CHECK(tool_filter_rows("srv", p).size() == 1);
}

TEST_CASE("only keys starting with '@' are reserved") {
    CHECK(is_reserved_config_key("@tools.hidden"));
    CHECK(is_reserved_config_key("@anything"));
    CHECK_FALSE(is_reserved_config_key("tools.hidden"));
    CHECK_FALSE(is_reserved_config_key("token"));
    CHECK_FALSE(is_reserved_config_key(""));
}

// Issue 19 item 4: the tools a plugin.json declares are pinned by name; the health check holds
// the server to them.
TEST_CASE("check_pinned_answer: declared names must be answered, other tools are withheld") {
    auto def = [](const std::string& name, const std::string& desc) {
        nlohmann::json t = {{"name", name}, {"description", desc}};
        return *nxp::formats::canonical_tool(t, "t");
    };
    const auto declared = pins({"a", "b"});
    // The server offers a, b and c: the check passes, c is undeclared, the names are recorded.
    auto r = nxp::txn::check_pinned_answer(declared, {def("a", "A"), def("b", "B"), def("c", "C")});
    CHECK(r.diff.empty());
    CHECK(r.undeclared == std::vector<std::string>{"c"});
    CHECK(r.record == declared);
    // Any definition of a declared name passes.
    r = nxp::txn::check_pinned_answer(declared, {def("b", "whatever"), def("a", "")});
    CHECK(r.diff.empty());
    CHECK(r.undeclared.empty());
    // A declared tool the server lacks fails the check, named.
    r = nxp::txn::check_pinned_answer(declared, {def("a", "A"), def("c", "C")});
    REQUIRE(r.diff.removed.size() == 1);
    CHECK(r.diff.removed[0].name == "b");
    CHECK(nxp::txn::describe_tool_diff(r.diff) == "removed tool \"b\"");

    // Full definitions (--pin-tools) keep their meaning: an added tool or a changed
    // definition fails, and the answer is recorded.
    const std::vector<ToolDef> full = {def("a", "A")};
    r = nxp::txn::check_pinned_answer(full, {def("a", "A"), def("c", "C")});
    REQUIRE(r.diff.added.size() == 1);
    CHECK(r.undeclared.empty());
    r = nxp::txn::check_pinned_answer(full, {def("a", "changed")});
    CHECK(r.diff.changed.size() == 1);
    r = nxp::txn::check_pinned_answer(full, {def("a", "A")});
    CHECK(r.diff.empty());
    CHECK(r.record == full);
    // An empty list pins a server that offers no tools.
    r = nxp::txn::check_pinned_answer({}, {def("a", "A")});
    CHECK(r.diff.added.size() == 1);
}
