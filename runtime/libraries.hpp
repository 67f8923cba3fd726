#pragma once
// The libraries a plugin may read (DESIGN.md §3 ${deps.NAME}): the `kind: library` plugins it
// requires in the generation it runs in, directly or through other libraries.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "formats/manifest.hpp"

namespace nxp::runtime {

// Each library `m` requires among `generation`'s packages (a requirement is met by the first
// alternative an installed package satisfies by name and version, else by what it provides),
// then what those libraries require, transitively. Only libraries are followed: a required
// MCP server's tree is not exposed, nor what it requires. Keyed by the name required and by
// the library's own name; the value is the real path of its store tree under `root_dir`.
Result<std::map<std::string, std::filesystem::path>> required_libraries(
    const db::Database& db, const std::filesystem::path& root_dir, const formats::Manifest& m,
    const std::vector<db::GenPackage>& generation);

// The environment variable a hook gets for library `name`: NXP_DEP_ then the name upper-cased
// with every character other than a letter or digit as "_" ("mcp-common" -> NXP_DEP_MCP_COMMON).
std::string dep_env_name(const std::string& name);

}  // namespace nxp::runtime
