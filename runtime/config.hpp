#pragma once
// A plugin's configuration as it runs (DESIGN.md §3): set values, else the manifest's
// defaults, and the text a value becomes in an environment variable, argument or path.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "formats/manifest.hpp"

namespace nxp::runtime {

struct PluginConfig {
    std::map<std::string, nlohmann::json> values;  // set values, else defaults
    std::vector<std::string> missing;              // required keys without a value
};

// The configuration `package` runs with, from its rows in `rows` (any package's).
PluginConfig effective_config(const formats::Manifest& m, const std::vector<db::ConfigRow>& rows,
                              const std::string& package);

// ${config.KEY} replaced (other placeholders kept; an unset key stays as it is).
std::string expand_config(const std::string& text, const PluginConfig& config);
// A config value as an environment variable or argument holds it.
std::string config_text(const nlohmann::json& value);

}  // namespace nxp::runtime
