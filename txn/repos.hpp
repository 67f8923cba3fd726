#pragma once
// Configured repositories as the transaction sees them: verified indexes from the cache,
// refreshed through repo::fetch_index, and the resolver's universe built from them.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "formats/index.hpp"
#include "formats/index_padded.hpp"
#include "repo/repository.hpp"
#include "resolver/resolver.hpp"
#include "txn/events.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

struct RepoIndex {
    db::RepoRow row;
    formats::Index index;     // empty when from_cache
    bool from_cache = false;  // the resolver reads ROOT/cache/repos/NAME/repo.solv instead
    std::int64_t now = 0;     // the clock the index was checked against
};

// What the caller needs from the indexes: every entry (search, audit, repair), or only what
// resolving needs, which a valid .solv cache gives without reading the JSON at all.
enum class IndexUse { Entries, Resolve };

Result<repo::RepoConfig> repo_config(const db::RepoRow& row);

// A file missing on a server is a failed transfer for the user (exit 5), whatever the
// library calls it.
Error as_transfer_error(Error e);

// What a refresh accepted: the index (its packages only when asked for) and how many
// packages it lists.
struct Refreshed {
    formats::Index index;  // every field; `packages` empty unless refresh_repo kept them
    std::size_t packages = 0;
};

// Downloads and verifies the repository's index, stores it in the cache and records the
// accepted version (rollback protection), and writes the resolver's caches (.solv, graph)
// from it. The entries go from the parser into those caches one by one (issue 20: a
// 100,000-package index is never held whole); with `keep_entries` they are also returned
// in Refreshed::index.packages.
Result<Refreshed> refresh_repo(Root& root, const db::RepoRow& row, std::int64_t now,
                               bool keep_entries = false);

// The repository's metadata max age in seconds (0 = never refresh on its own): its own
// setting (`repo add --max-age`), else the root's repo.max_age setting, else 24 h.
Result<std::int64_t> max_age_of(const Root& root, const db::RepoRow& row);
// A duration in one unit, rounded down: "1 second", "90 seconds", "15 minutes", "6 hours",
// "3 days" (never "3d 4h"): seconds below 2 minutes, minutes below 2 hours, hours below 2 days.
std::string describe_age(std::int64_t seconds);

// How load_indexes() may use the network.
enum class Network {
    Allowed,    // fetch a missing index, refresh one older than its max age
    Offline,    // --offline: the cache only; an index past its max age is used with a warning
    CacheOnly,  // a command that needs no newer metadata (listing, info, removal): the cache only
};

struct LoadOptions {
    Network network = Network::Allowed;
    // For commands that install nothing from the indexes (listing, info, search, removal):
    // a repository whose index cannot be had does not stop the command. An expired index is
    // still read for IndexUse::Entries (left out for IndexUse::Resolve: nothing may be
    // installed from it); one that is missing, cannot be fetched or no longer verifies is
    // left out. Each with a warning naming the repository and what 'nxp refresh' would do.
    bool degrade = false;
    IndexUse use = IndexUse::Entries;
};

// Every configured repository's index from the cache, verified again on each load. A
// repository never refreshed is fetched first (Network::Allowed); one fetched longer ago
// than max_age_of() is refreshed (Network::Offline: used with a warning that it is old; a
// network failure: used with a warning). With IndexUse::Resolve, a repository whose .solv
// cache was made from the accepted index (RepoRow::last_sha256) and has not expired is not
// read at all (from_cache); a missing or stale cache is rebuilt. What such a cache plans to
// install is checked by confirm_cached_entries() before use.
Result<std::vector<RepoIndex>> load_indexes(Root& root, std::int64_t now, const LoadOptions& opts,
                                            Events& events);
// The older form. `offline` on a root opened without the lock is a command that only reads
// (search, info, list, lock): Network::CacheOnly with degrade; on a writable root it is
// --offline.
Result<std::vector<RepoIndex>> load_indexes(Root& root, std::int64_t now, bool offline,
                                            Events& events, IndexUse use = IndexUse::Entries);
// What a request needs from the indexes: one that only removes needs none.
LoadOptions load_options_for(const resolver::Request& request, bool offline);

// The cached index of one repository, its signature and sha256 checked again (no network);
// checked against `now` for expiry (0: not at all).
Result<formats::Index> cached_index(const Root& root, const db::RepoRow& row, std::int64_t now);

// The caches (.solv, graph.db) decide what the resolver sees, but they are plain files in
// ROOT/cache: before anything is downloaded, every entry a plan takes from a repository
// resolved through them (RepoIndex::from_cache) is compared with the entry of the same name
// and version in that repository's index, whose signature is verified again and whose
// sha256 must be the one accepted at refresh (nxp.db). An entry missing there, different
// in any field, or revoked is refused (ErrorKind::Verification) and both caches are
// removed, so the next run rebuilds them from the verified index.
Result<void> confirm_cached_entries(const Root& root, const RepoIndex& repo,
                                    const std::vector<const formats::IndexEntry*>& entries);

// The resolver's caches of one repository (.solv and graph), made while its index is parsed
// (refresh_repo passes this to repo::fetch_index): each entry's solvable goes into the pool
// and its stored text into a temporary file as it is parsed, so that neither the whole
// index nor the parser's DOM is alive when the pool takes the texts and the files are
// written. The files are the ones write_solv_cache writes from the same index.
class RepoCacheStream final : public formats::IndexVisitor {
  public:
    explicit RepoCacheStream(bool keep_entries);
    ~RepoCacheStream() override;
    RepoCacheStream(const RepoCacheStream&) = delete;
    RepoCacheStream& operator=(const RepoCacheStream&) = delete;

    Result<void> begin(const formats::Index& head) override;
    Result<void> entry(formats::IndexEntry&& e) override;

    std::size_t packages() const { return packages_; }  // every entry seen, revoked included
    std::vector<formats::IndexEntry> take_entries() { return std::move(kept_); }
    // Writes both caches for `row` (whose last_sha256 is the index's), best effort as
    // write_solv_cache; the stream is spent.
    void write(const Root& root, const db::RepoRow& row, std::int64_t expires, Events* events);

  private:
    struct State;
    bool keep_entries_;
    std::size_t packages_ = 0;
    std::vector<formats::IndexEntry> kept_;
    std::unique_ptr<State> state_;
};

// Writes the repository's .solv cache from its verified index (best effort: a cache that
// cannot be written only costs the next run a parse).
void write_solv_cache(const Root& root, const db::RepoRow& row, const formats::Index& index,
                      Events* events);

// Revocations are kept across rollbacks: a package of `pkgs` whose archive sha256 an
// accepted index revokes (the cached index of each configured repository, verified again,
// expired or not). A repository never refreshed has no accepted revocations. An index that
// no longer verifies is an error: what it revokes cannot be known.
struct RevokedPackage {
    std::string name;
    std::string version;
    std::string sha256;
    std::string repo;  // the repository whose index revokes it
};
Result<std::vector<RevokedPackage>> revoked_packages(const Root& root,
                                                     const std::vector<db::GenPackage>& pkgs);

struct HostInfo {
    std::vector<resolver::HostProvide> provides;  // nextchat, nxp, arch:<machine>, node-runtime
};
Result<HostInfo> host_info(const Root& root);

// Available packages (minus revoked ones), the installed set of the current generation
// with holds and reasons, and the host virtuals.
Result<resolver::Universe> build_universe(const Root& root, const std::vector<RepoIndex>& repos);

// Narrows a universe whose repositories all come from their caches to the packages the
// request can reach (db/repo_graph.hpp), when the repositories hold resolve.narrow_min
// packages or more in all. The resolver's answer is the same either way; only the time to
// load differs. Anything that stops narrowing (a missing or damaged graph) leaves the
// universe as it was, with a debug message.
void narrow_universe(const Root& root, resolver::Universe& u, const resolver::Request& request,
                     Events& events);

}  // namespace nxp::txn
