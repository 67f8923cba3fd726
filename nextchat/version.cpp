// NextChat's version, for the `nextchat` virtual package (nextchat/version.hpp: the layouts).
#include "nextchat/version.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <re2/re2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <vector>

#include "nextchat/json_file.hpp"
#include "nextchat/mcp_config.hpp"
#include "os/beneath.hpp"

namespace nxp::nextchat {

namespace {

namespace fs = std::filesystem;
using detail::Json;

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::size_t start = 0;
    while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
    return s.substr(start);
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

using Found = std::optional<DetectedVersion>;

// The version string at `keys` of the JSON file `rel` beneath `top`; nullopt when the file or
// the key is missing.
Result<std::optional<std::string>> json_string_at(int top, const fs::path& dir,
                                                  const std::string& rel,
                                                  const std::vector<const char*>& keys) {
    const std::string shown = (dir / rel).string();
    auto read = detail::read_plugin_json(top, rel, shown);
    if (!read) return tl::unexpected(read.error());
    if (!*read) return std::optional<std::string>();
    const Json* value = find_key(**read, keys);
    if (!value) return std::optional<std::string>();
    if (!value->is_string())
        return fail(ErrorKind::Invalid, shown + ": " + key_path(keys), "expected a version string");
    return std::optional<std::string>(value->get<std::string>());
}

Result<Found> version_from(const std::string& text, const std::string& context,
                           const std::string& source) {
    auto version = parse_nextchat_version(text);
    if (!version)
        return fail(ErrorKind::Invalid, context,
                    "\"" + text + "\" is not a version: " + version.error().message);
    return Found(DetectedVersion{*version, source});
}

// src-tauri/tauri.conf.json: package.version (Tauri 1), else version (Tauri 2), which may be
// the path of a package.json holding it, relative to src-tauri/ and inside the directory.
Result<Found> from_tauri(int top, const fs::path& dir) {
    const std::string rel = "src-tauri/tauri.conf.json";
    for (const std::vector<const char*>& keys :
         {std::vector<const char*>{"package", "version"}, std::vector<const char*>{"version"}}) {
        auto text = json_string_at(top, dir, rel, keys);
        if (!text) return tl::unexpected(text.error());
        if (!*text) continue;
        const std::string context = (dir / rel).string() + ": " + key_path(keys);
        const std::string value = trim(**text);
        if (value.size() > 5 && value.compare(value.size() - 5, 5, ".json") == 0) {
            fs::path target = (fs::path("src-tauri") / value).lexically_normal();
            if (target.is_absolute() || target.empty() || *target.begin() == "..")
                return fail(ErrorKind::Verification, context,
                            "\"" + value + "\" is outside the NextChat directory");
            auto named = json_string_at(top, dir, target.string(), {"version"});
            if (!named) return tl::unexpected(named.error());
            if (!*named)
                return fail(ErrorKind::Invalid, context,
                            "\"" + value + "\" names no version (" + target.string() + ")");
            return version_from(**named, (dir / target).string() + ": version", target.string());
        }
        return version_from(**text, context, rel);
    }
    return Found();
}

// --- the Next.js build output ---------------------------------------------------------------

// The prerendered page's <meta name="config">, HTML-escaped, and the same JSON in the RSC
// payload (a JSON string inside JSON: its quotes escaped).
const char* const kVersionText = R"((v?[0-9]+(?:\.[0-9]+){0,2}(?:[-+][0-9A-Za-z.+-]{1,40})?))";

const RE2& page_pattern() {
    static const RE2 re(std::string(R"(name="config" content="\{&quot;version&quot;:&quot;)") +
                            kVersionText + "&quot;",
                        RE2::Latin1);
    return re;
}

const RE2& rsc_pattern() {
    static const RE2 re(std::string(R"re("name":"config","content":"\{\\"version\\":\\")re") +
                            kVersionText + R"re(\\")re",
                        RE2::Latin1);
    return re;
}

// app/config/build.ts throws this when imported outside Node.js; its chunk also holds the
// bundled tauri config: {"package":{"version":"2.16.0"}}, with keys mangled in production
// ({"DR":{"i":"2.16.0"}}), inside JSON.parse('…') or as an object literal when short. The full
// config ("productName":"NextChat","version":…) when it is not tree-shaken.
constexpr std::string_view kBuildAnchor =
    "you are importing a nodejs-only module outside of nodejs";

const RE2& bundled_pattern() {
    static const RE2 re(std::string(R"(\{"?[A-Za-z_$][\w$]{0,7}"?:\{"?[A-Za-z_$][\w$]{0,7}"?:")") +
                            kVersionText + R"("\}\})",
                        RE2::Latin1);
    return re;
}

const RE2& full_config_pattern() {
    static const RE2 re(
        std::string(R"re("productName":"(?:NextChat|ChatGPT Next Web)","version":")re") +
            kVersionText + "\"",
        RE2::Latin1);
    return re;
}

// The one version `re` finds in `text`, nullopt when none or when several differ.
std::optional<std::string> only_match(std::string_view text, const RE2& re) {
    re2::StringPiece input(text.data(), text.size());
    std::string value;
    std::set<std::string> seen;
    while (seen.size() < 2 && RE2::FindAndConsume(&input, re, &value)) seen.insert(value);
    if (seen.size() != 1) return std::nullopt;
    return *seen.begin();
}

bool has_suffix(const std::string& name, std::string_view suffix) {
    return name.size() > suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

enum class Pass { Pages, Bundles };

class OutputScan {
  public:
    OutputScan(const VersionScanLimits& limits) : limits_(limits) {}

    // Searches the directory `rel` (opened without following a symlink) beneath `top`.
    Found search(int top, const std::string& rel, Pass pass) {
        os::Fd dir = open_nofollow(top, rel);
        if (!dir.valid()) return Found();
        return walk(dir.get(), rel, pass, 0);
    }

  private:
    static os::Fd open_nofollow(int top, const std::string& rel) {
        os::Fd cur(::dup(top));
        std::string_view rest = rel;
        while (cur.valid() && !rest.empty()) {
            const std::size_t slash = rest.find('/');
            const std::string part(rest.substr(0, slash));
            cur = os::Fd(
                ::openat(cur.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (slash == std::string_view::npos) break;
            rest.remove_prefix(slash + 1);
        }
        return cur;
    }

    Found walk(int dirfd, const std::string& rel, Pass pass, int depth) {
        std::vector<std::pair<std::string, bool>> entries;  // name, is a directory
        {
            int copy = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (copy < 0) return Found();
            DIR* d = ::fdopendir(copy);
            if (!d) {
                ::close(copy);
                return Found();
            }
            while (dirent* e = ::readdir(d)) {
                if (++seen_ > limits_.max_entries) break;
                const std::string name = e->d_name;
                if (name == "." || name == "..") continue;
                struct stat st {};
                if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
                if (S_ISDIR(st.st_mode)) entries.emplace_back(name, true);
                if (S_ISREG(st.st_mode) && wanted(name, pass)) entries.emplace_back(name, false);
                // A symlink, FIFO, socket or device is never opened.
            }
            ::closedir(d);
        }
        // Files before directories, in name order: the same answer on every run.
        std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
            return a.second != b.second ? !a.second : a.first < b.first;
        });
        for (const auto& [name, is_dir] : entries) {
            if (read_ >= limits_.max_total_bytes) return Found();
            const std::string path = rel + "/" + name;
            if (is_dir) {
                if (depth + 1 >= limits_.max_depth) continue;
                os::Fd sub(
                    ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
                if (!sub.valid()) continue;
                if (auto found = walk(sub.get(), path, pass, depth + 1)) return found;
                continue;
            }
            if (auto found = look_at(dirfd, name, path, pass)) return found;
        }
        return Found();
    }

    static bool wanted(const std::string& name, Pass pass) {
        if (pass == Pass::Pages) return has_suffix(name, ".html") || has_suffix(name, ".rsc");
        return has_suffix(name, ".js");
    }

    Found look_at(int dirfd, const std::string& name, const std::string& path, Pass pass) {
        os::Fd fd(::openat(dirfd, name.c_str(),
                           O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
        if (!fd.valid()) return Found();
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return Found();
        const auto size = static_cast<std::uint64_t>(st.st_size);
        if (size > limits_.max_file_bytes || read_ + size > limits_.max_total_bytes) return Found();
        auto text = os::read_all(fd.get(), limits_.max_file_bytes, path);
        if (!text) return Found();
        read_ += text->size();
        std::optional<std::string> value;
        if (pass == Pass::Pages) {
            value = only_match(*text, has_suffix(name, ".rsc") ? rsc_pattern() : page_pattern());
        } else {
            value = only_match(*text, full_config_pattern());
            if (!value && text->find(kBuildAnchor) != std::string::npos)
                value = only_match(*text, bundled_pattern());
        }
        if (!value) return Found();
        auto version = parse_nextchat_version(*value);
        if (!version) return Found();
        return Found(DetectedVersion{*version, path});
    }

    const VersionScanLimits& limits_;
    std::size_t seen_ = 0;
    std::uint64_t read_ = 0;
};

}  // namespace

Result<formats::Version> parse_nextchat_version(const std::string& raw) {
    std::string text = trim(raw);
    if (!text.empty() && (text[0] == 'v' || text[0] == 'V')) text.erase(0, 1);
    auto strict = formats::parse_version(text);
    if (strict) return strict;
    if (auto partial = formats::parse_partial_version(text)) return partial;
    return tl::unexpected(strict.error());
}

Result<std::optional<DetectedVersion>> detect_nextchat_version(const fs::path& nextchat_dir,
                                                               const VersionScanLimits& limits) {
    auto top = os::open_directory(nextchat_dir);
    if (!top) {
        if (top.error().kind == ErrorKind::NotFound)
            return fail(ErrorKind::NotFound, nextchat_dir.string(), "no such NextChat directory");
        return tl::unexpected(top.error());
    }
    auto tauri = from_tauri(top->get(), nextchat_dir);
    if (!tauri || *tauri) return tauri;
    auto package = json_string_at(top->get(), nextchat_dir, "package.json", {"version"});
    if (!package) return tl::unexpected(package.error());
    if (*package)
        return version_from(**package, (nextchat_dir / "package.json").string() + ": version",
                            "package.json");
    // The Docker image: the prerendered pages first (the rendered value), then the bundles.
    OutputScan scan(limits);
    if (auto found = scan.search(top->get(), ".next/server/app", Pass::Pages)) return found;
    if (auto found = scan.search(top->get(), ".next/server", Pass::Bundles)) return found;
    if (auto found = scan.search(top->get(), ".next/static", Pass::Bundles)) return found;
    return Found();
}

Result<std::optional<formats::Version>> detect_version(const fs::path& nextchat_dir) {
    auto found = detect_nextchat_version(nextchat_dir);
    if (!found) return tl::unexpected(found.error());
    if (!*found) return std::optional<formats::Version>();
    return std::optional<formats::Version>((*found)->version);
}

}  // namespace nxp::nextchat
