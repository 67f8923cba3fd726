#include "txn/repos.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <set>

#include "formats/manifest.hpp"
#include "formats/minisign.hpp"
#include "txn/fsutil.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;

namespace {
constexpr const char* kIndexFile = "index.json.zst";
constexpr const char* kSigFile = "index.json.zst.minisig";
}  // namespace

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
    for (const auto& k : row.keys) {
        auto key = formats::parse_public_key(k);
        if (!key) return tl::unexpected(in_context(key.error(), "repository " + row.name + ": key"));
        c.keys.push_back(*key);
    }
    return c;
}

Result<formats::Index> refresh_repo(Root& root, const db::RepoRow& row, std::int64_t now) {
    auto config = repo_config(row);
    if (!config) return tl::unexpected(config.error());
    auto fetched = repo::fetch_index(*config, {row.last_version, row.last_sha256}, now);
    if (!fetched) return tl::unexpected(as_transfer_error(fetched.error()));
    fs::path dir = root.repo_cache_dir(row.name);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return fail(ErrorKind::Io, dir.string(), "cannot create cache: " + ec.message());
    // The signature is written last: a crash in between leaves a pair that fails
    // verification, which is then refreshed again, never trusted.
    if (auto r = write_file_atomic(dir / kIndexFile, fetched->raw_zst); !r) return tl::unexpected(r.error());
    if (auto r = write_file_atomic(dir / kSigFile, fetched->signature); !r) return tl::unexpected(r.error());
    if (auto r = root.db().set_repo_state(row.name, fetched->index.version, fetched->sha256, now); !r)
        return tl::unexpected(r.error());
    return std::move(fetched->index);
}

Result<std::vector<RepoIndex>> load_indexes(Root& root, std::int64_t now, bool offline,
                                            Events& events) {
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
            auto index = refresh_repo(root, row, now);
            if (!index) return tl::unexpected(index.error());
            auto fresh = root.db().repo(row.name);
            if (!fresh || !*fresh) return tl::unexpected(fresh ? Error{ErrorKind::Internal, row.name, "vanished"} : fresh.error());
            out.push_back({**fresh, std::move(*index)});
            continue;
        }
        auto config = repo_config(row);
        if (!config) return tl::unexpected(config.error());
        auto raw = read_file(dir / kIndexFile);
        if (!raw) return tl::unexpected(raw.error());
        auto sig = read_file(dir / kSigFile, 64 * 1024);
        if (!sig) return tl::unexpected(sig.error());
        auto loaded = repo::load_index(*config, std::move(*raw), std::move(*sig), now,
                                       (dir / kIndexFile).string());
        if (!loaded) return tl::unexpected(loaded.error());
        if (loaded->sha256 != row.last_sha256)
            return fail(ErrorKind::Verification, (dir / kIndexFile).string(),
                        "cached index differs from the one last accepted; run 'nxp refresh'");
        out.push_back({row, std::move(loaded->index)});
    }
    return out;
}

Result<HostInfo> host_info(const Root& root) {
    HostInfo h;
    auto nxp_version = formats::parse_version(NXP_VERSION);
    if (nxp_version) h.provides.push_back({"nxp", *nxp_version});
    utsname u{};
    if (::uname(&u) == 0) h.provides.push_back({std::string("arch:") + u.machine, {}});
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
        std::set<std::string> revoked(r.index.revoked.begin(), r.index.revoked.end());
        for (const auto& e : r.index.packages) {
            if (revoked.count(e.sha256)) continue;
            u.available.push_back({r.row.name, r.row.priority, e});
        }
    }
    const auto& db = root.db();
    auto gen = db.current_generation();
    if (!gen) return tl::unexpected(gen.error());
    auto pkgs = db.generation_packages(*gen);
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
        if (!manifest) return tl::unexpected(in_context(manifest.error(), p.store_path + "/plugin.json"));
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

}  // namespace nxp::txn
