#pragma once
// The permission steps of a transaction (DESIGN.md §3): which plugins may have what they
// ask for, decided from TxnOptions (--grant, --policy) and, failing those, by a question
// through Events; grants are stored only once the user agreed to the whole plan.
#include <set>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/manifest.hpp"
#include "resolver/resolver.hpp"
#include "txn/events.hpp"
#include "txn/journal.hpp"
#include "txn/root.hpp"
#include "txn/transaction.hpp"

namespace nxp::txn {

// The decisions of one transaction; remembers the plugins whose update was approved by an
// answer, so that the hold-back question and the later grant steps ask only once.
class GrantDecider {
  public:
    GrantDecider(const TxnOptions& opts, Events& events) : opts_(opts), events_(events) {}
    // Whether `name` may have `missing`: named by --grant (or "all"), approved earlier,
    // or covered by the policy; otherwise asked `q` when neither --grant nor --policy was
    // given. No and CannotAsk refuse.
    bool decide(Question q);
    // decide() without asking: what --grant, --policy and earlier answers allow.
    bool allowed(const std::string& name, const formats::Permissions& missing) const;

  private:
    bool may_ask() const { return opts_.grant.empty() && !opts_.policy; }
    const TxnOptions& opts_;
    Events& events_;
    std::set<std::string> approved_;
};

// The plan's upgrades (and downgrades, reinstalls) of installed plugins whose new version
// asks for permissions beyond the plugin's grant that `decider` refuses (asked as
// Question::GrantUpdate, except in a dry run).
Result<std::vector<HeldBack>> upgrades_to_hold(const Root& root, const resolver::Plan& plan,
                                               GrantDecider& decider, bool dry_run);

// Before anything is fetched: every plugin the plan installs or changes gets what it asks
// for, or the transaction stops with nothing changed, naming each refused plugin.
Result<void> grant_plan(Root& root, const resolver::Plan& plan, GrantDecider& decider,
                        Events& events);

// Before the switch: the current values of ${config.KEY} paths of what `intent` changes
// must be granted; refused, the transaction aborts with nothing changed.
Result<void> grant_config_paths(Root& root, const Intent& intent, GrantDecider& decider,
                                Events& events);

}  // namespace nxp::txn
