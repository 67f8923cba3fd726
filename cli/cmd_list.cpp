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
#include "cli/term.hpp"
#include "txn/installed.hpp"
#include "txn/listing.hpp"
#include "txn/local_package.hpp"
#include "txn/plugins.hpp"

namespace nxp::cli {

namespace {

// `text` as nlohmann's dump writes a string (ensure_ascii off, bytes that are not UTF-8
// replaced by U+FFFD): printable ASCII without '"' or '\\' as it is, anything else
// through nlohmann itself, so that every byte is the same as the document it replaces.
void append_json_string(std::string& out, std::string_view text) {
    const bool plain = std::all_of(text.begin(), text.end(), [](char ch) {
        const auto b = static_cast<unsigned char>(ch);
        return b >= 0x20 && b < 0x7f && b != '"' && b != '\\';
    });
    if (!plain) {
        out += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
    }
    out += '"';
    out += text;
    out += '"';
}

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
    // A plugin missing required config is installed but paused until it is set: the keys
    // its store tree's manifest requires (kept in the database when the tree was recorded,
    // so no manifest is read here: with 1,000 plugins that was most of list) that its
    // generation does not set, in the manifest's order (runtime::effective_config's
    // "missing"). A store the database cannot read requires nothing here, as before.
    std::map<std::string, std::vector<std::string>> required;
    if (auto r = root->db().required_config()) required = std::move(*r);
    auto needs = [&](const db::GenPackage& p) {
        std::vector<std::string> missing;
        auto tree = required.find(p.store_path);
        if (tree == required.end()) return missing;
        for (const auto& key : tree->second) {
            const bool set = std::any_of(config->begin(), config->end(), [&](const auto& row) {
                return row.package == p.name && row.key == key;
            });
            if (!set) missing.push_back(key);
        }
        return missing;
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
        // The document Context::emit would print for {"command", "generation", "packages",
        // "filters"} (nlohmann's dump(2): members in key order, "schema" added), written
        // directly: building 1,000 objects and dumping them was half of --json list.
        const std::string plugins = (root->current_link() / "plugins").string() + "/";
        std::string doc = "{\n  \"command\": \"list\",\n";
        if (f.filtered()) {
            doc += "  \"filters\": [";
            const auto names = f.names();
            for (std::size_t i = 0; i < names.size(); ++i) {
                doc += i ? ",\n    " : "\n    ";
                append_json_string(doc, names[i]);
            }
            doc += "\n  ],\n";
        }
        doc += "  \"generation\": " + std::to_string(*gen) + ",\n  \"packages\": [";
        doc.reserve(doc.size() + pkgs->size() * (360 + plugins.size()));
        auto member = [&doc](std::string_view key) {
            doc += ",\n      \"";
            doc += key;
            doc += "\": ";
        };
        auto boolean = [&doc](bool b) { doc += b ? "true" : "false"; };
        for (std::size_t i = 0; i < pkgs->size(); ++i) {
            const auto& p = (*pkgs)[i];
            doc += i ? ",\n    {\n      \"enabled\": " : "\n    {\n      \"enabled\": ";
            boolean(p.enabled);
            member("held");
            boolean(held(p.name));
            member("name");
            append_json_string(doc, p.name);
            member("needs_config");
            const auto missing = needs(p);
            if (missing.empty()) {
                doc += "[]";
            } else {
                for (std::size_t k = 0; k < missing.size(); ++k) {
                    doc += k ? ",\n        " : "[\n        ";
                    append_json_string(doc, missing[k]);
                }
                doc += "\n      ]";
            }
            if (f.upgradable) {
                const auto& u = upgrades.at(p.name);
                member("new_repo");
                append_json_string(doc, u.repo);
                member("new_version");
                append_json_string(doc, u.to);
            }
            member("path");
            // fs::path's '/' would let a name starting with '/' replace the whole path.
            append_json_string(doc, p.name.starts_with('/')
                                        ? (root->current_link() / "plugins" / p.name).string()
                                        : plugins + p.name);
            member("paused_in_nextchat");
            boolean(paused_there(p.name));
            member("reason");
            append_json_string(doc, p.reason);
            member("repo");
            append_json_string(doc, p.repo);
            // installed from a package file no signed index listed
            member("untrusted");
            boolean(txn::is_untrusted_repo(p.repo));
            member("version");
            append_json_string(doc, p.version);
            doc += "\n    }";
        }
        doc += pkgs->empty() ? "]" : "\n  ]";
        doc += ",\n  \"schema\": " + std::to_string(kJsonSchema) + "\n}\n";
        c.emit_text(doc);
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
