#pragma once
// Internal to nextchat/: reading and atomically rewriting NextChat's JSON files, keeping
// their key order (nlohmann::ordered_json) so a diff shows only what nxp changed.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "formats/error.hpp"

namespace nxp::nextchat::detail {

using Json = nlohmann::ordered_json;

// The parsed file, nullopt when it does not exist; Invalid (naming the file and where the
// parse failed) when it is not JSON; Io when it cannot be read.
Result<std::optional<Json>> read_json_file(const std::filesystem::path& path);

// Writes `value` as NextChat does (two-space indent) through a temporary file in the same
// directory, fsync and rename, keeping the old file's mode and owner (0644 for a new file).
Result<void> write_json_atomically(const std::filesystem::path& path, const Json& value);

}  // namespace nxp::nextchat::detail
