// nxp permissions NAME [--grant [ITEM…] | --revoke | --log]: what a plugin asks for, what it
// was granted, granting and revoking (txn/permissions.hpp), and the egress decisions its
// sandbox recorded (txn/egress_log.hpp).
#include "cli/context.hpp"
#include "cli/table.hpp"
#include "runtime/grants.hpp"
#include "runtime/plugin.hpp"
#include "txn/egress_log.hpp"
#include "txn/permissions.hpp"

namespace nxp::cli {

namespace {

struct Flags {
    std::string name;
    bool revoke = false;
    bool grant = false;  // --grant given, with or without items
    std::vector<std::string> items;
    bool log = false;
    std::string since;
    bool denied = false;
};

std::string line(const formats::Permissions& p) {
    auto d = runtime::describe_permissions(p);
    return d.empty() ? std::string("none") : d;
}

nlohmann::json state_json(const Flags& f, const txn::PermissionState& st) {
    return {{"command", "permissions"},
            {"name", f.name},
            {"requested", formats::permissions_to_json(st.requested)},
            {"granted", formats::permissions_to_json(st.granted)},
            {"missing", formats::permissions_to_json(st.missing)},
            {"revoked", f.revoke}};
}

std::string state_text(const txn::PermissionState& st) {
    return "Requested  " + line(st.requested) + "\nGranted    " + line(st.granted) +
           "\nMissing    " + line(st.missing);
}

Result<int> show(Context& c, const Flags& f) {
    auto root = c.open_root(txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto st = txn::permission_state(*root, f.name);
    if (!st) return tl::unexpected(st.error());
    if (c.g.json) {
        c.emit(state_json(f, *st));
        return 0;
    }
    std::string hint;
    if (st->installed && !st->missing.empty())
        hint = "\n" + f.name + " does not start until this is granted: run 'nxp permissions " +
               f.name + " --grant'.";
    c.out(state_text(*st) + hint);
    return 0;
}

txn::PermissionOptions options(const Context& c) {
    return {c.g.yes, c.g.dry_run, self_exe(), c.user()};
}

Result<int> change(Context& c, const Flags& f) {
    auto root = c.open_root(c.g.dry_run ? txn::Access::Read : txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    auto ch = f.revoke ? txn::revoke_permissions(*root, f.name, options(c), c)
                       : txn::grant_permissions(*root, f.name, f.items, options(c), c);
    if (!ch) return tl::unexpected(ch.error());
    if (c.g.json) {
        auto doc = state_json(f, ch->after);
        doc[f.revoke ? "revoked_now" : "granted_now"] = formats::permissions_to_json(ch->changed);
        doc["applied"] = ch->applied;
        doc["dry_run"] = c.g.dry_run;
        c.emit(std::move(doc));
        return 0;
    }
    std::string text;
    if (f.revoke) {
        text = (ch->applied ? "Revoked every permission granted to " : "Would revoke from ") +
               f.name + " (was: " + line(ch->changed) + ").";
        if (!ch->after.missing.empty())
            text +=
                " It does not start until granted again: 'nxp permissions " + f.name + " --grant'.";
    } else if (ch->changed.empty()) {
        text = "Nothing to grant: " + f.name + " already has " +
               (f.items.empty() ? "every permission it asks for." : "what was named.");
    } else if (!ch->applied) {
        text = "Would grant " + f.name + ": " + line(ch->changed) + ".";
    }
    if (c.g.dry_run) text += " Dry run: nothing was changed.";
    c.out((text.empty() ? "" : text + "\n") + state_text(ch->after));
    return 0;
}

nlohmann::json entry_json(const txn::EgressEntry& e) {
    return {{"time", e.time},    {"decision", e.allow ? "allow" : "deny"},
            {"host", e.host},    {"address", e.address},
            {"port", e.port},    {"via", e.via},
            {"reason", e.reason}};
}

std::string destination(const txn::EgressEntry& e) {
    std::string d = e.host;
    if (e.port != 0) d += ":" + std::to_string(e.port);
    if (!e.address.empty() && e.address != e.host) d += " (" + e.address + ")";
    return d;
}

Result<int> log(Context& c, const Flags& f) {
    txn::EgressFilter filter;
    filter.denied_only = f.denied;
    if (!f.since.empty()) {
        auto since = txn::parse_since(f.since, static_cast<std::int64_t>(std::time(nullptr)));
        if (!since) return tl::unexpected(since.error());
        filter.since = *since;
    }
    auto root = c.open_root(txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto log = txn::read_egress_log(runtime::egress_log_path(root->dir(), f.name), filter);
    if (!log) return tl::unexpected(log.error());
    if (c.g.json) {
        nlohmann::json entries = nlohmann::json::array();
        for (const auto& e : log->entries) entries.push_back(entry_json(e));
        c.emit({{"command", "permissions"},
                {"name", f.name},
                {"log", std::move(entries)},
                {"found", log->found},
                {"skipped", log->skipped}});
        return 0;
    }
    if (log->skipped > 0)
        c.message(txn::Level::Warning, std::to_string(log->skipped) + " line(s) of " +
                                           runtime::egress_log_path(root->dir(), f.name).string() +
                                           " are not egress decisions and were passed over");
    if (!log->found) {
        c.out("No egress log for " + f.name + " yet: nothing it ran has reached for the network.");
        return 0;
    }
    if (log->entries.empty()) {
        c.out("No egress decisions for " + f.name + " match.");
        return 0;
    }
    Table t({"TIME", "DECISION", "DESTINATION", "VIA", "REASON"});
    for (const auto& e : log->entries)
        t.add({e.time, e.allow ? "ALLOW" : "DENY", destination(e), e.via, e.reason});
    c.out(t.render() + std::to_string(log->entries.size()) + " decision(s).");
    return 0;
}

Result<int> run(Context& c, const Flags& f) {
    if (int(f.revoke) + int(f.grant) + int(f.log) > 1)
        return fail(ErrorKind::Usage, "permissions",
                    "give at most one of --grant, --revoke, --log");
    if ((!f.since.empty() || f.denied) && !f.log)
        return fail(ErrorKind::Usage, "permissions", "--since and --denied go with --log");
    if (f.log) return log(c, f);
    if (f.revoke || f.grant) return change(c, f);
    return show(c, f);
}

}  // namespace

void add_permissions(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand(
        "permissions", "Show, grant or revoke a plugin's permissions; show its egress log");
    cmd->add_option("name", f->name, "Plugin name")->required();
    auto* grant = cmd->add_option("--grant", f->items,
                                  "Grant what it asks for (or only the ITEMs named: "
                                  "'network HOST', 'env NAME', 'read-write PATH', a value)")
                      ->expected(0, -1);
    cmd->add_flag("--revoke", f->revoke, "Revoke every grant");
    cmd->add_flag("--log", f->log, "Show the egress decisions its sandbox recorded");
    cmd->add_option("--since", f->since,
                    "With --log: only since TIME (ISO date/time, or Nm/Nh/Nd ago)");
    cmd->add_flag("--denied", f->denied, "With --log: only denied connections and names");
    cmd->callback([&ctx, f, grant] {
        f->grant = grant->count() > 0;
        // CLI11 gives a bare --grant one empty item.
        std::erase(f->items, std::string());
        ctx.action = [f](Context& c) { return run(c, *f); };
    });
}

}  // namespace nxp::cli
