// nxp bundle -o FILE [--key SECRET_KEY]: the installed set as one self-contained archive for
// machines without network (`nxp apply --bundle`).
#include "cli/context.hpp"
#include "deploy/apply.hpp"
#include "deploy/bundle.hpp"
#include "formats/display.hpp"
#include "formats/lockfile.hpp"
#include "repo/keys.hpp"

namespace nxp::cli {

namespace {

struct Flags {
    std::string out;
    std::string key;
    std::string password_file;
};

Result<std::optional<repo::SecretKey>> load_key(const Flags& f) {
    if (f.key.empty()) return std::optional<repo::SecretKey>{};
    auto keys = repo::load_secret_key_files({f.key}, f.password_file);
    if (!keys) return tl::unexpected(keys.error());
    return std::optional<repo::SecretKey>(keys->front());
}

Result<int> run(Context& c, const Flags& f) {
    auto key = load_key(f);
    if (!key) return tl::unexpected(key.error());
    // Write access: packages missing from the cache are downloaded into it.
    auto root = c.open_root(txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    auto lock = deploy::make_lockfile(*root, c);
    if (!lock) return tl::unexpected(lock.error());
    if (c.g.dry_run) {
        c.out("Dry run: would write " + f.out + " with " + std::to_string(lock->packages.size()) +
              " package(s).");
        if (c.g.json)
            c.emit({{"command", "bundle"},
                    {"file", f.out},
                    {"written", false},
                    {"packages", lock->packages.size()}});
        return 0;
    }
    auto summary = deploy::write_bundle(*root, *lock, f.out, *key, c.g.offline, c);
    if (!summary) return tl::unexpected(summary.error());
    if (c.g.json) {
        c.emit({{"command", "bundle"},
                {"file", f.out},
                {"written", true},
                {"packages", summary->packages},
                {"repositories", summary->repos},
                {"bytes", summary->bytes},
                {"signed", summary->signed_}});
        return 0;
    }
    c.out("Wrote " + f.out + ": " + std::to_string(summary->packages) + " package(s), " +
          std::to_string(summary->repos) + " repository index(es), " +
          formats::human_size(summary->bytes) +
          (summary->signed_
               ? ", signed."
               : ", unsigned (verify it on the target with the apply file's repository keys)."));
    return 0;
}

}  // namespace

void add_bundle(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand("bundle", "Write the installed set as a signed offline bundle");
    cmd->add_option("-o,--output", f->out, "Bundle file to write")->required();
    cmd->add_option("--key", f->key,
                    "Secret key to sign the bundle's lockfile with (nxp key generate)");
    cmd->add_option("--password-file", f->password_file, "Password of an encrypted secret key");
    cmd->callback([&ctx, f] { ctx.action = [f](Context& c) { return run(c, *f); }; });
}

}  // namespace nxp::cli
