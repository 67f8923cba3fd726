#pragma once
// Dependency resolution with libsolv. No libsolv type appears in this header: the rest of
// nxp sees Universe, Request, Plan and Unsolvable.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "formats/error.hpp"
#include "formats/index.hpp"
#include "formats/semver.hpp"

namespace nxp::resolver {

struct Available {
    std::string repo;
    int priority = 0;  // higher wins between repositories
    formats::IndexEntry entry;
};

struct Installed {
    formats::PackageMeta meta;
    std::string repo;
    bool explicit_ = true;  // reason: explicit (true) or dependency
    bool held = false;
    std::uint64_t installed_size = 0;  // bytes of its store tree (0: unknown)
};

struct HostProvide {  // virtual packages of the host: nextchat, nxp, arch:<machine>
    std::string name;
    formats::Version version;
};

// A repository whose packages come from its .solv cache file (see make_repo_cache) instead
// of parsed entries: a warm start reads no JSON. The plan's steps still carry complete
// IndexEntry values, decoded from the cache for the chosen packages only.
struct CachedRepo {
    std::string name;
    int priority = 0;
    std::string path;  // the cache file, ROOT/cache/repos/NAME/repo.solv
    std::string key;   // sha256 of the signed index it must have been made from
    // The repository's entries from its verified index, for when the cache file turns out
    // unreadable after all: a damaged cache costs a parse, never a wrong answer.
    std::function<Result<std::vector<formats::IndexEntry>>()> reparse;
};

struct Universe {
    std::vector<Available> available;
    std::vector<CachedRepo> cached;
    std::vector<Installed> installed;
    std::vector<HostProvide> host;
    // A host virtual the host does not provide now → a sentence on why and how to provide it,
    // added to "nothing provides NAME …" ("the NextChat version is unknown; set it with …").
    std::map<std::string, std::string> host_hints;
};

enum class JobKind {
    Install,     // install or move to a version matching spec (downgrade allowed)
    Remove,      // remove spec.name (and dependencies nothing else needs, unless keep_deps)
    Update,      // update spec.name to the best version compatible with the rest
    UpdateAll,   // update everything (spec unused)
    Autoremove,  // remove dependencies nothing needs (spec unused)
};

struct Job {
    JobKind kind = JobKind::Install;
    formats::Dep spec;  // name + constraint ("a", "a >= 2", "a = 1.2.0")
};

// A solution chosen for a problem of an earlier, identical resolve (Problem::id, Solution::id).
struct Choice {
    int problem = 0;
    int solution = 0;
};

struct Request {
    std::vector<Job> jobs;
    bool no_recommends = false;
    bool keep_deps = false;
    // Installed plugins may be removed to satisfy the jobs (dnf5's --allow-erasing; libsolv's
    // SOLVER_FLAG_ALLOW_UNINSTALL): the plan lists the removals. Held plugins stay.
    bool allow_erasing = false;
    // Solutions taken, one list per round: the request is solved, the first round's solutions
    // are applied to its problems (libsolv's solver_take_solution) and it is solved again, and
    // so on. The ids are those an Unsolvable of the same universe and request had.
    std::vector<std::vector<Choice>> choices;
};

enum class StepKind { Install, Upgrade, Downgrade, Reinstall, Remove };
std::string_view step_kind_name(StepKind k);  // "install", "upgrade", …

struct Step {
    StepKind kind = StepKind::Install;
    std::string name;
    std::optional<formats::Version> from;  // installed version (upgrade/downgrade/remove)
    std::optional<formats::Version> to;    // new version (install/upgrade/downgrade)
    std::string repo;
    std::optional<formats::IndexEntry> entry;  // the chosen package (not for Remove)
    bool explicit_ = false;                    // reason after the transaction
    std::string replaced_by;                   // for Remove: the package that obsoletes it, if any
    // Bytes the installed version takes that the step frees (remove, upgrade, downgrade,
    // reinstall); 0 for a new install or when unknown.
    std::uint64_t removed_size = 0;
};

struct Plan {
    std::vector<Step> steps;  // in libsolv's transaction order (dependencies first)
    // Installed dependencies that an install job named and that otherwise stay as they
    // are: only their reason changes to explicit (like apt's "set to manually installed").
    std::vector<std::string> marked_explicit;
    bool empty() const { return steps.empty(); }
};

// A package as a problem names it: which one, and where it comes from.
struct PackageRef {
    std::string name;
    std::string version;  // "" for a name that no package has (a missing requirement)
    std::string repo;     // the repository; "" for an installed plugin or the host
    bool installed = false;
    bool host = false;  // a virtual package of the host (nextchat, nxp, arch:…)
};

// A dependency as written: "b >= 2" is name b, constraint ">= 2"; "a | b" has alternatives.
struct Relation {
    std::string text;
    std::string name;
    std::string constraint;
    std::vector<Relation> alternatives;
};

// One rule of a problem, as fields (for --json's problem tree) and as the sentence shown.
struct Rule {
    // "requires", "nothing-provides", "conflicts", "self-conflict", "same-name", "obsoletes",
    // "not-installable", "job", "job-nothing-provides", "job-unknown-package",
    // "job-provided-by-host", "update", "best"
    std::string kind;
    std::optional<PackageRef> source;  // the package the rule is about
    std::optional<PackageRef> target;  // the other package (conflicts, same-name, obsoletes)
    std::optional<Relation> relation;  // the dependency involved
    std::string job;                   // for job rules: "install", "remove", "update", "hold", …
    std::string job_spec;              // what the job names: "a >= 2"
    std::string text;
};

// One change a solution makes.
struct SolutionElement {
    // "remove", "install", "upgrade", "downgrade", "replace", "keep", "install-older",
    // "do-not-install", "do-not-remove", "do-not-update", "unhold"
    std::string action;
    std::string name;
    std::string from;         // the installed version (remove, upgrade, downgrade, replace, keep)
    std::string to;           // the new version (the replacement's, for replace)
    std::string replacement;  // replace: the package taking its place
    std::string text;
};

struct Solution {
    std::string text;  // "do not install a", "remove b", "install a 1.x instead (a-1.5.0)"
    int id = 0;        // libsolv's number, for Request::choices
    std::vector<SolutionElement> elements;
};

struct Problem {
    std::string text;  // one plain sentence: "a 2.0.0 requires b >= 3, but only b 2.1.0 exists"
    std::vector<std::string> details;  // one line per involved rule
    std::vector<Solution> solutions;
    int id = 0;               // libsolv's number (0: found before solving; nothing to choose)
    std::vector<Rule> rules;  // the rules behind `details`, as fields
};

struct Unsolvable {
    std::vector<Problem> problems;
    std::string str() const;  // problems and numbered solutions, for a terminal
};

using Outcome = std::variant<Plan, Unsolvable>;

// The .solv cache of one repository: its entries (revoked ones already left out) as a
// libsolv repository, stamped with `key` (the sha256 of the signed index they come from)
// and the index's expiry, as the file's bytes in memory. nxp writes its caches with
// RepoCacheBuilder (resolver/cache.hpp) as a refresh parses; this whole-index form is the
// tests' reference for that file.
Result<std::string> make_repo_cache(const std::string& key, std::int64_t expires,
                                    const std::vector<const formats::IndexEntry*>& entries);

struct RepoCacheStamp {
    std::string key;
    std::int64_t expires = 0;
};
// The stamp of a cache file (reads only its first line); nullopt when the file is missing
// or not a cache of this nxp's format.
std::optional<RepoCacheStamp> read_repo_cache_stamp(const std::string& path);

// Resolves `request` against `universe`. Errors are for bad input (a job naming nothing
// known is an Unsolvable, not an Error).
Result<Outcome> resolve(const Universe& universe, const Request& request);

// Why an installed dependency is kept: chains from explicit packages to `name`
// ("a 1.0.0 requires b ^1"). Empty when nothing needs it.
std::vector<std::vector<std::string>> why(const Universe& universe, const std::string& name);

}  // namespace nxp::resolver
