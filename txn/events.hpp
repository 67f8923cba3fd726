#pragma once
// The transaction reports through nxp::Events (formats/events.hpp), which runtime/ below it
// uses too; txn code names it txn::Events. Questions (nxp::Question) are asked through it
// and the plan is shown through it as a PlanPreview (txn/transaction.hpp).
#include "formats/events.hpp"

namespace nxp::txn {
using nxp::Answer;
using nxp::Events;
using nxp::Level;
using nxp::Preview;
using nxp::Question;
using nxp::SilentEvents;
}  // namespace nxp::txn
