#pragma once
// Index entries one by one, for caches that keep each package's entry separately (the
// repository dependency graph, db/repo_graph.hpp) and read back only a few of them.
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/index.hpp"

namespace nxp::formats {

// The entry as the JSON object write_index() puts in "packages".
std::string write_index_entry(const IndexEntry& e);

// Entries written by write_index_entry, each checked as parse_index checks an entry, all in
// one pass of the JSON parser. Errors name the position: "entries[3].version: …".
Result<std::vector<IndexEntry>> parse_index_entries(const std::vector<std::string>& objects);

}  // namespace nxp::formats
