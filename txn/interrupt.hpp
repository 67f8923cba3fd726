#pragma once
// Ctrl-C during a transaction. The command line's SIGINT handler calls request_interrupt
// (async-signal-safe); the transaction looks at safe points before the switch (downloads,
// after staging, after building the generation, after hooks and checks, just before the
// switch) and stops there with ErrorKind::Cancelled, the journal row marked failed and the
// staged generation removed: nothing the user sees has changed. Once the switch is made the
// transaction completes (record, NextChat), so the change is never half done.
#include "formats/error.hpp"

namespace nxp::txn {

void request_interrupt() noexcept;  // from a signal handler
bool interrupt_requested() noexcept;

// Cancelled "interrupted; nothing was changed" once an interrupt was requested.
Result<void> check_interrupt();

}  // namespace nxp::txn
