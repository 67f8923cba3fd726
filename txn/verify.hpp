#pragma once
// `nxp verify`: the disk against the database — current vs the recorded generation, each
// plugin link, and every installed file's type, mode and sha256.
#include <string>
#include <vector>

#include "txn/root.hpp"

namespace nxp::txn {

struct Finding {
    std::string package;  // empty for root-level findings
    std::string path;     // what is wrong, relative to ROOT
    std::string problem;  // "sha256 differs", "missing", "mode 0600, expected 0644", …
};

// Checks all plugins of the current generation, or only `names`.
Result<std::vector<Finding>> verify(const Root& root, const std::vector<std::string>& names);

}  // namespace nxp::txn
