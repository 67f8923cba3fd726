#pragma once
// Internal to repo/: the human-readable catalogue written next to a repository's index:
// index.html (every plugin, filterable) and plugins/NAME.html (one page per plugin).
#include <string>
#include <string_view>
#include <vector>

#include "formats/index.hpp"

namespace nxp::repo {

struct CatalogueOptions {
    std::string url;                // where users add the repository from; empty: unknown
    std::vector<std::string> keys;  // the signing keys' public halves (base64), for the hint
};

struct CatalogueFile {
    std::string path;  // relative to the repository root: "index.html", "plugins/NAME.html"
    std::string content;
};

// Static pages with no external assets and no network requests: they work from file:// and
// any static host. index.html lists every plugin in plain HTML (readable with JavaScript
// off); an inline script (allowed by its hash in the page's Content-Security-Policy, no
// other script can run) filters the rows by kind, permission and a search, reading and
// writing that state in the URL fragment (#q=…&kind=…&perm=…). All text from the index is
// escaped; only http(s) homepages become links. Linear in the number of packages.
std::vector<CatalogueFile> render_catalogue(const formats::Index& index,
                                            const CatalogueOptions& options = {});

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(std::string_view s);

}  // namespace nxp::repo
