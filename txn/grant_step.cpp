#include "txn/grant_step.hpp"

#include <algorithm>
#include <ctime>

#include "runtime/grants.hpp"
#include "txn/plugins.hpp"

namespace nxp::txn {

bool GrantDecider::allowed(const std::string& name, const formats::Permissions& missing) const {
    const auto& g = opts_.grant;
    return std::find(g.begin(), g.end(), "all") != g.end() ||
           std::find(g.begin(), g.end(), name) != g.end() ||
           (approved_.count(name) > 0 && runtime::ungranted(missing, approved_.at(name)).empty()) ||
           (opts_.policy && runtime::outside_policy(missing, *opts_.policy).empty());
}

void GrantDecider::approve(const std::string& name, const formats::Permissions& perms) {
    auto& approved = approved_[name];
    approved = runtime::merged_permissions(approved, perms);
}

bool GrantDecider::decide(Question q) {
    if (allowed(q.plugin, q.permissions)) return true;
    if (!may_ask()) return false;
    if (events_.question(q) != Answer::Yes) return false;
    // An update's answer covers the grant steps after it (asked once per plugin); an answer
    // to a grant question covers only what it was asked about.
    if (q.type == Question::Type::GrantUpdate) approve(q.plugin, q.permissions);
    return true;
}

Result<std::vector<PlannedGrant>> planned_grants(const Root& root, const resolver::Plan& plan) {
    std::vector<PlannedGrant> out;
    for (const auto& s : plan.steps) {
        if (!s.entry || s.kind == resolver::StepKind::Remove) continue;
        auto granted = runtime::granted_permissions(root.db(), s.name);
        if (!granted) return tl::unexpected(granted.error());
        auto missing =
            runtime::ungranted(runtime::needed_permissions(s.entry->permissions), *granted);
        if (!missing.empty()) out.push_back({s.name, std::move(missing)});
    }
    return out;
}

namespace {

std::string grant_flags(const std::vector<const PlannedGrant*>& asked) {
    std::string flags;
    for (const auto* g : asked) flags += " --grant " + g->name;
    return flags.substr(1);
}

}  // namespace

Result<void> confirm_plan(const std::vector<PlannedGrant>& grants, GrantDecider& decider, bool yes,
                          Events& events) {
    std::vector<const PlannedGrant*> asked;
    for (const auto& g : grants)
        if (!decider.allowed(g.name, g.permissions)) asked.push_back(&g);
    if (!asked.empty() && !decider.may_ask()) {
        std::string refused;
        for (const auto* g : asked)
            refused += "\n  " + g->name + ": " + runtime::describe_permissions(g->permissions);
        return fail(ErrorKind::Invalid, "permissions",
                    "not granted by --grant or --policy; nothing was changed. Run again with " +
                        grant_flags(asked) + " (or --grant all)" + (yes ? "" : " and --yes") + ":" +
                        refused);
    }
    if (yes) return {};
    Question q{Question::Type::Proceed, "", {}, "Proceed?"};
    if (!asked.empty()) {
        q.type = Question::Type::ProceedAndGrant;
        for (const auto* g : asked) q.plugin += (q.plugin.empty() ? "" : ",") + g->name;
        q.text = "Proceed with these changes and grant these permissions?";
    }
    if (events.question(q) != Answer::Yes)
        return fail(ErrorKind::Cancelled, "", "cancelled; nothing was changed");
    for (const auto* g : asked) decider.approve(g->name, g->permissions);
    return {};
}

Result<std::vector<HeldBack>> upgrades_to_hold(const Root& root, const resolver::Plan& plan,
                                               GrantDecider& decider, bool dry_run) {
    std::vector<HeldBack> out;
    for (const auto& s : plan.steps) {
        if (!s.entry || !s.from || !s.to || s.kind == resolver::StepKind::Remove) continue;
        auto granted = runtime::granted_permissions(root.db(), s.name);
        if (!granted) return tl::unexpected(granted.error());
        auto missing =
            runtime::ungranted(runtime::needed_permissions(s.entry->permissions), *granted);
        if (missing.empty() || decider.allowed(s.name, missing)) continue;
        bool yes = !dry_run &&
                   decider.decide({Question::Type::GrantUpdate, s.name, missing,
                                   "The update of " + s.name +
                                       " asks for more: " + runtime::describe_permissions(missing) +
                                       ". Grant it (no: keep " + s.name + " at its version)?"});
        if (!yes) out.push_back({s.name, *s.from, *s.to, std::move(missing)});
    }
    return out;
}

namespace {

std::int64_t clock_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

Result<void> grant_plan(Root& root, const resolver::Plan& plan, GrantDecider& decider,
                        Events& events) {
    std::vector<std::pair<std::string, formats::Permissions>> to_grant;
    std::string refused;
    for (const auto& s : plan.steps) {
        if (!s.entry || s.kind == resolver::StepKind::Remove) continue;
        auto needed = runtime::needed_permissions(s.entry->permissions);
        auto granted = runtime::granted_permissions(root.db(), s.name);
        if (!granted) return tl::unexpected(granted.error());
        auto missing = runtime::ungranted(needed, *granted);
        if (missing.empty()) continue;
        std::string what = runtime::describe_permissions(missing);
        if (decider.decide(
                {Question::Type::Grant, s.name, missing, "Grant " + s.name + ": " + what + "?"}))
            to_grant.push_back({s.name, runtime::merged_permissions(*granted, needed)});
        else
            refused += "\n  " + s.name + ": " + what;
    }
    if (!refused.empty())
        return fail(ErrorKind::Invalid, "permissions",
                    "not granted; nothing was changed. Grant with --grant NAME, --grant all or "
                    "--policy FILE:" +
                        refused);
    for (const auto& [name, perms] : to_grant) {
        if (auto r = runtime::store_grant(root.db(), name, perms, clock_now()); !r) return r;
        if (auto r =
                root.db().audit("", "grant", name + ": " + runtime::describe_permissions(perms));
            !r)
            return r;
        events.message(Level::Info,
                       "Granted " + name + ": " + runtime::describe_permissions(perms));
    }
    return {};
}

Result<void> grant_config_paths(Root& root, const Intent& intent, GrantDecider& decider,
                                Events& events) {
    auto ungranted = ungranted_config_paths(root, intent);
    if (!ungranted) return tl::unexpected(ungranted.error());
    std::string refused;
    for (const auto& u : *ungranted) {
        for (const auto& why : u.problems)
            events.message(Level::Warning,
                           u.name + ": filesystem permission " + why + "; it is not bound");
        if (u.missing.empty()) continue;
        auto what = runtime::describe_permissions(u.missing);
        if (!decider.decide({Question::Type::GrantConfigPath, u.name, u.missing,
                             "The configuration of " + u.name +
                                 " points its filesystem permission at: " + what +
                                 ". Grant it?"})) {
            refused += "\n  " + u.name + ": " + what;
            continue;
        }
        auto granted = runtime::granted_permissions(root.db(), u.name);
        if (!granted) return tl::unexpected(granted.error());
        if (auto r = runtime::store_grant(
                root.db(), u.name, runtime::merged_permissions(*granted, u.missing), clock_now());
            !r)
            return r;
        if (auto r = root.db().audit("", "grant", u.name + ": " + what); !r) return r;
        events.message(Level::Info, "Granted " + u.name + ": " + what);
    }
    if (!refused.empty())
        return fail(ErrorKind::Invalid, "permissions",
                    "a configured path is not granted; nothing was changed (a grant of "
                    "${config.KEY} covers the values granted, not a new one). Grant with "
                    "--grant NAME, --grant all or --policy FILE:" +
                        refused);
    return {};
}

}  // namespace nxp::txn
