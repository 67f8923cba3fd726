// nxp list: the plugins of the current generation.
#include <iostream>

#include "cli/context.hpp"
#include "cli/table.hpp"
#include "txn/installed.hpp"
#include "txn/plugins.hpp"

namespace nxp::cli {

void add_list(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("list", "List installed plugins");
    cmd->callback([&ctx] {
        ctx.action = [](Context& c) -> Result<int> {
            auto root = c.open_root(txn::Access::Read);
            if (!root) return tl::unexpected(root.error());
            std::int64_t generation = 0;
            auto pkgs = txn::current_packages(*root, &generation);
            if (!pkgs) return tl::unexpected(pkgs.error());
            const std::int64_t* gen = &generation;
            auto holds = root->db().holds();
            if (!holds) return tl::unexpected(holds.error());
            auto held = [&](const std::string& n) {
                return std::find(holds->begin(), holds->end(), n) != holds->end();
            };
            auto config = root->db().generation_config(*gen);
            if (!config) return tl::unexpected(config.error());
            // A plugin missing required config is installed but paused until it is set.
            auto needs = [&](const db::GenPackage& p) {
                auto m = runtime::installed_manifest(root->db(), p.store_path);
                if (!m) return std::vector<std::string>{};
                return runtime::effective_config(*m, *config, p.name).missing;
            };
            // Servers the operator paused in NextChat's UI (kept by nxp until 'nxp enable').
            // NextChat's file that cannot be read hides nothing here: doctor reports it.
            auto nextchat_paused = txn::nextchat_paused(*root);
            auto paused_there = [&](const std::string& n) {
                return nextchat_paused && nextchat_paused->count(n) > 0;
            };
            if (c.g.json) {
                nlohmann::json arr = nlohmann::json::array();
                for (const auto& p : *pkgs)
                    arr.push_back({{"name", p.name},
                                   {"version", p.version},
                                   {"reason", p.reason},
                                   {"repo", p.repo},
                                   {"enabled", p.enabled},
                                   {"held", held(p.name)},
                                   {"needs_config", needs(p)},
                                   {"paused_in_nextchat", paused_there(p.name)},
                                   {"path", (root->current_link() / "plugins" / p.name).string()}});
                c.emit({{"command", "list"}, {"generation", *gen}, {"packages", arr}});
                return 0;
            }
            if (pkgs->empty()) {
                c.out("No plugins installed (generation " + std::to_string(*gen) + ").");
                return 0;
            }
            Table t({"NAME", "VERSION", "REASON", "REPO", "STATUS"});
            for (const auto& p : *pkgs) {
                std::string status = p.enabled ? "enabled" : "disabled";
                if (held(p.name)) status += ", held";
                if (paused_there(p.name)) status += ", paused in NextChat";
                auto missing = needs(p);
                if (!missing.empty()) {
                    status += ", paused: needs config";
                    for (const auto& k : missing) status += " " + k;
                }
                t.add({p.name, p.version, p.reason, p.repo, status});
            }
            c.out(t.render() + std::to_string(pkgs->size()) + " plugin(s), generation " +
                  std::to_string(*gen) + ".");
            return 0;
        };
    });
}

}  // namespace nxp::cli
