#pragma once
// `nxp import server.json`: the official MCP Registry's server description (metadata only,
// unsigned) as a plugin directory. An npm package becomes `nxp import npm` of its identifier
// and version, its environmentVariables and packageArguments config keys; `remotes` a remote
// plugin (plugin.json mcp.remote); other registry types are refused naming the type.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "importer/npm.hpp"

namespace nxp::importer {

struct ServerJsonOptions {
    std::string source;         // a file, "-" for standard input is not taken, or an http(s) URL
    std::filesystem::path out;  // the plugin directory to write
    std::string name;           // plugin name; default: from the npm name, or the server's name
    bool remote = false;        // take remotes[0] even when a package is offered
    bool check = true;
    std::string npm = "npm";
};

struct ServerJsonPlan {
    bool remote = false;
    std::string server;  // server.json "name" ("io.github.owner/server")
    std::string version;
    std::size_t index = 0;            // which packages[] or remotes[] entry
    NpmOptions npm;                   // for a package: what `import npm` is given
    nlohmann::ordered_json manifest;  // for a remote: the whole plugin.json
    std::vector<std::string> notes;   // what was not mapped, said to the user
};

// Decides from a parsed server.json (or a registry API answer {"server": {…}}) what to
// import. Pure: no I/O. Fails naming the field path at fault
// ("packages[0].environmentVariables[2].name: …").
Result<ServerJsonPlan> plan_from_server_json(const nlohmann::json& doc,
                                             const ServerJsonOptions& opts);

// Reads a server.json from a file or an http(s) URL (through repo/fetch; at most 1 MiB),
// parsed with nxp's JSON limits; errors name the source.
Result<nlohmann::json> read_server_json(const std::string& source);

struct ServerJsonResult {
    ServerJsonPlan plan;
    std::string plugin_name;
    std::string version;
    nlohmann::ordered_json manifest;  // as written
    std::vector<std::string> config_keys;
};

// Reads, plans and writes the plugin directory (an npm package through import_npm).
Result<ServerJsonResult> import_server_json(const ServerJsonOptions& opts);

}  // namespace nxp::importer
