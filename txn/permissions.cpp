#include "txn/permissions.hpp"

#include <algorithm>
#include <ctime>

#include "runtime/grants.hpp"
#include "txn/plugins.hpp"

namespace nxp::txn {

formats::Permissions requested_permissions(const formats::Manifest& m,
                                           const runtime::PluginConfig& config) {
    // A ${config.KEY} path needs its current value granted too.
    return runtime::merged_permissions(runtime::needed_permissions(m.permissions),
                                       runtime::config_paths(m, config));
}

Result<PermissionState> package_permissions(const Root& root, const db::GenPackage& pkg,
                                            const std::vector<db::ConfigRow>& config) {
    auto m = runtime::installed_manifest(root.db(), pkg.store_path);
    if (!m) return tl::unexpected(m.error());
    PermissionState st;
    st.installed = true;
    st.requested = requested_permissions(*m, runtime::effective_config(*m, config, pkg.name));
    auto granted = runtime::granted_permissions(root.db(), pkg.name);
    if (!granted) return tl::unexpected(granted.error());
    st.granted = std::move(*granted);
    st.missing = runtime::ungranted(st.requested, st.granted);
    return st;
}

Result<PermissionState> permission_state(Root& root, const std::string& name) {
    auto snap = current_snapshot(root);
    if (!snap) return tl::unexpected(snap.error());
    if (const auto* pkg = snap->find(name)) return package_permissions(root, *pkg, snap->config);
    PermissionState st;
    auto granted = runtime::granted_permissions(root.db(), name);
    if (!granted) return tl::unexpected(granted.error());
    if (granted->empty())
        return fail(ErrorKind::NotFound, name, "not installed and nothing granted");
    st.granted = std::move(*granted);
    return st;
}

namespace {

// The entries of `requested` one item names (empty when none).
formats::Permissions select_one(const formats::Permissions& requested, const std::string& item) {
    formats::Permissions out;
    auto space = item.find(' ');
    std::string kind = space == std::string::npos ? std::string() : item.substr(0, space);
    std::string value = space == std::string::npos ? item : item.substr(space + 1);
    bool typed = kind == "network" || kind == "env" || kind == "read-only" || kind == "read-write";
    if (!typed) value = item;  // a bare value, which may itself hold a space (a path)
    for (const auto& h : requested.network)
        if (h == value && (!typed || kind == "network")) out.network.push_back(h);
    for (const auto& e : requested.env)
        if (e == value && (!typed || kind == "env")) out.env.push_back(e);
    for (const auto& f : requested.filesystem)
        if (f.path == value && (!typed || kind == f.access)) out.filesystem.push_back(f);
    return out;
}

std::string listed(const formats::Permissions& p) {
    auto d = runtime::describe_permissions(p);
    return d.empty() ? std::string("nothing") : d;
}

std::int64_t clock_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// The grant `granted` stored for `name` (or dropped when empty) with its audit entry, as one
// database transaction.
Result<void> record(Root& root, const std::string& name, const formats::Permissions& granted,
                    const std::string& action, const std::string& detail, const std::string& user) {
    auto& db = root.db();
    if (auto r = db.begin(); !r) return r;
    auto r = granted.empty() ? db.revoke_grant(name)
                             : runtime::store_grant(db, name, granted, clock_now());
    if (r) r = db.audit(user, action, detail);
    if (r) r = db.commit();
    if (!r) db.rollback();
    return r;
}

}  // namespace

Result<formats::Permissions> select_permissions(const formats::Permissions& requested,
                                                const std::vector<std::string>& items,
                                                const std::string& plugin) {
    formats::Permissions out;
    for (const auto& item : items) {
        if (item == "all") {
            out = runtime::merged_permissions(std::move(out), requested);
            continue;
        }
        auto one = select_one(requested, item);
        if (one.empty())
            return fail(ErrorKind::Usage, "--grant " + item,
                        plugin + " does not ask for this; it asks for: " + listed(requested) +
                            " (name an entry as 'network HOST', 'env NAME', 'read-only PATH' or "
                            "'read-write PATH', or by its value)");
        out = runtime::merged_permissions(std::move(out), one);
    }
    return out;
}

Result<PermissionChange> grant_permissions(Root& root, const std::string& name,
                                           const std::vector<std::string>& items,
                                           const PermissionOptions& opts, Events& events) {
    PermissionChange ch;
    auto st = permission_state(root, name);
    if (!st) return tl::unexpected(st.error());
    if (!st->installed) return fail(ErrorKind::NotFound, name, "not installed");
    ch.before = ch.after = *st;
    auto wanted = items.empty() ? st->requested : select_permissions(st->requested, items, name);
    if (!wanted) return tl::unexpected(wanted.error());
    ch.changed = runtime::ungranted(*wanted, st->granted);
    if (ch.changed.empty() || opts.dry_run) return ch;
    std::string what = runtime::describe_permissions(ch.changed);
    if (!opts.yes) {
        auto answer = events.question(
            {Question::Type::Grant, name, ch.changed, "Grant " + name + ": " + what + "?"});
        if (answer == Answer::CannotAsk)
            return fail(ErrorKind::Invalid, name,
                        "not granted (" + what +
                            "): nothing can be asked without a terminal; run again with --yes");
        if (answer != Answer::Yes)
            return fail(ErrorKind::Invalid, name, "not granted; nothing was changed");
    }
    ch.after.granted = runtime::merged_permissions(st->granted, ch.changed);
    ch.after.missing = runtime::ungranted(st->requested, ch.after.granted);
    if (auto r = record(root, name, ch.after.granted, "grant", "permissions " + name + ": " + what,
                        opts.user);
        !r)
        return tl::unexpected(r.error());
    ch.applied = true;
    events.message(Level::Info, "Granted " + name + ": " + what);
    integrate_nextchat(root, opts.nxp_exe, events);
    return ch;
}

Result<PermissionChange> revoke_permissions(Root& root, const std::string& name,
                                            const PermissionOptions& opts, Events& events) {
    PermissionChange ch;
    auto st = permission_state(root, name);
    if (!st) return tl::unexpected(st.error());
    ch.before = ch.after = *st;
    ch.changed = st->granted;
    ch.after.granted = {};
    ch.after.missing = st->requested;
    if (opts.dry_run) {
        ch.after = *st;
        return ch;
    }
    if (auto r = record(root, name, {}, "revoke", "permissions " + name, opts.user); !r)
        return tl::unexpected(r.error());
    ch.applied = true;
    integrate_nextchat(root, opts.nxp_exe, events);
    return ch;
}

Result<void> require_granted(const std::string& name, const formats::Permissions& missing) {
    if (missing.empty()) return {};
    return fail(ErrorKind::Invalid, name,
                "permissions not granted (" + runtime::describe_permissions(missing) +
                    "); the plugin does not start until they are: run 'nxp permissions " + name +
                    " --grant'");
}

}  // namespace nxp::txn
