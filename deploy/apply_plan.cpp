// What `nxp apply` changes: the package plan (resolver or lockfile), the next package set,
// and the configuration the file asks for.
#include <algorithm>
#include <cstdlib>
#include <tuple>
#include <variant>

#include "deploy/apply_internal.hpp"
#include "formats/json_util.hpp"
#include "txn/fsutil.hpp"
#include "txn/tools.hpp"

namespace nxp::deploy::detail {

using nlohmann::json;

Result<GivenConfig> read_given_config(const formats::Desired& d) {
    GivenConfig out;
    for (const auto& p : d.plugins) {
        auto& keys = out[p.name];
        for (const auto& [key, v] : p.config) {
            GivenValue g;
            g.field = v.field;
            if (v.literal) {
                g.literal = *v.literal;
                g.source = "literal";
            } else {
                auto text = read_reference(v);
                if (!text) return tl::unexpected(text.error());
                g.text = std::move(*text);
                g.source = v.env.empty() ? "file:" + v.file : "env:" + v.env;
            }
            keys[key] = std::move(g);
        }
    }
    return out;
}

Result<PlanOutcome> resolve_plan(const txn::Root& root, const formats::Desired& d,
                                 const std::vector<txn::RepoIndex>& repos,
                                 const txn::NextchatVersion& nextchat) {
    auto universe = txn::build_universe(root, repos);
    if (!universe) return tl::unexpected(universe.error());
    txn::provide_nextchat_version(*universe, nextchat);
    std::set<std::string> wanted;
    for (const auto& p : d.plugins) wanted.insert(p.name);
    // Declarative: what the file does not list is only kept while something listed needs it.
    for (auto& inst : universe->installed)
        if (!wanted.count(inst.meta.name)) inst.explicit_ = false;
    resolver::Request req;
    req.no_recommends = true;  // the file is the whole wish list
    for (const auto& p : d.plugins) req.jobs.push_back({resolver::JobKind::Install, p.spec});
    req.jobs.push_back({resolver::JobKind::Autoremove, {}});
    auto outcome = resolver::resolve(*universe, req);
    if (!outcome) return tl::unexpected(outcome.error());
    if (auto* u = std::get_if<resolver::Unsolvable>(&*outcome)) return PlanOutcome(std::move(*u));
    return PlanOutcome(std::get<resolver::Plan>(std::move(*outcome)));
}

namespace {

const formats::IndexEntry* find_entry(const formats::Index& index, const formats::LockPackage& lp) {
    for (const auto& e : index.packages)
        if (e.name == lp.name && e.version == lp.version) return &e;
    return nullptr;
}

}  // namespace

Result<resolver::Plan> locked_plan(const txn::Root& root, const formats::Desired& d,
                                   const formats::Lockfile& lock,
                                   const std::vector<txn::RepoIndex>& repos,
                                   const txn::Snapshot& snap) {
    std::map<std::string, const formats::LockPackage*> locked;
    for (const auto& lp : lock.packages) locked[lp.name] = &lp;
    for (const auto& p : d.plugins) {
        auto it = locked.find(p.name);
        if (it == locked.end())
            return fail(
                ErrorKind::Unsolvable, "plugins." + p.name,
                "not in the lockfile; run 'nxp lock' again after applying without --locked");
        if (!p.spec.constraint.matches(it->second->version))
            return fail(ErrorKind::Unsolvable, "plugins." + p.name + ".version",
                        "the lockfile has " + it->second->version.str() +
                            ", which does not match " + p.spec.constraint.text);
    }
    std::set<std::string> wanted;
    for (const auto& p : d.plugins) wanted.insert(p.name);
    resolver::Plan plan;
    for (std::size_t i = 0; i < lock.packages.size(); ++i) {
        const auto& lp = lock.packages[i];
        const std::string what = "lockfile: " + lp.name + " " + lp.version.str();
        auto repo = std::find_if(repos.begin(), repos.end(),
                                 [&](const auto& r) { return r.row.name == lp.repo; });
        if (repo == repos.end())
            return fail(ErrorKind::Unsolvable, what,
                        "repository " + lp.repo + " is not configured");
        const auto* entry = find_entry(repo->index, lp);
        if (!entry)
            return fail(ErrorKind::Unsolvable, what,
                        "repository " + lp.repo + " no longer has this version");
        if (std::count(repo->index.revoked.begin(), repo->index.revoked.end(), entry->sha256))
            return fail(ErrorKind::Verification, what, "revoked by repository " + lp.repo);
        if (entry->sha256 != lp.sha256 || entry->size != lp.size)
            return fail(ErrorKind::Verification, what,
                        "hash mismatch: the lockfile has sha256 " + lp.sha256 + " (" +
                            std::to_string(lp.size) + " bytes), repository " + lp.repo +
                            "'s signed index has " + entry->sha256 + " (" +
                            std::to_string(entry->size) + " bytes)");
        resolver::Step s;
        s.name = lp.name;
        s.to = lp.version;
        s.repo = lp.repo;
        s.entry = *entry;
        s.explicit_ = wanted.count(lp.name) > 0;
        auto cur = std::find_if(snap.packages.begin(), snap.packages.end(),
                                [&](const auto& p) { return p.name == lp.name; });
        if (cur != snap.packages.end()) {
            auto tree = root.db().store_tree(cur->store_path);
            if (!tree) return tl::unexpected(tree.error());
            if (cur->version == lp.version.str() && *tree && (*tree)->sha256 == lp.sha256) continue;
            auto from = formats::parse_version(cur->version);
            if (from) s.from = *from;
            s.kind = !from || *from == lp.version ? resolver::StepKind::Reinstall
                     : *from < lp.version         ? resolver::StepKind::Upgrade
                                                  : resolver::StepKind::Downgrade;
        }
        plan.steps.push_back(std::move(s));
    }
    for (const auto& p : snap.packages) {
        if (locked.count(p.name)) continue;
        resolver::Step s;
        s.repo = p.repo;
        s.kind = resolver::StepKind::Remove;
        s.name = p.name;
        if (auto v = formats::parse_version(p.version)) s.from = *v;
        plan.steps.push_back(std::move(s));
    }
    // Held packages never change, with or without a lockfile.
    auto holds = root.db().holds();
    if (!holds) return tl::unexpected(holds.error());
    for (const auto& s : plan.steps)
        if (std::count(holds->begin(), holds->end(), s.name))
            return fail(ErrorKind::Unsolvable, "lockfile: " + s.name,
                        "is held; the lockfile would " +
                            std::string(resolver::step_kind_name(s.kind)) + " it ('nxp unhold " +
                            s.name + "' first)");
    return plan;
}

std::map<std::string, db::GenPackage> next_packages(const formats::Desired& d,
                                                    const txn::Snapshot& snap,
                                                    const resolver::Plan& plan) {
    std::map<std::string, db::GenPackage> next;
    for (const auto& p : snap.packages) next[p.name] = p;
    for (const auto& step : plan.steps) {
        if (step.kind == resolver::StepKind::Remove) {
            next.erase(step.name);
            continue;
        }
        auto& p = next[step.name];
        if (p.name.empty()) p.enabled = true;
        p.name = step.name;
        p.version = step.to ? step.to->str() : "";
        p.repo = step.repo;
        p.store_path.clear();  // filled when staged
    }
    std::map<std::string, bool> enabled;
    for (const auto& p : d.plugins) enabled[p.name] = p.enabled;
    for (auto& [name, p] : next) {
        auto it = enabled.find(name);
        p.reason =
            txn::reason_name(it != enabled.end() ? txn::Reason::Explicit : txn::Reason::Dependency);
        if (it != enabled.end()) p.enabled = it->second;
    }
    return next;
}

namespace {

// A value read from a reference becomes JSON by the key's type: text for strings and enums,
// parsed JSON for the rest (validation then names the rule a bad one breaks).
json value_of(const GivenValue& g, const formats::ConfigKey* spec) {
    if (g.literal) return *g.literal;
    if (!spec || spec->type == formats::ConfigType::String ||
        spec->type == formats::ConfigType::Enum)
        return *g.text;
    // Text from a file or a variable: too deep or not JSON, it stays text and validation
    // names the rule it breaks.
    auto j = formats::parse_json(*g.text, g.field);
    return j ? std::move(*j) : json(*g.text);
}

}  // namespace

Result<std::vector<db::ConfigRow>> next_config(const formats::Desired& d, const GivenConfig& given,
                                               const txn::Snapshot& snap,
                                               const std::map<std::string, db::GenPackage>& next,
                                               const ManifestOf& manifest_of,
                                               runtime::SecretStore& secrets,
                                               std::vector<ConfigChange>& changes) {
    std::set<std::string> listed;
    for (const auto& p : d.plugins) listed.insert(p.name);
    std::vector<db::ConfigRow> rows;
    // What the file does not list keeps its configuration; a removed plugin's too, as with
    // a plain `nxp remove`, so a reinstall finds it. Tool filters (`nxp tools`, reserved
    // keys) are the operator's, not the file's: every plugin keeps them.
    for (const auto& r : snap.config)
        if (!listed.count(r.package) || txn::is_reserved_config_key(r.key)) rows.push_back(r);
    for (const auto& p : d.plugins) {
        auto pkg = next.find(p.name);
        if (pkg == next.end()) continue;  // the resolver reported it; nothing to configure
        auto m = manifest_of(pkg->second);
        if (!m) return tl::unexpected(m.error());
        const auto& keys = given.at(p.name);
        std::vector<db::ConfigRow> mine;
        for (const auto& [key, g] : keys) {
            if (txn::is_reserved_config_key(key))
                return fail(ErrorKind::Invalid, g.field,
                            "not a config key: keys starting with '@' are nxp's own (tool "
                            "filters: 'nxp tools " +
                                p.name + "')");
            const formats::ConfigKey* spec = nullptr;
            if (*m) {
                auto it = (*m)->config.find(key);
                if (it == (*m)->config.end())
                    return fail(ErrorKind::Invalid, g.field,
                                p.name + " " + pkg->second.version + " has no such config key");
                spec = &it->second;
                if (spec->secret && g.literal)
                    return fail(
                        ErrorKind::Invalid, g.field,
                        "a secret: give {\"env\": NAME} or {\"file\": PATH}, never the value");
            }
            json value = value_of(g, spec);
            if (spec) {
                if (auto ok = formats::validate_config_value(key, *spec, value); !ok)
                    return fail(ErrorKind::Invalid, g.field, ok.error().message);
            }
            const bool secret = spec ? spec->secret : !g.literal;
            db::ConfigRow row{p.name, key, value.dump(), secret};
            if (auto r = secrets.seal_row(row, snap.config); !r)
                return tl::unexpected(in_context(r.error(), g.field));
            mine.push_back(std::move(row));
        }
        for (const auto& row : mine) {
            auto old = std::find_if(snap.config.begin(), snap.config.end(), [&](const auto& r) {
                return r.package == row.package && r.key == row.key;
            });
            if (old != snap.config.end() && old->value_json == row.value_json) continue;
            ConfigChange c{row.package, row.key, old == snap.config.end() ? "set" : "change",
                           row.secret,  nullptr, ""};
            if (!row.secret && keys.at(row.key).literal) c.value = json::parse(row.value_json);
            c.source = keys.at(row.key).source;
            changes.push_back(std::move(c));
        }
        for (const auto& old : snap.config)
            if (old.package == p.name && !keys.count(old.key) &&
                !txn::is_reserved_config_key(old.key))
                changes.push_back({old.package, old.key, "unset", old.secret, nullptr, ""});
        rows.insert(rows.end(), mine.begin(), mine.end());
    }
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return std::tie(a.package, a.key) < std::tie(b.package, b.key);
    });
    return rows;
}

}  // namespace nxp::deploy::detail
