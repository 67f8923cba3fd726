#pragma once
// `nxp repo build --mcp-registry`: the repository's MCP servers as a static tree in the MCP
// Registry's generic API shape, so MCP clients that browse registries can list it.
//
// Followed: modelcontextprotocol/registry docs/reference/api/generic-registry-api.md and
// openapi.yaml (2025-12-01: ServerList, ServerResponse, ServerDetail, Package,
// KeyValueInput), served as both /v0 and /v0.1 (the draft's prefix). Endpoints, each a
// directory holding index.json (a path cannot be a file and a directory at once):
//   v0/servers/index.json                           GET /v0/servers (latest of each server)
//   v0/servers/NS/NAME/index.json                   GET /v0/servers/{serverName} (latest)
//   v0/servers/NS/NAME/versions/index.json          GET …/versions (newest first)
//   v0/servers/NS/NAME/versions/VERSION/index.json  GET …/versions/{version}
//   v0/servers/NS/NAME/versions/latest/index.json   GET …/versions/latest
// A server name is "NS/NAME" and clients URL-encode it ("NS%2FNAME"); web servers decode
// %2F before mapping the path to files, hence the nested directories. Serve with e.g. nginx
// `location /v0 { try_files $uri/index.json =404; }` (.json is application/json).
// Only mcp-server packages are listed. There is no nxp registryType in the schema's
// examples; each server has one package {"registryType": "nxp", "identifier": NAME,
// "version", "fileSha256", "transport": {"type": "stdio"}, environmentVariables} and
// _meta "io.nxp/package" with the exact install command: clients that only know npm, pypi,
// oci, nuget or mcpb can list the server but must install it with nxp. Revoked versions get
// their document (status "deleted") and are left out of the lists and of "latest".
#include <filesystem>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/index.hpp"

namespace nxp::repo {

struct McpRegistryOptions {
    std::string name_space;  // reverse-DNS, [A-Za-z0-9][A-Za-z0-9.-]*; "" = from the repo id
    std::string public_url;  // where users add the repository from ("" = unknown)
};

struct McpRegistryFile {
    std::string path;  // relative: "v0/servers/index.json", …
    std::string content;
};

// The namespace to use: `option` checked (ErrorKind::Usage naming it), or the repository
// id with every character outside [A-Za-z0-9.-] replaced by '-'.
Result<std::string> mcp_registry_namespace(const formats::Index& index, const std::string& option);

// The documents of the tree (under "v0/" only; write_mcp_registry also writes them under
// "v0.1/"). Linear in the number of packages.
Result<std::vector<McpRegistryFile>> render_mcp_registry(const formats::Index& index,
                                                         const McpRegistryOptions& options);

// Replaces REPO/v0 and REPO/v0.1 with a fresh tree; returns the files written (relative).
Result<std::vector<std::string>> write_mcp_registry(const std::filesystem::path& repo_dir,
                                                    const formats::Index& index,
                                                    const McpRegistryOptions& options);

}  // namespace nxp::repo
