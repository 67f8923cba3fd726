// Running plugin code on a staged generation: each step's hooks and MCP health checks,
// through runtime/, before the switch (DESIGN.md §7).
#include <algorithm>
#include <ctime>
#include <map>
#include <optional>

#include "runtime/mcp_remote.hpp"
#include "runtime/plugin.hpp"
#include "runtime/run.hpp"
#include "runtime/runtimes.hpp"
#include "txn/nextchat_check.hpp"
#include "txn/plugins.hpp"
#include "txn/tool_pins.hpp"
#include "txn/transaction.hpp"

namespace nxp::txn {
using nlohmann::json;

namespace {

bool is_upgrade(StepAction a) {
    return a == StepAction::Upgrade || a == StepAction::Downgrade || a == StepAction::Reinstall;
}

// Whether a step runs anything of `m` (a library without hooks runs nothing). Only the
// manifest is read to know: loading the whole plugin (paths, configuration, grants) for each
// of 1,000 plugins took 0.4 s of a 1.4 s install (measured), for nothing.
bool has_work(const formats::Manifest& m, StepAction a) {
    if (a == StepAction::Remove) return !m.hooks.pre_remove.empty();
    if (a == StepAction::Install && !m.hooks.post_install.empty()) return true;
    if (is_upgrade(a) && !m.hooks.post_upgrade.empty()) return true;
    // A runtime package's node must run here before anything uses it (runtime/runtimes.hpp).
    if (m.kind == formats::Kind::Runtime && (a == StepAction::Install || is_upgrade(a)))
        return true;
    // Every MCP server is started: its tools are recorded (issue 16), checked against the
    // index's pins, and without check.mcp a failure only warns.
    return m.kind == formats::Kind::Mask || m.kind == formats::Kind::Prompts ||
           (m.kind == formats::Kind::McpServer && m.mcp);
}

// The tool definitions the signed index pins for each package the plan brings in.
using IndexPins = std::map<std::string, std::vector<formats::ToolDef>>;
IndexPins index_pins(const resolver::Plan& plan) {
    IndexPins out;
    for (const auto& s : plan.steps)
        if (s.kind != resolver::StepKind::Remove && s.entry && s.entry->tools)
            out[s.name] = *s.entry->tools;
    return out;
}

Result<void> record_tools(Root& root, const db::GenPackage& pkg,
                          const std::vector<formats::ToolDef>& tools, bool from_index) {
    return root.db().set_tools(pkg.name, pkg.version,
                               formats::write_recorded_tools({tools, from_index}),
                               static_cast<std::int64_t>(std::time(nullptr)));
}

// What a health check's answer changes against `kept` (a record), ignoring what a record that
// knows only a tool's name (before issue 16) cannot say.
formats::ToolDiff changed_from(const std::vector<formats::ToolDef>& kept,
                               const std::vector<formats::ToolDef>& answer) {
    auto diff = formats::diff_tools(kept, answer);
    std::erase_if(diff.changed, [](const auto& c) { return c.first.canonical.empty(); });
    return diff;
}

// The tools recorded for `pkg`'s version, if any.
Result<std::optional<formats::RecordedTools>> recorded_tools(Root& root,
                                                             const db::GenPackage& pkg) {
    auto row = root.db().tools(pkg.name, pkg.version);
    if (!row) return tl::unexpected(in_context(row.error(), pkg.name));
    if (!*row) return std::nullopt;
    auto rec =
        formats::parse_recorded_tools(**row, pkg.name + " " + pkg.version + ": recorded tools");
    if (!rec) return tl::unexpected(rec.error());
    return std::optional<formats::RecordedTools>(std::move(*rec));
}

// The MCP health check of an enabled, configured server; records its tool definitions.
// `pins`, for a version the plan brings in, are the signed index's: the answer must be
// exactly those, else the transaction stops before the switch. A step that brings in no
// version (configuration, enable) is held to the index's pins when the record is theirs;
// otherwise it records the answer too (the operator changed what the server runs with;
// sandbox-escape relies on it), and a difference from the record is a warning naming each
// tool. A server that is disabled or misses configuration is
// not started; index pins are recorded. Without pins and without check.mcp, a failed
// handshake only warns.
Result<void> check_mcp(Root& root, const runtime::Plugin& p, const db::GenPackage& pkg,
                       const std::vector<formats::ToolDef>* pins, bool brought_in,
                       const runtime::RunPolicy& policy, Events& events) {
    if (p.manifest.kind != formats::Kind::McpServer || !p.manifest.mcp) return {};
    // Without the index's pins (a package installed from a file or a directory, or an index
    // built before issue 19), the tools the package itself declares (plugin.json "tools")
    // bind it the same way: by name, recorded as pins, undeclared tools withheld at exec.
    std::vector<formats::ToolDef> declared;
    const bool self_declared = !pins && brought_in && p.manifest.tools.has_value();
    if (self_declared) {
        for (const auto& t : *p.manifest.tools) declared.push_back({t.name, ""});
        pins = &declared;
    }
    const std::string pinned_by =
        self_declared ? "that its package declares (plugin.json \"tools\")"
                      : "that repository " + pkg.repo + " pinned in its signed index";
    if (!pkg.enabled || !p.config.missing.empty()) {
        if (!pins) return {};
        events.message(Level::Info, p.name + ": not started (" +
                                        (pkg.enabled ? "configuration missing" : "disabled") +
                                        "); the tools " + pinned_by + " are recorded");
        return record_tools(root, pkg, *pins, true);
    }
    std::optional<formats::RecordedTools> record;
    std::optional<std::vector<formats::ToolDef>> kept;
    if (!brought_in) {
        auto r = recorded_tools(root, pkg);
        if (!r) return tl::unexpected(r.error());
        record = std::move(*r);
        // The index's pins of this version bind every later check of it, as at install.
        if (record && record->from_index)
            pins = &record->tools;
        else if (record)
            kept = record->tools;
    }
    const bool must_pass = p.manifest.check.mcp || pins;
    auto prof = runtime::plugin_profile(p, policy.allow_unsandboxed);
    prof.argv = runtime::mcp_argv(p);
    prof.timeout_s = p.manifest.check.timeout;
    events.message(Level::Info, "Checking MCP server " + p.name + "...");
    if (!p.manifest.mcp->remote)
        runtime::trace_sandbox(prof, p.config.secrets, p.name + ": MCP health check", events);
    PhaseTimer timer(events, "health");
    // A remote server (mcp.remote) is checked over its own transport, not in a sandbox.
    auto tools = p.manifest.mcp->remote ? runtime::remote_health_check(p, p.manifest.check.timeout)
                                        : runtime::mcp_health_check(prof, p.config.secrets);
    timer.done(p.name + ": " +
               (tools ? std::to_string(tools->size()) + " tool(s)"
                      : "no answer (" + tools.error().str() + ")"));
    if (!tools && !must_pass) {
        events.message(Level::Warning,
                       p.name + ": the MCP server did not answer the handshake (" +
                           tools.error().str() + "); " +
                           (kept ? "its recorded tools stay as they are"
                                 : "its tools are not recorded, and nxp exec withholds them "
                                   "until they are pinned (nxp tools " +
                                       p.name + " --allow-unpinned)"));
        return {};
    }
    if (!tools)
        return fail(ErrorKind::Invalid, p.name + ": MCP health check",
                    tools.error().str() + "; the transaction was aborted");
    // Pins by name alone (declared tools) record those names; other tools are withheld.
    std::optional<PinnedAnswer> pinned;
    if (pins) {
        pinned = check_pinned_answer(*pins, *tools);
        const auto& diff = pinned->diff;
        if (!diff.empty())
            return fail(ErrorKind::Verification, p.name + " " + pkg.version + ": MCP health check",
                        "the server's tools differ from those " + pinned_by + " (" +
                            describe_pinned_diff(*pinned) +
                            "); the transaction was aborted, nothing was changed");
        for (const auto& n : pinned->undeclared)
            events.message(Level::Warning,
                           p.name + ": the server offers tool \"" + n + "\"" +
                               ", which its package does not declare; nxp exec withholds it");
    } else if (kept) {
        if (auto diff = changed_from(*kept, *tools); !diff.empty())
            events.message(Level::Warning,
                           p.name +
                               ": with its new configuration the MCP server's tools differ "
                               "from those recorded (" +
                               describe_tool_diff(diff) + "); the new definitions are recorded");
    }
    if (auto r = record_tools(root, pkg, pinned ? pinned->record : *tools, pins != nullptr); !r)
        return r;
    std::string names;
    for (const auto& t : *tools) names += (names.empty() ? "" : ", ") + t.name;
    events.message(Level::Info, p.name + " answers with " + std::to_string(tools->size()) +
                                    " tool(s)" + (pins ? ", as pinned" : "") + ": " + names);
    return {};
}

// What a step that installs or changes `pkg` runs: its post-install or post-upgrade hook,
// the catalog check and the MCP health check.
Result<void> run_installed(Root& root, const db::GenPackage& pkg, StepAction a,
                           const Intent& intent, const std::vector<formats::ToolDef>* pins,
                           const runtime::RunPolicy& policy, Events& events) {
    const bool brought_in = a == StepAction::Install || is_upgrade(a);
    auto p = runtime::load_plugin(root.db(), root.dir(), pkg, intent.packages, intent.config);
    if (!p) return tl::unexpected(p.error());
    if (a == StepAction::Install) {
        if (auto r = runtime::run_hook(*p, "post-install", p->manifest.hooks.post_install, policy,
                                       events);
            !r)
            return r;
    } else if (is_upgrade(a)) {
        if (auto r = runtime::run_hook(*p, "post-upgrade", p->manifest.hooks.post_upgrade, policy,
                                       events);
            !r)
            return r;
    }
    if (p->manifest.kind == formats::Kind::Runtime && brought_in) {
        PhaseTimer timer(events, "health");
        auto r = runtime::check_runtime(*p, policy, events);
        timer.done(p->name + ": " + (r ? "node runs" : r.error().str()));
        if (!r) return r;
    }
    if (auto r = runtime::check_catalog(*p); !r) return r;
    return check_mcp(root, *p, pkg, pins, brought_in, policy, events);
}

const db::GenPackage* find_package(const std::vector<db::GenPackage>& pkgs,
                                   const std::string& name) {
    auto it = std::find_if(pkgs.begin(), pkgs.end(), [&](const auto& p) { return p.name == name; });
    return it == pkgs.end() ? nullptr : &*it;
}

}  // namespace

Result<void> run_plugin_code(Root& root, const Intent& intent, const TxnReport& report,
                             const runtime::RunPolicy& policy, Events& events) {
    // First, while nothing has run: a plugin that would take over a NextChat entry nxp did
    // not create, or NextChat files reached through a symlink, refuse the transaction.
    if (auto r = check_nextchat_before_switch(root, intent); !r) return r;
    auto old_packages = root.db().generation_packages(report.from_generation);
    if (!old_packages) return tl::unexpected(old_packages.error());
    auto old_config = root.db().generation_config(report.from_generation);
    if (!old_config) return tl::unexpected(old_config.error());
    const IndexPins pins = index_pins(report.plan);
    for (const auto& step : intent.steps) {
        auto a = step.kind();
        if (!a || (*a != StepAction::Remove && *a != StepAction::Install && !is_upgrade(*a) &&
                   *a != StepAction::Config && *a != StepAction::Enable))
            continue;
        const bool removed = *a == StepAction::Remove;
        const auto* pkg = find_package(removed ? *old_packages : intent.packages, step.name);
        if (!pkg) continue;
        auto manifest = runtime::installed_manifest(root.db(), pkg->store_path);
        if (!manifest) return tl::unexpected(manifest.error());
        if (!has_work(*manifest, *a)) continue;
        if (removed) {
            auto p = runtime::load_plugin(root.db(), root.dir(), *pkg, *old_packages, *old_config);
            if (!p) return tl::unexpected(p.error());
            if (auto r = runtime::run_hook(*p, "pre-remove", p->manifest.hooks.pre_remove, policy,
                                           events);
                !r)
                return r;
            continue;
        }
        // The index's pins apply to the version the plan brings in (not to a configuration
        // change of what is installed).
        auto pin = pins.find(step.name);
        const bool brought_in = *a == StepAction::Install || is_upgrade(*a);
        const auto* step_pins = brought_in && pin != pins.end() ? &pin->second : nullptr;
        if (auto r = run_installed(root, *pkg, *a, intent, step_pins, policy, events); !r) return r;
    }
    return {};
}

}  // namespace nxp::txn
