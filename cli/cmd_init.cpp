// nxp init: create an install root.
#include "cli/context.hpp"
#include "txn/admin.hpp"
#include "txn/settings.hpp"

namespace nxp::cli {

namespace {

struct Flags {
    std::string nextchat_dir;
    std::string nextchat_version;
    std::vector<std::string> sets;  // KEY=VALUE
};

Result<int> run(Context& c, const Flags& f) {
    txn::InitOptions opts;
    for (const auto& kv : f.sets) {
        auto eq = kv.find('=');
        if (eq == std::string::npos)
            return fail(ErrorKind::Usage, "--set " + kv, "expected KEY=VALUE");
        opts.settings.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        if (auto r = txn::check_setting(opts.settings.back().first, opts.settings.back().second);
            !r)
            return tl::unexpected(r.error());
    }
    opts.nextchat_dir = f.nextchat_dir;
    opts.nextchat_version = f.nextchat_version;
    auto init = txn::init_root(c.root_dir(), opts, c);
    if (!init) return tl::unexpected(init.error());
    const std::string dir = init->root.dir().string();
    if (c.g.json) {
        c.emit({{"command", "init"}, {"root", dir}, {"generation", init->generation}});
    } else {
        c.out("Initialised nxp root " + dir + " (generation " + std::to_string(init->generation) +
              ").");
    }
    return 0;
}

}  // namespace

void add_init(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand("init", "Create an install root (idempotent)");
    cmd->add_option("--nextchat", f->nextchat_dir,
                    "NextChat checkout or mounted volume to keep in step");
    cmd->add_option("--nextchat-version", f->nextchat_version,
                    "NextChat version for the 'nextchat' virtual package (default: detected)");
    cmd->add_option("--set", f->sets,
                    "Root setting KEY=VALUE (repo.max_age, extract.max_entries, "
                    "extract.max_bytes, download.parallel, gc.keep, resolve.narrow_min)");
    cmd->callback([&ctx, f] { ctx.action = [f](Context& c) { return run(c, *f); }; });
}

}  // namespace nxp::cli
