// nxp refresh: fetch and verify every repository's index.
#include "cli/context.hpp"
#include "formats/nearest.hpp"
#include "txn/repos.hpp"

namespace nxp::cli {

void add_refresh(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("refresh", "Fetch and verify repository indexes");
    auto names = std::make_shared<std::vector<std::string>>();
    cmd->add_option("repos", *names, "Only these repositories");
    cmd->callback([&ctx, names] {
        ctx.action = [names](Context& c) -> Result<int> {
            if (c.g.offline)
                return fail(ErrorKind::Usage, "refresh", "cannot refresh with --offline");
            auto root = c.open_root(txn::Access::Write);
            if (!root) return tl::unexpected(root.error());
            auto rows = root->db().repos();
            if (!rows) return tl::unexpected(rows.error());
            for (const auto& n : *names) {
                if (std::none_of(rows->begin(), rows->end(),
                                 [&](const auto& r) { return r.name == n; }))
                    return fail(ErrorKind::NotFound, "repository " + n,
                                "no such repository" + formats::did_you_mean_name(n, *rows));
            }
            nlohmann::json arr = nlohmann::json::array();
            for (const auto& row : *rows) {
                if (!names->empty() &&
                    std::find(names->begin(), names->end(), row.name) == names->end())
                    continue;
                auto index = txn::refresh_repo(*root, row, txn::now_or_clock(0));
                if (!index) return tl::unexpected(index.error());
                arr.push_back({{"name", row.name},
                               {"index_version", index->index.version},
                               {"packages", index->packages},
                               {"expires", index->index.expires}});
                c.message(txn::Level::Info, row.name + ": index version " +
                                                std::to_string(index->index.version) + ", " +
                                                std::to_string(index->packages) + " package(s)");
            }
            if (c.g.json) c.emit({{"command", "refresh"}, {"repositories", arr}});
            return 0;
        };
    });
}

}  // namespace nxp::cli
