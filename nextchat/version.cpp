// NextChat's version, for the `nextchat` virtual package. Releases tag "v2.16.0" and the
// desktop build's src-tauri/tauri.conf.json carries "package": {"version": "2.16.0"}
// (Tauri 1; Tauri 2 moved it to the top level); package.json's "version" is the fallback.
#include <cctype>

#include "nextchat/json_file.hpp"
#include "nextchat/mcp_config.hpp"

namespace nxp::nextchat {

namespace {

namespace fs = std::filesystem;
using detail::Json;

struct Source {
    const char* file;
    std::vector<const char*> keys;  // a path of object keys to the version string
};

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::size_t start = 0;
    while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
    return s.substr(start);
}

// Lenient on purpose: "v2.16.0", " 2.16 " and "2" are what people and tools write.
Result<formats::Version> parse_lenient(const std::string& raw) {
    std::string text = trim(raw);
    if (!text.empty() && (text[0] == 'v' || text[0] == 'V')) text.erase(0, 1);
    auto strict = formats::parse_version(text);
    if (strict) return strict;
    if (auto partial = formats::parse_partial_version(text)) return partial;
    return tl::unexpected(strict.error());
}

const Json* find_key(const Json& root, const std::vector<const char*>& keys) {
    const Json* node = &root;
    for (const char* key : keys) {
        if (!node->is_object() || !node->contains(key)) return nullptr;
        node = &(*node)[key];
    }
    return node;
}

std::string key_path(const std::vector<const char*>& keys) {
    std::string out;
    for (const char* key : keys) out += (out.empty() ? "" : ".") + std::string(key);
    return out;
}

}  // namespace

Result<std::optional<formats::Version>> detect_version(const fs::path& nextchat_dir) {
    const std::vector<Source> sources = {
        {"src-tauri/tauri.conf.json", {"package", "version"}},
        {"src-tauri/tauri.conf.json", {"version"}},
        {"package.json", {"version"}},
    };
    for (const auto& source : sources) {
        fs::path path = nextchat_dir / source.file;
        auto read = detail::read_json_file(path);
        if (!read) return tl::unexpected(read.error());
        if (!read->has_value()) continue;
        const Json* value = find_key(**read, source.keys);
        if (!value) continue;
        std::string context = path.string() + ": " + key_path(source.keys);
        if (!value->is_string()) {
            return fail(ErrorKind::Invalid, context, "expected a version string");
        }
        std::string text = value->get<std::string>();
        auto version = parse_lenient(text);
        if (!version) {
            return fail(ErrorKind::Invalid, context,
                        "\"" + text + "\" is not a version: " + version.error().message);
        }
        return std::optional<formats::Version>(*version);
    }
    return std::optional<formats::Version>();
}

}  // namespace nxp::nextchat
