#pragma once
// Publisher side: `nxp repo build` (DESIGN.md §4).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/index.hpp"
#include "repo/keys.hpp"

namespace nxp::repo {

struct BuildOptions {
    std::filesystem::path repo_dir;               // REPO/ (created if missing)
    std::vector<std::filesystem::path> packages;  // .nxp files to add (copied into packages/)
    std::string repo_id;          // required for a new repository; kept otherwise
    std::int64_t expires_days = 30;
    std::int64_t now = 0;         // unix seconds; 0 = current time
};

// Adds packages (replacing an entry of the same name and version only if bytes are equal;
// otherwise refuses: published versions are immutable), re-reads the existing index,
// bumps `version`, sets generated/expires, writes index.json.zst (deterministic zstd),
// its .minisig (prehashed), and index.html. Returns the new index.
Result<formats::Index> build_repository(const BuildOptions& opts, const SecretKey& key);

}  // namespace nxp::repo
