#pragma once
// The desired-state file of `nxp apply` (nxp-apply(5)): repositories with pinned keys,
// plugins with constraints, enabled flags, configuration (secrets by reference only) and
// permission grants. Pure: parsing only; secret references are resolved in txn/.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/constraint.hpp"
#include "formats/error.hpp"
#include "formats/manifest.hpp"

namespace nxp::formats {

struct DesiredRepo {
    std::string name;
    std::string url;
    std::vector<std::string> keys;  // minisign public keys, the base64 line (validated)
    std::vector<std::string> mirrors;
    int priority = 0;
};

// A config value: a literal, or a reference read at apply time and never stored in the file.
struct DesiredValue {
    std::optional<nlohmann::json> literal;
    std::string env;    // {"env": "NAME"}
    std::string file;   // {"file": "/run/secrets/x"}
    std::string field;  // where it was given ("plugins.weather.config.token"), for messages
};

struct DesiredGrant {
    bool all = false;  // "all": whatever the chosen version asks for
    Permissions permissions;
};

struct DesiredPlugin {
    std::string name;
    Dep spec;  // name + constraint ("version" field; empty constraint = any)
    bool enabled = true;
    std::map<std::string, DesiredValue> config;  // exactly the plugin's configuration
    std::optional<DesiredGrant> grant;
};

struct Desired {
    int format = 1;
    std::vector<DesiredRepo> repos;      // by name
    std::vector<DesiredPlugin> plugins;  // by name
};

// One config value of such a file, or of `nxp config` for a secret: a literal, or
// {"env": NAME} / {"file": ABSOLUTE-PATH}; errors name `field`.
Result<DesiredValue> parse_desired_value(const nlohmann::json& v, const std::string& field);

// Parses and validates the file; every error names the field path
// ("plugins.weather.config.token.env: expected an environment variable name").
Result<Desired> parse_desired(std::string_view json_text);

}  // namespace nxp::formats
