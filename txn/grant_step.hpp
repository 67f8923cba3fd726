#pragma once
// The permission steps of a transaction (DESIGN.md §3): which plugins may have what they
// ask for, decided from TxnOptions (--grant, --policy) and, failing those, by a question
// through Events; grants are stored only once the user agreed to the whole plan.
#include <map>
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
    // Questions are asked only when neither --grant nor --policy was given.
    bool may_ask() const { return opts_.grant.empty() && !opts_.policy; }
    // `name` may have `perms` from now on in this transaction (the plan's one question).
    void approve(const std::string& name, const formats::Permissions& perms);

  private:
    const TxnOptions& opts_;
    Events& events_;
    std::map<std::string, formats::Permissions> approved_;
};

// What each plugin the plan installs or changes asks for beyond its grant, in plan order.
Result<std::vector<PlannedGrant>> planned_grants(const Root& root, const resolver::Plan& plan);

// The one question before anything is fetched (after the preview of the plan and `grants`):
// "Proceed?", or "Proceed with these changes and grant these permissions?" when some grant is
// not already allowed by --grant or --policy; a Yes approves those grants in `decider`. With
// `yes` nothing is asked (grant_plan decides). A grant that --grant or --policy leaves out
// while they were given stops the transaction here, naming the flags that would allow it.
Result<void> confirm_plan(const std::vector<PlannedGrant>& grants, GrantDecider& decider, bool yes,
                          Events& events);

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
