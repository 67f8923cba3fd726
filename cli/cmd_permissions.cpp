// nxp permissions NAME [--revoke]; and the permission step of every install and update:
// the plan lists what each plugin asks for, and nothing is staged until it is granted.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/context.hpp"
#include "txn/installed.hpp"

namespace nxp::cli {

namespace {

bool wants(const Context& ctx, const std::string& name) {
    const auto& g = ctx.g.grant;
    return std::find(g.begin(), g.end(), "all") != g.end() ||
           std::find(g.begin(), g.end(), name) != g.end() || ctx.approved.count(name) > 0;
}

Result<std::optional<formats::Permissions>> load_policy(const Context& ctx) {
    if (ctx.g.policy.empty()) return std::optional<formats::Permissions>{};
    std::ifstream in(ctx.g.policy);
    if (!in) return fail(ErrorKind::NotFound, ctx.g.policy, "cannot read the policy file");
    std::stringstream ss;
    ss << in.rdbuf();
    auto p = runtime::parse_policy(ss.str(), ctx.g.policy);
    if (!p) return tl::unexpected(p.error());
    return std::optional<formats::Permissions>(std::move(*p));
}

}  // namespace

std::string render_permissions(const resolver::Plan& plan) {
    std::string text;
    for (const auto& s : plan.steps) {
        if (!s.entry || s.kind == resolver::StepKind::Remove) continue;
        auto needed = runtime::needed_permissions(s.entry->permissions);
        if (needed.empty()) continue;
        text += "  " + s.name + ": " + runtime::describe_permissions(needed) + "\n";
    }
    return text.empty() ? text : "Permissions requested:\n" + text;
}

Result<void> check_grants(Context& ctx, txn::Root& root, const resolver::Plan& plan) {
    auto policy = load_policy(ctx);
    if (!policy) return tl::unexpected(policy.error());
    std::vector<std::pair<std::string, formats::Permissions>> to_grant;
    std::string refused;
    for (const auto& s : plan.steps) {
        if (!s.entry || s.kind == resolver::StepKind::Remove) continue;
        auto needed = runtime::needed_permissions(s.entry->permissions);
        auto granted = runtime::granted_permissions(root.db(), s.name);
        if (!granted) return tl::unexpected(granted.error());
        auto missing = runtime::ungranted(needed, *granted);
        if (missing.empty()) continue;
        bool ok =
            wants(ctx, s.name) || (*policy && runtime::outside_policy(missing, **policy).empty());
        if (!ok && ctx.interactive() && ctx.g.grant.empty() && !*policy)
            ok = ctx.confirm("Grant " + s.name + ": " + runtime::describe_permissions(missing) +
                             "?");
        if (ok)
            to_grant.push_back({s.name, runtime::merged_permissions(*granted, needed)});
        else
            refused += "\n  " + s.name + ": " + runtime::describe_permissions(missing);
    }
    if (!refused.empty())
        return fail(ErrorKind::Invalid, "permissions",
                    "not granted; nothing was changed. Grant with --grant NAME, --grant all or "
                    "--policy FILE:" +
                        refused);
    for (const auto& [name, perms] : to_grant) {
        if (auto r = runtime::store_grant(root.db(), name, perms,
                                          static_cast<std::int64_t>(std::time(nullptr)));
            !r)
            return r;
        ctx.message(txn::Level::Info,
                    "Granted " + name + ": " + runtime::describe_permissions(perms));
    }
    return {};
}

Result<void> check_config_grants(Context& ctx, txn::Root& root, const txn::Intent& intent) {
    auto ungranted = txn::ungranted_config_paths(root, intent);
    if (!ungranted) return tl::unexpected(ungranted.error());
    if (ungranted->empty()) return {};
    auto policy = load_policy(ctx);
    if (!policy) return tl::unexpected(policy.error());
    std::string refused;
    for (const auto& u : *ungranted) {
        for (const auto& why : u.problems)
            ctx.message(txn::Level::Warning,
                        u.name + ": filesystem permission " + why + "; it is not bound");
        if (u.missing.empty()) continue;
        auto what = runtime::describe_permissions(u.missing);
        bool ok =
            wants(ctx, u.name) || (*policy && runtime::outside_policy(u.missing, **policy).empty());
        if (!ok && ctx.interactive() && ctx.g.grant.empty() && !*policy)
            ok = ctx.confirm("The configuration of " + u.name +
                             " points its filesystem permission at: " + what + ". Grant it?");
        if (!ok) {
            refused += "\n  " + u.name + ": " + what;
            continue;
        }
        auto granted = runtime::granted_permissions(root.db(), u.name);
        if (!granted) return tl::unexpected(granted.error());
        if (auto r = runtime::store_grant(root.db(), u.name,
                                          runtime::merged_permissions(*granted, u.missing),
                                          static_cast<std::int64_t>(std::time(nullptr)));
            !r)
            return r;
        ctx.message(txn::Level::Info, "Granted " + u.name + ": " + what);
    }
    if (!refused.empty())
        return fail(ErrorKind::Invalid, "permissions",
                    "a configured path is not granted; nothing was changed (a grant of "
                    "${config.KEY} covers the values granted, not a new one). Grant with "
                    "--grant NAME, --grant all or --policy FILE:" +
                        refused);
    return {};
}

bool may_grant(Context& ctx, const std::string& name, const formats::Permissions& missing) {
    auto policy = load_policy(ctx);
    if (wants(ctx, name) ||
        (policy && *policy && runtime::outside_policy(missing, **policy).empty()))
        return true;
    if (ctx.g.dry_run || !ctx.interactive() || !ctx.g.grant.empty() || (policy && *policy))
        return false;
    bool yes = ctx.confirm("The update of " + name +
                           " asks for more: " + runtime::describe_permissions(missing) +
                           ". Grant it (no: keep " + name + " at its version)?");
    if (yes) ctx.approved.insert(name);
    return yes;
}

nlohmann::json held_back_json(const std::vector<txn::HeldBack>& held) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& h : held)
        out.push_back({{"name", h.name},
                       {"from", h.from.str()},
                       {"to", h.to.str()},
                       {"needs", formats::permissions_to_json(h.missing)}});
    return out;
}

std::string render_held_back(const std::vector<txn::HeldBack>& held) {
    std::string text;
    for (const auto& h : held)
        text += "  " + h.name + " " + h.from.str() + " -> " + h.to.str() + ": needs " +
                runtime::describe_permissions(h.missing) + " (grant: nxp --grant " + h.name +
                " update " + h.name + ")\n";
    return text.empty() ? text : "Held back, permissions not granted:\n" + text;
}

runtime::RunPolicy run_policy(Context& ctx, txn::Root& root) {
    runtime::RunPolicy p;
    auto setting = [&](const char* key) {
        auto v = root.db().setting(key);
        return v && *v ? **v : std::string();
    };
    p.allow_unsandboxed = ctx.g.allow_unsandboxed || setting("sandbox.allow_unsandboxed") == "true";
    std::string timeout = setting("hooks.timeout");
    if (const char* env = std::getenv("NXP_HOOK_TIMEOUT"); env && *env) timeout = env;
    if (!timeout.empty()) p.hook_timeout_s = std::max(1, std::atoi(timeout.c_str()));
    return p;
}

namespace {

Result<int> show(Context& c, const std::string& name, bool revoke) {
    auto root = c.open_root(revoke ? txn::Access::Write : txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto snap = txn::current_snapshot(*root);
    if (!snap) return tl::unexpected(snap.error());
    auto* pkgs = &snap->packages;
    auto pkg =
        std::find_if(pkgs->begin(), pkgs->end(), [&](const auto& p) { return p.name == name; });
    formats::Permissions requested;
    if (pkg != pkgs->end()) {
        auto m = runtime::installed_manifest(root->db(), pkg->store_path);
        if (!m) return tl::unexpected(m.error());
        requested = runtime::needed_permissions(m->permissions);
        // A ${config.KEY} path needs its current value granted too.
        requested = runtime::merged_permissions(
            requested,
            runtime::config_paths(*m, runtime::effective_config(*m, snap->config, name)));
    }
    auto granted = runtime::granted_permissions(root->db(), name);
    if (!granted) return tl::unexpected(granted.error());
    if (pkg == pkgs->end() && granted->empty())
        return fail(ErrorKind::NotFound, name, "not installed and nothing granted");
    if (revoke) {
        if (auto r = root->db().revoke_grant(name); !r) return tl::unexpected(r.error());
        if (auto r = root->db().audit(c.user(), "revoke", "permissions " + name); !r)
            return tl::unexpected(r.error());
    }
    auto missing = runtime::ungranted(requested, revoke ? formats::Permissions{} : *granted);
    if (c.g.json) {
        c.emit(
            {{"command", "permissions"},
             {"name", name},
             {"requested", formats::permissions_to_json(requested)},
             {"granted", formats::permissions_to_json(revoke ? formats::Permissions{} : *granted)},
             {"missing", formats::permissions_to_json(missing)},
             {"revoked", revoke}});
        return 0;
    }
    auto line = [](const formats::Permissions& p) {
        auto d = runtime::describe_permissions(p);
        return d.empty() ? std::string("none") : d;
    };
    if (revoke) {
        c.out("Revoked every permission granted to " + name + " (was: " + line(*granted) +
              "). Its code runs without them; an update asks again.");
        return 0;
    }
    c.out("Requested  " + line(requested) + "\nGranted    " + line(*granted) + "\nMissing    " +
          line(missing));
    return 0;
}

}  // namespace

void add_permissions(CLI::App& app, Context& ctx) {
    auto name = std::make_shared<std::string>();
    auto revoke = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("permissions", "Show or revoke a plugin's permission grants");
    cmd->add_option("name", *name, "Plugin name")->required();
    cmd->add_flag("--revoke", *revoke, "Revoke every grant");
    cmd->callback([&ctx, name, revoke] {
        ctx.action = [name, revoke](Context& c) { return show(c, *name, *revoke); };
    });
}

}  // namespace nxp::cli
