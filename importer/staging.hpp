#pragma once
// Internal to importer/: every import writes its plugin directory into a scratch directory
// beside the output and moves it into place whole, so a failed import leaves nothing of the
// output behind (nxp-import(1)).
#include <filesystem>
#include <nlohmann/json.hpp>

#include "formats/error.hpp"

namespace nxp::importer {

// A scratch directory next to `out` (".nxp-import-RANDOM", not created here), removed with
// everything in it when the import fails, that is, unless finish_plugin_dir moved it.
struct Staging {
    std::filesystem::path dir;
    explicit Staging(const std::filesystem::path& out);
    ~Staging();
    Staging(const Staging&) = delete;
    Staging& operator=(const Staging&) = delete;
};

// Writes `manifest` as staging.dir/plugin.json and renames staging.dir to `out` (absent, or an
// empty directory, which it replaces). Errors name the file or directory.
Result<void> finish_plugin_dir(Staging& staging, const nlohmann::ordered_json& manifest,
                               const std::filesystem::path& out);

}  // namespace nxp::importer
