#pragma once
// Internal to repo/html*.cpp: what the catalogue's pages share.
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "formats/index.hpp"
#include "repo/html.hpp"

namespace nxp::repo::html {

// One plugin: every version in the index, newest first, and the one the front page shows
// (the newest that is not revoked, else the newest).
struct Plugin {
    std::string name;
    std::vector<const formats::IndexEntry*> versions;
    const formats::IndexEntry* shown = nullptr;
    bool has_page = false;  // its name is a safe file name (plugins/NAME.html written)
};

// The index, grouped and looked up once, so that every page is linear in its size.
struct Catalogue {
    const formats::Index* index = nullptr;
    const CatalogueOptions* options = nullptr;
    std::unordered_set<std::string> revoked;
    std::map<std::string, std::vector<const formats::Advisory*>, std::less<>> advisories;
    std::vector<Plugin> plugins;  // by name

    bool is_revoked(const formats::IndexEntry& e) const { return revoked.count(e.sha256) != 0; }
    // The advisories naming this package whose versions cover this version.
    std::vector<const formats::Advisory*> advisories_for(const formats::IndexEntry& e) const;
};

Catalogue group(const formats::Index& index, const CatalogueOptions& options);

// A plugin name usable as a file name: the manifest's name rule, checked again here
// because a page's path is built from it.
bool safe_page_name(std::string_view name);

// "adv-" and the id with only [A-Za-z0-9-] kept: advisory ids are free text.
std::string anchor(std::string_view id);

// <!DOCTYPE html> … <body>; `script_hash` (base64 sha256) allows one inline script.
std::string page_head(const std::string& title, const std::string& script_hash);

std::string permissions_html(const formats::Permissions& p);
// REVOKED and advisory links ("ok" when none); `prefix` leads to index.html ("" or
// "../index.html").
std::string status_html(const Catalogue& c, const formats::IndexEntry& e,
                        const std::string& prefix);
// The `nxp repo add` line (or just the repository id when its URL is unknown).
std::string repo_add_html(const Catalogue& c);

std::string plugin_page(const Catalogue& c, const Plugin& p);

}  // namespace nxp::repo::html
