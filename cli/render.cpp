#include "cli/render.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <iostream>

#include "cli/context.hpp"
#include "cli/term.hpp"
#include "formats/display.hpp"
#include "formats/json_util.hpp"
#include "formats/text_util.hpp"
#include "runtime/config.hpp"
#include "runtime/grants.hpp"
#include "runtime/plugin.hpp"
#include "txn/plugins.hpp"

namespace nxp::cli {
using nlohmann::json;

namespace {

// A size for the plan table: "-" where there is none, "?" where the index did not say.
std::string size_cell(bool applies, std::uint64_t bytes) {
    if (!applies) return "-";
    return bytes == 0 ? std::string("?") : formats::human_size(bytes);
}

std::string padded(const std::string& s, std::size_t width, bool right = false) {
    std::string fill(width > s.size() ? width - s.size() : 0, ' ');
    return right ? fill + s : s + fill;
}

std::string version_text(const resolver::Step& s) {
    if (s.from && s.to) return s.from->str() + " -> " + s.to->str();
    if (s.to) return s.to->str();
    return s.from ? s.from->str() : "";
}

std::string signed_size(std::int64_t bytes) {
    return (bytes < 0 ? "-" : "+") +
           formats::human_size(static_cast<std::uint64_t>(bytes < 0 ? -bytes : bytes));
}

}  // namespace

PlanSizes plan_sizes(const resolver::Plan& plan) {
    PlanSizes t;
    for (const auto& s : plan.steps) {
        t.removed += s.removed_size;
        if (!s.entry) continue;
        t.download += s.entry->size;
        t.installed += s.entry->installed_size;
        if (s.entry->installed_size == 0) t.installed_unknown = true;
    }
    return t;
}

std::string render_plan(const Context& ctx, const resolver::Plan& plan) {
    // Columns: action, name, version(s), repository, download size, installed size (the new
    // version's; a removal shows what it frees, negative).
    std::vector<std::array<std::string, 6>> rows;
    rows.push_back({"", "NAME", "VERSION", "REPO", "DOWNLOAD", "INSTALLED"});
    for (const auto& s : plan.steps) {
        const bool removal = s.kind == resolver::StepKind::Remove;
        rows.push_back(
            {std::string(resolver::step_kind_name(s.kind)), s.name, version_text(s), s.repo,
             size_cell(s.entry.has_value(), s.entry ? s.entry->size : 0),
             removal
                 ? (s.removed_size ? "-" + formats::human_size(s.removed_size) : std::string("?"))
                 : size_cell(s.entry.has_value(), s.entry ? s.entry->installed_size : 0)});
    }
    std::array<std::size_t, 6> width{};
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    auto line_of = [&](const std::array<std::string, 6>& r) {
        std::string line = "  ";
        for (std::size_t i = 0; i < r.size(); ++i)
            line += padded(terminal_safe(r[i], true), width[i], i >= 4) +
                    (i + 1 < r.size() ? "  " : "");
        return line;
    };
    std::string text = "Plan:\n";
    if (!plan.steps.empty()) text += line_of(rows[0]) + "\n";
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        const auto& s = plan.steps[i];
        std::string line = line_of(rows[i + 1]);
        if (s.kind != resolver::StepKind::Remove && !s.explicit_) line += "  (dependency)";
        if (!s.replaced_by.empty()) line += "  (replaced by " + s.replaced_by + ")";
        const char* sgr = s.kind == resolver::StepKind::Remove ? "31" : "32";
        text += ctx.paint(line, sgr) + "\n";
    }
    for (const auto& name : plan.marked_explicit)
        text += "  keep      " + name + "  (now explicitly installed)\n";
    const PlanSizes t = plan_sizes(plan);
    text += std::to_string(plan.steps.size()) + " change(s).\n";
    bool incoming = false, removing = false;
    for (const auto& s : plan.steps) {
        incoming = incoming || s.entry.has_value();
        removing = removing || s.kind == resolver::StepKind::Remove;
    }
    if (incoming) {
        text += "Total download size:   " + formats::human_size(t.download) +
                " (at most: cached packages are not fetched again)\n";
        text += "Total installed size:  " + formats::human_size(t.installed) +
                (t.installed_unknown ? " (not counting packages whose index gives no size)" : "") +
                "\n";
    }
    if (removing || t.removed > 0)
        text += "Total removed size:    " + formats::human_size(t.removed) + "\n";
    if (incoming && t.removed > 0) text += "Net size change:       " + signed_size(t.net()) + "\n";
    return text;
}

LintReport report_lint(const Context& ctx, const std::vector<repo::LintFinding>& findings) {
    LintReport r;
    for (const auto& f : findings) {
        (f.error ? r.errors : r.warnings) += 1;
        r.json.push_back({{"severity", f.error ? "error" : "warning"},
                          {"where", f.where},
                          {"message", f.message}});
        if (!ctx.g.json)
            std::cerr << (f.error ? ctx.paint("error", "31") : ctx.paint("warning", "33")) << ": "
                      << f.where << ": " << f.message << '\n';
    }
    return r;
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
            j["size"] = s.entry->size;  // the download, as before download_size existed
            j["download_size"] = s.entry->size;
            j["installed_size"] =
                s.entry->installed_size ? json(s.entry->installed_size) : json(nullptr);
            j["sha256"] = s.entry->sha256;
        }
        if (s.from) j["removed_size"] = s.removed_size ? json(s.removed_size) : json(nullptr);
        if (!s.replaced_by.empty()) j["replaced_by"] = s.replaced_by;
        steps.push_back(std::move(j));
    }
    return steps;
}

json plan_sizes_json(const resolver::Plan& plan) {
    const PlanSizes t = plan_sizes(plan);
    return {{"download", t.download},
            {"installed", t.installed},
            {"installed_complete", !t.installed_unknown},
            {"removed", t.removed},
            {"net", t.net()}};
}

std::string grant_flags(std::string_view plugins) {
    std::string out;
    std::size_t start = 0;
    while (start <= plugins.size()) {
        std::size_t comma = plugins.find(',', start);
        if (comma == std::string_view::npos) comma = plugins.size();
        if (comma > start)
            out += (out.empty() ? "" : " ") + std::string("--grant ") +
                   std::string(plugins.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

std::string render_grants(const std::vector<txn::PlannedGrant>& grants) {
    std::string text;
    for (const auto& g : grants)
        text += "  " + g.name + ": " + runtime::describe_permissions(g.permissions) + "\n";
    return text.empty() ? text : "Permissions to grant:\n" + text;
}

json grants_json(const std::vector<txn::PlannedGrant>& grants) {
    json out = json::array();
    for (const auto& g : grants)
        out.push_back(
            {{"name", g.name}, {"permissions", formats::permissions_to_json(g.permissions)}});
    return out;
}

namespace {

json package_json(const std::optional<resolver::PackageRef>& p) {
    if (!p) return nullptr;
    json j{{"name", p->name},
           {"version", p->version.empty() ? json(nullptr) : json(p->version)},
           {"installed", p->installed},
           {"host", p->host}};
    j["repo"] = p->repo.empty() ? json(nullptr) : json(p->repo);
    return j;
}

json relation_json(const resolver::Relation& r) {
    json j{{"text", r.text}};
    if (r.alternatives.empty()) {
        j["name"] = r.name;
        j["constraint"] = r.constraint.empty() ? json(nullptr) : json(r.constraint);
    } else {
        json alts = json::array();
        for (const auto& a : r.alternatives) alts.push_back(relation_json(a));
        j["alternatives"] = std::move(alts);
    }
    return j;
}

json rule_json(const resolver::Rule& r) {
    json j{{"kind", r.kind}, {"text", r.text}};
    j["source"] = package_json(r.source);
    j["target"] = package_json(r.target);
    j["relation"] = r.relation ? relation_json(*r.relation) : json(nullptr);
    if (!r.job.empty()) j["job"] = {{"action", r.job}, {"spec", r.job_spec}};
    return j;
}

json element_json(const resolver::SolutionElement& e) {
    json j{{"action", e.action}, {"name", e.name}, {"text", e.text}};
    j["from"] = e.from.empty() ? json(nullptr) : json(e.from);
    j["to"] = e.to.empty() ? json(nullptr) : json(e.to);
    if (!e.replacement.empty()) j["replacement"] = e.replacement;
    return j;
}

// Whether a solution removes an installed plugin: --allow-erasing lets the solver do that.
bool erasing_would_help(const resolver::Unsolvable& u) {
    for (const auto& p : u.problems)
        for (const auto& s : p.solutions)
            for (const auto& e : s.elements)
                if (e.action == "remove" || e.action == "replace") return true;
    return false;
}

}  // namespace

// Each problem as a tree (mamba's problem graph, as fields): its sentence and detail lines
// (as before), its rules with the packages, versions and relations they involve, and its
// solutions, each with the changes it makes. "solutions" stays the list of sentences;
// "choices" holds the same solutions as objects.
json unsolvable_json(const resolver::Unsolvable& u) {
    json problems = json::array();
    for (std::size_t i = 0; i < u.problems.size(); ++i) {
        const auto& p = u.problems[i];
        json sol = json::array(), choices = json::array(), rules = json::array();
        for (std::size_t n = 0; n < p.solutions.size(); ++n) {
            const auto& s = p.solutions[n];
            sol.push_back(s.text);
            json elements = json::array();
            for (const auto& e : s.elements) elements.push_back(element_json(e));
            choices.push_back(
                {{"number", n + 1}, {"text", s.text}, {"elements", std::move(elements)}});
        }
        for (const auto& r : p.rules) rules.push_back(rule_json(r));
        problems.push_back({{"number", i + 1},
                            {"problem", p.text},
                            {"details", p.details},
                            {"rules", std::move(rules)},
                            {"solutions", std::move(sol)},
                            {"choices", std::move(choices)}});
    }
    return problems;
}

Error unsolvable_error(Context& ctx, const std::string& command, const std::string& what,
                       const resolver::Unsolvable& u) {
    if (ctx.g.json)
        ctx.emit({{"command", command}, {"ok", false}, {"unsolvable", unsolvable_json(u)}});
    std::string text = u.str();
    if ((command == "install" || command == "update") && erasing_would_help(u))
        text +=
            "Run again with --allow-erasing to let nxp remove installed plugins where "
            "needed, or on a terminal without --yes to choose a solution.\n";
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return Error{ErrorKind::Unsolvable, "", what + ":\n" + text};
}

namespace {

// A required setting an installed or changed plugin has no value for (it stays paused).
struct MissingSetting {
    std::string plugin, key;
    formats::ConfigKey spec;
    std::string command() const { return "nxp config " + plugin + " " + key + " VALUE"; }
};

Result<std::vector<MissingSetting>> missing_settings(txn::Root& root, const resolver::Plan& plan) {
    std::vector<MissingSetting> out;
    auto snap = txn::current_snapshot(root);
    if (!snap) return tl::unexpected(snap.error());
    for (const auto& s : plan.steps) {
        if (s.kind == resolver::StepKind::Remove) continue;
        const auto* pkg = snap->find(s.name);
        if (!pkg) continue;
        auto m = runtime::installed_manifest(root.db(), pkg->store_path);
        if (!m) continue;  // a damaged tree: doctor names it
        for (const auto& key : runtime::effective_config(*m, snap->config, s.name).missing)
            out.push_back({s.name, key, m->config.at(key)});
    }
    return out;
}

std::string render_missing(const std::vector<MissingSetting>& missing) {
    std::string text;
    for (const auto& m : missing)
        text += "  " + m.plugin + ": " + m.key + " (" +
                std::string(formats::config_type_name(m.spec.type)) +
                (m.spec.secret ? ", secret" : "") + ")" +
                (m.spec.description.empty() ? "" : " " + terminal_safe(m.spec.description, true)) +
                "\n    " + m.command() + "\n";
    return text.empty()
               ? text
               : "Required settings still missing (the plugin stays paused until set):\n" + text;
}

json missing_json(const std::vector<MissingSetting>& missing) {
    json out = json::array();
    for (const auto& m : missing)
        out.push_back({{"name", m.plugin},
                       {"key", m.key},
                       {"type", formats::config_type_name(m.spec.type)},
                       {"secret", m.spec.secret},
                       {"command", m.command()}});
    return out;
}

}  // namespace

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
    std::vector<MissingSetting> missing;
    if (report->applied) {
        auto m = missing_settings(root, report->plan);
        if (!m) return tl::unexpected(m.error());
        missing = std::move(*m);
    }
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
             {"sizes", plan_sizes_json(report->plan)},
             {"grants", grants_json(report->grants)},
             {"missing_config", missing_json(missing)},
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
        ctx.out(render_plan(ctx, report->plan) + render_grants(report->grants) +
                render_tool_changes(report->tool_changes) + "Dry run: nothing was changed.");
    } else {
        ctx.message(txn::Level::Info,
                    "Done: generation " + std::to_string(report->to_generation) + " is current (" +
                        std::to_string(report->plan.steps.size()) + " change(s), " +
                        formats::human_size(report->download_bytes) +
                        " downloaded; undo with 'nxp rollback').");
        if (!missing.empty()) ctx.message(txn::Level::Info, render_missing(missing));
    }
    return 0;
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
