#include "txn/interrupt.hpp"

#include <atomic>

namespace nxp::txn {

namespace {

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

}  // namespace

void request_interrupt() noexcept { g_interrupted.store(true, std::memory_order_relaxed); }

bool interrupt_requested() noexcept { return g_interrupted.load(std::memory_order_relaxed); }

Result<void> check_interrupt() {
    if (interrupt_requested())
        return fail(ErrorKind::Cancelled, "", "interrupted; nothing was changed");
    return {};
}

}  // namespace nxp::txn
