// nxp tools NAME [--disable TOOL…] [--enable [TOOL…]] [--allow-unpinned | --pinned-only]: an
// MCP server's tools as nxp exec shows them to NextChat, and the operator's filters (issue 16).
// Every change is a new generation, like `nxp config`.
#include <algorithm>
#include <set>

#include "cli/context.hpp"
#include "cli/table.hpp"
#include "formats/mcp_tools.hpp"
#include "txn/tools.hpp"

namespace nxp::cli {

namespace {

using nlohmann::json;

struct Flags {
    std::string name;
    txn::ToolsRequest req;
    const CLI::Option* enable_opt = nullptr;
    bool allow_unpinned = false, pinned_only = false;
    bool changing() const {
        return !req.disable.empty() || !req.enable.empty() || req.enable_all ||
               req.allow_unpinned.has_value();
    }
};

// The definition's description, first line only, cut to `max` characters for a table.
std::string short_description(const json& def, std::size_t max = 60) {
    const json* d = def.is_object() && def.contains("description") ? &def["description"] : nullptr;
    if (!d || !d->is_string()) return "";
    std::string s = d->get<std::string>();
    s = s.substr(0, s.find('\n'));
    std::size_t chars = 0, i = 0;
    for (; i < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && ++chars > max) break;
    return i < s.size() ? s.substr(0, i) + "…" : s;
}

// "shown", "hidden" (by the operator) or "withheld" (nxp exec lets no unpinned tool through).
std::string status_of(const runtime::ToolPolicy& p, const std::string& tool) {
    if (p.hidden.count(tool)) return "hidden";
    return !p.pinned && !p.allow_unpinned ? "withheld" : "shown";
}

// The pinned tools, then hidden names no pin knows (a plugin without pins, or a tool gone).
std::vector<formats::ToolDef> listed_tools(const runtime::ToolPolicy& p) {
    std::vector<formats::ToolDef> out = p.pins;
    for (const auto& h : p.hidden)
        if (std::none_of(out.begin(), out.end(), [&](const auto& t) { return t.name == h; }))
            out.push_back({h, ""});
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

json prompt_json(const runtime::ToolPolicy& p) {
    auto size = formats::prompt_size(p.pins, p.hidden);
    return {{"tools", size.tools}, {"bytes", size.bytes}};
}

std::string prompt_text(const runtime::ToolPolicy& p) {
    auto size = formats::prompt_size(p.pins, p.hidden);
    std::size_t hidden = 0;
    for (const auto& t : p.pins) hidden += p.hidden.count(t.name);
    return std::to_string(size.tools) + (size.tools == 1 ? " tool, " : " tools, ") +
           std::to_string(size.bytes) + " bytes (" + std::to_string(hidden) + " hidden)";
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
}

Result<int> list(Context& c, const txn::ToolsEdit& e) {
    const auto& p = e.before();
    json tools = json::array();
    Table t({"TOOL", "STATUS", "BYTES", "DESCRIPTION"});
    for (const auto& def : listed_tools(p)) {
        json d = def.canonical.empty() ? json(nullptr) : json::parse(def.canonical, nullptr, false);
        const bool known = std::any_of(p.pins.begin(), p.pins.end(),
                                       [&](const auto& x) { return x.name == def.name; });
        std::size_t bytes = !known                  ? 0
                            : def.canonical.empty() ? def.name.size()
                                                    : def.canonical.size();
        std::string desc = short_description(d);
        tools.push_back(
            {{"name", def.name},
             {"description",
              d.is_object() && d.contains("description") ? d["description"] : json(nullptr)},
             {"hidden", p.hidden.count(def.name) > 0},
             {"status", status_of(p, def.name)},
             {"bytes", bytes},
             {"definition", d}});
        t.add({def.name, status_of(p, def.name), known ? std::to_string(bytes) : "-",
               known ? desc : "(not among the pinned tools)"});
    }
    if (c.g.json) {
        c.emit({{"command", "tools"},
                {"name", e.name()},
                {"version", e.package().version},
                {"pinned", p.pinned},
                {"allow_unpinned", p.allow_unpinned},
                {"tools", tools},
                {"prompt", prompt_json(p)}});
        return 0;
    }
    if (!tools.empty()) c.out(t.render());
    if (!p.pinned)
        c.out("No tool definitions are pinned for " + e.name() + " " + e.package().version +
              (p.allow_unpinned ? ": every tool passes (--allow-unpinned)."
                                : ": nxp exec withholds every tool unless --allow-unpinned."));
    else if (p.allow_unpinned)
        c.out("Changed and new tool definitions pass (--allow-unpinned; each is logged).");
    c.out("Prompt: " + prompt_text(p));
    return 0;
}

void say_changes(Context& c, const txn::ToolsEdit& e) {
    if (auto v = e.newly_hidden(); !v.empty()) c.out("Hidden: " + join(v));
    if (auto v = e.restored(); !v.empty()) c.out("Restored: " + join(v));
    if (e.before().allow_unpinned != e.after().allow_unpinned)
        c.out(e.after().allow_unpinned
                  ? "Changed and new tool definitions now pass (each is logged)."
                  : "Only pinned tool definitions pass now.");
    c.out("Prompt: " + prompt_text(e.after()) + ", was " + prompt_text(e.before()));
}

Result<int> run(Context& c, Flags f) {
    // CLI11 gives a bare --enable as one empty value.
    std::erase(f.req.enable, std::string());
    if (f.enable_opt && f.enable_opt->count() > 0 && f.req.enable.empty()) f.req.enable_all = true;
    if (f.allow_unpinned) f.req.allow_unpinned = true;
    if (f.pinned_only) f.req.allow_unpinned = false;
    const bool changing = f.changing();
    auto root = c.open_root(changing && !c.g.dry_run ? txn::Access::Write : txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto e = txn::ToolsEdit::open(*root, f.name);
    if (!e) return tl::unexpected(e.error());
    if (!changing) return list(c, *e);
    if (auto r = e->apply(f.req); !r) return tl::unexpected(r.error());
    json doc{{"command", "tools"},
             {"name", f.name},
             {"hidden", e->after().hidden},
             {"disabled", e->newly_hidden()},
             {"enabled", e->restored()},
             {"allow_unpinned", e->after().allow_unpinned},
             {"prompt", prompt_json(e->after())}};
    if (!e->changed()) {
        c.out("Nothing to do: the tool filters of " + f.name + " are unchanged.");
        doc["applied"] = false;
        if (c.g.json) c.emit(doc);
        return 0;
    }
    auto opts = c.txn_options(txn::TxnKind::Config, *root);
    if (!opts) return tl::unexpected(opts.error());
    auto report = e->commit(*root, *opts, c);
    if (!report) return tl::unexpected(report.error());
    doc["applied"] = report->applied;
    doc["generation"] = report->applied ? report->to_generation : report->from_generation;
    if (c.g.json) {
        c.emit(doc);
        return 0;
    }
    say_changes(c, *e);
    if (!report->applied) {
        c.out("Dry run: the tool filters of " + f.name + " would change; nothing was changed.");
        return 0;
    }
    c.message(txn::Level::Info,
              "Tool filters of " + f.name + " changed: generation " +
                  std::to_string(report->to_generation) +
                  " is current (undo with 'nxp rollback'). NextChat sees the change when it "
                  "next starts the server (restart NextChat).");
    return 0;
}

}  // namespace

void add_tools(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand("tools", "Show an MCP server's tools; hide or restore them");
    cmd->add_option("name", f->name, "Plugin name")->required();
    cmd->add_option("--disable", f->req.disable, "Hide these tools from NextChat")
        ->expected(1, CLI::detail::expected_max_vector_size);
    f->enable_opt =
        cmd->add_option("--enable", f->req.enable,
                        "Show these hidden tools again (without a tool: every hidden tool)")
            ->expected(0, CLI::detail::expected_max_vector_size);
    auto* allow = cmd->add_flag("--allow-unpinned", f->allow_unpinned,
                                "Let changed and new tool definitions through (logged)");
    cmd->add_flag("--pinned-only", f->pinned_only,
                  "Withhold tool definitions that differ from the pinned ones (the default)")
        ->excludes(allow);
    cmd->callback([&ctx, f] { ctx.action = [f](Context& c) { return run(c, *f); }; });
}

}  // namespace nxp::cli
