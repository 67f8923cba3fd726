#include "deploy/apply.hpp"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "deploy/apply_internal.hpp"
#include "formats/redact.hpp"
#include "repo/repository.hpp"
#include "runtime/secrets.hpp"
#include "txn/fsutil.hpp"
#include "txn/grant_step.hpp"
#include "txn/nextchat_version.hpp"
#include "txn/settings.hpp"
#include "txn/stage.hpp"

namespace nxp::deploy {
namespace fs = std::filesystem;
using detail::GivenConfig;

Result<std::string> read_reference(const formats::DesiredValue& v) {
    return runtime::read_reference(v);  // the one reader, also used when a plugin starts
}

namespace {

bool same_repo(const db::RepoRow& a, const db::RepoRow& b) {
    return a.url == b.url && a.keys == b.keys && a.mirrors == b.mirrors && a.priority == b.priority;
}

Result<std::vector<RepoChange>> repo_changes(const txn::Root& root, const formats::Desired& d) {
    std::vector<RepoChange> out;
    for (const auto& r : d.repos) {
        db::RepoRow row;
        row.name = r.name;
        row.url = r.url;
        row.keys = r.keys;
        row.mirrors = r.mirrors;
        row.priority = r.priority;
        auto existing = root.db().repo(r.name);
        if (!existing) return tl::unexpected(existing.error());
        if (!*existing) {
            out.push_back({"add", row});
        } else if (!same_repo(**existing, row)) {
            // Same repository id elsewhere or with other keys: what was accepted from it
            // still counts against rollback.
            row.last_version = (*existing)->last_version;
            row.last_sha256 = (*existing)->last_sha256;
            out.push_back({"change", row});
        }
    }
    return out;
}

// Configured repositories from the cache, and new or changed ones downloaded and verified
// in memory (recorded only once the transaction took effect).
Result<std::vector<txn::RepoIndex>> indexes_for(txn::Root& root,
                                                const std::vector<RepoChange>& changes,
                                                std::int64_t now, bool offline, Events& events) {
    auto loaded = load_indexes(root, now, offline, events, txn::IndexUse::Entries);
    if (!loaded) return tl::unexpected(loaded.error());
    std::erase_if(*loaded, [&](const txn::RepoIndex& r) {
        return std::any_of(changes.begin(), changes.end(),
                           [&](const auto& c) { return c.row.name == r.row.name; });
    });
    for (const auto& c : changes) {
        if (offline)
            return fail(ErrorKind::Network, "repositories." + c.row.name,
                        "not configured as the file says and --offline was given");
        auto config = txn::repo_config(c.row);
        if (!config) return tl::unexpected(config.error());
        events.message(Level::Info, "fetching index of " + c.row.name);
        auto fetched = repo::fetch_index(*config, {c.row.last_version, c.row.last_sha256}, now);
        if (!fetched)
            return tl::unexpected(
                in_context(txn::as_transfer_error(fetched.error()), "repositories." + c.row.name));
        loaded->push_back({c.row, std::move(fetched->index), false, now});
    }
    return loaded;
}

Result<void> record_repos(txn::Root& root, const std::vector<RepoChange>& changes, std::int64_t now,
                          const std::string& user, Events& events) {
    for (const auto& c : changes) {
        if (c.action == "change") {
            if (auto r = root.db().remove_repo(c.row.name); !r) return r;
        }
        if (auto r = root.db().add_repo(c.row); !r) return r;
        if (c.action == "change" && c.row.last_version > 0) {
            if (auto r =
                    root.db().set_repo_state(c.row.name, c.row.last_version, c.row.last_sha256, 0);
                !r)
                return r;
        }
        if (auto index = refresh_repo(root, c.row, now); !index)
            events.message(Level::Warning, "repository " + c.row.name +
                                               " recorded, but its index could not be cached: " +
                                               index.error().str() + "; run 'nxp refresh'");
        (void)root.db().audit(
            user, "repo-" + c.action,
            c.row.name + " " + formats::redact_url_credentials(c.row.url) + " (apply)");
    }
    return {};
}

struct GrantPlan {
    std::vector<GrantChange> changes;
    resolver::Plan uncovered;  // steps whose permissions neither the file nor a grant covers
};

Result<GrantPlan> grant_plan(txn::Root& root, const formats::Desired& d, const resolver::Plan& plan,
                             const std::map<std::string, db::GenPackage>& next) {
    GrantPlan out;
    std::map<std::string, formats::Permissions> requested;  // of the version in `next`
    for (const auto& s : plan.steps)
        if (s.entry && s.kind != resolver::StepKind::Remove)
            requested[s.name] = runtime::needed_permissions(s.entry->permissions);
    for (const auto& [name, p] : next) {
        if (requested.count(name) || p.store_path.empty()) continue;
        auto m = runtime::installed_manifest(root.db(), p.store_path);
        if (!m) return tl::unexpected(m.error());
        requested[name] = runtime::needed_permissions(m->permissions);
    }
    std::map<std::string, formats::Permissions> have;
    for (const auto& [name, _] : requested) {
        auto g = runtime::granted_permissions(root.db(), name);
        if (!g) return tl::unexpected(g.error());
        have[name] = *g;
    }
    for (const auto& p : d.plugins) {
        if (!p.grant || !requested.count(p.name)) continue;
        formats::Permissions wish = p.grant->all ? requested[p.name] : p.grant->permissions;
        auto added = runtime::ungranted(wish, have[p.name]);
        if (added.empty()) continue;
        auto after = runtime::merged_permissions(have[p.name], wish);
        out.changes.push_back({p.name, added, after});
        have[p.name] = after;
    }
    for (const auto& s : plan.steps)
        if (s.entry && s.kind != resolver::StepKind::Remove &&
            !runtime::ungranted(requested[s.name], have[s.name]).empty())
            out.uncovered.steps.push_back(s);
    return out;
}

resolver::Plan mark_reasons(resolver::Plan plan, const txn::Snapshot& snap,
                            const std::map<std::string, db::GenPackage>& next,
                            std::vector<std::string>& demoted) {
    plan.marked_explicit.clear();
    for (const auto& cur : snap.packages) {
        auto it = next.find(cur.name);
        if (it == next.end() || cur.reason == it->second.reason) continue;
        bool stepped = std::any_of(plan.steps.begin(), plan.steps.end(),
                                   [&](const auto& s) { return s.name == cur.name; });
        if (stepped) continue;
        if (txn::is_explicit(it->second))
            plan.marked_explicit.push_back(cur.name);
        else
            demoted.push_back(cur.name);
    }
    for (auto& s : plan.steps)
        if (auto it = next.find(s.name); it != next.end())
            s.explicit_ = txn::is_explicit(it->second);
    return plan;
}

// Downloads (or takes from the bundle) and extracts every package the plan brings in, in one
// database transaction for the store records.
Result<std::uint64_t> stage(txn::Root& root, const resolver::Plan& plan,
                            const std::vector<txn::RepoIndex>& repos, const ApplySource& source,
                            bool offline, std::map<std::string, db::GenPackage>& next,
                            Events& events) {
    txn::PackageSources from{&repos, std::nullopt, offline};
    if (source.bundle_indexes) from.packages_dir = source.bundle_packages;
    std::uint64_t downloaded = 0;
    if (auto r = root.db().begin(); !r) return tl::unexpected(r.error());
    if (auto r = stage_packages(root, plan, from, next, downloaded, events); !r) {
        root.db().rollback();
        return tl::unexpected(r.error());
    }
    if (auto r = root.db().commit(); !r) return tl::unexpected(r.error());
    return downloaded;
}

txn::StepRecord record_of(const resolver::Step& s) {
    return {std::string(resolver::step_kind_name(s.kind)), s.name, s.from ? s.from->str() : "",
            s.to ? s.to->str() : "", s.repo};
}

txn::Intent make_intent(const ApplyDiff& diff, const std::map<std::string, db::GenPackage>& next,
                        std::vector<db::ConfigRow> config) {
    txn::Intent intent;
    intent.kind = std::string(txn::txn_kind_name(txn::TxnKind::Apply));
    for (const auto& s : diff.plan.steps) intent.steps.push_back(record_of(s));
    auto versioned = [&](txn::StepAction action, const std::string& name) {
        auto it = next.find(name);
        std::string v = it == next.end() ? "" : it->second.version;
        intent.steps.push_back({action, name, v, v, it == next.end() ? "" : it->second.repo});
    };
    for (const auto& n : diff.plan.marked_explicit) versioned(txn::StepAction::MarkExplicit, n);
    for (const auto& n : diff.demoted) versioned(txn::StepAction::MarkDependency, n);
    std::set<std::string> configured;
    for (const auto& c : diff.config) configured.insert(c.plugin);
    for (const auto& n : configured) versioned(txn::StepAction::Config, n);
    for (const auto& f : diff.flags)
        versioned(f.enabled ? txn::StepAction::Enable : txn::StepAction::Disable, f.plugin);
    for (const auto& [name, p] : next) intent.packages.push_back(p);
    intent.config = std::move(config);
    return intent;
}

}  // namespace

Result<ApplyReport> apply_desired(txn::Root& root, const formats::Desired& desired,
                                  const ApplySource& source, const txn::TxnOptions& opts,
                                  Events& events) {
    const std::int64_t now = txn::now_or_clock(opts.now);
    ApplyReport report;
    auto given = detail::read_given_config(desired);  // a missing secret fails before anything
    if (!given) return tl::unexpected(given.error());
    auto snap = current_snapshot(root);
    if (!snap) return tl::unexpected(snap.error());
    report.txn.from_generation = snap->generation;

    std::vector<txn::RepoIndex> repos;
    if (source.bundle_indexes) {
        repos = *source.bundle_indexes;  // the bundle's repositories are never recorded
    } else {
        auto changes = repo_changes(root, desired);
        if (!changes) return tl::unexpected(changes.error());
        report.diff.repos = std::move(*changes);
        auto loaded = indexes_for(root, report.diff.repos, now, opts.offline, events);
        if (!loaded) return tl::unexpected(loaded.error());
        repos = std::move(*loaded);
    }

    // NextChat upgraded since: the `nextchat` virtual package says what it is now.
    auto nextchat = txn::redetect_nextchat_version(root, events, !opts.dry_run);
    if (!nextchat) return tl::unexpected(nextchat.error());
    resolver::Plan plan;
    if (source.lock) {
        auto locked = detail::locked_plan(root, desired, *source.lock, repos, *snap);
        if (!locked) return tl::unexpected(locked.error());
        plan = std::move(*locked);
    } else {
        auto outcome = detail::resolve_plan(root, desired, repos, *nextchat);
        if (!outcome) return tl::unexpected(outcome.error());
        if (auto* u = std::get_if<resolver::Unsolvable>(&*outcome)) {
            report.unsolvable = std::move(*u);
            return report;
        }
        plan = std::get<resolver::Plan>(std::move(*outcome));
    }
    auto next = detail::next_packages(desired, *snap, plan);
    report.diff.plan = mark_reasons(std::move(plan), *snap, next, report.diff.demoted);
    for (const auto& p : desired.plugins) {
        auto cur = std::find_if(snap->packages.begin(), snap->packages.end(),
                                [&](const auto& x) { return x.name == p.name; });
        bool was = cur == snap->packages.end() ? true : cur->enabled;
        if (next.count(p.name) && was != p.enabled)
            report.diff.flags.push_back({p.name, p.enabled});
    }

    // Manifests known before staging: installed trees, and trees already in the store.
    auto known_manifest = [&](const db::GenPackage& p) -> Result<std::optional<formats::Manifest>> {
        std::string path = p.store_path;
        if (path.empty()) {
            for (const auto& s : report.diff.plan.steps)
                if (s.name == p.name && s.entry) path = txn::store_path_for(*s.entry);
        }
        auto tree = root.db().store_tree(path);
        if (!tree) return tl::unexpected(tree.error());
        if (!*tree) return std::optional<formats::Manifest>{};
        auto m = runtime::installed_manifest(root.db(), path);
        if (!m) return tl::unexpected(m.error());
        return std::optional<formats::Manifest>(std::move(*m));
    };
    // Secret values are sealed as the diff is made: one equal to the stored value keeps its
    // sealed text, so it is no change. A dry run makes no key file.
    runtime::SecretStore secrets(root.dir(), opts.dry_run ? runtime::SecretStore::Mode::Ephemeral
                                                          : runtime::SecretStore::Mode::Create);
    auto config = detail::next_config(desired, *given, *snap, next, known_manifest, secrets,
                                      report.diff.config);
    if (!config) return tl::unexpected(config.error());
    auto grants = grant_plan(root, desired, report.diff.plan, next);
    if (!grants) return tl::unexpected(grants.error());
    report.diff.grants = grants->changes;

    if (report.diff.empty() || opts.dry_run) return report;
    events.preview(DiffPreview(report.diff));
    if (!opts.yes && events.question({Question::Type::Proceed, "", {}, "Proceed?"}) != Answer::Yes)
        return fail(ErrorKind::Cancelled, "", "cancelled; nothing was changed");
    txn::GrantDecider decider(opts, events);
    if (!grants->uncovered.empty()) {
        // Not granted by the file: --grant, --policy or a question decide, as for install.
        if (auto r = txn::grant_plan(root, grants->uncovered, decider, events); !r)
            return tl::unexpected(r.error());
    }

    auto downloaded = stage(root, report.diff.plan, repos, source, opts.offline, next, events);
    if (!downloaded) return tl::unexpected(downloaded.error());
    report.txn.download_bytes = *downloaded;
    auto staged_manifest =
        [&](const db::GenPackage& p) -> Result<std::optional<formats::Manifest>> {
        auto m = runtime::installed_manifest(root.db(), p.store_path);
        if (!m) return tl::unexpected(m.error());
        return std::optional<formats::Manifest>(std::move(*m));
    };
    report.diff.config.clear();
    config = detail::next_config(desired, *given, *snap, next, staged_manifest, secrets,
                                 report.diff.config);
    if (!config) return tl::unexpected(config.error());

    std::map<std::string, std::optional<std::string>> old_grants;
    for (const auto& g : report.diff.grants) {
        auto old = root.db().grant(g.plugin);
        if (!old) return tl::unexpected(old.error());
        old_grants[g.plugin] = *old;
        if (auto r = runtime::store_grant(root.db(), g.plugin, g.permissions,
                                          static_cast<std::int64_t>(std::time(nullptr)));
            !r)
            return tl::unexpected(r.error());
    }
    auto restore_grants = [&] {
        for (const auto& [name, old] : old_grants) {
            if (old)
                (void)root.db().set_grant(name, *old, now);
            else
                (void)root.db().revoke_grant(name);
        }
    };
    const bool new_generation =
        !report.diff.plan.empty() || !report.diff.plan.marked_explicit.empty() ||
        !report.diff.demoted.empty() || !report.diff.config.empty() || !report.diff.flags.empty();
    if (new_generation) {
        auto id = root.db().next_generation_id();
        if (!id) return tl::unexpected(id.error());
        report.txn.to_generation = *id;
        report.txn.plan = report.diff.plan;
        txn::Intent intent = make_intent(report.diff, next, std::move(*config));
        if (auto r = apply_intent(root, report.txn, intent, opts, events); !r) {
            restore_grants();
            return tl::unexpected(r.error());
        }
        report.txn.applied = true;
    }
    if (auto r = record_repos(root, report.diff.repos, now, opts.user, events); !r)
        return tl::unexpected(r.error());
    for (const auto& g : report.diff.grants)
        (void)root.db().audit(
            opts.user, "grant",
            g.plugin + ": " + runtime::describe_permissions(g.added) + " (apply)");
    report.applied = true;
    return report;
}

}  // namespace nxp::deploy
