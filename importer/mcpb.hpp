#pragma once
// MCPB bundles (Claude Desktop's `.mcpb`, formerly `.dxt`: a zip holding manifest.json and the
// server) both ways: `nxp import mcpb` turns one into a plugin directory, `nxp export mcpb`
// writes one from a plugin (issue 19 item 4).
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/manifest.hpp"
#include "formats/mcp_tools.hpp"

namespace nxp::importer {

// Caps against hostile bundles: the same defaults as a .nxp (repo::ExtractLimits), plus the
// bundle file's own size.
struct ZipLimits {
    std::uint64_t max_entries = 100000;
    std::uint64_t max_total_bytes = 4ULL << 30;  // extracted, and declared by any one entry
    std::uint64_t max_ratio = 200;               // extracted / compressed, past the floor
    std::uint64_t ratio_floor_bytes = 64ULL << 20;
    std::uint64_t max_bundle_bytes = 2ULL << 30;
    std::uint64_t max_manifest_bytes = 1 << 20;
};

// One entry of a bundle as extracted.
struct ZipEntry {
    std::string path;  // '/'-separated, no trailing '/'
    char type = 'f';   // 'f' or 'd'
    std::uint32_t mode = 0644;
    std::uint64_t size = 0;
};

struct ZipContents {
    std::vector<ZipEntry> entries;  // in archive order
    std::string manifest_text;      // manifest.json at the top of the bundle
    bool signed_bundle = false;     // an MCPB_SIG_V1 block followed the zip (ignored)
};

// Extracts `bundle` into `dest` (created; must not exist). Refused, naming the bundle and the
// entry (ErrorKind::Verification): symlinks (whatever the zip's external attributes say;
// libarchive reads FIFO and device attributes as regular files, written as such), hard
// links, setuid/setgid bits, encrypted entries, names that are absolute, hold "..", "\"
// (libarchive turns it into "/" first), control characters or
// invalid UTF-8, a name given twice (the central directory's duplicates included), a
// declared size (ZIP64 or not) past the caps, more entries or bytes than the caps, a
// decompression ratio past the cap. An appended MCPB signature block is cut off and
// reported (its PKCS#7 is not verified). On error `dest` is removed.
Result<ZipContents> extract_mcpb(const std::filesystem::path& bundle,
                                 const std::filesystem::path& dest, const ZipLimits& limits = {});

struct McpbOptions {
    std::filesystem::path bundle;  // FILE.mcpb
    std::filesystem::path out;     // the plugin directory to write (absent or empty)
    std::string name;              // plugin name; default derived from the bundle's name
    bool check = true;             // turn the MCP health check on
    ZipLimits limits;
};

// What the importer decided from manifest.json (pure: no I/O).
struct McpbPlan {
    std::string bundle_name;  // manifest.json's name
    std::string version;
    std::string plugin_name;
    std::string server_type;               // node, python or binary
    std::string entry_point;               // relative to the bundle's top
    std::vector<std::string> executables;  // bundle files made executable (a binary command)
    std::vector<std::pair<std::string, std::string>> tools;  // declared (name, description)
    // The declared tools went into plugin.json's "tools" (not when the bundle declares none
    // or says tools_generated).
    bool tools_pinned = false;
    std::vector<std::string> notes;  // what was dropped or left to the operator, one a line
    bool signed_bundle = false;
    nlohmann::ordered_json manifest;  // plugin.json
};

// manifest.json (parsed) to plugin.json. `files` is the set of regular files of the bundle
// (paths as extract_mcpb gives them), against which entry_point and a command inside the
// bundle are checked; `where` names the manifest in errors ("x.mcpb: manifest.json").
// Fails naming the field: a manifest_version nxp does not read, compatibility.platforms
// without "linux", a server type or command that cannot run in nxp's sandbox, a command
// outside the bundle, a missing entry point, a ${user_config.KEY} naming no key, a secret
// on the command line, a runtime range nxp cannot express, a name that gives no valid
// plugin name, declared tools that are not an array, more than formats::kMaxDeclaredTools, a
// tool without a valid name, a name given twice, a description that is not a string or is
// too long. The declared tools become plugin.json's "tools" (unless tools_generated).
Result<McpbPlan> plan_from_mcpb(const nlohmann::json& mcpb, const std::set<std::string>& files,
                                const McpbOptions& opts, const std::string& where);

// The npm-style range of compatibility.runtimes.node as nxp's dependency on node-runtime
// (">=18 <22 || ^24" -> "node-runtime >= 18, < 22 | node-runtime ^24"); an error names
// `field` when it uses what nxp cannot express.
Result<std::string> node_runtime_requirement(std::string_view range, const std::string& field);

// Extracts the bundle, plans, and writes OUT/plugin.json and OUT/files/ (the bundle's tree).
// Nothing of OUT is left behind when it fails.
Result<McpbPlan> import_mcpb(const McpbOptions& opts);

// ---- export ----

// What `nxp export mcpb` starts from: a plugin's manifest, its tree and its pinned tools.
struct ExportSource {
    formats::Manifest manifest;
    std::filesystem::path tree;           // the plugin's files (files/ or the installed tree)
    std::vector<formats::ToolDef> tools;  // pinned or recorded definitions (may be empty)
};

struct ExportResult {
    nlohmann::ordered_json manifest;  // manifest.json as written
    std::vector<std::string> notes;   // what MCPB cannot carry (network grants, …)
    std::uint64_t entries = 0;
    std::uint64_t bytes = 0;  // of the bundle
};

// manifest.json (manifest_version 0.3) for a plugin (pure). Fails naming the plugin.json
// field MCPB cannot express: not an mcp-server, a remote server, a command that is neither
// node, python3 nor a program in the plugin's tree, ${state_dir} or ${deps.NAME} in the
// command line.
Result<ExportResult> mcpb_manifest(const formats::Manifest& m,
                                   const std::vector<formats::ToolDef>& tools);

// The bundle's bytes: manifest.json and every file of `src.tree` (a manifest.json in the tree
// is replaced; no directory entries, as `mcpb pack` writes: empty directories are not kept),
// sorted, fixed times, deflated; reproducible. A symlink in the tree is
// refused (MCPB tools do not keep them).
Result<std::string> write_mcpb(const ExportSource& src, ExportResult& result);

}  // namespace nxp::importer
