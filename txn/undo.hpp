#pragma once
// `history undo`: the request that reverses one recorded transaction.
#include <cstdint>

#include "formats/error.hpp"
#include "resolver/resolver.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

// The request that reverses transaction `id` (as dnf5's history undo): what it installed is
// removed, what it removed, upgraded, downgraded or reinstalled comes back at the version it
// had; nothing else changes (keep_deps). Only a finished ("done") transaction can be undone;
// a rollback is undone by rolling back, and the error says to which generation.
Result<resolver::Request> undo_request(const Root& root, std::int64_t id);

}  // namespace nxp::txn
