// The catalogue's pages (repo/html.hpp, issue 19 item 7): one page per plugin, every version
// newest first, hostile index text escaped everywhere, linear at a thousand packages.
#include <catch2/catch.hpp>
#include <chrono>

#include "formats/semver.hpp"
#include "repo/html.hpp"

using namespace nxp;
using namespace nxp::repo;

namespace {

formats::IndexEntry entry(const std::string& name, const std::string& version,
                          formats::Kind kind = formats::Kind::McpServer) {
    formats::IndexEntry e;
    e.name = name;
    e.version = *formats::parse_version(version);
    e.kind = kind;
    e.summary = "summary of " + name;
    e.path = "packages/" + name + "-" + version + ".nxp";
    e.sha256 = std::string(63, 'a') + version.substr(2, 1);  // distinct per test version
    e.size = 1234;
    return e;
}

const CatalogueFile* file(const std::vector<CatalogueFile>& files, const std::string& path) {
    for (const auto& f : files)
        if (f.path == path) return &f;
    return nullptr;
}

std::size_t count(const std::string& hay, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("one page per plugin, versions newest first, the front page shows the newest",
          "[catalogue]") {
    formats::Index index;
    index.repo = "demo";
    for (const char* v : {"1.0.0", "1.10.0", "1.2.0"}) index.packages.push_back(entry("w", v));
    index.packages.push_back(entry("m", "0.1.0", formats::Kind::Mask));
    index.revoked.push_back(index.packages[1].sha256);  // 1.10.0 revoked: 1.2.0 is shown
    auto files = render_catalogue(index, {"https://h.example/r", {"RWSkey"}});
    REQUIRE(files.size() == 3);
    const auto* page = file(files, "plugins/w.html");
    REQUIRE(page);
    const auto versions = page->content.find("id=\"versions\"");
    REQUIRE(versions != std::string::npos);
    const auto a = page->content.find("<td>1.10.0</td>", versions),
               b = page->content.find("<td>1.2.0</td>", versions),
               c = page->content.find("<td>1.0.0</td>", versions);
    REQUIRE(a != std::string::npos);
    CHECK(a < b);
    CHECK(b < c);
    CHECK(page->content.find("nxp install w@1.10.0") != std::string::npos);
    CHECK(page->content.find("nxp repo add demo https://h.example/r --key RWSkey") !=
          std::string::npos);
    CHECK(page->content.find("Tools not pinned") != std::string::npos);
    const auto& front = file(files, "index.html")->content;
    CHECK(front.find("<a href=\"plugins/w.html\">w</a></td><td>1.2.0<br>") != std::string::npos);
    CHECK(front.find("data-kind=\"mask\" data-perm=\"none\"") != std::string::npos);
    CHECK(file(files, "plugins/m.html")->content.find("Tools") == std::string::npos);
}

TEST_CASE("hostile index text never becomes markup", "[catalogue][hostile]") {
    const std::vector<std::string> hostile = {"</script><script>alert(1)</script>",
                                              "\"><img src=x onerror=alert(1)>",
                                              "'><svg onload=alert(1)>",
                                              "<!--",
                                              "</title><script>x()</script>",
                                              "javascript:alert(1)",
                                              std::string(100000, '<'),
                                              "\xe2\x80\xae\xf0\x9f\x98\x80 <b>"};
    for (const auto& h : hostile) {
        formats::Index index;
        index.repo = "r" + h;
        auto e = entry("x", "1.0.0");
        e.summary = e.publisher = e.license = e.homepage = h;
        e.permissions.network = {h};
        e.permissions.env = {h};
        e.permissions.filesystem = {{h, h}};
        formats::ConfigKey k;
        k.description = h;
        k.env = h;
        k.default_json = "\"" + h + "\"";
        e.config[h] = k;
        e.tools = std::vector<formats::ToolDef>{
            {h, nlohmann::json({{"name", h}, {"description", h}}).dump()}};
        e.requires_ = {};
        index.packages.push_back(e);
        index.advisories.push_back({h, "x", "<2", h, h});
        auto files = render_catalogue(index, {h, {h}});
        REQUIRE(files.size() == 2);
        for (const auto& f : files) {
            INFO(f.path << " with " << h.substr(0, 40));
            CHECK(count(f.content, "<script") == (f.path == "index.html" ? 1u : 0u));
            CHECK(f.content.find("<img") == std::string::npos);
            CHECK(f.content.find("<svg") == std::string::npos);
            CHECK(f.content.find("<b>") == std::string::npos);
            CHECK(count(f.content, "<!--") == 0);
            CHECK(count(f.content, "<title>") == 1);
            CHECK(f.content.find("href=\"javascript") == std::string::npos);
            if (h.size() < 100 && h.find_first_of("<>\"'") != std::string::npos)
                CHECK(f.content.find(h) == std::string::npos);
        }
    }
}

TEST_CASE("a name that is not a safe file name gets no page", "[catalogue][hostile]") {
    formats::Index index;
    index.repo = "r";
    for (const char* n : {"../evil", "a/b", ".hidden", "UPPER", ""})
        index.packages.push_back(entry(n, "1.0.0"));
    auto files = render_catalogue(index);
    REQUIRE(files.size() == 1);
    CHECK(files[0].content.find("href=\"plugins/") == std::string::npos);
}

TEST_CASE("a thousand packages render in linear time", "[catalogue]") {
    formats::Index index;
    index.repo = "big";
    for (int p = 0; p < 150; ++p)
        for (int v = 0; v < 7; ++v) {
            auto e = entry("plugin-" + std::to_string(p), "1." + std::to_string(v) + ".0");
            e.sha256 = std::to_string(p * 100 + v);
            e.sha256.resize(64, 'b');
            index.packages.push_back(e);
            if (v == 0) index.revoked.push_back(e.sha256);
        }
    for (int a = 0; a < 200; ++a)
        index.advisories.push_back(
            {"A-" + std::to_string(a), "plugin-" + std::to_string(a % 150), "<1.3", "low", "s"});
    const auto start = std::chrono::steady_clock::now();
    auto files = render_catalogue(index);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(files.size() == 151);
    CHECK(took < std::chrono::seconds(3));  // well under under ASan; quadratic would not be
    CHECK(count(files[0].content, "<tr data-kind") == 150);
}
