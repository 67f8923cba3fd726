#pragma once
// Staging: verified downloads into the cache, extraction into immutable store trees, and
// the directory of a new generation. Nothing here changes what is in effect.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "formats/index.hpp"
#include "txn/events.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

struct Source {
    std::string repo;
    std::vector<std::string> base_urls;  // repository URL then mirrors
};

// Makes cache/packages/SHA256.nxp hold exactly the signed entry's bytes, downloading it
// (from each base URL in turn) unless a verified copy is cached. Adds downloaded bytes to
// `downloaded`.
Result<std::filesystem::path> fetch_package(Root& root, const formats::IndexEntry& entry,
                                            const Source& source, bool offline,
                                            std::uint64_t& downloaded, Events& events);

// "store/NAME-VERSION-SHA16" for an entry.
std::string store_path_for(const formats::IndexEntry& entry);

// Extracts the cached archive into its store tree (reusing an existing recorded one) and
// records its files. Checks the manifest inside matches the signed entry.
Result<std::string> stage_tree(Root& root, const formats::IndexEntry& entry,
                               const std::string& repo, const std::filesystem::path& archive);

// Builds generations/ID with plugins/NAME -> ../../../store/… for each package, via a
// temporary directory renamed into place.
Result<void> build_generation(Root& root, std::int64_t id, const std::vector<db::GenPackage>& pkgs);

}  // namespace nxp::txn
