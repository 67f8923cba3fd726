#pragma once
// The installed set: the packages of the current generation (what `nxp list` shows).
#include <vector>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

// `generation`, when given, receives the current generation's id.
inline Result<std::vector<db::GenPackage>> current_packages(const Root& root,
                                                            std::int64_t* generation = nullptr) {
    auto gen = root.db().current_generation();
    if (!gen) return tl::unexpected(gen.error());
    if (generation) *generation = *gen;
    return root.db().generation_packages(*gen);
}

}  // namespace nxp::txn
