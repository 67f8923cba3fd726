// nxp apply FILE [--locked | --lockfile LOCK] | --bundle BUNDLE [--key PUBKEY]: make the root
// match a desired-state file (nxp-apply(5)) in one transaction; --dry-run prints the diff.
#include "cli/apply_render.hpp"
#include "cli/context.hpp"
#include "deploy/apply.hpp"
#include "deploy/bundle.hpp"
#include "formats/desired.hpp"
#include "formats/display.hpp"
#include "formats/lockfile.hpp"
#include "txn/fsutil.hpp"

namespace nxp::cli {

namespace {

namespace fs = std::filesystem;

struct Flags {
    std::string file;
    bool locked = false;
    std::string lockfile;
    std::string bundle;
    std::vector<std::string> keys;  // --key: pinned public keys for --bundle
};

Result<formats::Desired> read_desired(const std::string& path) {
    auto text = txn::read_file(path, 16u << 20);
    if (!text) return tl::unexpected(text.error());
    auto d = formats::parse_desired(*text);
    if (!d) return tl::unexpected(in_context(d.error(), path));
    return d;
}

Result<formats::Lockfile> read_lock(const std::string& path) {
    auto text = txn::read_file(path, 64u << 20);
    if (!text) return tl::unexpected(text.error());
    auto l = formats::parse_lockfile(*text);
    if (!l) return tl::unexpected(in_context(l.error(), path));
    return l;
}

// Without a file, a bundle's explicit packages are the plugins, at exactly their versions.
formats::Desired desired_from_lock(const formats::Lockfile& lock) {
    formats::Desired d;
    for (const auto& p : lock.packages) {
        if (p.reason != "explicit") continue;
        formats::DesiredPlugin dp;
        dp.name = p.name;
        dp.spec = *formats::parse_dep(p.name + " = " + p.version.str());
        d.plugins.push_back(std::move(dp));
    }
    return d;
}

Result<int> run(Context& c, const Flags& f) {
    if (f.file.empty() && f.bundle.empty())
        return fail(ErrorKind::Usage, "apply", "give a desired-state FILE, or --bundle BUNDLE");
    if (!f.bundle.empty() && (f.locked || !f.lockfile.empty()))
        return fail(ErrorKind::Usage, "--bundle",
                    "a bundle carries its own lockfile; drop --locked/--lockfile");
    if (f.bundle.empty() && !f.keys.empty())
        return fail(ErrorKind::Usage, "--key",
                    "only --bundle takes pinned keys; repositories pin theirs in FILE");
    formats::Desired desired;
    if (!f.file.empty()) {
        auto d = read_desired(f.file);
        if (!d) return tl::unexpected(d.error());
        desired = std::move(*d);
    }
    std::optional<formats::Lockfile> lock;
    if (f.locked || !f.lockfile.empty()) {
        std::string path = f.lockfile.empty()
                               ? (fs::path(f.file).parent_path() / "nxp.lock").string()
                               : f.lockfile;
        auto l = read_lock(path);
        if (!l) return tl::unexpected(l.error());
        lock = std::move(*l);
    }
    auto root = c.open_root(c.g.dry_run ? txn::Access::Read : txn::Access::Write);
    if (!root) return tl::unexpected(root.error());

    deploy::ApplySource source;
    std::optional<deploy::OpenedBundle> opened;
    if (!f.bundle.empty()) {
        auto anchors = bundle_anchors(f.keys, desired);
        if (!anchors) return tl::unexpected(anchors.error());
        auto b = deploy::open_bundle(*root, f.bundle, *anchors, txn::now_or_clock(0), c);
        if (!b) return tl::unexpected(b.error());
        opened = std::move(*b);
        lock = opened->lock;
        if (f.file.empty()) desired = desired_from_lock(*lock);
        source.bundle_indexes = opened->indexes;
        source.bundle_packages = opened->packages_dir;
    }
    if (lock) source.lock = &*lock;

    auto opts = c.txn_options(txn::TxnKind::Apply, *root);
    if (!opts) return tl::unexpected(opts.error());
    auto report = deploy::apply_desired(*root, desired, source, *opts, c);
    if (!report) return tl::unexpected(report.error());
    if (report->unsolvable)
        return tl::unexpected(unsolvable_error(
            c, "apply", "the file's plugins cannot be installed together", *report->unsolvable));
    const auto& diff = report->diff;
    if (c.g.json) {
        auto doc = diff_json(diff);
        doc["command"] = "apply";
        doc["ok"] = true;
        doc["dry_run"] = c.g.dry_run;
        doc["changed"] = !diff.empty();
        doc["applied"] = report->applied;
        doc["transaction"] = report->txn.txn_id;
        doc["generation"] =
            report->txn.applied ? report->txn.to_generation : report->txn.from_generation;
        c.emit(std::move(doc));
        return 0;
    }
    if (diff.empty()) {
        c.out("Nothing to do: the root already matches " + (f.file.empty() ? f.bundle : f.file) +
              ".");
    } else if (!report->applied) {
        c.out(render_diff(c, diff) + "Dry run: nothing was changed.");
    } else if (report->txn.applied) {
        c.message(txn::Level::Info,
                  "Done: generation " + std::to_string(report->txn.to_generation) +
                      " is current (" + std::to_string(change_count(diff)) + " change(s), " +
                      formats::human_size(report->txn.download_bytes) +
                      " downloaded; undo with 'nxp rollback').");
    } else {
        c.message(txn::Level::Info,
                  "Done: " + std::to_string(change_count(diff)) +
                      " change(s) to repositories and grants; the plugins already matched.");
    }
    return 0;
}

}  // namespace

void add_apply(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<Flags>();
    auto* cmd =
        app.add_subcommand("apply", "Make the root match a desired-state file in one transaction");
    cmd->add_option("file", f->file, "Desired-state file (nxp-apply(5))");
    cmd->add_flag("--locked", f->locked, "Install exactly the lockfile next to FILE (nxp.lock)");
    cmd->add_option("--lockfile", f->lockfile, "Install exactly this lockfile (implies --locked)");
    cmd->add_option("--bundle", f->bundle, "Install from an offline bundle (nxp bundle)");
    cmd->add_option("--key", f->keys,
                    "Public key the bundle must be signed with (.pub file or base64)");
    cmd->callback([&ctx, f] { ctx.action = [f](Context& c) { return run(c, *f); }; });
}

}  // namespace nxp::cli
