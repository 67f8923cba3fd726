#pragma once
// Runtimes as packages (issue 19 item 2): which Node.js a plugin runs with, and the check a
// runtime package passes when it is installed.
//
// A plugin that requires node-runtime runs with the first of these that satisfies every one
// of its node-runtime requirements:
//   1. the host's node (sandbox::host_node), as the resolver prefers it: a requirement the
//      host meets never pulls a runtime package in;
//   2. else the newest runtime package (kind "runtime", providing "node-runtime = V") of the
//      generation the plugin runs in whose V satisfies them.
// The resolver's own choice is not recorded; with the host first and then the newest
// version, the choice above is the resolver's whenever one runtime package is installed per
// major version, and a satisfying one otherwise. When none satisfies (a runtime package
// removed with --force, the host's node upgraded away) the plugin is refused, naming what it
// needs. A plugin that does not require node-runtime runs as before (the host's node).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "formats/events.hpp"
#include "formats/manifest.hpp"

namespace nxp::runtime {

struct Plugin;
struct RunPolicy;

struct NodeChoice {
    enum class From { None, Host, Package };
    From from = From::None;  // None: the plugin does not require node-runtime
    std::string version;     // the node version chosen
    std::string package;     // From::Package: the runtime package's name
    // From::Package: the real path of its store tree (bin/node inside), bound read-only.
    std::filesystem::path dir;
};

// `host_version` is the host's node version (nullopt: no node on this host). An error
// (ErrorKind::NotFound) names the plugin, the requirement and the candidates.
Result<NodeChoice> choose_node(const db::Database& db, const std::filesystem::path& root_dir,
                               const std::string& plugin, const formats::Manifest& m,
                               const std::vector<db::GenPackage>& generation,
                               const std::optional<std::string>& host_version);

// The version a runtime package's manifest provides node-runtime at ("" when none).
std::string runtime_version(const formats::Manifest& m);

// Whether `bytes` (the first 64 bytes or more of a file) are an ELF header for the machine nxp
// itself runs on; when not, `why` says what they are.
bool elf_for_this_host(const std::string& bytes, std::string* why);

// The check of a runtime package before the switch: bin/node of its tree is an ELF
// executable for this host's architecture and, run in the package's sandbox, `node
// --version` prints the version the package provides node-runtime at. An error names the
// package and what was found.
Result<void> check_runtime(const Plugin& p, const RunPolicy& policy, Events& events);

}  // namespace nxp::runtime
