#pragma once
// A private copy of the fixture NextChat checkout, so tests can modify it freely.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace nxp::nextchat::test {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

inline fs::path fixture_source() {
    const char* data = std::getenv("NXP_TEST_DATA");
    return (data ? fs::path(data) / "nextchat" : fs::current_path()) / "fixtures" / "nextchat";
}

class NextChatCopy {
  public:
    NextChatCopy() {
        std::string tmpl = (fs::temp_directory_path() / "nxp-nextchat-test-XXXXXX").string();
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        root_ = tmpl;
        REQUIRE(fs::is_directory(fixture_source()));
        fs::copy(fixture_source(), root_ / "nextchat", fs::copy_options::recursive);
    }
    NextChatCopy(const NextChatCopy&) = delete;
    NextChatCopy& operator=(const NextChatCopy&) = delete;
    ~NextChatCopy() {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    fs::path dir() const { return root_ / "nextchat"; }
    fs::path config() const { return dir() / "app" / "mcp" / "mcp_config.json"; }

  private:
    fs::path root_;
};

inline std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_text(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

inline Json read_json(const fs::path& p) { return Json::parse(read_text(p)); }

}  // namespace nxp::nextchat::test
