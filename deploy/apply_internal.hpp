#pragma once
// Pieces of `nxp apply` shared between apply.cpp (the flow) and apply_plan.cpp (what
// changes); not used elsewhere.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "deploy/apply.hpp"
#include "runtime/secrets.hpp"
#include "txn/nextchat_version.hpp"
#include "txn/plugins.hpp"

namespace nxp::deploy::detail {

// A config value of the file, references already read.
struct GivenValue {
    std::optional<nlohmann::json> literal;
    std::optional<std::string> text;  // read from env/file
    std::string source;               // "literal", "env:NAME" or "file:PATH"
    std::string field;                // "plugins.x.config.key"
};
using GivenConfig = std::map<std::string, std::map<std::string, GivenValue>>;  // plugin → key

Result<GivenConfig> read_given_config(const formats::Desired& d);

// The package plan: from the resolver (plugins as install jobs, everything else a dependency
// that autoremove drops when nothing needs it) or exactly the lockfile's packages. `nextchat`
// is the NextChat version detected just before (txn::redetect_nextchat_version).
using PlanOutcome = std::variant<resolver::Plan, resolver::Unsolvable>;
Result<PlanOutcome> resolve_plan(const txn::Root& root, const formats::Desired& d,
                                 const std::vector<txn::RepoIndex>& repos,
                                 const txn::NextchatVersion& nextchat);
Result<resolver::Plan> locked_plan(const txn::Root& root, const formats::Desired& d,
                                   const formats::Lockfile& lock,
                                   const std::vector<txn::RepoIndex>& repos,
                                   const txn::Snapshot& snap);

// The next generation's packages (store paths of new ones left empty): the plan applied to
// the snapshot, reasons and enabled flags from the file.
std::map<std::string, db::GenPackage> next_packages(const formats::Desired& d,
                                                    const txn::Snapshot& snap,
                                                    const resolver::Plan& plan);

// Config rows for the next generation and the changes against the snapshot. A plugin's
// manifest is looked up by `manifest_of` (nullptr when not known yet: dry run of a package
// not staged; its values are then not validated). With `strict`, every listed plugin must
// have a manifest. Secret values are sealed with `secrets` (an unchanged one keeps the
// snapshot's sealed text).
using ManifestOf = std::function<Result<std::optional<formats::Manifest>>(const db::GenPackage&)>;
Result<std::vector<db::ConfigRow>> next_config(const formats::Desired& d, const GivenConfig& given,
                                               const txn::Snapshot& snap,
                                               const std::map<std::string, db::GenPackage>& next,
                                               const ManifestOf& manifest_of,
                                               runtime::SecretStore& secrets,
                                               std::vector<ConfigChange>& changes);

}  // namespace nxp::deploy::detail
