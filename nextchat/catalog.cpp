#include "nextchat/catalog.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <map>
#include <system_error>

#include "formats/catalog_shape.hpp"
#include "nextchat/json_file.hpp"

namespace nxp::nextchat {

namespace {

namespace fs = std::filesystem;
using detail::Json;

constexpr std::array<const char*, 3> kLangs = {"cn", "tw", "en"};
constexpr const char* kMaskMarker = "nxpPlugin";
constexpr const char* kPromptMarker = "nxp:";

// Entries per language list, in file order.
using Lists = std::map<std::string, std::vector<Json>>;

bool is_lang(const std::string& key) {
    return std::find(kLangs.begin(), kLangs.end(), key) != kLangs.end();
}

// The first error of formats' full check (nxp lint reports all of them).
Result<void> first_problem(const std::vector<formats::ShapeFinding>& found) {
    if (const auto* e = formats::first_error(found))
        return fail(ErrorKind::Invalid, e->where, e->message);
    return {};
}

Result<void> check_mask(const Json& m, const std::string& where) {
    std::vector<formats::ShapeFinding> found;
    formats::check_mask_shape(m, where, found);
    return first_problem(found);
}

Result<void> check_prompt(const Json& p, const std::string& where) {
    std::vector<formats::ShapeFinding> found;
    formats::check_prompt_shape(p, where, found);
    return first_problem(found);
}

std::string mask_lang(const Json& m) {
    std::string lang = m.contains("lang") ? m["lang"].get<std::string>() : "en";
    return lang == "cn" || lang == "tw" ? lang : "en";
}

// A file in NextChat's {"cn": […], "tw": […], "en": […]} shape, each entry checked.
Result<Lists> read_lists(const Json& root, const std::string& shown, Catalog c) {
    if (!root.is_object())
        return fail(ErrorKind::Invalid, shown, "expected an object with cn, tw and en lists");
    Lists out;
    for (const auto& [key, list] : root.items()) {
        if (!is_lang(key))
            return fail(ErrorKind::Invalid, shown + ": " + key, "unknown list (cn, tw, en)");
        if (!list.is_array())
            return fail(ErrorKind::Invalid, shown + ": " + key, "expected an array");
        for (std::size_t i = 0; i < list.size(); ++i) {
            std::string where = shown + ": " + key + "[" + std::to_string(i) + "]";
            auto ok =
                c == Catalog::Masks ? check_mask(list[i], where) : check_prompt(list[i], where);
            if (!ok) return tl::unexpected(ok.error());
            out[key].push_back(list[i]);
        }
    }
    return out;
}

// What one plugin's tree adds, unmarked. Its files are read beneath the tree: a symlink in
// it may point elsewhere in the tree, never outside (nxp may run as root, and the lists
// it writes are world-readable).
Result<Lists> plugin_lists(Catalog c, const fs::path& dir) {
    auto tree = os::open_directory(dir);
    if (!tree && tree.error().kind == ErrorKind::NotFound) {
        return c == Catalog::Prompts ? fail(ErrorKind::Invalid, "prompts.json",
                                            "a prompts plugin needs a prompts.json")
                                     : fail(ErrorKind::Invalid, "mask.json",
                                            "a mask plugin needs a mask.json or masks.json");
    }
    if (!tree) return tl::unexpected(tree.error());
    const int fd = tree->get();
    if (c == Catalog::Prompts) {
        auto read = detail::read_plugin_json(fd, "prompts.json", "prompts.json");
        if (!read) return tl::unexpected(read.error());
        if (!*read)
            return fail(ErrorKind::Invalid, "prompts.json",
                        "a prompts plugin needs a prompts.json");
        return read_lists(**read, "prompts.json", c);
    }
    auto many = detail::read_plugin_json(fd, "masks.json", "masks.json");
    if (!many) return tl::unexpected(many.error());
    if (*many) return read_lists(**many, "masks.json", c);
    auto read = detail::read_plugin_json(fd, "mask.json", "mask.json");
    if (!read) return tl::unexpected(read.error());
    if (!*read)
        return fail(ErrorKind::Invalid, "mask.json",
                    "a mask plugin needs a mask.json or masks.json");
    Json masks = (*read)->is_array() ? **read : Json::array({**read});
    Lists out;
    for (std::size_t i = 0; i < masks.size(); ++i) {
        std::string where =
            (*read)->is_array() ? "mask.json[" + std::to_string(i) + "]" : "mask.json";
        if (auto ok = check_mask(masks[i], where); !ok) return tl::unexpected(ok.error());
        out[mask_lang(masks[i])].push_back(masks[i]);
    }
    return out;
}

// The plugin that marked an entry, or "" for an entry nxp does not own.
std::string owner(Catalog c, const Json& entry) {
    if (c == Catalog::Masks) {
        if (entry.is_object() && entry.contains(kMaskMarker) && entry[kMaskMarker].is_string())
            return entry[kMaskMarker].get<std::string>();
        return "";
    }
    if (entry.is_array() && entry.size() >= 3 && entry[2].is_string()) {
        std::string tag = entry[2].get<std::string>();
        if (tag.starts_with(kPromptMarker)) return tag.substr(std::string(kPromptMarker).size());
    }
    return "";
}

Json marked(Catalog c, Json entry, const std::string& plugin) {
    if (c == Catalog::Masks)
        entry[kMaskMarker] = plugin;
    else
        entry.push_back(kPromptMarker + plugin);
    return entry;
}

// Every source's entries, marked, per language; sources in name order so the result does
// not depend on the order packages were listed in.
Result<Lists> wanted_lists(Catalog c, std::vector<CatalogSource> sources) {
    std::sort(sources.begin(), sources.end(),
              [](const auto& a, const auto& b) { return a.plugin < b.plugin; });
    Lists out;
    for (const auto& s : sources) {
        auto lists = plugin_lists(c, s.dir);
        if (!lists) return tl::unexpected(in_context(lists.error(), s.plugin));
        for (const char* lang : kLangs)
            for (const auto& e : (*lists)[lang]) out[lang].push_back(marked(c, e, s.plugin));
    }
    return out;
}

// `root` with nxp's entries replaced by `wanted`; Invalid when a list is not an array.
Result<Json> merged(Json root, Catalog c, const Lists& wanted, const std::string& shown) {
    if (!root.is_object())
        return fail(ErrorKind::Invalid, shown, "expected an object with cn, tw and en lists");
    for (const char* lang : kLangs) {
        auto w = wanted.find(lang);
        bool adding = w != wanted.end() && !w->second.empty();
        if (!root.contains(lang)) {
            if (!adding) continue;
            root[lang] = Json::array();
        }
        Json& list = root[lang];
        if (!list.is_array())
            return fail(ErrorKind::Invalid, shown + ": " + lang, "expected an array");
        Json kept = Json::array();
        for (auto& e : list)
            if (owner(c, e).empty()) kept.push_back(std::move(e));
        if (adding)
            for (const auto& e : w->second) kept.push_back(e);
        list = std::move(kept);
    }
    return root;
}

// Entries nxp marked, per plugin, each with its language, in file order.
std::map<std::string, Json> owned(Catalog c, const Json& root) {
    std::map<std::string, Json> out;
    if (!root.is_object()) return out;
    for (const char* lang : kLangs) {
        if (!root.contains(lang) || !root[lang].is_array()) continue;
        for (const auto& e : root[lang]) {
            std::string plugin = owner(c, e);
            if (!plugin.empty()) out[plugin].push_back(Json::array({lang, e}));
        }
    }
    return out;
}

}  // namespace

std::string catalog_file(Catalog c) {
    return c == Catalog::Masks ? "public/masks.json" : "public/prompts.json";
}

Result<void> check_catalog_plugin(Catalog c, const fs::path& dir) {
    auto lists = plugin_lists(c, dir);
    if (!lists) return tl::unexpected(lists.error());
    return {};
}

Result<void> check_catalog_target(const fs::path& nextchat_dir, Catalog c) {
    auto dir = detail::open_nextchat_subdir(nextchat_dir, "public", false);
    if (!dir) {
        if (dir.error().kind == ErrorKind::NotFound && dir.error().context != nextchat_dir.string())
            return {};
        return tl::unexpected(dir.error());
    }
    const fs::path path = nextchat_dir / catalog_file(c);
    struct stat st {};
    if (::fstatat(dir->get(), path.filename().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(st.st_mode))
        return fail(ErrorKind::Verification, path.string(),
                    "is a symbolic link; nxp writes only inside the NextChat directory");
    return {};
}

Result<bool> sync_catalog(const fs::path& nextchat_dir, Catalog c,
                          const std::vector<CatalogSource>& sources) {
    fs::path path = nextchat_dir / catalog_file(c);
    const std::string name = path.filename().string();
    auto wanted = wanted_lists(c, sources);
    if (!wanted) return tl::unexpected(wanted.error());
    auto dir = detail::open_nextchat_subdir(nextchat_dir, "public", !wanted->empty());
    if (!dir) {
        if (dir.error().kind == ErrorKind::NotFound && dir.error().context != nextchat_dir.string())
            return false;  // no public/ and nothing to add
        return tl::unexpected(dir.error());
    }
    auto read = detail::read_json_at(dir->get(), name, path.string());
    if (!read) return tl::unexpected(read.error());
    bool existed = read->has_value();
    if (!existed && wanted->empty()) return false;
    Json original = existed
                        ? **read
                        : Json{{"cn", Json::array()}, {"tw", Json::array()}, {"en", Json::array()}};
    auto next = merged(original, c, *wanted, path.string());
    if (!next) return tl::unexpected(next.error());
    if (existed && *next == original) return false;
    if (auto w = detail::write_json_at(dir->get(), name, *next, path.string()); !w)
        return tl::unexpected(w.error());
    return true;
}

Result<std::vector<std::string>> catalog_drift(const fs::path& nextchat_dir, Catalog c,
                                               const std::vector<CatalogSource>& sources) {
    fs::path path = nextchat_dir / catalog_file(c);
    auto wanted = wanted_lists(c, sources);
    if (!wanted) return tl::unexpected(wanted.error());
    std::optional<Json> file;
    auto dir = detail::open_nextchat_subdir(nextchat_dir, "public", false);
    if (dir) {
        auto read = detail::read_json_at(dir->get(), path.filename().string(), path.string());
        if (!read) return tl::unexpected(read.error());
        file = std::move(*read);
    } else if (dir.error().kind != ErrorKind::NotFound) {
        return tl::unexpected(dir.error());
    }
    Json have = file ? *file : Json::object();
    auto want_root = merged(have, c, *wanted, path.string());
    if (!want_root) return tl::unexpected(want_root.error());
    auto want = owned(c, *want_root), got = owned(c, have);
    std::vector<std::string> out;
    const std::string file_name = catalog_file(c);
    for (const auto& [plugin, entries] : want) {
        auto g = got.find(plugin);
        if (g == got.end())
            out.push_back(plugin + ": missing from " + file_name);
        else if (g->second != entries)
            out.push_back(plugin + ": differs in " + file_name + " from what nxp wrote");
    }
    for (const auto& [plugin, entries] : got)
        if (!want.count(plugin))
            out.push_back(plugin + ": still in " + file_name + " but not installed or disabled");
    return out;
}

}  // namespace nxp::nextchat
