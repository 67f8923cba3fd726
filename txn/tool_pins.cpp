// Pinned MCP tool definitions around a transaction (txn/tool_pins.hpp).
#include "txn/tool_pins.hpp"

#include <stdlib.h>

#include <algorithm>
#include <set>

#include "formats/json_util.hpp"
#include "formats/text_util.hpp"
#include "repo/archive.hpp"
#include "runtime/plugin.hpp"
#include "txn/root.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A private directory under the temporary directory, removed with everything in it.
class ScratchDir {
  public:
    static Result<ScratchDir> make() {
        std::error_code ec;
        std::string tmpl = (fs::temp_directory_path(ec) / "nxp-pin-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr)
            return fail(ErrorKind::Io, tmpl, "cannot create a temporary directory");
        return ScratchDir(tmpl);
    }
    ScratchDir(ScratchDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    ScratchDir& operator=(ScratchDir&&) = delete;
    ~ScratchDir() {
        std::error_code ec;
        if (!path_.empty()) fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

  private:
    explicit ScratchDir(fs::path p) : path_(std::move(p)) {}
    fs::path path_;
};

// The tools of one extracted server: a Plugin made from its tree and manifest alone, with
// its configuration defaults, nothing granted and no libraries.
Result<std::vector<formats::ToolDef>> server_tools(const fs::path& archive,
                                                   const repo::Extracted& ex, const fs::path& tree,
                                                   const fs::path& state,
                                                   const runtime::RunPolicy& policy,
                                                   Events& events) {
    const formats::Manifest& m = ex.manifest;
    const std::string what = archive.string() + ": " + m.name + " " + m.version.str();
    runtime::Plugin p;
    p.name = m.name;
    p.manifest = m;
    std::error_code ec;
    p.plugin_dir = fs::weakly_canonical(tree, ec);
    p.state_dir = state;
    p.config = runtime::effective_config(m, {}, m.name);
    if (!p.config.missing.empty()) {
        std::string keys;
        for (const auto& k : p.config.missing) keys += (keys.empty() ? "" : ", ") + k;
        return fail(ErrorKind::Invalid, what,
                    "--pin-tools cannot start the server: configuration key(s) " + keys +
                        " are required and have no default (give them a default, or build "
                        "without --pin-tools)");
    }
    auto prof = runtime::plugin_profile(p, policy.allow_unsandboxed);
    prof.argv = runtime::mcp_argv(p);
    prof.timeout_s = m.check.timeout;
    events.message(Level::Info, "Pinning the tools of " + m.name + " " + m.version.str() + "...");
    auto tools = runtime::mcp_health_check(prof);
    if (!tools)
        return fail(ErrorKind::Invalid, what + ": MCP health check",
                    tools.error().str() +
                        " (--pin-tools starts the server with its configuration defaults and no "
                        "permission granted)");
    return tools;
}

}  // namespace

Result<std::map<fs::path, std::vector<formats::ToolDef>>> pin_package_tools(
    const std::vector<fs::path>& archives, const runtime::RunPolicy& policy, Events& events) {
    std::map<fs::path, std::vector<formats::ToolDef>> out;
    for (const auto& archive : archives) {
        auto scratch = ScratchDir::make();
        if (!scratch) return tl::unexpected(scratch.error());
        const fs::path tree = scratch->path() / "tree", state = scratch->path() / "state";
        auto ex = repo::extract_package(archive, tree);
        if (!ex) return tl::unexpected(in_context(ex.error(), archive.string()));
        if (ex->manifest.kind != formats::Kind::McpServer || !ex->manifest.mcp) continue;
        std::error_code ec;
        fs::create_directories(state, ec);
        if (ec) return fail(ErrorKind::Io, state.string(), ec.message());
        auto tools = server_tools(archive, *ex, tree, state, policy, events);
        if (!tools) return tl::unexpected(tools.error());
        out[archive] = std::move(*tools);
    }
    return out;
}

namespace {

// The member `key` of a canonical definition, or null.
json member_of(const formats::ToolDef& t, const char* key) {
    if (t.canonical.empty()) return nullptr;
    auto j = formats::parse_json(t.canonical, t.name, {128, false});
    if (!j || !j->is_object() || !j->contains(key)) return nullptr;
    return (*j)[key];
}

std::optional<std::string> description_of(const formats::ToolDef& t) {
    json d = member_of(t, "description");
    if (!d.is_string()) return std::nullopt;
    return d.get<std::string>();
}

std::string names(const std::vector<std::string>& list) {
    std::string out;
    for (const auto& n : list) out += (out.empty() ? "" : ", ") + formats::detail::quote(n, 64);
    return out;
}

// A short account of what changed in an inputSchema: properties added, removed or changed,
// the required list, anything else.
std::string schema_summary(const json& a, const json& b) {
    auto props = [](const json& s) {
        return s.is_object() && s.contains("properties") && s["properties"].is_object()
                   ? s["properties"]
                   : json::object();
    };
    const json pa = props(a), pb = props(b);
    std::vector<std::string> added, removed, changed;
    for (const auto& [k, v] : pb.items())
        if (!pa.contains(k))
            added.push_back(k);
        else if (pa[k] != v)
            changed.push_back(k);
    for (const auto& [k, v] : pa.items())
        if (!pb.contains(k)) removed.push_back(k);
    std::vector<std::string> parts;
    if (!added.empty()) parts.push_back("properties added: " + names(added));
    if (!removed.empty()) parts.push_back("properties removed: " + names(removed));
    if (!changed.empty()) parts.push_back("properties changed: " + names(changed));
    auto required = [](const json& s) {
        return s.is_object() && s.contains("required") ? s["required"] : json::array();
    };
    if (required(a) != required(b)) {
        // JSON text escapes control characters; long lists are cut.
        auto shown_list = [](const json& r) {
            std::string t = r.dump(-1, ' ', false, json::error_handler_t::replace);
            return t.size() > 120 ? t.substr(0, 120) + "..." : t;
        };
        parts.push_back("required: " + shown_list(required(a)) + " -> " + shown_list(required(b)));
    }
    json ra = a.is_object() ? a : json::object(), rb = b.is_object() ? b : json::object();
    ra.erase("properties");
    ra.erase("required");
    rb.erase("properties");
    rb.erase("required");
    if (ra != rb) parts.push_back("other schema members changed");
    if (a.is_null() != b.is_null())
        parts.push_back(a.is_null() ? "inputSchema added" : "inputSchema removed");
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
    return out.empty() ? "inputSchema changed" : out;
}

ToolDelta delta_of(const formats::ToolDef& before, const formats::ToolDef& after) {
    ToolDelta d;
    d.name = after.name;
    d.old_description = description_of(before);
    d.new_description = description_of(after);
    d.description_changed = d.old_description != d.new_description;
    const json sa = member_of(before, "inputSchema"), sb = member_of(after, "inputSchema");
    d.schema_changed = sa != sb;
    if (d.schema_changed) d.schema_summary = schema_summary(sa, sb);
    return d;
}

}  // namespace

Result<std::vector<ToolChange>> plan_tool_changes(const Root& root, const resolver::Plan& plan) {
    std::vector<ToolChange> out;
    for (const auto& s : plan.steps) {
        if (s.kind == resolver::StepKind::Remove || !s.entry || !s.from || !s.to) continue;
        if (s.entry->kind != formats::Kind::McpServer) continue;
        ToolChange c;
        c.name = s.name;
        c.from = s.from->str();
        c.to = s.to->str();
        auto row = root.db().tools(s.name, c.from);
        if (!row) return tl::unexpected(in_context(row.error(), s.name));
        std::vector<formats::ToolDef> old_tools;
        if (*row) {
            auto pins = formats::parse_tool_pins(**row, s.name + " " + c.from + ": recorded tools");
            if (!pins) return tl::unexpected(pins.error());
            old_tools = std::move(*pins);
            c.recorded = true;
        }
        c.pinned = s.entry->tools.has_value();
        if (c.pinned && c.recorded) {
            auto diff = formats::diff_tools(old_tools, *s.entry->tools);
            c.added = std::move(diff.added);
            c.removed = std::move(diff.removed);
            for (const auto& [before, after] : diff.changed) {
                // A record that knows only the name (before issue 16) says nothing about the
                // definition: not a change to report.
                if (before.canonical.empty()) continue;
                c.changed.push_back(delta_of(before, after));
            }
        }
        out.push_back(std::move(c));
    }
    return out;
}

PinnedAnswer check_pinned_answer(const std::vector<formats::ToolDef>& pins,
                                 const std::vector<formats::ToolDef>& answer) {
    PinnedAnswer r;
    r.diff = formats::diff_tools(pins, answer);
    const bool declared =
        !pins.empty() && std::all_of(pins.begin(), pins.end(),
                                     [](const formats::ToolDef& t) { return t.canonical.empty(); });
    if (!declared) {
        r.record = answer;
        return r;
    }
    for (const auto& t : r.diff.added) r.undeclared.push_back(t.name);
    r.diff.added.clear();
    r.record = pins;
    return r;
}

std::string describe_pinned_diff(const PinnedAnswer& answer) {
    const auto& d = answer.diff;
    const bool by_name = d.added.empty() && d.changed.empty() && !d.removed.empty() &&
                         std::all_of(answer.record.begin(), answer.record.end(),
                                     [](const formats::ToolDef& t) { return t.canonical.empty(); });
    if (!by_name) return "against the pins: " + describe_tool_diff(d);
    std::string names;
    for (const auto& t : d.removed)
        names += (names.empty() ? "" : ", ") + formats::detail::quote(t.name);
    return std::string("the server does not offer the declared tool") +
           (d.removed.size() == 1 ? " " : "s ") + names;
}

std::string describe_tool_diff(const formats::ToolDiff& diff) {
    std::vector<std::string> parts;
    for (const auto& t : diff.added)
        parts.push_back("added tool " + formats::detail::quote(t.name));
    for (const auto& t : diff.removed)
        parts.push_back("removed tool " + formats::detail::quote(t.name));
    for (const auto& [before, after] : diff.changed) {
        ToolDelta d = delta_of(before, after);
        std::string what;
        if (d.description_changed) what = "description";
        if (d.schema_changed) what += std::string(what.empty() ? "" : ", ") + "inputSchema";
        if (what.empty()) what = "definition";
        parts.push_back("changed tool " + formats::detail::quote(after.name) + " (" + what + ")");
    }
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
    return out;
}

Result<void> confirm_tool_changes(const std::vector<ToolChange>& changes, bool yes,
                                  Events& events) {
    if (yes) return {};
    std::string unasked;
    for (const auto& c : changes) {
        if (!c.needs_confirmation()) continue;
        const std::string text = "The update of " + c.name + " (" + c.from + " -> " + c.to +
                                 ") changes what the model is told by its tools. Accept?";
        auto answer = events.question({Question::Type::Proceed, c.name, {}, text});
        if (answer == Answer::No)
            return fail(ErrorKind::Cancelled, c.name,
                        "changed tool definitions not accepted; nothing was changed");
        if (answer == Answer::CannotAsk) unasked += (unasked.empty() ? "" : ", ") + c.name;
    }
    if (!unasked.empty())
        return fail(ErrorKind::Invalid, "tool definitions",
                    "the update changes the tool definitions of " + unasked +
                        " and there is no terminal to ask; nothing was changed. Review the "
                        "difference (nxp --dry-run update) and accept it with --yes");
    return {};
}

}  // namespace nxp::txn
