// nxp search TERM / nxp info NAME: what the repositories offer.
#include <algorithm>

#include "cli/context.hpp"
#include "cli/table.hpp"
#include "cli/term.hpp"
#include "formats/display.hpp"
#include "formats/json_util.hpp"
#include "formats/manifest.hpp"
#include "formats/mcp_tools.hpp"
#include "formats/search.hpp"
#include "runtime/plugin.hpp"
#include "txn/installed.hpp"
#include "txn/local_package.hpp"
#include "txn/plugins.hpp"
#include "txn/repos.hpp"
#include "txn/tools.hpp"

namespace nxp::cli {

namespace {

struct Catalog {
    std::vector<txn::RepoIndex> repos;
    std::vector<db::GenPackage> installed;
};

Result<Catalog> load(Context& c, txn::Root& root) {
    Catalog cat;
    auto repos = txn::load_indexes(root, txn::now_or_clock(0), c.g.offline || !root.writable(), c);
    if (!repos) return tl::unexpected(repos.error());
    cat.repos = std::move(*repos);
    auto pkgs = txn::current_packages(root);
    if (!pkgs) return tl::unexpected(pkgs.error());
    cat.installed = std::move(*pkgs);
    return cat;
}

// The tool policy of installed MCP server `name` in the current generation (none for other
// kinds of plugin, unless tools were recorded for it).
Result<std::optional<runtime::ToolPolicy>> installed_tools(txn::Root& root,
                                                           const std::string& name) {
    auto snap = txn::current_snapshot(root);
    if (!snap) return tl::unexpected(snap.error());
    const auto* pkg = snap->find(name);
    if (!pkg) return std::optional<runtime::ToolPolicy>();
    auto m = runtime::installed_manifest(root.db(), pkg->store_path);
    if (!m) return std::optional<runtime::ToolPolicy>();
    auto policy = txn::tool_policy(root, *pkg, snap->config);
    if (!policy) return tl::unexpected(policy.error());
    // Another kind of plugin has tools only when some were recorded for it (shown as they are).
    if (m->kind != formats::Kind::McpServer && !policy->pinned)
        return std::optional<runtime::ToolPolicy>();
    return std::optional<runtime::ToolPolicy>(std::move(*policy));
}

std::string installed_version(const Catalog& cat, const std::string& name) {
    for (const auto& p : cat.installed)
        if (p.name == name) return p.version;
    return "";
}

// The repository the installed plugin came from ("" when not installed).
std::string installed_repo(const Catalog& cat, const std::string& name) {
    for (const auto& p : cat.installed)
        if (p.name == name) return p.repo;
    return "";
}

// License, homepage and publisher: the newest index entry's, each completed from the
// installed plugin's manifest where the index has none (an index built before it carried them,
// or a plugin no repository offers any more).
struct About {
    std::string license, homepage, publisher;
};

Result<About> about(txn::Root& root, const formats::IndexEntry* top, bool installed,
                    const std::string& name) {
    About a;
    if (top) a = {top->license, top->homepage, top->publisher};
    if (!installed || (!a.license.empty() && !a.homepage.empty() && !a.publisher.empty())) return a;
    auto snap = txn::current_snapshot(root);
    if (!snap) return tl::unexpected(snap.error());
    const auto* pkg = snap->find(name);
    if (!pkg) return a;
    auto m = runtime::installed_manifest(root.db(), pkg->store_path);
    if (!m) return a;  // a damaged tree: what the index says is all there is
    for (auto [mine, theirs] : {std::pair{&a.license, &m->license},
                                {&a.homepage, &m->homepage},
                                {&a.publisher, &m->publisher}})
        if (mine->empty()) *mine = *theirs;
    return a;
}

// What a plugin needs before it runs: its configuration keys and permissions. The installed
// plugin's own manifest when the newest entry is the installed version (or no repository
// offers it any more), else the newest index entry's (an index written before nxp carried
// config keys lists none).
struct Needs {
    std::map<std::string, formats::ConfigKey> config;
    formats::Permissions permissions;
};

Result<Needs> needs(txn::Root& root, const formats::IndexEntry* top, const std::string& inst,
                    const std::string& name) {
    Needs n;
    if (top) n = {top->config, top->permissions};
    if (inst.empty() || (top && top->version.str() != inst)) return n;
    auto snap = txn::current_snapshot(root);
    if (!snap) return tl::unexpected(snap.error());
    const auto* pkg = snap->find(name);
    if (!pkg) return n;
    auto m = runtime::installed_manifest(root.db(), pkg->store_path);
    if (!m) return n;
    return Needs{m->config, m->permissions};
}

nlohmann::json config_json(const std::map<std::string, formats::ConfigKey>& config) {
    nlohmann::json out = nlohmann::json::array();
    const auto keys = formats::config_to_json(config);
    for (const auto& [key, item] : keys.items()) {
        nlohmann::json j = nlohmann::json::parse(item.dump());
        const auto& k = config.at(key);
        j["key"] = key;
        j["required"] = k.required;
        j["secret"] = k.secret;
        if (!j.contains("default")) j["default"] = nullptr;
        out.push_back(std::move(j));
    }
    return out;
}

// "token    string   -  required, secret; Personal access token", aligned, one key a line.
std::string config_lines(const std::map<std::string, formats::ConfigKey>& config) {
    Table t({"KEY", "TYPE", "DEFAULT", "NOTES"});
    for (const auto& [key, k] : config) {
        std::string type(formats::config_type_name(k.type));
        if (k.type == formats::ConfigType::Array) type += " of " + k.items;
        if (k.type == formats::ConfigType::Enum) {
            std::string vs;
            for (const auto& v : k.values) vs += (vs.empty() ? "" : "|") + v;
            type += " (" + vs + ")";
        }
        std::string notes = k.required ? "required" : "optional";
        if (k.secret) notes += ", secret";
        if (!k.description.empty()) notes += "; " + k.description;
        t.add({key, type, k.default_json ? *k.default_json : "-", notes});
    }
    std::string out, lines = t.render();
    for (std::size_t at = 0; at < lines.size();) {
        std::size_t end = lines.find('\n', at);
        out += "            " + lines.substr(at, end - at + 1);
        at = end + 1;
    }
    return out;
}

Result<int> search(Context& c, const std::vector<std::string>& terms, bool regex) {
    // The query first: a pattern RE2 refuses is a usage error, whatever the root holds.
    auto query = formats::SearchQuery::make(terms, regex);
    if (!query) return tl::unexpected(query.error());
    auto root = c.open_root(txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto cat = load(c, *root);
    if (!cat) return tl::unexpected(cat.error());
    // Newest matching version per name and repository.
    std::map<std::pair<std::string, std::string>, formats::SearchHit> best;
    for (const auto& r : cat->repos)
        for (const auto& e : r.index.packages) {
            auto m = query->match(e);
            if (!m) continue;
            auto& slot = best[{e.name, r.row.name}];
            if (slot.entry == nullptr || slot.entry->version < e.version)
                slot = {&e, r.row.name, *m};
        }
    std::vector<formats::SearchHit> hits;
    hits.reserve(best.size());
    for (auto& [key, hit] : best) hits.push_back(std::move(hit));
    formats::rank_search_hits(hits);
    nlohmann::json arr = nlohmann::json::array();
    Table t({"NAME", "VERSION", "KIND", "REPO", "SUMMARY"});
    for (const auto& hit : hits) {
        const formats::IndexEntry* e = hit.entry;
        std::string inst = installed_version(*cat, e->name);
        arr.push_back(
            {{"name", e->name},
             {"version", e->version.str()},
             {"kind", formats::kind_name(e->kind)},
             {"repo", hit.repo},
             {"summary", e->summary},
             {"publisher", e->publisher},
             {"match", formats::search_match_name(hit.match)},
             {"installed", inst.empty() ? nlohmann::json(nullptr) : nlohmann::json(inst)}});
        t.add({e->name, e->version.str() + (inst.empty() ? "" : " [installed " + inst + "]"),
               std::string(formats::kind_name(e->kind)), hit.repo, e->summary});
    }
    if (c.g.json)
        c.emit({{"command", "search"}, {"results", arr}});
    else if (hits.empty())
        c.out("No plugins match.");
    else
        c.out(t.render());
    return hits.empty() ? 1 : 0;
}

Result<int> info(Context& c, const std::string& name) {
    auto root = c.open_root(txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto cat = load(c, *root);
    if (!cat) return tl::unexpected(cat.error());
    std::vector<std::pair<std::string, const formats::IndexEntry*>> versions;
    for (const auto& r : cat->repos)
        for (const auto& e : r.index.packages)
            if (e.name == name) versions.push_back({r.row.name, &e});
    std::string inst = installed_version(*cat, name);
    if (versions.empty() && inst.empty())
        return fail(ErrorKind::NotFound, name,
                    "no such plugin in any repository, and not installed");
    std::sort(versions.begin(), versions.end(),
              [](const auto& a, const auto& b) { return b.second->version < a.second->version; });
    nlohmann::json avail = nlohmann::json::array();
    for (const auto& [repo, e] : versions)
        avail.push_back({{"version", e->version.str()}, {"repo", repo}});
    const formats::IndexEntry* top = versions.empty() ? nullptr : versions.front().second;
    // Tool names pinned for the installed version, and what they add to the prompt.
    std::vector<std::string> tools;
    std::optional<runtime::ToolPolicy> policy;
    if (!inst.empty()) {
        auto p = installed_tools(*root, name);
        if (!p) return tl::unexpected(p.error());
        policy = std::move(*p);
        if (policy)
            for (const auto& d : policy->pins) tools.push_back(d.name);
    }
    auto meta = about(*root, top, !inst.empty(), name);
    if (!meta) return tl::unexpected(meta.error());
    auto need = needs(*root, top, inst, name);
    if (!need) return tl::unexpected(need.error());
    if (c.g.json) {
        nlohmann::json doc{
            {"command", "info"},
            {"name", name},
            {"available", avail},
            {"tools", tools},
            {"license", meta->license},
            {"homepage", meta->homepage},
            {"publisher", meta->publisher},
            {"config", config_json(need->config)},
            {"permissions", formats::permissions_to_json(need->permissions)},
            {"installed", inst.empty() ? nlohmann::json(nullptr) : nlohmann::json(inst)},
            {"installed_repo",
             inst.empty() ? nlohmann::json(nullptr) : nlohmann::json(installed_repo(*cat, name))},
            {"untrusted", txn::is_untrusted_repo(installed_repo(*cat, name))}};
        if (policy) {
            auto size = formats::prompt_size(policy->pins, policy->hidden);
            doc["prompt"] = {{"tools", size.tools},
                             {"bytes", size.bytes},
                             {"hidden", policy->hidden},
                             {"pinned", policy->pinned}};
        }
        if (top) {
            doc["summary"] = top->summary;
            doc["kind"] = formats::kind_name(top->kind);
            doc["requires"] = formats::dep_strings(top->requires_);
            doc["conflicts"] = formats::dep_strings(top->conflicts);
            doc["provides"] = formats::dep_strings(top->provides);
            doc["replaces"] = formats::dep_strings(top->replaces);
            doc["recommends"] = formats::dep_strings(top->recommends);
            doc["size"] = top->size;
            doc["installed_size"] = top->installed_size;
        }
        c.emit(doc);
        return 0;
    }
    std::string text = "Name        " + name + "\n";
    auto join = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
        return s.empty() ? std::string("-") : s;
    };
    auto field = [](const std::string& v) {
        return v.empty() ? std::string("-") : terminal_safe(v, /*one_line=*/true);
    };
    if (top) {
        text += "Summary     " + top->summary + "\n";
        text += "Kind        " + std::string(formats::kind_name(top->kind)) + "\n";
    }
    text += "License     " + field(meta->license) + "\n";
    text += "Homepage    " + field(meta->homepage) + "\n";
    text += "Publisher   " + field(meta->publisher) + "\n";
    if (top) {
        std::string vs;
        for (const auto& [repo, e] : versions)
            vs += (vs.empty() ? "" : ", ") + e->version.str() + " [" + repo + "]";
        text += "Available   " + vs + "\n";
        text += "Requires    " + join(formats::dep_strings(top->requires_)) + "\n";
        text += "Conflicts   " + join(formats::dep_strings(top->conflicts)) + "\n";
        text += "Provides    " + join(formats::dep_strings(top->provides)) + "\n";
        text += "Recommends  " + join(formats::dep_strings(top->recommends)) + "\n";
        text += "Size        " + formats::human_size(top->size) + " (installed " +
                formats::human_size(top->installed_size) + ")\n";
    }
    if (top || !need->permissions.empty() || !need->config.empty()) {
        std::vector<std::string> fs;
        for (const auto& f : need->permissions.filesystem) fs.push_back(f.access + " " + f.path);
        text += "Network     " + join(need->permissions.network) + "\n";
        text += "Filesystem  " + join(fs) + "\n";
        text += "Env         " + join(need->permissions.env) + "\n";
        text += "Settings    " +
                (need->config.empty() ? std::string("-\n") : "\n" + config_lines(need->config));
    }
    const std::string from = installed_repo(*cat, name);
    text += "Installed   " +
            (inst.empty() ? std::string("no")
             : txn::is_untrusted_repo(from)
                 ? inst + " UNTRUSTED: from a package file no signed index lists"
                 : inst + " [" + from + "]") +
            "\n";
    if (!tools.empty()) text += "Tools       " + join(tools) + "\n";
    if (policy && !policy->pinned)
        text +=
            "Prompt      unknown: no tool definitions are pinned (see 'nxp tools " + name + "')\n";
    else if (policy) {
        auto size = formats::prompt_size(policy->pins, policy->hidden);
        std::size_t hidden = 0;
        for (const auto& t : policy->pins) hidden += policy->hidden.count(t.name);
        text += "Prompt      " + std::to_string(size.tools) +
                (size.tools == 1 ? " tool, " : " tools, ") + std::to_string(size.bytes) +
                " bytes (" + std::to_string(hidden) + " hidden; see 'nxp tools " + name + "')\n";
    }
    c.out(text);
    return 0;
}

}  // namespace

void add_search(CLI::App& app, Context& ctx) {
    auto terms = std::make_shared<std::vector<std::string>>();
    auto regex = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("search", "Search plugins by name, summary and publisher");
    cmd->add_option("terms", *terms, "Words that must all appear")->required();
    cmd->add_flag("--regex", *regex, "Each word is an RE2 regular expression");
    cmd->callback([&ctx, terms, regex] {
        ctx.action = [terms, regex](Context& c) { return search(c, *terms, *regex); };
    });
}

void add_info(CLI::App& app, Context& ctx) {
    auto name = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("info", "Show a plugin's details");
    cmd->add_option("name", *name, "Plugin name")->required();
    cmd->callback([&ctx, name] { ctx.action = [name](Context& c) { return info(c, *name); }; });
}

}  // namespace nxp::cli
