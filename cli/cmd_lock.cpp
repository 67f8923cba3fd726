// nxp lock [-o FILE]: the exact installed set, with repositories, hashes and sizes, for
// `nxp apply --locked` and `nxp bundle` (nxp-lockfile(5)).
#include "cli/context.hpp"
#include "deploy/apply.hpp"
#include "formats/json_util.hpp"
#include "formats/lockfile.hpp"
#include "txn/fsutil.hpp"

namespace nxp::cli {

namespace {

Result<int> run(Context& c, const std::string& out) {
    auto root = c.open_root(txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto lock = deploy::make_lockfile(*root, c);
    if (!lock) return tl::unexpected(lock.error());
    std::string text = formats::write_lockfile(*lock);
    auto doc = formats::parse_json(text, "lockfile");
    if (!doc) return tl::unexpected(doc.error());
    if (out == "-") {
        if (c.g.json)
            c.emit({{"command", "lock"}, {"file", nullptr}, {"lockfile", *doc}});
        else
            std::fputs(text.c_str(), stdout);
        return 0;
    }
    if (c.g.dry_run) {
        c.out("Dry run: would write " + out + " (" + std::to_string(lock->packages.size()) +
              " package(s)).");
    } else if (auto r = txn::write_file_atomic(out, text); !r) {
        return tl::unexpected(r.error());
    }
    if (c.g.json) {
        c.emit({{"command", "lock"},
                {"file", out},
                {"written", !c.g.dry_run},
                {"packages", lock->packages.size()},
                {"repositories", lock->repos.size()},
                {"lockfile", *doc}});
    } else if (!c.g.dry_run) {
        c.out("Wrote " + out + ": " + std::to_string(lock->packages.size()) + " package(s) from " +
              std::to_string(lock->repos.size()) + " repository(ies).");
    }
    return 0;
}

}  // namespace

void add_lock(CLI::App& app, Context& ctx) {
    auto out = std::make_shared<std::string>("nxp.lock");
    auto* cmd = app.add_subcommand("lock", "Write a lockfile of the exact installed set");
    cmd->add_option("-o,--output", *out, "Lockfile to write ('-' for stdout; default nxp.lock)");
    cmd->callback([&ctx, out] { ctx.action = [out](Context& c) { return run(c, *out); }; });
}

}  // namespace nxp::cli
