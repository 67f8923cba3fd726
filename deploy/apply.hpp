#pragma once
// `nxp apply`: make a root match a desired state (formats/desired.hpp) in one transaction:
// repositories added, plugins installed, updated or removed, configuration, enabled flags
// and permission grants, all in one new generation with one history entry. Packages come
// from the resolver, from a lockfile (exact versions and hashes) or from a bundle.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "formats/desired.hpp"
#include "formats/lockfile.hpp"
#include "resolver/resolver.hpp"
#include "txn/events.hpp"
#include "txn/repos.hpp"
#include "txn/root.hpp"
#include "txn/transaction.hpp"

namespace nxp::deploy {

struct RepoChange {
    std::string action;  // "add" or "change"
    db::RepoRow row;     // as it will be recorded
};

struct ConfigChange {
    std::string plugin;
    std::string key;
    std::string action;  // "set", "change" or "unset"
    bool secret = false;
    nlohmann::json value;  // the new value; null for secrets, references and unsets
    std::string source;    // "literal", "env:NAME" or "file:PATH" ("" for unset)
};

struct FlagChange {
    std::string plugin;
    bool enabled = true;
};

struct GrantChange {
    std::string plugin;
    formats::Permissions added;        // what the grant adds to the stored one
    formats::Permissions permissions;  // the stored grant afterwards
};

struct ApplyDiff {
    std::vector<RepoChange> repos;
    resolver::Plan plan;
    std::vector<std::string> demoted;  // explicit plugins the file leaves out, kept as dependencies
    std::vector<ConfigChange> config;
    std::vector<FlagChange> flags;
    std::vector<GrantChange> grants;
    bool empty() const {
        return repos.empty() && plan.empty() && plan.marked_explicit.empty() && demoted.empty() &&
               config.empty() && flags.empty() && grants.empty();
    }
};

// Where the packages come from.
struct ApplySource {
    const formats::Lockfile* lock = nullptr;  // --locked / --bundle: exactly these packages
    // --bundle: the bundle's verified indexes (used instead of any repository) and the
    // directory holding its verified packages as SHA256.nxp.
    std::optional<std::vector<txn::RepoIndex>> bundle_indexes;
    std::filesystem::path bundle_packages;
};

struct ApplyReport {
    ApplyDiff diff;
    std::optional<resolver::Unsolvable> unsolvable;
    txn::TxnReport txn;
    bool applied = false;  // something changed (a generation, or repositories/grants only)
};

// The diff about to be applied, shown (Events::preview) before the Proceed question.
struct DiffPreview final : Preview {
    explicit DiffPreview(const ApplyDiff& d) : diff(d) {}
    const ApplyDiff& diff;
};

// Computes the diff and, unless opts.dry_run, applies it: the diff is shown (DiffPreview)
// and --yes or the Proceed question decides; permissions the file does not grant are
// granted as for install (txn::grant_plan); packages are staged, the file's configuration
// validated against the staged manifests, grants stored, then one generation is made
// through txn::apply_intent (hooks, health checks, NextChat); repositories are recorded
// after it took effect. Any error before the switch leaves the root as it was.
Result<ApplyReport> apply_desired(txn::Root& root, const formats::Desired& desired,
                                  const ApplySource& source, const txn::TxnOptions& opts,
                                  Events& events);

// A config value given by reference, read now: {"env": NAME} or {"file": PATH} (one trailing
// newline dropped). Errors name the field of the desired file.
Result<std::string> read_reference(const formats::DesiredValue& value);

// The exact installed set of the current generation as a lockfile; every package must still
// be in its repository's cached index (its path) and every repository configured.
Result<formats::Lockfile> make_lockfile(txn::Root& root, Events& events);

}  // namespace nxp::deploy
