// nxp init: create an install root.
#include "cli/context.hpp"
#include "formats/semver.hpp"
#include "nextchat/mcp_config.hpp"
#include "txn/settings.hpp"

namespace nxp::cli {

void add_init(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("init", "Create an install root (idempotent)");
    auto nextchat_dir = std::make_shared<std::string>();
    auto nextchat_version = std::make_shared<std::string>();
    auto sets = std::make_shared<std::vector<std::string>>();
    cmd->add_option("--nextchat", *nextchat_dir,
                    "NextChat checkout or mounted volume to keep in step");
    cmd->add_option("--nextchat-version", *nextchat_version,
                    "NextChat version for the 'nextchat' virtual package (default: detected)");
    cmd->add_option("--set", *sets,
                    "Root setting KEY=VALUE (repo.max_age, extract.max_entries, "
                    "extract.max_bytes, download.parallel, gc.keep, resolve.narrow_min)");
    cmd->callback([&ctx, nextchat_dir, nextchat_version, sets] {
        ctx.action = [nextchat_dir, nextchat_version, sets](Context& c) -> Result<int> {
            std::vector<std::pair<std::string, std::string>> settings;
            for (const auto& kv : *sets) {
                auto eq = kv.find('=');
                if (eq == std::string::npos)
                    return fail(ErrorKind::Usage, "--set " + kv, "expected KEY=VALUE");
                settings.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
                if (auto r = txn::check_setting(settings.back().first, settings.back().second); !r)
                    return tl::unexpected(r.error());
            }
            if (!nextchat_version->empty()) {
                auto v = formats::parse_partial_version(*nextchat_version);
                if (!v) return tl::unexpected(in_context(v.error(), "--nextchat-version"));
            }
            auto root = txn::Root::init(c.root_dir(), c);
            if (!root) return tl::unexpected(root.error());
            auto& db = root->db();
            if (!nextchat_dir->empty()) {
                auto abs = std::filesystem::absolute(*nextchat_dir).lexically_normal();
                if (!std::filesystem::is_directory(abs))
                    return fail(ErrorKind::NotFound, abs.string(), "not a directory");
                if (auto r = db.set_setting("nextchat.dir", abs.string()); !r)
                    return tl::unexpected(r.error());
                if (nextchat_version->empty()) {
                    auto v = nextchat::detect_version(abs);
                    if (!v) return tl::unexpected(v.error());
                    if (*v) {
                        if (auto r = db.set_setting("nextchat.version", (*v)->str()); !r)
                            return tl::unexpected(r.error());
                    }
                }
            }
            if (!nextchat_version->empty()) {
                if (auto r = db.set_setting("nextchat.version", *nextchat_version); !r)
                    return tl::unexpected(r.error());
            }
            for (const auto& [key, value] : settings)
                if (auto r = db.set_setting(key, value); !r) return tl::unexpected(r.error());
            auto gen = db.current_generation();
            if (!gen) return tl::unexpected(gen.error());
            if (c.g.json) {
                c.emit({{"command", "init"}, {"root", root->dir().string()}, {"generation", *gen}});
            } else {
                c.out("Initialised nxp root " + root->dir().string() + " (generation " +
                      std::to_string(*gen) + ").");
            }
            return 0;
        };
    });
}

}  // namespace nxp::cli
