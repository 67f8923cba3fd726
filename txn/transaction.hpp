#pragma once
// The one path every change takes (DESIGN.md §5): resolve → show → confirm → fetch →
// verify → stage → switch → record. Commands fill a Request and call run_request.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "formats/error.hpp"
#include "resolver/resolver.hpp"
#include "txn/events.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

struct TxnOptions {
    bool dry_run = false;
    bool offline = false;
    std::string kind = "install";  // recorded in history: install, remove, update, …
    std::string command_line;
    std::string user;
    std::int64_t now = 0;  // unix seconds; 0 = the clock
    // Shows the plan and asks; false cancels. Unset = proceed.
    std::function<bool(const resolver::Plan&)> confirm;
};

struct TxnReport {
    std::optional<resolver::Unsolvable> unsolvable;  // set when the request cannot be met
    resolver::Plan plan;
    bool applied = false;
    std::int64_t txn_id = 0;
    std::int64_t from_generation = 0;
    std::int64_t to_generation = 0;
    std::uint64_t download_bytes = 0;  // bytes fetched (not found in the cache)
};

Result<TxnReport> run_request(Root& root, const resolver::Request& request, const TxnOptions& opts,
                              Events& events);

// Switches `current` back to generation `target` (default: the newest one older than
// current) without touching the network, and records it in history.
Result<TxnReport> rollback(Root& root, std::optional<std::int64_t> target, const TxnOptions& opts,
                           Events& events);

std::int64_t now_or_clock(std::int64_t now);

}  // namespace nxp::txn
