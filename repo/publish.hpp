#pragma once
// Publisher side: `nxp repo build` (DESIGN.md §4).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/index.hpp"
#include "formats/keyset.hpp"
#include "repo/keys.hpp"

namespace nxp::repo {

struct BuildOptions {
    std::filesystem::path repo_dir;               // REPO/ (created if missing)
    std::vector<std::filesystem::path> packages;  // .nxp files to add (copied into packages/)
    std::string repo_id;                          // required for a new repository; kept otherwise
    std::int64_t expires_days = 30;
    std::int64_t now = 0;  // unix seconds; 0 = current time
    // Packages to revoke: a sha256, or NAME@VERSION of a package in the index. Revoked
    // packages stay listed; clients never install them and `nxp audit` flags installed ones.
    std::vector<std::string> revoke;
    // Advisories to publish (one with an existing id replaces it): "ID;PACKAGE;VERSIONS;
    // SEVERITY;SUMMARY", VERSIONS a constraint ("<1.4.2"), SEVERITY low|medium|high|critical.
    std::vector<std::string> advisories;
    // Tool definitions to pin in the entries of `packages` (issue 16), by the file they were
    // read from (nxp repo build --pin-tools runs each server elsewhere: repo/ runs no plugin
    // code). An entry of a package not named here keeps the pins it had; a package already
    // published with other pins is refused (its version would tell two stories).
    std::map<std::filesystem::path, std::vector<formats::ToolDef>> tool_pins;
    // Where users add the repository from (`nxp repo build --url`), for the catalogue's
    // `nxp repo add` line; empty: unknown.
    std::string public_url;
    // Also write the MCP Registry tree (v0/servers…, repo/mcp_registry.hpp) under this
    // namespace ("" = derived from the repository id).
    bool mcp_registry = false;
    std::string mcp_namespace;
};

// Adds packages (replacing an entry of the same name and version only if bytes are equal;
// otherwise refuses: published versions are immutable), re-reads the existing index,
// bumps `version`, sets generated/expires, writes index.json.zst (deterministic zstd),
// one signature per key (.minisig, .minisig.2, …; prehashed; stale extra ones removed),
// and the catalogue (index.html, plugins/NAME.html) and, when asked, the MCP Registry tree.
// Returns the new index; `written`, when given, receives the files written (relative).
Result<formats::Index> build_repository(const BuildOptions& opts,
                                        const std::vector<SecretKey>& keys,
                                        std::vector<std::string>* written = nullptr);
inline Result<formats::Index> build_repository(const BuildOptions& opts, const SecretKey& key) {
    return build_repository(opts, std::vector<SecretKey>{key});
}

// Key rotation: writes keys/N+1.json (N = the last version in REPO/keys/, 0 when none)
// listing the public halves of `new_keys` with `threshold`, signed by every key of
// `old_keys` and of `new_keys` (a key in both signs once), as keys/N+1.json.minisig,
// .minisig.2, …. When keys/N.json exists, `old_keys` must be enough of its keys to meet
// its threshold; for N = 0 they must be the keys clients pinned (not checkable here).
// The index is not re-signed: run build_repository with the new keys next.
Result<formats::KeySet> rotate_keys(const std::filesystem::path& repo_dir,
                                    const std::vector<SecretKey>& old_keys,
                                    const std::vector<SecretKey>& new_keys, std::uint32_t threshold,
                                    std::int64_t now = 0);

}  // namespace nxp::repo
