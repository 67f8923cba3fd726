#pragma once
// `nxp repair`: rebuild damaged store trees from the verified package cache, or from the
// repository when the cache lacks them.
#include <string>
#include <vector>

#include "txn/events.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

struct RepairReport {
    std::vector<std::string> repaired;  // store paths rebuilt
    std::vector<std::string> fetched;   // packages that had to be downloaded again
};

// Repairs the trees of the current generation that `verify` finds damaged (all, or `names`).
Result<RepairReport> repair(Root& root, const std::vector<std::string>& names, bool offline,
                            Events& events);

}  // namespace nxp::txn
