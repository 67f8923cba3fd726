// txn/tools: the reserved rows that hold a plugin's tool filters, and the "did you mean" of
// `nxp tools --disable` (issue 16 item 2).
#include <catch2/catch.hpp>

#include "formats/json_util.hpp"
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
