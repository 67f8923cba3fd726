#pragma once
// Internal to txn/repos_*.cpp: the files of ROOT/cache/repos/NAME/ and what reading them
// needs. Everything else goes through txn/repos.hpp.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "db/database.hpp"
#include "formats/index.hpp"
#include "txn/root.hpp"

namespace nxp::txn::repo_cache {

inline constexpr const char* kIndexFile = "index.json.zst";
inline constexpr const char* kSigFile = "index.json.zst.minisig";  // the first signature
inline constexpr const char* kSolvFile = "repo.solv";
inline constexpr const char* kGraphFile = "graph.db";  // db/repo_graph.hpp

inline std::filesystem::path solv_path(const Root& root, const std::string& repo) {
    return root.repo_cache_dir(repo) / kSolvFile;
}
inline std::filesystem::path graph_path(const Root& root, const std::string& repo) {
    return root.repo_cache_dir(repo) / kGraphFile;
}

// The entries of `index` its own revocation list does not name.
std::vector<const formats::IndexEntry*> installable(const formats::Index& index);

// The .solv cache stands in for the index only when it was made from the index accepted
// last (the stamp is that index's sha256) and the index has not expired since.
bool solv_cache_usable(const Root& root, const db::RepoRow& row, std::int64_t now);

}  // namespace nxp::txn::repo_cache
