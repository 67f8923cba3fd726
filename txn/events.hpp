#pragma once
// The transaction reports through nxp::Events (formats/events.hpp), which runtime/ below it
// uses too; txn code names it txn::Events. Questions (nxp::Question) are asked through it
// and the plan is shown through it as a PlanPreview (txn/transaction.hpp).
#include <chrono>
#include <string>
#include <string_view>

#include "formats/events.hpp"

namespace nxp::txn {
using nxp::Answer;
using nxp::Events;
using nxp::Level;
using nxp::Preview;
using nxp::Question;
using nxp::SilentEvents;

// Times one phase for `nxp -v`: done(text) reports it with the time since construction
// (Events::phase); a phase never done (an error returned early) reports nothing.
class PhaseTimer {
  public:
    PhaseTimer(Events& events, std::string name)
        : events_(events), name_(std::move(name)), start_(std::chrono::steady_clock::now()) {}
    void done(std::string_view text) {
        events_.phase(name_, text, std::chrono::steady_clock::now() - start_);
    }
    std::chrono::steady_clock::duration elapsed() const {
        return std::chrono::steady_clock::now() - start_;
    }

  private:
    Events& events_;
    std::string name_;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace nxp::txn
