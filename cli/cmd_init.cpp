// nxp init: create an install root.
#include "cli/context.hpp"
#include "formats/semver.hpp"
#include "nextchat/mcp_config.hpp"

namespace nxp::cli {

void add_init(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("init", "Create an install root (idempotent)");
    auto nextchat_dir = std::make_shared<std::string>();
    auto nextchat_version = std::make_shared<std::string>();
    cmd->add_option("--nextchat", *nextchat_dir, "NextChat checkout or mounted volume to keep in step");
    cmd->add_option("--nextchat-version", *nextchat_version,
                    "NextChat version for the 'nextchat' virtual package (default: detected)");
    cmd->callback([&ctx, nextchat_dir, nextchat_version] {
        ctx.action = [nextchat_dir, nextchat_version](Context& c) -> Result<int> {
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
                if (auto r = db.set_setting("nextchat.dir", abs.string()); !r) return tl::unexpected(r.error());
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
