// nxp list: the plugins of the current generation, filtered with --explicit, --dependencies,
// --orphans (what autoremove would remove), --upgradable (what update would upgrade, from
// the cached indexes) and --held; or, with --available, every plugin the repositories offer.
#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "cli/context.hpp"
#include "cli/table.hpp"
#include "formats/manifest.hpp"
#include "runtime/config.hpp"
#include "txn/installed.hpp"
#include "txn/listing.hpp"
#include "txn/local_package.hpp"
#include "txn/plugins.hpp"

namespace nxp::cli {

namespace {

struct Flags {
    bool explicit_only = false;
    bool dependencies = false;
    bool orphans = false;
    bool upgradable = false;
    bool held = false;
    bool available = false;
    bool filtered() const { return explicit_only || dependencies || orphans || upgradable || held; }
    // The filters given, as --json's "filters" shows them.
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        if (explicit_only) out.push_back("explicit");
        if (dependencies) out.push_back("dependencies");
        if (orphans) out.push_back("orphans");
        if (upgradable) out.push_back("upgradable");
        if (held) out.push_back("held");
        return out;
    }
};

Result<int> list_available(Context& c, txn::Root& root) {
    auto avail =
        txn::available_plugins(root, txn::now_or_clock(0), c.g.offline || !root.writable(), c);
    if (!avail) return tl::unexpected(avail.error());
    auto pkgs = txn::current_packages(root);
    if (!pkgs) return tl::unexpected(pkgs.error());
    std::map<std::string, std::string> installed;
    for (const auto& p : *pkgs) installed[p.name] = p.version;
    auto inst = [&](const std::string& n) -> std::optional<std::string> {
        auto it = installed.find(n);
        if (it == installed.end()) return std::nullopt;
        return it->second;
    };
    if (c.g.json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& a : *avail) {
            auto i = inst(a.name);
            arr.push_back({{"name", a.name},
                           {"version", a.version},
                           {"kind", a.kind},
                           {"repo", a.repo},
                           {"summary", a.summary},
                           {"installed", i ? nlohmann::json(*i) : nlohmann::json(nullptr)}});
        }
        c.emit({{"command", "list"}, {"filters", {"available"}}, {"available", arr}});
        return 0;
    }
    if (avail->empty()) {
        c.out("No plugins available (no repository offers any; see 'nxp repo list').");
        return 0;
    }
    Table t({"NAME", "VERSION", "KIND", "REPO", "INSTALLED", "SUMMARY"});
    for (const auto& a : *avail)
        t.add({a.name, a.version, a.kind, a.repo, inst(a.name).value_or("-"), a.summary});
    c.out(t.render() + std::to_string(avail->size()) + " plugin(s) available.");
    return 0;
}

Result<int> run(Context& c, const Flags& f) {
    auto root = c.open_root(txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    if (f.available) return list_available(c, *root);
    std::int64_t generation = 0;
    auto all = txn::current_packages(*root, &generation);
    if (!all) return tl::unexpected(all.error());
    const std::int64_t* gen = &generation;
    auto holds = root->db().holds();
    if (!holds) return tl::unexpected(holds.error());
    auto held = [&](const std::string& n) {
        return std::find(holds->begin(), holds->end(), n) != holds->end();
    };
    // Computed only when asked: orphans resolve, upgrades read the cached indexes.
    std::set<std::string> orphans;
    if (f.orphans) {
        auto o = txn::orphan_names(*root);
        if (!o) return tl::unexpected(o.error());
        orphans.insert(o->begin(), o->end());
    }
    std::map<std::string, txn::Upgradable> upgrades;
    if (f.upgradable) {
        auto u = txn::upgradable_plugins(*root, txn::now_or_clock(0), c);
        if (!u) return tl::unexpected(u.error());
        for (auto& x : *u) upgrades[x.name] = x;
    }
    // Every filter given must hold (pacman -Qdt: dependencies and orphans).
    std::vector<db::GenPackage> selected;
    for (const auto& p : *all) {
        if (f.explicit_only && p.reason != "explicit") continue;
        if (f.dependencies && p.reason != "dependency") continue;
        if (f.orphans && !orphans.count(p.name)) continue;
        if (f.upgradable && !upgrades.count(p.name)) continue;
        if (f.held && !held(p.name)) continue;
        selected.push_back(p);
    }
    const auto* pkgs = &selected;
    auto config = root->db().generation_config(*gen);
    if (!config) return tl::unexpected(config.error());
    // A plugin missing required config is installed but paused until it is set.
    // Only a manifest's "config" member can make a key required. A manifest whose text holds
    // no '"config"' and no escape (with which a member name could spell it otherwise) has
    // none, and is not parsed again here: with 1,000 plugins that parse was half of list.
    // The manifests come from one query over the store, not one query per plugin.
    std::map<std::string, std::string> manifests;
    if (auto trees = root->db().store_trees())
        for (auto& t : *trees) manifests.emplace(std::move(t.path), std::move(t.manifest_json));
    auto needs = [&](const db::GenPackage& p) {
        auto tree = manifests.find(p.store_path);
        if (tree == manifests.end()) return std::vector<std::string>{};
        const std::string& text = tree->second;
        if (text.find("\"config\"") == std::string::npos && text.find('\\') == std::string::npos)
            return std::vector<std::string>{};
        auto m = formats::parse_manifest(text);
        if (!m) return std::vector<std::string>{};
        return runtime::effective_config(*m, *config, p.name).missing;
    };
    // Servers the operator paused in NextChat's UI (kept by nxp until 'nxp enable').
    // NextChat's file that cannot be read hides nothing here: doctor reports it.
    // Without a NextChat set (the setting nextchat.dir) nothing can be paused there; asking
    // would work out NextChat's whole configuration (every manifest, grant and fingerprint)
    // only to find that out.
    auto nextchat_dir = root->db().setting("nextchat.dir");
    const bool has_nextchat = !nextchat_dir || (*nextchat_dir && !(*nextchat_dir)->empty());
    auto nextchat_paused = has_nextchat ? txn::nextchat_paused(*root)
                                        : Result<std::set<std::string>>(std::set<std::string>{});
    auto paused_there = [&](const std::string& n) {
        return nextchat_paused && nextchat_paused->count(n) > 0;
    };
    if (c.g.json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& p : *pkgs) {
            nlohmann::json doc{{"name", p.name},
                               {"version", p.version},
                               {"reason", p.reason},
                               {"repo", p.repo},
                               // installed from a package file no signed index listed
                               {"untrusted", txn::is_untrusted_repo(p.repo)},
                               {"enabled", p.enabled},
                               {"held", held(p.name)},
                               {"needs_config", needs(p)},
                               {"paused_in_nextchat", paused_there(p.name)},
                               {"path", (root->current_link() / "plugins" / p.name).string()}};
            if (f.upgradable) {
                const auto& u = upgrades.at(p.name);
                doc["new_version"] = u.to;
                doc["new_repo"] = u.repo;
            }
            arr.push_back(std::move(doc));
        }
        nlohmann::json out{{"command", "list"}, {"generation", *gen}, {"packages", arr}};
        if (f.filtered()) out["filters"] = f.names();
        c.emit(out);
        return 0;
    }
    if (pkgs->empty()) {
        if (f.filtered())
            c.out("No installed plugins match (generation " + std::to_string(*gen) + ").");
        else
            c.out("No plugins installed (generation " + std::to_string(*gen) + ").");
        return 0;
    }
    std::vector<std::string> head{"NAME", "VERSION"};
    if (f.upgradable) head.push_back("NEW VERSION");
    for (const char* h : {"REASON", "REPO", "STATUS"}) head.push_back(h);
    Table t(head);
    for (const auto& p : *pkgs) {
        std::string status = p.enabled ? "enabled" : "disabled";
        if (held(p.name)) status += ", held";
        if (txn::is_untrusted_repo(p.repo)) status += ", UNTRUSTED";
        if (paused_there(p.name)) status += ", paused in NextChat";
        auto missing = needs(p);
        if (!missing.empty()) {
            status += ", paused: needs config";
            for (const auto& k : missing) status += " " + k;
        }
        std::vector<std::string> row{p.name, p.version};
        if (f.upgradable) {
            const auto& u = upgrades.at(p.name);
            row.push_back(u.to + (u.repo == p.repo ? "" : " [" + u.repo + "]"));
        }
        for (const auto& s : {p.reason, p.repo, status}) row.push_back(s);
        t.add(row);
    }
    c.out(t.render() + std::to_string(pkgs->size()) + " plugin(s), generation " +
          std::to_string(*gen) + ".");
    return 0;
}

}  // namespace

void add_list(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand("list", "List installed plugins");
    cmd->add_flag("--explicit", f->explicit_only, "Only plugins installed explicitly");
    cmd->add_flag("--dependencies", f->dependencies, "Only plugins installed as dependencies");
    cmd->add_flag("--orphans", f->orphans,
                  "Only dependencies nothing needs (what 'nxp autoremove' would remove)");
    cmd->add_flag("--upgradable", f->upgradable,
                  "Only plugins 'nxp update' would upgrade (from the cached indexes)");
    cmd->add_flag("--held", f->held, "Only held plugins (see 'nxp hold')");
    auto* a = cmd->add_flag("--available", f->available,
                            "Every plugin the repositories offer instead (newest per repository)");
    for (const char* o : {"--explicit", "--dependencies", "--orphans", "--upgradable", "--held"})
        a->excludes(cmd->get_option(o));
    cmd->callback([&ctx, f] { ctx.action = [f](Context& c) { return run(c, *f); }; });
}

}  // namespace nxp::cli
