#pragma once
// `update --check`: what an update would change, from freshly verified indexes, without
// changing what is installed (no generation, configuration or history is written). On a
// root opened for writing the fresh indexes are recorded like `nxp refresh` records them,
// so that the `nxp update` after it applies what the check reported.
#include <cstdint>
#include <optional>
#include <vector>

#include "formats/constraint.hpp"
#include "formats/error.hpp"
#include "resolver/resolver.hpp"
#include "txn/events.hpp"
#include "txn/repos.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

// Every configured repository's index, freshly downloaded and verified (checked against the
// recorded state for rollback), or from the cache with `offline`. On a writable root each
// index is stored in the cache and accepted (refresh_repo); on a read-only one it is kept in
// memory only.
Result<std::vector<RepoIndex>> fresh_indexes(Root& root, std::int64_t now, bool offline,
                                             Events& events);

struct UpdateCheck {
    std::optional<resolver::Unsolvable> unsolvable;  // set when the update cannot be met
    resolver::Plan plan;                             // empty: up to date
};
// The plan `nxp update [only…]` would make now (every installed plugin when `only` is empty),
// resolved against fresh_indexes(); the root is not changed.
Result<UpdateCheck> check_updates(Root& root, const std::vector<formats::Dep>& only,
                                  std::int64_t now, bool offline, Events& events);

}  // namespace nxp::txn
