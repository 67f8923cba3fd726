#pragma once
// A plugin's configuration as it runs (DESIGN.md §3): set values, else the manifest's
// defaults, and the text a value becomes in an environment variable, argument or path.
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "formats/manifest.hpp"

namespace nxp::runtime {

struct PluginConfig {
    // Set values, else defaults. A secret stays sealed (formats/sealed.hpp) until
    // starting_config opens it.
    std::map<std::string, nlohmann::json> values;
    std::vector<std::string> missing;  // required keys without a value
    // The texts of its opened secret values, for formats::redact_secrets (starting_config).
    std::vector<std::string> secrets;
};

// The configuration `package` runs with, from its rows in `rows` (any package's); secrets
// still sealed.
PluginConfig effective_config(const formats::Manifest& m, const std::vector<db::ConfigRow>& rows,
                              const std::string& package);

// The configuration a plugin's code starts with: effective_config with every secret opened
// with ROOT/secret.key (root_dir's) and every reference ({"env": NAME}, {"file": PATH}) read
// from nxp's environment or the file and validated. Only code that is about to run the
// plugin calls this. Errors name the plugin, the key, the reference or key file, and what to
// do.
Result<PluginConfig> starting_config(const formats::Manifest& m,
                                     const std::vector<db::ConfigRow>& rows,
                                     const std::string& package,
                                     const std::filesystem::path& root_dir);

// ${config.KEY} replaced (other placeholders kept; an unset key stays as it is).
std::string expand_config(const std::string& text, const PluginConfig& config);
// A config value as an environment variable or argument holds it.
std::string config_text(const nlohmann::json& value);

}  // namespace nxp::runtime
