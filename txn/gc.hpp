#pragma once
// `nxp gc`: drop old generations and the store trees no kept generation uses.
#include <cstdint>
#include <string>
#include <vector>

#include "txn/root.hpp"

namespace nxp::txn {

struct GcReport {
    std::vector<std::int64_t> removed_generations;
    std::vector<std::string> removed_trees;
    std::uint64_t freed_bytes = 0;  // installed size of the removed trees
};

// Keeps the current generation and the `keep` newest others; with `dry_run` only reports.
Result<GcReport> collect_garbage(Root& root, std::int64_t keep, bool dry_run);

}  // namespace nxp::txn
