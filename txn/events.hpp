#pragma once
// The transaction reports through nxp::Events (formats/events.hpp), which runtime/ below it
// uses too; txn code names it txn::Events.
#include "formats/events.hpp"

namespace nxp::txn {
using nxp::Events;
using nxp::Level;
using nxp::SilentEvents;
}  // namespace nxp::txn
