// The index entry's text (write_index_entry), written directly since issue 20: the same bytes
// as the nlohmann ordered_json tree it replaced, for every field and for strings that need
// escaping; entries it does not write directly (permissions, config, invalid UTF-8) still
// come out as before. The .solv cache and graph.db store this text, so a field lost here
// would change what a refreshed repository resolves to.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/index.hpp"
#include "formats/index_entries.hpp"
#include "formats/index_padded.hpp"

using namespace nxp::formats;

namespace {

using ojson = nlohmann::ordered_json;

// The writer as it was before issue 20 (formats/index_write.cpp at d374b54), as reference.
template <class List>
void put_deps(ojson& out, const char* key, const List& deps) {
    if (deps.empty()) return;
    ojson arr = ojson::array();
    for (const auto& d : deps) arr.push_back(d.str());
    out[key] = std::move(arr);
}

std::string reference_text(const IndexEntry& e) {
    ojson out;
    out["name"] = e.name;
    out["version"] = e.version.str();
    out["kind"] = kind_name(e.kind);
    if (!e.summary.empty()) out["summary"] = e.summary;
    if (!e.license.empty()) out["license"] = e.license;
    if (!e.homepage.empty()) out["homepage"] = e.homepage;
    if (!e.publisher.empty()) out["publisher"] = e.publisher;
    put_deps(out, "requires", e.requires_);
    put_deps(out, "conflicts", e.conflicts);
    put_deps(out, "provides", e.provides);
    put_deps(out, "replaces", e.replaces);
    put_deps(out, "recommends", e.recommends);
    if (!e.permissions.empty())
        out["permissions"] = ojson::parse(permissions_to_json(e.permissions).dump());
    if (!e.config.empty()) out["config"] = config_to_json(e.config);
    out["path"] = e.path;
    out["size"] = e.size;
    out["sha256"] = e.sha256;
    out["installed_size"] = e.installed_size;
    std::string text = out.dump(-1, ' ', false, ojson::error_handler_t::replace);
    if (!e.tools) return text;
    text.pop_back();
    return text + ",\"tools\":" + write_tool_pins(*e.tools) + "}";
}

IndexEntry base_entry(std::size_t i) {
    IndexEntry e;
    e.name = "p" + std::to_string(i);
    e.version = *parse_version(i % 3 ? "1.2.3" : "2.0.0-rc.1+build.7");
    e.kind = static_cast<Kind>(i % 6);
    e.path = "packages/" + e.name + ".nxp";
    e.size = 1024 + i;
    e.sha256 = std::string(64, "0123456789abcdef"[i % 16]);
    e.installed_size = i * 1000003;
    return e;
}

// Every field set somewhere, strings that need escaping, and a few of each kind.
std::vector<IndexEntry> sample_entries() {
    const std::vector<std::string> texts = {
        "plain",
        "quote \" and backslash \\",
        "control \b\f\n\r\t and \x01\x1f end",
        "del \x7f",
        "utf-8: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
        "slash / stays",
        "",
    };
    std::vector<IndexEntry> out;
    for (std::size_t i = 0; i < 40; ++i) {
        IndexEntry e = base_entry(i);
        const std::string& t = texts[i % texts.size()];
        if (i % 2) e.summary = t;
        if (i % 3) e.license = i % 2 ? "MIT" : t;
        if (i % 4 == 1) e.homepage = "https://example.org/" + t;
        if (i % 5 == 2) e.publisher = t;
        if (i % 2) e.requires_ = {*parse_dep_spec("a >= 1.0"), *parse_dep_spec("b | c ^2")};
        if (i % 3 == 0) e.conflicts = {*parse_dep_spec("old-" + e.name)};
        if (i % 4 == 0) e.provides = {*parse_dep("virt = 1.0.0"), *parse_dep("other")};
        if (i % 5 == 0) e.replaces = {*parse_dep("legacy < 2")};
        if (i % 6 == 0) e.recommends = {*parse_dep_spec("extra")};
        if (i % 7 == 3) e.permissions.network = {"api.example.org"};
        if (i % 11 == 4) {
            ConfigKey k;
            k.description = t;
            k.required = true;
            e.config["token"] = k;
        }
        if (i % 9 == 5) e.tools = std::vector<ToolDef>{};
        out.push_back(std::move(e));
    }
    IndexEntry bad = base_entry(99);  // not UTF-8: replaced, as nlohmann's dump replaces it
    for (const char* s : {"\xff", "\xc3", "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
        bad.summary = std::string("bad ") + s + " end";
        out.push_back(bad);
    }
    return out;
}

// Whether the index parser takes the entry back: it refuses text that is not UTF-8 and
// control characters other than newline and tab (the writer escapes them all the same).
bool readable(const IndexEntry& e) {
    const std::string text = write_index_entry(e);
    return e.name != "p99" && text.find("\\u00") == std::string::npos &&
           text.find("\\b") == std::string::npos && text.find("\\f") == std::string::npos &&
           text.find("\\r") == std::string::npos;
}

}  // namespace

TEST_CASE("write_index_entry gives the bytes of the nlohmann writer it replaced") {
    std::size_t readable_entries = 0;
    for (const auto& e : sample_entries()) {
        INFO(e.name << " " << e.summary);
        CHECK(write_index_entry(e) == reference_text(e));
        readable_entries += readable(e);
    }
    CHECK(readable_entries >= 20);  // the tests below read back most of them
}

TEST_CASE("write_index_entry text parses back to the same entry") {
    std::vector<std::string> texts;
    std::vector<IndexEntry> valid;
    for (const auto& e : sample_entries()) {
        if (!readable(e)) continue;
        texts.push_back(write_index_entry(e));
        valid.push_back(e);
    }
    auto back = parse_index_entries(texts);
    INFO((back ? "" : back.error().str()));
    REQUIRE(back);
    REQUIRE(back->size() == valid.size());
    for (std::size_t i = 0; i < valid.size(); ++i) {
        CHECK(write_index_entry((*back)[i]) == texts[i]);
        CHECK((*back)[i].summary == valid[i].summary);
        CHECK((*back)[i].installed_size == valid[i].installed_size);
        CHECK((*back)[i].version.str() == valid[i].version.str());
    }
}

TEST_CASE("parse_index_padded reads a padded text in place and an unpadded one by copy") {
    Index index;
    index.repo = "main";
    index.version = 3;
    index.expires = 4102444800;
    for (const auto& e : sample_entries())
        if (readable(e)) index.packages.push_back(e);
    const std::string text = write_index(index);
    std::string padded = text;
    padded.reserve(text.size() + 64);
    std::string tight = text;
    tight.shrink_to_fit();
    for (const std::string* t : std::vector<const std::string*>{&padded, &tight, &text}) {
        auto a = parse_index_padded(*t);
        INFO((a ? "" : a.error().str()));
        REQUIRE(a);
        CHECK(write_index(*a) == text);
    }
    // Errors are those of parse_index, whichever way the text is read.
    std::string broken = text.substr(0, text.size() / 2);
    broken.reserve(broken.size() + 64);
    auto a = parse_index_padded(broken);
    auto b = parse_index(broken);
    REQUIRE_FALSE(a);
    REQUIRE_FALSE(b);
    CHECK(a.error().str() == b.error().str());
}
