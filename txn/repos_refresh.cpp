// Refreshing repositories: fetching and verifying an index, storing it with its signatures,
// recording it as accepted (rollback protection), and deciding when a cached index is old
// enough to be refreshed first (metadata max age).
#include <algorithm>
#include <optional>

#include "formats/minisign.hpp"
#include "repo/download.hpp"
#include "repo/trust.hpp"
#include "txn/fsutil.hpp"
#include "txn/package_cache.hpp"
#include "txn/repo_cache.hpp"
#include "txn/repos.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;
using repo_cache::kIndexFile;
using repo_cache::kSigFile;

Error as_transfer_error(Error e) {
    if (e.kind == ErrorKind::NotFound) {
        e.kind = ErrorKind::Network;
        e.message = "not found on the server (" + e.message + ")";
    }
    return e;
}

Result<repo::RepoConfig> repo_config(const db::RepoRow& row) {
    repo::RepoConfig c;
    c.name = row.name;
    c.url = row.url;
    c.mirrors = row.mirrors;
    c.key_version = row.key_version;
    c.threshold = row.threshold;
    for (const auto& k : row.keys) {
        auto key = formats::parse_public_key(k);
        if (!key)
            return tl::unexpected(in_context(key.error(), "repository " + row.name + ": key"));
        c.keys.push_back(*key);
    }
    return c;
}

namespace {

// The cache keeps every signature: a threshold index is verified again on each load.
// Extra files from an earlier index with more signatures are removed first.
Result<void> write_signatures(const fs::path& dir, const std::vector<std::string>& sigs) {
    std::error_code ec;
    for (std::size_t i = sigs.size(); i < repo::kMaxSignatures; ++i)
        fs::remove(dir / repo::signature_name(kIndexFile, i), ec);
    // The first signature is written last: until then the pair fails verification.
    for (std::size_t i = sigs.size(); i-- > 0;)
        if (auto r = write_file_atomic(dir / repo::signature_name(kIndexFile, i), sigs[i]); !r)
            return r;
    return {};
}

// The index version and, when the rotation chain moved, the new key set, in one commit.
Result<void> record_accepted(Root& root, const db::RepoRow& row, const repo::FetchedIndex& f,
                             std::int64_t now) {
    auto& db = root.db();
    if (auto r = db.begin(); !r) return r;
    auto r = db.set_repo_state(row.name, f.index.version, f.sha256, now);
    if (r && f.trust.version != row.key_version) {
        std::vector<std::string> keys;
        for (const auto& k : f.trust.keys) keys.push_back(formats::public_key_base64(k));
        r = db.set_repo_keys(row.name, keys, f.trust.version, f.trust.threshold);
        if (r)
            r = db.audit("", "repo-keys",
                         row.name + ": key set " + std::to_string(row.key_version) + " -> " +
                             std::to_string(f.trust.version) + " (" + std::to_string(keys.size()) +
                             " key(s), threshold " + std::to_string(f.trust.threshold) + ")");
    }
    if (!r) {
        db.rollback();
        return r;
    }
    return db.commit();
}

}  // namespace

Result<Refreshed> refresh_repo(Root& root, const db::RepoRow& row, std::int64_t now,
                               bool keep_entries) {
    auto config = repo_config(row);
    if (!config) return tl::unexpected(config.error());
    RepoCacheStream caches(keep_entries);
    auto fetched =
        repo::fetch_index(*config, {row.last_version, row.last_sha256}, now, {}, &caches);
    if (!fetched) return tl::unexpected(as_transfer_error(fetched.error()));
    fs::path dir = root.repo_cache_dir(row.name);
    // Created, or checked, one component at a time: a symlink anywhere on the way would
    // have the index written outside ROOT.
    if (auto d = open_repo_cache_dir(root, row.name); !d) return tl::unexpected(d.error());
    // The signature is written last: a crash in between leaves a pair that fails
    // verification, which is then refreshed again, never trusted.
    if (auto r = write_file_atomic(dir / kIndexFile, fetched->raw_zst); !r)
        return tl::unexpected(r.error());
    std::string().swap(fetched->raw_zst);
    if (auto r = write_signatures(dir, fetched->signatures); !r) return tl::unexpected(r.error());
    if (auto r = record_accepted(root, row, *fetched, now); !r) return tl::unexpected(r.error());
    db::RepoRow accepted = row;
    accepted.last_sha256 = fetched->sha256;
    caches.write(root, accepted, fetched->index.expires, nullptr);
    Refreshed out{std::move(fetched->index), caches.packages()};
    if (keep_entries) out.index.packages = caches.take_entries();
    return out;
}

Result<std::int64_t> max_age_of(const Root& root, const db::RepoRow& row) {
    std::string text = row.max_age;
    std::string where = "repository " + row.name + ": max age";
    if (text.empty()) {
        auto s = root.db().setting("repo.max_age");
        if (!s) return tl::unexpected(s.error());
        if (*s) text = **s;
        where = "setting repo.max_age";
    }
    auto age = repo::parse_max_age(text);
    if (!age)
        return fail(ErrorKind::Invalid, where, age.error().message + ", not \"" + text + "\"");
    return age;
}

std::string describe_age(std::int64_t seconds) {
    seconds = std::max<std::int64_t>(seconds, 0);
    auto unit = [](std::int64_t n, const char* one) {
        return std::to_string(n) + " " + one + (n == 1 ? "" : "s");
    };
    if (seconds < 120) return unit(seconds, "second");
    if (seconds < 2 * 3600) return unit(seconds / 60, "minute");
    if (seconds < 2 * 86400) return unit(seconds / 3600, "hour");
    return unit(seconds / 86400, "day");
}

namespace {

// A refreshed index of one repository, with the row as the refresh left it.
Result<RepoIndex> refreshed(Root& root, const db::RepoRow& row, std::int64_t now) {
    auto index = refresh_repo(root, row, now, true);
    if (!index) return tl::unexpected(index.error());
    auto fresh = root.db().repo(row.name);
    if (!fresh) return tl::unexpected(fresh.error());
    if (!*fresh) return fail(ErrorKind::Internal, row.name, "repository vanished during refresh");
    return RepoIndex{**fresh, std::move(index->index), false, now};
}

// Metadata expiry (like dnf's metadata_expire): an index fetched longer ago than the
// repository's max age is refreshed first. Offline, it is used as it is, with a warning
// (only when --offline was given: a command that needs no newer metadata says nothing);
// a refresh that fails on the network falls back to the cached index (still verified,
// and still refused past its signed `expires`), also with a warning.
Result<std::optional<RepoIndex>> refresh_if_stale(Root& root, const db::RepoRow& row,
                                                  std::int64_t now, Network network,
                                                  Events& events) {
    auto max_age = max_age_of(root, row);
    if (!max_age) return tl::unexpected(max_age.error());
    if (!repo::index_is_stale(row.last_fetched, now, *max_age)) return std::nullopt;
    const std::string age = row.last_fetched > 0 && now >= row.last_fetched
                                ? describe_age(now - row.last_fetched) + " old"
                                : "of unknown age";
    const std::string limit = " (max age " + describe_age(*max_age) + ")";
    if (network == Network::CacheOnly) {
        events.message(Level::Debug, "the index of " + row.name + " is " + age + limit +
                                         "; this command reads the cached one");
        return std::nullopt;
    }
    if (network == Network::Offline) {
        events.message(Level::Warning, "the index of " + row.name + " is " + age + limit +
                                           "; not refreshed because of --offline");
        return std::nullopt;
    }
    events.message(Level::Info, "refreshing the index of " + row.name + ", " + age + limit);
    auto r = refreshed(root, row, now);
    if (r) return std::optional<RepoIndex>(std::move(*r));
    if (r.error().kind != ErrorKind::Network) return tl::unexpected(r.error());
    events.message(Level::Warning, "cannot refresh " + row.name + " (" + r.error().str() +
                                       "); using the cached index, " + age);
    return std::nullopt;
}

// One repository's index for load_indexes(): fetched when there is none yet, refreshed
// when stale, else from the cache (or only its .solv cache, for IndexUse::Resolve).
Result<RepoIndex> load_index(Root& root, const db::RepoRow& row, std::int64_t now,
                             const LoadOptions& opts, Events& events) {
    fs::path dir = root.repo_cache_dir(row.name);
    if (!fs::exists(dir / kIndexFile) || !fs::exists(dir / kSigFile)) {
        if (opts.network == Network::Offline)
            return fail(ErrorKind::Network, "repository " + row.name,
                        "no cached index and --offline was given; run 'nxp refresh' first");
        if (opts.network == Network::CacheOnly)
            return fail(ErrorKind::NotFound, "repository " + row.name,
                        "no cached index; run 'nxp refresh' to fetch it");
        events.message(Level::Info, "fetching index of " + row.name);
        return refreshed(root, row, now);
    }
    auto fresh = refresh_if_stale(root, row, now, opts.network, events);
    if (!fresh) return tl::unexpected(fresh.error());
    if (*fresh) return std::move(**fresh);
    if (opts.use == IndexUse::Resolve && repo_cache::solv_cache_usable(root, row, now))
        return RepoIndex{row, {}, true, now};
    auto index = cached_index(root, row, now);
    if (!index) return tl::unexpected(index.error());
    if (opts.use == IndexUse::Resolve) write_solv_cache(root, row, *index, &events);
    return RepoIndex{row, std::move(*index), false, now};
}

// With LoadOptions::degrade, what a repository whose index could not be had still gives:
// its expired index for reading (IndexUse::Entries), or nothing; said in a warning.
std::optional<RepoIndex> degraded(const Root& root, const db::RepoRow& row, std::int64_t now,
                                  const LoadOptions& opts, const Error& why, Events& events) {
    auto unexpired = cached_index(root, row, 0);
    if (unexpired && unexpired->expires <= now) {
        const std::string expired =
            "the index of " + row.name + " expired " + describe_age(now - unexpired->expires) +
            " ago (the publisher must re-sign it; 'nxp refresh' fetches a newer one)";
        if (opts.use == IndexUse::Resolve) {
            events.message(Level::Warning,
                           expired + "; going on without it, nothing is installed from it");
            return std::nullopt;
        }
        events.message(Level::Warning,
                       expired + "; showing it as it was, installs and updates refuse it");
        return RepoIndex{row, std::move(*unexpired), false, now};
    }
    events.message(Level::Warning, "repository " + row.name + " left out: " + why.str());
    return std::nullopt;
}

}  // namespace

Result<std::vector<RepoIndex>> load_indexes(Root& root, std::int64_t now, const LoadOptions& opts,
                                            Events& events) {
    auto rows = root.db().repos();
    if (!rows) return tl::unexpected(rows.error());
    std::vector<RepoIndex> out;
    for (const auto& row : *rows) {
        auto index = load_index(root, row, now, opts, events);
        if (index) {
            out.push_back(std::move(*index));
            continue;
        }
        if (!opts.degrade) return tl::unexpected(index.error());
        if (auto d = degraded(root, row, now, opts, index.error(), events)) out.push_back(*d);
    }
    return out;
}

Result<std::vector<RepoIndex>> load_indexes(Root& root, std::int64_t now, bool offline,
                                            Events& events, IndexUse use) {
    LoadOptions opts;
    opts.use = use;
    if (offline) {
        const bool reader = !root.writable();
        opts.network = reader ? Network::CacheOnly : Network::Offline;
        opts.degrade = reader;
    }
    return load_indexes(root, now, opts, events);
}

LoadOptions load_options_for(const resolver::Request& request, bool offline) {
    LoadOptions opts;
    opts.use = IndexUse::Resolve;
    opts.network = offline ? Network::Offline : Network::Allowed;
    const bool removes_only =
        !request.jobs.empty() && std::all_of(request.jobs.begin(), request.jobs.end(), [](auto& j) {
            return j.kind == resolver::JobKind::Remove || j.kind == resolver::JobKind::Autoremove;
        });
    if (removes_only) {
        opts.network = Network::CacheOnly;
        opts.degrade = true;
    }
    return opts;
}

}  // namespace nxp::txn
