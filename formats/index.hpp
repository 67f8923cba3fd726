#pragma once
// The repository index of DESIGN.md §4 (index.json, before zstd and signing).
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"
#include "formats/manifest.hpp"
#include "formats/mcp_tools.hpp"

namespace nxp::formats {

struct IndexEntry : PackageMeta {
    // From plugin.json, for `info` and `search` (empty when the manifest has none).
    std::string license;
    std::string homepage;
    std::string publisher;
    Permissions permissions;
    // The manifest's configuration keys (types, defaults, required, secret), for `info`
    // before installing; empty in an index written before nxp carried them.
    std::map<std::string, ConfigKey> config;
    std::string path;  // relative to the repository root: "packages/NAME-VERSION.nxp"
    std::uint64_t size = 0;
    std::string sha256;  // lowercase hex, 64 chars
    std::uint64_t installed_size = 0;
    // The MCP tool definitions the publisher pinned (`nxp repo build --pin-tools`, issue 16):
    // the install health check must answer exactly these. Unset: not pinned (an empty list
    // pins a server that offers no tools).
    std::optional<std::vector<ToolDef>> tools;
};

struct Advisory {
    std::string id;
    std::string package;
    std::string versions;  // a constraint, "<1.4.2"
    std::string severity;  // "low", "medium", "high", "critical"
    std::string summary;
};

struct Index {
    int format = 1;
    std::string repo;            // repository id, checked against the configured one
    std::uint64_t version = 0;   // monotonic; clients refuse to go back
    std::int64_t generated = 0;  // unix seconds
    std::int64_t expires = 0;    // unix seconds
    std::vector<IndexEntry> packages;
    std::vector<std::string> revoked;  // sha256 of packages never to install
    std::vector<Advisory> advisories;
};

// Parses index.json. Every error names the field ("packages[12].sha256: expected 64 hex
// digits"). Paths must be relative, inside the repository, without "..".
// Fast path: built on simdjson, since real indexes hold 100,000 packages.
Result<Index> parse_index(std::string_view json_text);

// Canonical text (sorted by name then version, stable key order), so rebuilding an
// unchanged repository gives identical bytes.
std::string write_index(const Index& index);

// relations, permissions and config; path/size/sha unset
IndexEntry entry_from_manifest(const Manifest& m);

// The config keys as plugin.json writes them (and the index carries them): each key's
// fields in a fixed order, keys sorted, so the same schema always gives the same bytes.
nlohmann::ordered_json config_to_json(const std::map<std::string, ConfigKey>& config);

}  // namespace nxp::formats
