#pragma once
// A plugin's permissions between transactions (DESIGN.md §3, §7): what it asks for now, what
// is granted and what is missing; `nxp permissions NAME --grant [ITEM…]` and `--revoke`. Each
// change is recorded (audit) and followed by NextChat's sync, where a plugin missing a grant
// is paused, and by NextChat's restart when its MCP configuration changed.
#include <string>
#include <vector>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "formats/manifest.hpp"
#include "runtime/config.hpp"
#include "txn/events.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

// What a plugin with manifest `m` and configuration `config` asks for that needs a grant:
// its permissions but those in its own directories, and the current expansions of its
// ${config.KEY} paths (an expansion that can never be bound is left out).
formats::Permissions requested_permissions(const formats::Manifest& m,
                                           const runtime::PluginConfig& config);

struct PermissionState {
    bool installed = false;
    formats::Permissions requested, granted, missing;
};
// The permissions of installed `pkg` in a generation configured by `config`.
Result<PermissionState> package_permissions(const Root& root, const db::GenPackage& pkg,
                                            const std::vector<db::ConfigRow>& config);
// `name`'s permissions in the current generation; NotFound when it is neither installed nor
// granted anything.
Result<PermissionState> permission_state(Root& root, const std::string& name);

// The permissions of `requested` that `items` name. An item is written as
// runtime::describe_permissions lists an entry, "network HOST", "env NAME", "read-only PATH"
// or "read-write PATH", or as the bare HOST, NAME or PATH (every requested entry with that
// value); "all" is everything. An item naming nothing requested is a Usage error naming it
// and `plugin`, and listing what is requested.
Result<formats::Permissions> select_permissions(const formats::Permissions& requested,
                                                const std::vector<std::string>& items,
                                                const std::string& plugin);

struct PermissionOptions {
    bool yes = false;      // grant without asking (--yes)
    bool dry_run = false;  // show what would change, change nothing
    std::string nxp_exe;   // what NextChat's entries run ("" = "nxp")
    std::string user;      // recorded in the audit log
};

struct PermissionChange {
    PermissionState before, after;
    formats::Permissions changed;  // what was granted or revoked now (empty: nothing to do)
    bool applied = false;          // false in a dry run or when there was nothing to do
};

// Grants `name` what `items` select of what it asks for now (select_permissions; no items:
// everything missing), asked as Question::Grant unless opts.yes: No refuses, and CannotAsk
// (no terminal) refuses naming --yes; nothing changes either way. The grant is stored, audited,
// and NextChat synced (its entry active again when nothing is missing).
Result<PermissionChange> grant_permissions(Root& root, const std::string& name,
                                           const std::vector<std::string>& items,
                                           const PermissionOptions& opts, Events& events);

// Drops every grant of `name`, audits it and syncs NextChat (its entry paused while the plugin
// asks for anything).
Result<PermissionChange> revoke_permissions(Root& root, const std::string& name,
                                            const PermissionOptions& opts, Events& events);

// The refusal `nxp exec` (and anything else about to start `name`) gives when `missing` is not
// empty: an Invalid error naming the plugin, what is missing and the command that grants it.
Result<void> require_granted(const std::string& name, const formats::Permissions& missing);

}  // namespace nxp::txn
