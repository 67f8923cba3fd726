#include "cli/render.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli/context.hpp"
#include "formats/display.hpp"
#include "formats/json_util.hpp"
#include "formats/text_util.hpp"
#include "runtime/grants.hpp"

namespace nxp::cli {
using nlohmann::json;

std::string render_plan(const Context& ctx, const resolver::Plan& plan) {
    std::size_t width = 4;
    for (const auto& s : plan.steps) width = std::max(width, s.name.size());
    std::uint64_t download = 0;
    std::string text = "Plan:\n";
    for (const auto& s : plan.steps) {
        std::string action(resolver::step_kind_name(s.kind));
        std::string line = "  " + action +
                           std::string(10 - std::min<std::size_t>(action.size(), 9), ' ') + s.name +
                           std::string(width + 2 - s.name.size(), ' ');
        if (s.from && s.to)
            line += s.from->str() + " -> " + s.to->str();
        else if (s.to)
            line += s.to->str();
        else if (s.from)
            line += s.from->str();
        if (!s.repo.empty()) line += "  [" + s.repo + "]";
        if (s.kind != resolver::StepKind::Remove && !s.explicit_) line += "  (dependency)";
        if (!s.replaced_by.empty()) line += "  (replaced by " + s.replaced_by + ")";
        const char* sgr = s.kind == resolver::StepKind::Remove ? "31" : "32";
        text += ctx.paint(line, sgr) + "\n";
        if (s.entry) download += s.entry->size;
    }
    for (const auto& name : plan.marked_explicit)
        text += "  keep      " + name + "  (now explicitly installed)\n";
    text += std::to_string(plan.steps.size()) + " change(s), up to " +
            formats::human_size(download) + " to download.\n";
    return text;
}

json plan_json(const resolver::Plan& plan) {
    json steps = json::array();
    for (const auto& s : plan.steps) {
        json j{{"action", resolver::step_kind_name(s.kind)}, {"name", s.name}};
        j["from"] = s.from ? json(s.from->str()) : json(nullptr);
        j["to"] = s.to ? json(s.to->str()) : json(nullptr);
        if (!s.repo.empty()) j["repo"] = s.repo;
        if (s.kind != resolver::StepKind::Remove)
            j["reason"] = s.explicit_ ? "explicit" : "dependency";
        if (s.entry) {
            j["size"] = s.entry->size;
            j["sha256"] = s.entry->sha256;
        }
        if (!s.replaced_by.empty()) j["replaced_by"] = s.replaced_by;
        steps.push_back(std::move(j));
    }
    return steps;
}

json unsolvable_json(const resolver::Unsolvable& u) {
    json problems = json::array();
    for (const auto& p : u.problems) {
        json sol = json::array();
        for (const auto& s : p.solutions) sol.push_back(s.text);
        problems.push_back({{"problem", p.text}, {"details", p.details}, {"solutions", sol}});
    }
    return problems;
}

Error unsolvable_error(Context& ctx, const std::string& command, const std::string& what,
                       const resolver::Unsolvable& u) {
    if (ctx.g.json)
        ctx.emit({{"command", command}, {"ok", false}, {"unsolvable", unsolvable_json(u)}});
    std::string text = u.str();
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return Error{ErrorKind::Unsolvable, "", what + ":\n" + text};
}

Result<int> run_and_report(Context& ctx, txn::Root& root, const resolver::Request& request,
                           txn::TxnKind kind_, const std::vector<std::string>& purge,
                           const std::function<void(txn::TxnOptions&)>& adjust) {
    auto opts = ctx.txn_options(kind_, root);
    if (!opts) return tl::unexpected(opts.error());
    opts->purge = purge;
    if (adjust) adjust(*opts);
    const std::string kind(txn::txn_kind_name(kind_));
    auto report = txn::run_request(root, request, *opts, ctx);
    if (!report) return tl::unexpected(report.error());
    if (report->unsolvable)
        return tl::unexpected(
            unsolvable_error(ctx, kind, "the request cannot be satisfied", *report->unsolvable));
    if (ctx.g.json) {
        ctx.emit(
            {{"command", kind},
             {"ok", true},
             {"held_back", held_back_json(report->held_back)},
             {"tool_changes", tool_changes_json(report->tool_changes)},
             {"dry_run", ctx.g.dry_run},
             {"applied", report->applied},
             {"download_only", opts->download_only},
             {"download_bytes", report->download_bytes},
             {"plan", plan_json(report->plan)},
             {"marked_explicit", report->plan.marked_explicit},
             {"transaction", report->txn_id},
             {"generation", report->applied ? report->to_generation : report->from_generation}});
        return 0;
    }
    if (!report->held_back.empty()) std::cerr << render_held_back(report->held_back);
    if (report->plan.empty() && report->plan.marked_explicit.empty()) {
        ctx.out("Nothing to do.");
    } else if (opts->download_only) {
        ctx.out(render_plan(ctx, report->plan) + "Downloaded " +
                formats::human_size(report->download_bytes) +
                " into the package cache; nothing was installed (nxp clean removes it).");
    } else if (!report->applied) {
        ctx.out(render_plan(ctx, report->plan) + render_tool_changes(report->tool_changes) +
                "Dry run: nothing was changed.");
    } else {
        ctx.message(txn::Level::Info,
                    "Done: generation " + std::to_string(report->to_generation) + " is current (" +
                        std::to_string(report->plan.steps.size()) + " change(s), " +
                        formats::human_size(report->download_bytes) +
                        " downloaded; undo with 'nxp rollback').");
    }
    return 0;
}

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

namespace {

constexpr const char* kNotPinned =
    "tool definitions not pinned by the repository; the install health check records them";

std::string shown_description(const std::optional<std::string>& d) {
    return d ? formats::detail::quote(*d, 300) : std::string("(none)");
}

// A canonical definition as JSON (it was parsed and written by nxp; a damaged one is null).
json definition_json(const formats::ToolDef& t) {
    if (t.canonical.empty()) return json{{"name", t.name}};
    auto j = formats::parse_json(t.canonical, t.name, {128, false});
    return j ? *j : json(nullptr);
}

}  // namespace

std::string render_tool_changes(const std::vector<txn::ToolChange>& changes) {
    std::string text;
    for (const auto& c : changes) {
        const std::string head = "  " + c.name + " " + c.from + " -> " + c.to + ": ";
        if (!c.pinned) {
            text += head + kNotPinned + "\n";
            continue;
        }
        if (!c.recorded) {
            text += head +
                    "the installed version's tools were never recorded; the new version "
                    "pins " +
                    std::to_string(c.added.size()) + " tool(s)\n";
            continue;
        }
        if (!c.needs_confirmation()) continue;
        text += head.substr(0, head.size() - 1) + "\n";
        for (const auto& t : c.added) {
            json d = definition_json(t);
            const bool has =
                d.is_object() && d.contains("description") && d["description"].is_string();
            text += "    + tool " + formats::detail::quote(t.name) + ": description " +
                    shown_description(
                        has ? std::optional<std::string>(d["description"].get<std::string>())
                            : std::nullopt) +
                    "\n";
        }
        for (const auto& t : c.removed)
            text += "    - tool " + formats::detail::quote(t.name) + "\n";
        for (const auto& d : c.changed) {
            text += "    ~ tool " + formats::detail::quote(d.name) + "\n";
            if (d.description_changed)
                text += "        description: " + shown_description(d.old_description) +
                        "\n                  -> " + shown_description(d.new_description) + "\n";
            if (d.schema_changed) text += "        inputSchema: " + d.schema_summary + "\n";
        }
    }
    return text.empty() ? text : "Tool definitions (what the model is told):\n" + text;
}

json tool_changes_json(const std::vector<txn::ToolChange>& changes) {
    json out = json::array();
    for (const auto& c : changes) {
        json j{{"name", c.name},
               {"from", c.from},
               {"to", c.to},
               {"pinned", c.pinned},
               {"recorded", c.recorded},
               {"needs_confirmation", c.needs_confirmation()}};
        if (!c.pinned) j["note"] = kNotPinned;
        json added = json::array(), removed = json::array(), changed = json::array();
        for (const auto& t : c.added) added.push_back(definition_json(t));
        for (const auto& t : c.removed) removed.push_back(t.name);
        for (const auto& d : c.changed) {
            json one{{"name", d.name},
                     {"description_changed", d.description_changed},
                     {"input_schema_changed", d.schema_changed}};
            if (d.description_changed) {
                one["old_description"] =
                    d.old_description ? json(*d.old_description) : json(nullptr);
                one["new_description"] =
                    d.new_description ? json(*d.new_description) : json(nullptr);
            }
            if (d.schema_changed) one["input_schema_summary"] = d.schema_summary;
            changed.push_back(std::move(one));
        }
        j["added"] = std::move(added);
        j["removed"] = std::move(removed);
        j["changed"] = std::move(changed);
        out.push_back(std::move(j));
    }
    return out;
}

json held_back_json(const std::vector<txn::HeldBack>& held) {
    json out = json::array();
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

}  // namespace nxp::cli
