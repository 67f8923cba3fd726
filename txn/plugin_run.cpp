// Running plugin code on a staged generation: each step's hooks and MCP health checks,
// through runtime/, before the switch (DESIGN.md §7).
#include <algorithm>
#include <ctime>
#include <map>

#include "runtime/plugin.hpp"
#include "runtime/run.hpp"
#include "txn/nextchat_check.hpp"
#include "txn/plugins.hpp"
#include "txn/transaction.hpp"

namespace nxp::txn {
using nlohmann::json;

Result<void> run_plugin_code(Root& root, const Intent& intent, const TxnReport& report,
                             const runtime::RunPolicy& policy, Events& events) {
    // First, while nothing has run: a plugin that would take over a NextChat entry nxp did
    // not create, or NextChat files reached through a symlink, refuse the transaction.
    if (auto r = check_nextchat_before_switch(root, intent); !r) return r;
    auto old_packages = root.db().generation_packages(report.from_generation);
    if (!old_packages) return tl::unexpected(old_packages.error());
    auto old_config = root.db().generation_config(report.from_generation);
    if (!old_config) return tl::unexpected(old_config.error());
    std::map<std::string, const db::GenPackage*> old_by_name, new_by_name;
    for (const auto& p : *old_packages) old_by_name[p.name] = &p;
    for (const auto& p : intent.packages) new_by_name[p.name] = &p;
    auto find = [](const std::map<std::string, const db::GenPackage*>& m, const std::string& name) {
        auto it = m.find(name);
        return it == m.end() ? nullptr : it->second;
    };
    // Only the manifest is read for a plugin with nothing to run or check (a library
    // without hooks): loading the whole plugin (paths, configuration, grants) for each of
    // 1,000 plugins took 0.4 s of a 1.4 s install (measured), for nothing.
    auto has_work = [](const formats::Manifest& m, const std::string& action) {
        if (action == "remove") return !m.hooks.pre_remove.empty();
        if (action == "install" && !m.hooks.post_install.empty()) return true;
        if ((action == "upgrade" || action == "downgrade" || action == "reinstall") &&
            !m.hooks.post_upgrade.empty())
            return true;
        return m.kind == formats::Kind::Mask || m.kind == formats::Kind::Prompts ||
               (m.check.mcp && m.mcp);
    };
    for (const auto& step : intent.steps) {
        const std::string& a = step.action;
        if (a != "remove" && a != "install" && a != "upgrade" && a != "downgrade" &&
            a != "reinstall" && a != "config" && a != "enable")
            continue;
        const auto* pkg = find(a == "remove" ? old_by_name : new_by_name, step.name);
        if (!pkg) continue;
        auto manifest = runtime::installed_manifest(root.db(), pkg->store_path);
        if (!manifest) return tl::unexpected(manifest.error());
        if (!has_work(*manifest, a)) continue;
        if (a == "remove") {
            auto p = runtime::load_plugin(root.db(), root.dir(), *pkg, *old_config);
            if (!p) return tl::unexpected(p.error());
            if (auto r = runtime::run_hook(*p, "pre-remove", p->manifest.hooks.pre_remove, policy,
                                           events);
                !r)
                return r;
            continue;
        }
        auto p = runtime::load_plugin(root.db(), root.dir(), *pkg, intent.config);
        if (!p) return tl::unexpected(p.error());
        if (a == "install") {
            if (auto r = runtime::run_hook(*p, "post-install", p->manifest.hooks.post_install,
                                           policy, events);
                !r)
                return r;
        } else if (a == "upgrade" || a == "downgrade" || a == "reinstall") {
            if (auto r = runtime::run_hook(*p, "post-upgrade", p->manifest.hooks.post_upgrade,
                                           policy, events);
                !r)
                return r;
        }
        if (auto r = runtime::check_catalog(*p); !r) return r;
        if (!p->manifest.check.mcp || !p->manifest.mcp || !pkg->enabled ||
            !p->config.missing.empty())
            continue;
        auto prof = runtime::plugin_profile(*p, policy.allow_unsandboxed);
        prof.argv = runtime::mcp_argv(*p);
        prof.timeout_s = p->manifest.check.timeout;
        events.message(Level::Info, "Checking MCP server " + p->name + "...");
        auto tools = runtime::mcp_health_check(prof);
        if (!tools)
            return fail(ErrorKind::Invalid, p->name + ": MCP health check",
                        tools.error().str() + "; the transaction was aborted");
        if (auto r = root.db().set_tools(p->name, pkg->version, json(*tools).dump(),
                                         static_cast<std::int64_t>(std::time(nullptr)));
            !r)
            return r;
        std::string names;
        for (const auto& t : *tools) names += (names.empty() ? "" : ", ") + t;
        events.message(Level::Info, p->name + " answers with " + std::to_string(tools->size()) +
                                        " tool(s): " + names);
    }
    return {};
}

}  // namespace nxp::txn
