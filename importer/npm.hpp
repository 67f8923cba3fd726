#pragma once
// `nxp import npm`: an npm-published MCP server as a plugin directory (plugin.json and a
// files/ tree holding the package and its production dependencies, vendored).
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "importer/npm_env.hpp"

namespace nxp::importer {

struct NpmOptions {
    std::string spec;           // NAME or NAME@VERSION (a version or range, as npm takes)
    std::filesystem::path out;  // the plugin directory to write (absent or empty)
    std::string name;           // plugin name; default derived from the npm name
    std::string bin;            // which bin to run when the package has several
    bool check = true;          // turn the MCP health check on
    std::string npm = "npm";    // the npm program (PATH is searched)
    int timeout_s = 900;        // for each npm run
    // Config keys: --env values (NAME[=secret|required|…], comma lists), and settings a
    // server.json gives (then the package's code and README are not scanned).
    std::vector<std::string> env;
    std::vector<EnvSetting> preset_env;
    std::vector<ArgSetting> preset_args;
    bool scan = true;
    // Supply chain: --min-age (a duration, "7d"), the clock (tests fix it), --previous (an
    // earlier import's plugin.json, whose "source" is compared).
    std::string min_age;
    std::optional<std::int64_t> now;
    std::filesystem::path previous;
    // server.json: the version npm must give, fixed arguments after the program, and more
    // fields for "source".
    std::string expect_version;
    std::vector<std::string> fixed_args;
    nlohmann::ordered_json source_extra = nlohmann::ordered_json::object();
    // Native addons (a dependency holding a binding.gyp): built from source after the
    // --ignore-scripts install, offline, in bwrap with only OUT/files writable
    // (--no-build-native: left unbuilt).
    bool build_native = true;
};

// What the importer decided, from npm's metadata (pure: no I/O).
struct NpmPlan {
    std::string package;  // the npm name, "@scope/name"
    std::string version;
    std::string plugin_name;
    std::string bin_path;  // relative to the package directory, "dist/index.js"
    int node_major = 18;   // the lowest Node.js major the package's engines allow
    nlohmann::ordered_json manifest;
    std::vector<std::string> config_keys;     // the config keys the import created
    std::vector<std::string> warnings;        // what changed since --previous
    std::vector<std::string> native_built;    // addons compiled ("better-sqlite3")
    std::vector<std::string> native_unbuilt;  // addons found but not built (--no-build-native)
};

// The packages under `node_modules` that hold a binding.gyp (native addons), as npm names
// ("better-sqlite3", "@scope/x", "a/node_modules/b" for a nested copy), sorted. Symlinks are
// not followed; at most 8 levels of nested node_modules and 10000 directories are visited.
std::vector<std::string> find_native_addons(const std::filesystem::path& node_modules);

// `meta` is one version's document from `npm view SPEC --json` (an object; when npm
// returns an array for a range, the caller passes the last element). Fails naming the
// field at fault: no bin, several bins and none chosen, a version that is not SemVer, a
// name that gives no valid plugin name.
Result<NpmPlan> plan_from_npm(const nlohmann::json& meta, const NpmOptions& opts);

// The plugin name for an npm name: "@scope/server-x" -> "scope-server-x", lower-cased,
// characters outside [a-z0-9._-] replaced by '-', at most 64 characters.
std::string plugin_name_for(std::string_view npm_name);

// The lowest major version an engines.node range allows (">=18" -> 18, "^20 || ^22" ->
// 20); `fallback` when the range is absent or unreadable.
int node_major_for(std::string_view range, int fallback);

// Runs `npm view` (again for the version --min-age chooses), then `npm install --omit=dev
// --ignore-scripts` (with --before under --min-age) into OUT/files, and writes
// OUT/plugin.json with its config keys and "source". Nothing of OUT is left behind when it
// fails.
Result<NpmPlan> import_npm(const NpmOptions& opts);

}  // namespace nxp::importer
