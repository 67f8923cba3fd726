// nxp install / remove / update: fill a resolver request, run the shared transaction path.
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/table.hpp"
#include "formats/constraint.hpp"
#include "formats/nearest.hpp"
#include "txn/installed.hpp"
#include "txn/local_package.hpp"
#include "txn/repos.hpp"
#include "txn/update_check.hpp"

namespace nxp::cli {

namespace {

// "name", "name@1.2.0" (exactly that version), "name >= 1.2", "name<2".
Result<formats::Dep> parse_spec(const std::string& spec) {
    std::string text = spec;
    if (auto at = spec.find('@'); at != std::string::npos)
        text = spec.substr(0, at) + " = " + spec.substr(at + 1);
    auto dep = formats::parse_dep(text);
    if (!dep) return tl::unexpected(Error{ErrorKind::Usage, spec, dep.error().str()});
    return dep;
}

Result<resolver::Request> make_request(resolver::JobKind kind,
                                       const std::vector<std::string>& specs) {
    resolver::Request req;
    for (const auto& s : specs) {
        auto dep = parse_spec(s);
        if (!dep) return tl::unexpected(dep.error());
        req.jobs.push_back({kind, *dep});
    }
    return req;
}

struct Flags {
    resolver::JobKind job = resolver::JobKind::Install;  // Install, Remove or Update
    std::vector<std::string> specs;
    bool no_recommends = false;
    bool keep_deps = false;
    bool purge = false;
    bool check = false;
    bool download_only = false;    // --download-only: fill the package cache, nothing else
    bool allow_untrusted = false;  // --allow-untrusted: package files no signed index lists
    bool allow_erasing = false;    // --allow-erasing: installed plugins may be removed
};

// Package files among the install arguments (txn/local_package.hpp): read into the cache,
// matched against the accepted indexes, and asked for by exact name and version.
Result<std::vector<txn::LocalPackage>> take_files(Context& c, txn::Root& root,
                                                  const std::vector<std::string>& files,
                                                  const Flags& f, resolver::Request& req) {
    auto repos = txn::load_indexes(root, txn::now_or_clock(0), c.g.offline, c);
    if (!repos) return tl::unexpected(repos.error());
    auto local = txn::take_local_packages(root, files, *repos, f.allow_untrusted);
    if (!local) return tl::unexpected(local.error());
    auto installed = txn::current_packages(root);
    if (!installed) return tl::unexpected(installed.error());
    for (const auto& p : *local) {
        // The same version installed with other bytes: the resolver would keep it and the
        // file would be silently ignored.
        for (const auto& i : *installed) {
            if (i.name != p.entry.name || i.version != p.entry.version.str()) continue;
            auto tree = root.db().store_tree(i.store_path);
            if (!tree) return tl::unexpected(tree.error());
            if (*tree && (*tree)->sha256 != p.entry.sha256)
                return fail(ErrorKind::Usage, p.file,
                            p.entry.name + " " + i.version + " is already installed from " +
                                i.repo + " with other bytes (sha256 " + (*tree)->sha256 +
                                ", this file " + p.entry.sha256 + "); remove it first");
        }
        auto dep = formats::parse_dep(p.entry.name + " = " + p.entry.version.str());
        if (!dep) return tl::unexpected(in_context(dep.error(), p.file));
        req.jobs.push_back({resolver::JobKind::Install, *dep});
        if (!p.trusted())
            c.message(txn::Level::Warning,
                      p.file + ": " + p.entry.name + " " + p.entry.version.str() +
                          " is in no signed index; installing it untrusted (--allow-untrusted)");
    }
    return local;
}

// update --check: what an update would do, from freshly downloaded indexes (verified and
// recorded in the cache, as `nxp refresh` does, so that the next `nxp update` applies it;
// nothing installed changes) or the cache with --offline. Exit 10 when there is anything.
Result<int> check_updates(Context& c, const Flags& f) {
    std::vector<formats::Dep> only;
    for (const auto& s : f.specs) {
        auto dep = parse_spec(s);
        if (!dep) return tl::unexpected(dep.error());
        only.push_back(*dep);
    }
    // --policy answers no question here, but a missing or invalid file is refused as every
    // other transaction refuses it (a script's typo surfaces at its first run).
    if (auto policy = txn::read_policy(c.g.policy); !policy) return tl::unexpected(policy.error());
    auto root = c.open_root(c.g.offline ? txn::Access::Read : txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    auto check = txn::check_updates(*root, only, txn::now_or_clock(0), c.g.offline, c);
    if (!check) return tl::unexpected(check.error());
    if (check->unsolvable) {
        if (c.g.json)
            c.emit({{"command", "update"},
                    {"check", true},
                    {"ok", false},
                    {"unsolvable", unsolvable_json(*check->unsolvable)}});
        std::string text = check->unsolvable->str();
        while (!text.empty() && text.back() == '\n') text.pop_back();
        return fail(ErrorKind::Unsolvable, "", "the update cannot be satisfied:\n" + text);
    }
    const auto& plan = check->plan;
    if (c.g.json) {
        c.emit({{"command", "update"},
                {"check", true},
                {"ok", true},
                {"updates_available", !plan.empty()},
                {"plan", plan_json(plan)}});
    } else if (plan.empty()) {
        c.out("Up to date.");
    } else {
        Table t({"NAME", "INSTALLED", "AVAILABLE", "CHANGE", "REPOSITORY"});
        for (const auto& s : plan.steps)
            t.add({s.name, s.from ? s.from->str() : "-", s.to ? s.to->str() : "-",
                   std::string(resolver::step_kind_name(s.kind)), s.repo.empty() ? "-" : s.repo});
        c.out(t.render() + std::to_string(plan.steps.size()) +
              " change(s) available; run 'nxp update' to apply.");
    }
    return plan.empty() ? kExitOk : kExitUpdatesAvailable;
}

Result<int> run(Context& c, const Flags& f) {
    const resolver::JobKind kind = f.job;
    std::vector<std::string> names, files;
    for (const auto& s : f.specs)
        (kind == resolver::JobKind::Install && txn::names_package_file(s) ? files : names)
            .push_back(s);
    auto req = make_request(kind, names);
    if (!req) return tl::unexpected(req.error());
    if (kind == resolver::JobKind::Update && f.specs.empty())
        req->jobs.push_back({resolver::JobKind::UpdateAll, {}});
    req->no_recommends = f.no_recommends;
    req->keep_deps = f.keep_deps;
    req->allow_erasing = f.allow_erasing;
    auto root = c.open_root(c.g.dry_run ? txn::Access::Read : txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    if (kind == resolver::JobKind::Remove) {
        auto pkgs = txn::current_packages(*root);
        if (!pkgs) return tl::unexpected(pkgs.error());
        for (const auto& job : req->jobs) {
            if (std::none_of(pkgs->begin(), pkgs->end(),
                             [&](const auto& p) { return p.name == job.spec.name; }))
                return fail(ErrorKind::NotFound, job.spec.name,
                            "not installed" + formats::did_you_mean_name(job.spec.name, *pkgs));
        }
    }
    std::vector<txn::LocalPackage> local;
    if (!files.empty()) {
        auto taken = take_files(c, *root, files, f, *req);
        if (!taken) return tl::unexpected(taken.error());
        local = std::move(*taken);
    }
    std::vector<std::string> purge;
    if (f.purge)
        for (const auto& job : req->jobs) purge.push_back(job.spec.name);
    return run_and_report(c, *root, *req,
                          kind == resolver::JobKind::Install  ? txn::TxnKind::Install
                          : kind == resolver::JobKind::Remove ? txn::TxnKind::Remove
                                                              : txn::TxnKind::Update,
                          purge, [&](txn::TxnOptions& o) {
                              o.download_only = f.download_only;
                              o.local = local;
                          });
}

}  // namespace

void add_install(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand("install", "Install plugins and what they require");
    cmd->add_option("plugins", f->specs,
                    "NAME, NAME@VERSION, 'NAME CONSTRAINT' or a package file (./x.nxp)")
        ->required();
    cmd->add_flag("--no-recommends", f->no_recommends, "Do not install recommended plugins");
    cmd->add_flag("--download-only", f->download_only,
                  "Resolve, download and verify into the package cache; install nothing");
    cmd->add_flag("--allow-untrusted", f->allow_untrusted,
                  "Install package files that no configured repository's signed index lists");
    cmd->add_flag("--allow-erasing", f->allow_erasing,
                  "Remove installed plugins where that is the only way to satisfy the request");
    cmd->callback([&ctx, f] { ctx.action = [f](Context& c) { return run(c, *f); }; });
}

void add_remove(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<Flags>();
    f->job = resolver::JobKind::Remove;
    auto* cmd = app.add_subcommand("remove", "Remove plugins and dependencies nothing else needs");
    cmd->add_option("plugins", f->specs, "Installed plugin names")->required();
    cmd->add_flag("--keep-deps", f->keep_deps, "Keep dependencies that are no longer needed");
    cmd->add_flag("--purge", f->purge,
                  "Also drop the plugins' configuration and delete their data (ROOT/state/NAME)");
    cmd->callback([&ctx, f] { ctx.action = [f](Context& c) { return run(c, *f); }; });
}

void add_update(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<Flags>();
    f->job = resolver::JobKind::Update;
    auto* cmd =
        app.add_subcommand("update", "Update plugins to the best versions that fit together");
    cmd->add_option("plugins", f->specs, "Only these plugins (default: all)");
    cmd->add_flag("--check", f->check,
                  "Only report available updates: exit 0 when none, 10 when some");
    cmd->add_flag("--download-only", f->download_only,
                  "Resolve, download and verify into the package cache; update nothing");
    cmd->add_flag("--allow-erasing", f->allow_erasing,
                  "Remove installed plugins where that is the only way to satisfy the request");
    cmd->callback([&ctx, f] {
        ctx.action = [f](Context& c) { return f->check ? check_updates(c, *f) : run(c, *f); };
    });
}

}  // namespace nxp::cli
