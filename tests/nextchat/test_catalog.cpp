// Masks and prompt packs merged into NextChat's public/masks.json and public/prompts.json:
// nxp's entries added, updated and removed; every entry and key it does not own kept.
#include <sys/stat.h>

#include "nextchat/catalog.hpp"
#include "tests/nextchat/fixture.hpp"

using namespace nxp::nextchat;
using namespace nxp::nextchat::test;

namespace {

constexpr const char* kTranslator = R"({"avatar": "1f310", "name": "Translator",
  "context": [{"role": "user", "content": "Translate what I write.", "date": ""}],
  "modelConfig": {"model": "gpt-4o-mini", "temperature": 0.3}, "lang": "en", "builtin": false})";
constexpr const char* kChineseMask = R"({"avatar": "1f4d6", "name": "文言文",
  "context": [{"role": "system", "content": "用文言文回答。"}], "lang": "cn"})";
constexpr const char* kPrompts =
    R"({"en": [["Proofread", "Correct the spelling."], ["Summarise", "Five bullets."]]})";

fs::path plugin_dir(const NextChatCopy& nc, const std::string& name) {
    return nc.dir().parent_path() / "plugins" / name;
}

CatalogSource mask_plugin(const NextChatCopy& nc, const std::string& name, const std::string& body,
                          const std::string& file = "mask.json") {
    write_text(plugin_dir(nc, name) / file, body);
    return {name, plugin_dir(nc, name)};
}

fs::path masks_file(const NextChatCopy& nc) { return nc.dir() / "public" / "masks.json"; }
fs::path prompts_file(const NextChatCopy& nc) { return nc.dir() / "public" / "prompts.json"; }

}  // namespace

TEST_CASE("a mask plugin is added to its language's list; foreign masks stay", "[nextchat]") {
    NextChatCopy nc;
    chmod(masks_file(nc).c_str(), 0640);
    Json before = read_json(masks_file(nc));
    auto src = mask_plugin(nc, "translator-mask", kTranslator);
    auto changed = sync_catalog(nc.dir(), Catalog::Masks, {src});
    REQUIRE(changed);
    CHECK(*changed);
    Json after = read_json(masks_file(nc));
    REQUIRE(after["en"].size() == 2);
    CHECK(after["en"][0] == before["en"][0]);  // NextChat's own GitHub Copilot mask
    CHECK(after["en"][1]["name"] == "Translator");
    CHECK(after["en"][1]["nxpPlugin"] == "translator-mask");
    CHECK(after["en"][1]["context"][0]["content"] == "Translate what I write.");
    CHECK(after["cn"] == before["cn"]);
    CHECK(after["tw"] == before["tw"]);
    struct stat st {};
    REQUIRE(stat(masks_file(nc).c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);

    auto again = sync_catalog(nc.dir(), Catalog::Masks, {src});
    REQUIRE(again);
    CHECK_FALSE(*again);
}

TEST_CASE("masks are filed by lang, and removed when their plugin goes", "[nextchat]") {
    NextChatCopy nc;
    std::string before_text = read_text(masks_file(nc));
    Json before = Json::parse(before_text);
    auto both =
        mask_plugin(nc, "two-masks", std::string("[") + kTranslator + "," + kChineseMask + "]");
    REQUIRE(sync_catalog(nc.dir(), Catalog::Masks, {both}).value());
    Json after = read_json(masks_file(nc));
    REQUIRE(after["cn"].size() == 1);
    CHECK(after["cn"][0]["name"] == "文言文");
    CHECK(after["en"].size() == 2);

    auto removed = sync_catalog(nc.dir(), Catalog::Masks, {});
    REQUIRE(removed);
    CHECK(*removed);
    CHECK(read_json(masks_file(nc)) == before);
}

TEST_CASE("a new version of a mask replaces the old entry", "[nextchat]") {
    NextChatCopy nc;
    auto v1 = mask_plugin(nc, "translator-mask", kTranslator);
    REQUIRE(sync_catalog(nc.dir(), Catalog::Masks, {v1}).value());
    Json m = Json::parse(kTranslator);
    m["name"] = "Translator 2";
    auto v2 = mask_plugin(nc, "translator-mask", m.dump());
    REQUIRE(sync_catalog(nc.dir(), Catalog::Masks, {v2}).value());
    Json after = read_json(masks_file(nc));
    REQUIRE(after["en"].size() == 2);
    CHECK(after["en"][1]["name"] == "Translator 2");
}

TEST_CASE("prompt packs join NextChat's [title, content] lists, marked in a third element",
          "[nextchat]") {
    NextChatCopy nc;
    Json before = read_json(prompts_file(nc));
    write_text(plugin_dir(nc, "writing-prompts") / "prompts.json", kPrompts);
    auto changed = sync_catalog(nc.dir(), Catalog::Prompts,
                                {{"writing-prompts", plugin_dir(nc, "writing-prompts")}});
    REQUIRE(changed);
    CHECK(*changed);
    Json after = read_json(prompts_file(nc));
    CHECK(after["cn"] == before["cn"]);
    REQUIRE(after["en"].size() == 3);
    CHECK(after["en"][0] == before["en"][0]);
    CHECK(after["en"][1] ==
          Json::parse(R"(["Proofread", "Correct the spelling.", "nxp:writing-prompts"])"));
    CHECK_FALSE(after.contains("tw"));  // nothing to add there, so not added

    REQUIRE(sync_catalog(nc.dir(), Catalog::Prompts, {}).value());
    CHECK(read_json(prompts_file(nc)) == before);
}

TEST_CASE("a missing file is created only when there is something to add", "[nextchat]") {
    NextChatCopy nc;
    fs::remove(masks_file(nc));
    auto nothing = sync_catalog(nc.dir(), Catalog::Masks, {});
    REQUIRE(nothing);
    CHECK_FALSE(*nothing);
    CHECK_FALSE(fs::exists(masks_file(nc)));
    auto src = mask_plugin(nc, "translator-mask", kTranslator);
    REQUIRE(sync_catalog(nc.dir(), Catalog::Masks, {src}).value());
    Json created = read_json(masks_file(nc));
    CHECK(created["cn"] == Json::array());
    CHECK(created["tw"] == Json::array());
    CHECK(created["en"].size() == 1);
}

TEST_CASE("bad plugin content is refused, naming the file and the entry", "[nextchat]") {
    NextChatCopy nc;
    std::string before = read_text(masks_file(nc));
    auto bad = mask_plugin(nc, "bad-mask", R"({"name": "x", "context": [{"role": "user"}]})");
    auto checked = check_catalog_plugin(Catalog::Masks, bad.dir);
    REQUIRE_FALSE(checked);
    CHECK_THAT(checked.error().str(), Catch::Contains("mask.json.context[0]"));
    CHECK_THAT(checked.error().str(), Catch::Contains("role and content"));
    auto synced = sync_catalog(nc.dir(), Catalog::Masks, {bad});
    REQUIRE_FALSE(synced);
    CHECK_THAT(synced.error().str(), Catch::Contains("bad-mask"));
    CHECK(read_text(masks_file(nc)) == before);

    write_text(plugin_dir(nc, "bad-prompts") / "prompts.json", R"({"en": [["only a title"]]})");
    auto p = check_catalog_plugin(Catalog::Prompts, plugin_dir(nc, "bad-prompts"));
    REQUIRE_FALSE(p);
    CHECK_THAT(p.error().str(), Catch::Contains("prompts.json: en[0]"));
    auto none = check_catalog_plugin(Catalog::Prompts, plugin_dir(nc, "nothing-here"));
    REQUIRE_FALSE(none);
    CHECK_THAT(none.error().str(), Catch::Contains("needs a prompts.json"));
}

TEST_CASE("an unparsable masks.json is reported and left alone", "[nextchat]") {
    NextChatCopy nc;
    write_text(masks_file(nc), "{\"en\": [,]}");
    auto src = mask_plugin(nc, "translator-mask", kTranslator);
    auto synced = sync_catalog(nc.dir(), Catalog::Masks, {src});
    REQUIRE_FALSE(synced);
    CHECK_THAT(synced.error().str(), Catch::Contains("masks.json"));
    CHECK(read_text(masks_file(nc)) == "{\"en\": [,]}");
    write_text(masks_file(nc), R"({"en": {"not": "a list"}})");
    auto shape = sync_catalog(nc.dir(), Catalog::Masks, {src});
    REQUIRE_FALSE(shape);
    CHECK_THAT(shape.error().str(), Catch::Contains("en: expected an array"));
}

TEST_CASE("drift: missing, edited and stale nxp entries are named", "[nextchat]") {
    NextChatCopy nc;
    auto src = mask_plugin(nc, "translator-mask", kTranslator);
    REQUIRE(sync_catalog(nc.dir(), Catalog::Masks, {src}).value());
    CHECK(catalog_drift(nc.dir(), Catalog::Masks, {src}).value().empty());

    Json edited = read_json(masks_file(nc));
    edited["en"][1]["name"] = "Hand-edited";
    write_text(masks_file(nc), edited.dump(2));
    CHECK(catalog_drift(nc.dir(), Catalog::Masks, {src}).value() ==
          std::vector<std::string>{
              "translator-mask: differs in public/masks.json from what nxp wrote"});

    edited["en"].erase(1);
    write_text(masks_file(nc), edited.dump(2));
    CHECK(catalog_drift(nc.dir(), Catalog::Masks, {src}).value() ==
          std::vector<std::string>{"translator-mask: missing from public/masks.json"});

    REQUIRE(sync_catalog(nc.dir(), Catalog::Masks, {src}).value());
    CHECK(catalog_drift(nc.dir(), Catalog::Masks, {}).value() ==
          std::vector<std::string>{
              "translator-mask: still in public/masks.json but not installed or disabled"});
}
