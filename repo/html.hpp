#pragma once
// Internal to repo/: the human-readable catalogue written next to a repository's index.
#include <string>

#include "formats/index.hpp"

namespace nxp::repo {

// A self-contained HTML page (no scripts, no external assets) listing every package;
// all text from the index is escaped.
std::string render_index_html(const formats::Index& index);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(std::string_view s);

}  // namespace nxp::repo
