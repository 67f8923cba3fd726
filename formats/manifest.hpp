#pragma once
// plugin.json, the package manifest of DESIGN.md §3. Parsing validates every field and
// every error names the field path ("config.timeout.maximum: expected integer").
#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/constraint.hpp"
#include "formats/error.hpp"
#include "formats/semver.hpp"

namespace nxp::formats {

// Runtime: a language runtime shipped as a package (bin/node of a Node.js build); the only
// kind whose `provides` may name node-runtime (resolver/pool.cpp, runtime/runtimes.hpp).
enum class Kind { McpServer, Mask, Prompts, OpenapiPlugin, Library, Runtime };
std::string_view kind_name(Kind k);  // "mcp-server", …
std::optional<Kind> parse_kind(std::string_view s);

// The relations shared by a manifest and an index entry: what the resolver sees.
struct PackageMeta {
    std::string name;
    Version version;
    Kind kind = Kind::Library;
    std::string summary;
    std::vector<DepSpec> requires_;
    std::vector<DepSpec> conflicts;
    std::vector<Dep> provides;  // virtual names, optionally "= version"
    std::vector<Dep> replaces;
    std::vector<DepSpec> recommends;
};

struct FsPermission {
    std::string path;    // may hold ${plugin_dir}, ${state_dir}, ${config.KEY}
    std::string access;  // "read-only" or "read-write"
    bool operator==(const FsPermission&) const = default;
};

struct Permissions {
    std::vector<std::string> network;  // host[:port], *.suffix[:port], a.b.c.d[:port], [v6][:port]
    std::vector<FsPermission> filesystem;
    std::vector<std::string> env;  // environment variable names the plugin receives
    bool empty() const { return network.empty() && filesystem.empty() && env.empty(); }
    bool operator==(const Permissions&) const = default;
};

// One permissions.network entry split into its parts: "host", "host:port", "*.suffix[:port]",
// "a.b.c.d[:port]" or "[v6][:port]"; no port means 443. The one grammar of network grants:
// plugin.json validation and the sandbox's enforcement (sandbox/egress) both read it here.
struct NetworkEntry {
    enum class Kind { Name, Suffix, Ipv4, Ipv6 };
    Kind kind = Kind::Name;
    std::string host;  // the name or suffix (without "*.") lower-cased, or the address's text
    std::uint16_t port = 443;
};
// The parts, or why the entry is none of the forms (for a message naming it).
tl::expected<NetworkEntry, std::string> split_network_entry(std::string_view entry);

enum class ConfigType { String, Integer, Number, Boolean, Array, Enum };
std::string_view config_type_name(ConfigType t);

struct ConfigKey {
    ConfigType type = ConfigType::String;
    std::string description;
    bool secret = false;
    bool required = false;
    std::optional<std::string> default_json;  // the default, as compact JSON text
    std::optional<double> minimum;
    std::optional<double> maximum;
    std::optional<std::string> pattern;  // ECMAScript regex, whole-string match
    std::optional<std::uint64_t> min_items;
    std::vector<std::string> values;  // for enum
    std::string items = "string";     // element type for arrays
    std::string env;                  // environment variable it is passed in, if any
    std::string arg;                  // "", "single" or "spread"
    std::optional<int> position;      // for arg "single"
};

// A remote MCP server (issue 16): `nxp exec` bridges NextChat's stdio to it.
enum class McpTransport { StreamableHttp, Sse };  // MCP 2025-03-26 and later; 2024-11-05
std::string_view transport_name(McpTransport t);  // "streamable-http", "sse"

struct McpRemote {
    std::string url;  // http:// or https://, checked by parse_remote_url
    McpTransport transport = McpTransport::StreamableHttp;
    // Extra request headers by name; a value may hold ${config.KEY}, secret keys included
    // (expanded when the bridge starts, never shown).
    std::map<std::string, std::string> headers;
};

// The parts of a remote server's URL: http or https, a host (a DNS name, IPv4 or [IPv6];
// no user information), an optional port, a path and query (no fragment).
struct RemoteUrl {
    bool https = true;
    std::string host;  // lower-case name, or the address's text (IPv6 without brackets)
    std::uint16_t port = 443;
    std::string target;  // path and query, at least "/"
    // The permissions.network entry the server needs: "host" (port 443), "host:port",
    // "a.b.c.d:port", "[v6]:port".
    std::string network_entry;
};
Result<RemoteUrl> parse_remote_url(std::string_view url);

struct Mcp {
    std::string command;              // empty for a remote server
    std::vector<std::string> args;    // may hold ${plugin_dir}, ${state_dir}, ${config.KEY}
    std::optional<McpRemote> remote;  // instead of command and args
};

struct Hooks {
    std::string post_install;  // paths relative to the plugin tree
    std::string pre_remove;
    std::string post_upgrade;
};

struct Check {
    bool mcp = false;
    int timeout = 10;  // seconds
};

// One tool a server declares in plugin.json's "tools" (an MCPB bundle's static tools, issue
// 19 item 4): its name, and what the publisher says it does.
struct DeclaredTool {
    std::string name;         // formats::is_valid_tool_name
    std::string description;  // "" when not given
    bool operator==(const DeclaredTool&) const = default;
};
// At most this many declared tools (MCP servers offer tens; a bundle listing thousands lies).
constexpr std::size_t kMaxDeclaredTools = 1000;
// Bytes of one declared description.
constexpr std::size_t kMaxDeclaredToolDescription = 64u << 10;

struct Manifest : PackageMeta {
    std::string license;
    std::string homepage;
    std::string publisher;
    std::optional<Mcp> mcp;
    std::map<std::string, ConfigKey> config;  // ordered by key
    Permissions permissions;
    Hooks hooks;
    Check check;
    // The tools the server offers, when the publisher declares them (mcp-server only): exactly
    // these names, unless `nxp repo build --pin-tools` pins the full definitions (which must
    // then name the same tools), become the package's pins in the signed index, so that the
    // install health check and `nxp exec` hold the server to them. Unset: not declared (an
    // empty list declares a server that offers no tools).
    std::optional<std::vector<DeclaredTool>> tools;
};

// Parses and validates plugin.json text. Unknown top-level keys are an error (typos must
// not silently drop a permission or a dependency).
Result<Manifest> parse_manifest(std::string_view json_text);

// Validates one config value (JSON text) against its key's rules; the error names the key
// and the rule ("timeout: must be at most 600").
Result<void> validate_config_value(std::string_view key, const ConfigKey& spec,
                                   const nlohmann::json& value);

// The relations, as strings, for storing and display.
std::vector<std::string> dep_strings(const std::vector<DepSpec>& deps);
std::vector<std::string> dep_strings(const std::vector<Dep>& deps);

// Shared by manifest and index parsing: parses a JSON array of dependency strings at `field`.
Result<std::vector<DepSpec>> parse_dep_spec_list(const nlohmann::json& arr, std::string_view field);
Result<std::vector<Dep>> parse_dep_list(const nlohmann::json& arr, std::string_view field);
Result<Permissions> parse_permissions(const nlohmann::json& obj, std::string_view field);
nlohmann::json permissions_to_json(const Permissions& p);

}  // namespace nxp::formats
