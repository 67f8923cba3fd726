#pragma once
// Internal to db/: a store tree's required config keys (store_trees.required_config), the
// keys its manifest marks required that have no default. Whether a plugin is paused for
// config is these keys less the ones its generation sets (runtime::effective_config's
// "missing", for the same manifest); `nxp list` reads them instead of parsing manifests.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"

struct sqlite3;

namespace nxp::db {

// The keys as the column holds them: a JSON array of names in the manifest's order, "[]"
// when there are none or the manifest does not parse (a manifest that cannot be read
// requires nothing, as before the column).
std::string required_config_json(std::string_view manifest_json);

// The column read back; nullopt when it is not such an array (then derive it again).
std::optional<std::vector<std::string>> parse_required_config(std::string_view column);

// Fills the column of every tree that lacks it (NULL), from its manifest: the migration
// that adds the column runs this for the trees recorded before.
Result<void> derive_required_config(sqlite3* db);

}  // namespace nxp::db
