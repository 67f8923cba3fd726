#pragma once
// What settings an imported MCP server reads, found in its own code and its README, turned
// into plugin.json config keys: the environment variables (`env`) and the required
// command-line arguments (`arg`) an MCP client config would give it.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"

namespace nxp::importer {

// One environment variable that becomes a config key (lower-cased name, `env: NAME`).
struct EnvSetting {
    std::string name;  // NAME
    // Unset: secret when the name says so (is_secret_env_name), optional.
    std::optional<bool> secret;
    std::optional<bool> required;
    std::string description;
    std::optional<std::string> default_value;
    std::vector<std::string> choices;  // an enum when not empty
    std::string origin;                // "code", "README", "--env", "server.json"
};

// One command-line argument that becomes a config key (`arg: single` or `spread`).
struct ArgSetting {
    std::string key;  // the config key's name
    bool spread = false;
    bool required = true;
    std::string description;
    std::optional<std::string> default_value;
    std::vector<std::string> choices;
    std::string flag;  // a named argument ("--db"): written before the value in mcp.args
};

// Environment variable names a JS/TS source reads: process.env.NAME, process.env["NAME"],
// process.env['NAME'] and `const { A, B: b, C = 1 } = process.env`. Sorted, unique; only
// names of the [A-Z_][A-Z0-9_]* form (a config key's env must be one).
std::vector<std::string> env_names_in_code(std::string_view text);

// Names every process sees or the runtime reads (PATH, HOME, NODE_ENV, TERM, npm_*, LC_*,
// CI, …): never made config keys, documented or not.
bool is_system_env_name(std::string_view name);
// Names a server reads for the runtime's sake (PORT, HOST, DEBUG, LOG_LEVEL, proxies, …):
// made config keys only when the README documents them.
bool is_generic_env_name(std::string_view name);
// KEY, TOKEN, SECRET, PASSWORD, PASS, CREDENTIAL, AUTH in the name.
bool is_secret_env_name(std::string_view name);

// What a README's MCP client config blocks say: the variables of their "env" objects
// (required when the README says so near the name, or when the name is a secret and the
// README does not call it optional or give it a default) and the arguments after the package
// name in their "args" arrays (placeholders such as "/path/to/dir" or a database URL).
struct ReadmeHints {
    std::vector<EnvSetting> env;
    std::vector<std::string> args;  // placeholders, in order
    bool repeated = false;          // an example passes several paths where one is required
};
ReadmeHints readme_hints(std::string_view readme, std::string_view package);

// Config keys for the arguments a README example shows ("/path/a", "/path/b" -> one array
// "directories"; "postgresql://…" -> "database_url"; another -> "url", "directory", "argN").
// `repeated`: another example passes several paths, so paths are one array.
std::vector<ArgSetting> arg_settings_for(const std::vector<std::string>& placeholders,
                                         bool repeated = false);

// `--env` values: NAME, NAME=secret, NAME=required, NAME=optional, NAME=plain, or several
// joined with '+' (NAME=secret+required); a comma separates variables.
Result<std::vector<EnvSetting>> parse_env_option(const std::vector<std::string>& values);

// The settings from code (optional), README and options merged: a later source's flags win
// for a name; system names are dropped, generic names kept only when documented or asked for.
std::vector<EnvSetting> merge_env_settings(const std::vector<std::string>& code,
                                           const std::vector<EnvSetting>& documented,
                                           const std::vector<EnvSetting>& asked);

// Adds config keys to `manifest` (its "config" object) for the settings and the arguments
// (after `manifest.mcp.args`); returns the keys created. A key name already taken gets a
// suffix; at most 64 variables are taken.
std::vector<std::string> add_config_keys(nlohmann::ordered_json& manifest,
                                         const std::vector<EnvSetting>& env,
                                         const std::vector<ArgSetting>& args);

// Reads the package's own JS/TS files beneath `dir` (not node_modules, no symlinks followed,
// bounded in count and size) and returns the environment variable names they read.
std::vector<std::string> scan_package_env(const std::filesystem::path& dir);
// The package's README (README.md, readme.md, README, …), at most 1 MiB; "" when none.
std::string read_readme(const std::filesystem::path& dir);

}  // namespace nxp::importer
