// nxp permissions NAME [--revoke]: what a plugin asks for, what it was granted, and
// revoking it. The permission steps of a transaction are txn's (txn/grant_step.hpp).
#include "cli/context.hpp"
#include "txn/installed.hpp"

namespace nxp::cli {

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
        if (auto r = txn::revoke_grants(*root, name, c.user()); !r)
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
