#include "txn/repos.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "db/repo_graph.hpp"
#include "formats/index_entries.hpp"
#include "formats/manifest.hpp"
#include "formats/minisign.hpp"
#include "repo/download.hpp"
#include "repo/trust.hpp"
#include "sandbox/host_tools.hpp"
#include "txn/fsutil.hpp"
#include "txn/installed.hpp"
#include "txn/package_cache.hpp"
#include "txn/settings.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;

namespace {
constexpr const char* kIndexFile = "index.json.zst";
constexpr const char* kSigFile = "index.json.zst.minisig";  // the first of the signatures
constexpr const char* kSolvFile = "repo.solv";
constexpr const char* kGraphFile = "graph.db";  // db/repo_graph.hpp

// The cached index of `row`, its signature verified again and its sha256 checked against
// the one accepted at refresh.
Result<formats::Index> read_verified_index(const Root& root, const db::RepoRow& row,
                                           std::int64_t now) {
    fs::path dir = root.repo_cache_dir(row.name);
    auto config = repo_config(row);
    if (!config) return tl::unexpected(config.error());
    auto raw = read_file(dir / kIndexFile);
    if (!raw) return tl::unexpected(raw.error());
    std::vector<std::string> sigs;
    for (std::size_t i = 0; i < repo::kMaxSignatures; ++i) {
        fs::path p = dir / repo::signature_name(kIndexFile, i);
        if (i > 0 && !fs::exists(p)) break;
        auto sig = read_file(p, 64 * 1024);
        if (!sig) return tl::unexpected(sig.error());
        sigs.push_back(std::move(*sig));
    }
    auto loaded = repo::load_index(*config, std::move(*raw), std::move(sigs), now,
                                   (dir / kIndexFile).string());
    if (!loaded) return tl::unexpected(loaded.error());
    if (loaded->sha256 != row.last_sha256)
        return fail(ErrorKind::Verification, (dir / kIndexFile).string(),
                    "cached index differs from the one last accepted; run 'nxp refresh'");
    return std::move(loaded->index);
}

std::vector<const formats::IndexEntry*> installable(const formats::Index& index) {
    std::set<std::string> revoked(index.revoked.begin(), index.revoked.end());
    std::vector<const formats::IndexEntry*> out;
    for (const auto& e : index.packages)
        if (!revoked.count(e.sha256)) out.push_back(&e);
    return out;
}

// The .solv cache stands in for the index only when it was made from the index accepted
// last (the stamp is that index's sha256) and the index has not expired since.
bool solv_cache_usable(const Root& root, const db::RepoRow& row, std::int64_t now) {
    if (row.last_sha256.empty()) return false;
    fs::path path = root.repo_cache_dir(row.name) / kSolvFile;
    auto stamp = resolver::read_repo_cache_stamp(path.string());
    if (!stamp || stamp->key != row.last_sha256 || now >= stamp->expires) return false;
    // The graph is written with the .solv cache; a root whose cache predates graphs, or
    // whose graph was lost, gets both written again by this run.
    auto graph = db::RepoGraph::open((root.repo_cache_dir(row.name) / kGraphFile).string());
    return graph && graph->stamp().key == row.last_sha256;
}

}  // namespace

namespace {

// For a .solv cache that turned out unreadable while resolving: the verified index's
// entries, and a fresh cache for the next run.
Result<std::vector<formats::IndexEntry>> reparse_entries(const Root& root, const db::RepoRow& row,
                                                         std::int64_t now) {
    auto index = read_verified_index(root, row, now);
    if (!index) return tl::unexpected(index.error());
    write_solv_cache(root, row, *index, nullptr);
    std::vector<formats::IndexEntry> out;
    for (const auto* e : installable(*index)) out.push_back(*e);
    return out;
}

}  // namespace

void write_solv_cache(const Root& root, const db::RepoRow& row, const formats::Index& index,
                      Events* events) {
    const auto entries = installable(index);
    auto bytes = resolver::make_repo_cache(row.last_sha256, index.expires, entries);
    fs::path path = root.repo_cache_dir(row.name) / kSolvFile;
    if (bytes) {
        if (auto d = open_repo_cache_dir(root, row.name); !d) bytes = tl::unexpected(d.error());
    }
    Result<void> written = bytes ? write_file_atomic(path, *bytes) : tl::unexpected(bytes.error());
    if (!written && events)
        events->message(Level::Debug,
                        "no .solv cache for " + row.name + ": " + written.error().str());
    if (!written) return;
    auto graph = db::write_repo_graph(
        (root.repo_cache_dir(row.name) / kGraphFile).string(),
        db::GraphStamp{row.last_sha256, index.expires, static_cast<std::int64_t>(entries.size())},
        entries);
    if (!graph && events)
        events->message(Level::Debug,
                        "no dependency graph for " + row.name + ": " + graph.error().str());
}

namespace {

// What differs between a planned entry and the signed one, for the message.
std::string entry_difference(const formats::IndexEntry& planned, const formats::IndexEntry& s) {
    if (planned.sha256 != s.sha256) return "sha256 " + planned.sha256 + ", signed " + s.sha256;
    if (planned.size != s.size)
        return "size " + std::to_string(planned.size) + ", signed " + std::to_string(s.size);
    if (planned.path != s.path) return "path " + planned.path + ", signed " + s.path;
    return "dependencies or metadata differ";
}

void remove_caches(const Root& root, const std::string& repo) {
    std::error_code ec;
    fs::remove(root.repo_cache_dir(repo) / kSolvFile, ec);
    fs::remove(root.repo_cache_dir(repo) / kGraphFile, ec);
}

}  // namespace

Result<void> confirm_cached_entries(const Root& root, const RepoIndex& repo,
                                    const std::vector<const formats::IndexEntry*>& entries) {
    if (!repo.from_cache || entries.empty()) return {};
    auto index = read_verified_index(root, repo.row, repo.now);
    if (!index) return tl::unexpected(index.error());
    std::set<std::string> revoked(index->revoked.begin(), index->revoked.end());
    std::map<std::pair<std::string, std::string>, const formats::IndexEntry*> by_name;
    for (const auto& e : index->packages) by_name[{e.name, e.version.str()}] = &e;
    for (const formats::IndexEntry* e : entries) {
        const std::string label = e->name + " " + e->version.str() + " (sha256 " + e->sha256 + ")";
        std::string why;
        auto it = by_name.find({e->name, e->version.str()});
        if (revoked.count(e->sha256))
            why = "is revoked by the signed index of " + repo.row.name;
        else if (it == by_name.end())
            why = "is not in the signed index of " + repo.row.name;
        else if (formats::write_index_entry(*e) != formats::write_index_entry(*it->second))
            why = "differs from the signed index of " + repo.row.name + " (" +
                  entry_difference(*e, *it->second) + ")";
        if (why.empty()) continue;
        remove_caches(root, repo.row.name);
        return fail(
            ErrorKind::Verification, root.repo_cache_dir(repo.row.name).string(),
            "the resolver's cache (repo.solv, graph.db) was changed since it was written: " +
                label + " " + why + "; the cache was removed, nothing was installed; " +
                "run the command again to resolve from the signed index");
    }
    return {};
}

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
    }
    if (!r) {
        db.rollback();
        return r;
    }
    return db.commit();
}

}  // namespace

Result<formats::Index> refresh_repo(Root& root, const db::RepoRow& row, std::int64_t now) {
    auto config = repo_config(row);
    if (!config) return tl::unexpected(config.error());
    auto fetched = repo::fetch_index(*config, {row.last_version, row.last_sha256}, now);
    if (!fetched) return tl::unexpected(as_transfer_error(fetched.error()));
    fs::path dir = root.repo_cache_dir(row.name);
    // Created, or checked, one component at a time: a symlink anywhere on the way would
    // have the index written outside ROOT.
    if (auto d = open_repo_cache_dir(root, row.name); !d) return tl::unexpected(d.error());
    // The signature is written last: a crash in between leaves a pair that fails
    // verification, which is then refreshed again, never trusted.
    if (auto r = write_file_atomic(dir / kIndexFile, fetched->raw_zst); !r)
        return tl::unexpected(r.error());
    if (auto r = write_signatures(dir, fetched->signatures); !r) return tl::unexpected(r.error());
    if (auto r = record_accepted(root, row, *fetched, now); !r) return tl::unexpected(r.error());
    db::RepoRow accepted = row;
    accepted.last_sha256 = fetched->sha256;
    write_solv_cache(root, accepted, fetched->index, nullptr);
    return std::move(fetched->index);
}

Result<formats::Index> cached_index(const Root& root, const db::RepoRow& row, std::int64_t now) {
    return read_verified_index(root, row, now);
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

std::string describe_age(std::int64_t s) {
    if (s >= 86400 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
    if (s >= 3600) return std::to_string(s / 3600) + "h";
    if (s >= 60) return std::to_string(s / 60) + "m";
    return std::to_string(s) + "s";
}

namespace {

// The cached index (or a refreshed one, when `refresh`) of one repository.
Result<RepoIndex> refreshed(Root& root, const db::RepoRow& row, std::int64_t now) {
    auto index = refresh_repo(root, row, now);
    if (!index) return tl::unexpected(index.error());
    auto fresh = root.db().repo(row.name);
    if (!fresh) return tl::unexpected(fresh.error());
    if (!*fresh) return fail(ErrorKind::Internal, row.name, "repository vanished during refresh");
    return RepoIndex{**fresh, std::move(*index), false, now};
}

// Metadata expiry (like dnf's metadata_expire): an index fetched longer ago than the
// repository's max age is refreshed first. Offline, it is used as it is, with a warning;
// a refresh that fails on the network falls back to the cached index (still verified,
// and still refused past its signed `expires`), also with a warning.
Result<std::optional<RepoIndex>> refresh_if_stale(Root& root, const db::RepoRow& row,
                                                  std::int64_t now, bool offline, Events& events) {
    auto max_age = max_age_of(root, row);
    if (!max_age) return tl::unexpected(max_age.error());
    if (!repo::index_is_stale(row.last_fetched, now, *max_age)) return std::nullopt;
    const std::string age = row.last_fetched > 0 && now >= row.last_fetched
                                ? describe_age(now - row.last_fetched) + " old"
                                : "of unknown age";
    const std::string limit = " (max age " + describe_age(*max_age) + ")";
    if (offline) {
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

}  // namespace

Result<std::vector<RepoIndex>> load_indexes(Root& root, std::int64_t now, bool offline,
                                            Events& events, IndexUse use) {
    auto rows = root.db().repos();
    if (!rows) return tl::unexpected(rows.error());
    std::vector<RepoIndex> out;
    for (const auto& row : *rows) {
        fs::path dir = root.repo_cache_dir(row.name);
        if (!fs::exists(dir / kIndexFile) || !fs::exists(dir / kSigFile)) {
            if (offline)
                return fail(ErrorKind::Network, "repository " + row.name,
                            "no cached index and --offline was given; run 'nxp refresh' first");
            events.message(Level::Info, "fetching index of " + row.name);
            auto r = refreshed(root, row, now);
            if (!r) return tl::unexpected(r.error());
            out.push_back(std::move(*r));
            continue;
        }
        auto fresh = refresh_if_stale(root, row, now, offline, events);
        if (!fresh) return tl::unexpected(fresh.error());
        if (*fresh) {
            out.push_back(std::move(**fresh));
            continue;
        }
        if (use == IndexUse::Resolve && solv_cache_usable(root, row, now)) {
            out.push_back({row, {}, true, now});
            continue;
        }
        auto index = read_verified_index(root, row, now);
        if (!index) return tl::unexpected(index.error());
        if (use == IndexUse::Resolve) write_solv_cache(root, row, *index, &events);
        out.push_back({row, std::move(*index), false, now});
    }
    return out;
}

Result<std::vector<RevokedPackage>> revoked_packages(const Root& root,
                                                     const std::vector<db::GenPackage>& pkgs) {
    std::vector<RevokedPackage> out;
    if (pkgs.empty()) return out;
    auto rows = root.db().repos();
    if (!rows) return tl::unexpected(rows.error());
    std::map<std::string, std::string> revoker;  // sha256 -> repository
    for (const auto& row : *rows) {
        if (row.last_sha256.empty()) continue;
        auto index = read_verified_index(root, row, 0);
        if (!index)
            return tl::unexpected(in_context(
                index.error(), "repository " + row.name + " (checking its revoked packages)"));
        for (const auto& sha : index->revoked) revoker.emplace(sha, row.name);
    }
    if (revoker.empty()) return out;
    for (const auto& p : pkgs) {
        auto tree = root.db().store_tree(p.store_path);
        if (!tree) return tl::unexpected(tree.error());
        if (!*tree) continue;
        auto it = revoker.find((*tree)->sha256);
        if (it != revoker.end()) out.push_back({p.name, p.version, (*tree)->sha256, it->second});
    }
    return out;
}

Result<HostInfo> host_info(const Root& root) {
    HostInfo h;
    auto nxp_version = formats::parse_version(NXP_VERSION);
    if (nxp_version) h.provides.push_back({"nxp", *nxp_version});
    utsname u{};
    if (::uname(&u) == 0) h.provides.push_back({std::string("arch:") + u.machine, {}});
    // Node.js comes from the host (README: decisions); a version it prints that nxp cannot
    // read leaves node-runtime unprovided rather than failing every request.
    if (const auto& node = sandbox::host_node(root.cache_dir() / "host-node")) {
        if (auto v = formats::parse_partial_version(node->version))
            h.provides.push_back({"node-runtime", *v});
    }
    auto v = root.db().setting("nextchat.version");
    if (!v) return tl::unexpected(v.error());
    if (*v && !(*v)->empty()) {
        auto parsed = formats::parse_partial_version(**v);
        if (!parsed) return tl::unexpected(in_context(parsed.error(), "setting nextchat.version"));
        h.provides.push_back({"nextchat", *parsed});
    }
    return h;
}

Result<resolver::Universe> build_universe(const Root& root, const std::vector<RepoIndex>& repos) {
    resolver::Universe u;
    for (const auto& r : repos) {
        if (r.from_cache) {
            u.cached.push_back(
                {r.row.name, r.row.priority, (root.repo_cache_dir(r.row.name) / kSolvFile).string(),
                 r.row.last_sha256,
                 [&root, row = r.row, now = r.now]() { return reparse_entries(root, row, now); }});
            continue;
        }
        for (const auto* e : installable(r.index))
            u.available.push_back({r.row.name, r.row.priority, *e});
    }
    const auto& db = root.db();
    auto pkgs = current_packages(root);
    if (!pkgs) return tl::unexpected(pkgs.error());
    auto holds = db.holds();
    if (!holds) return tl::unexpected(holds.error());
    for (const auto& p : *pkgs) {
        auto tree = db.store_tree(p.store_path);
        if (!tree) return tl::unexpected(tree.error());
        if (!*tree)
            return fail(ErrorKind::Invalid, p.store_path,
                        "installed package " + p.name + " has no store record; run 'nxp doctor'");
        auto manifest = formats::parse_manifest((*tree)->manifest_json);
        if (!manifest)
            return tl::unexpected(in_context(manifest.error(), p.store_path + "/plugin.json"));
        resolver::Installed inst;
        inst.meta = *manifest;
        inst.repo = p.repo;
        inst.explicit_ = p.reason == "explicit";
        inst.held = std::find(holds->begin(), holds->end(), p.name) != holds->end();
        u.installed.push_back(std::move(inst));
    }
    auto host = host_info(root);
    if (!host) return tl::unexpected(host.error());
    u.host = host->provides;
    return u;
}

namespace {

// The names a request starts from: what its jobs name, and everything installed (its
// name, what it provides, and the names its relations mention), since the solver keeps
// installed packages satisfied and looks for their updates and successors.
std::vector<std::string> seed_names(const resolver::Universe& u, const resolver::Request& request) {
    std::vector<std::string> seeds;
    for (const auto& job : request.jobs)
        if (!job.spec.name.empty()) seeds.push_back(job.spec.name);
    for (const auto& inst : u.installed) {
        const auto& m = inst.meta;
        seeds.push_back(m.name);
        for (const auto& p : m.provides) seeds.push_back(p.name);
        for (const auto& r : m.requires_)
            for (const auto& alt : r.alternatives) seeds.push_back(alt.name);
        for (const auto& r : m.recommends)
            for (const auto& alt : r.alternatives) seeds.push_back(alt.name);
        for (const auto& r : m.replaces) seeds.push_back(r.name);
        for (const auto& c : m.conflicts)
            for (const auto& alt : c.alternatives) seeds.push_back(alt.name);
    }
    return seeds;
}

// Why narrowing did not apply, or the narrowed repositories' entries.
Result<std::vector<std::vector<formats::IndexEntry>>> narrowed_entries(
    const Root& root, const resolver::Universe& u, const resolver::Request& request,
    std::int64_t& total) {
    std::vector<db::RepoGraph> graphs;
    total = 0;
    for (const auto& c : u.cached) {
        auto g = db::RepoGraph::open((root.repo_cache_dir(c.name) / kGraphFile).string());
        if (!g) return tl::unexpected(g.error());
        if (g->stamp().key != c.key)
            return fail(ErrorKind::Invalid, c.name, "dependency graph of another index");
        total += g->stamp().packages;
        graphs.push_back(std::move(*g));
    }
    auto min = narrow_min(root);
    if (!min) return tl::unexpected(min.error());
    if (static_cast<std::uint64_t>(total) < *min)
        return fail(ErrorKind::Invalid, "", "below resolve.narrow_min");
    auto reached = db::reachable(graphs, seed_names(u, request));
    if (!reached) return tl::unexpected(reached.error());
    std::vector<std::vector<formats::IndexEntry>> out(reached->size());
    for (std::size_t g = 0; g < reached->size(); ++g) {
        std::vector<std::string> texts;
        for (auto& r : (*reached)[g]) texts.push_back(std::move(r.text));
        auto parsed = formats::parse_index_entries(texts);
        if (!parsed)
            return fail(ErrorKind::Invalid, u.cached[g].name,
                        "damaged dependency graph: " + parsed.error().str());
        out[g] = std::move(*parsed);
    }
    return out;
}

}  // namespace

void narrow_universe(const Root& root, resolver::Universe& u, const resolver::Request& request,
                     Events& events) {
    if (!u.available.empty()) {
        // An index read this run (refreshed, or its caches rebuilt): it is parsed already,
        // and the caches written for the next run.
        events.message(Level::Debug, "loading every package (an index was read this run)");
        return;
    }
    if (u.cached.empty()) return;
    std::int64_t total = 0;
    auto entries = narrowed_entries(root, u, request, total);
    if (!entries) {
        events.message(Level::Debug, "loading every package (" + entries.error().str() + ")");
        return;
    }
    std::size_t kept = 0;
    for (std::size_t g = 0; g < entries->size(); ++g) {
        for (auto& e : (*entries)[g]) {
            u.available.push_back({u.cached[g].name, u.cached[g].priority, std::move(e)});
            ++kept;
        }
    }
    u.cached.clear();
    events.message(Level::Debug, "resolving within " + std::to_string(kept) + " of " +
                                     std::to_string(total) +
                                     " packages: those this request can reach");
}

}  // namespace nxp::txn
