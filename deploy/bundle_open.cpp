// Reading a bundle on the target: nothing in it is trusted until it verified against keys
// the operator pinned (--key, or the apply file's repositories).
#include <unistd.h>

#include <algorithm>
#include <set>

#include "deploy/bundle.hpp"
#include "repo/repository.hpp"
#include "repo/tar.hpp"
#include "txn/fsutil.hpp"
#include "txn/package_cache.hpp"
#include "txn/repos.hpp"

namespace nxp::deploy {
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kMaxMeta = 64u << 20;
constexpr std::size_t kMaxEntries = 100000;

tl::unexpected<Error> refuse(const std::string& where, std::string why) {
    return fail(ErrorKind::Verification, where, std::move(why));
}

class Reader {
  public:
    Reader(txn::Root& root, const fs::path& bundle, const BundleTrust& trust, std::int64_t now)
        : root_(root), src_(bundle.string()), trust_(trust), now_(now), tar_(bundle) {}

    Result<OpenedBundle> run() {
        if (trust_.signers.empty() && trust_.repo_keys.empty())
            return fail(ErrorKind::Usage, "--bundle",
                        "nothing to verify the bundle against: pass --key PUBKEY (the key it was "
                        "signed with) or an apply file whose repositories pin their keys");
        out_.dir = root_.cache_dir() / (".bundle-" + std::to_string(::getpid()));
        out_.packages_dir = out_.dir / "packages";
        std::error_code ec;
        fs::remove_all(out_.dir, ec);
        // Created one component at a time, none a symlink: the bundle's packages are
        // written there and must not land outside ROOT.
        auto dir = txn::open_cache_dir(root_, {out_.dir.filename().string(), "packages"});
        if (!dir) return tl::unexpected(dir.error());
        if (auto r = tar_.open(); !r)
            return fail(ErrorKind::Invalid, src_, "not a readable bundle: " + r.error().message);
        std::size_t count = 0;
        for (;;) {
            auto e = tar_.next();
            if (!e) return refuse(src_, "damaged archive: " + e.error().message);
            if (!*e) break;
            if (++count > kMaxEntries)
                return refuse(src_, "more than " + std::to_string(kMaxEntries) + " entries");
            if (auto r = entry(**e, count); !r) return tl::unexpected(r.error());
        }
        if (auto r = finish_metadata(); !r) return tl::unexpected(r.error());
        for (const auto& p : out_.lock.packages)
            if (!stored_.count(p.sha256))
                return refuse(src_, "lacks packages/" + p.sha256 + ".nxp (" + p.name + " " +
                                        p.version.str() + ")");
        return std::move(out_);
    }

  private:
    Result<std::string> read_data(const repo::TarEntry& e, const std::string& where,
                                  std::uint64_t cap) {
        if (!e.size || *e.size > cap)
            return refuse(where, "larger than allowed (" + std::to_string(cap) + " bytes)");
        auto data = tar_.read(*e.size);
        if (!data) return refuse(where, "truncated: " + data.error().message);
        return data;
    }

    Result<void> entry(const repo::TarEntry& e, std::size_t position) {
        const std::string& name = e.name;
        std::string where = src_ + ": " + name;
        if (!e.regular) return refuse(where, "not a regular file");
        if (!seen_.insert(name).second) return refuse(where, "appears twice");
        if (name == "lockfile.json") {
            if (position != 1) return refuse(where, "must be the first entry");
            auto d = read_data(e, where, kMaxMeta);
            if (!d) return tl::unexpected(d.error());
            lock_text_ = std::move(*d);
            return {};
        }
        if (name == "lockfile.json.minisig") {
            auto d = read_data(e, where, 64 * 1024);
            if (!d) return tl::unexpected(d.error());
            lock_sig_ = std::move(*d);
            return {};
        }
        if (name.starts_with("repos/")) {
            auto slash = name.find('/', 6);
            std::string repo = name.substr(6, slash == std::string::npos ? 0 : slash - 6);
            std::string file = slash == std::string::npos ? "" : name.substr(slash + 1);
            if (!formats::is_valid_package_name(repo) ||
                (file != "index.json.zst" && file != "index.json.zst.minisig"))
                return refuse(where, "unexpected entry");
            auto d = read_data(e, where, kMaxMeta);
            if (!d) return tl::unexpected(d.error());
            (file == "index.json.zst" ? indexes_[repo].first : indexes_[repo].second) =
                std::move(*d);
            return {};
        }
        if (name.starts_with("packages/") && name.ends_with(".nxp")) return package(e, name, where);
        return refuse(where, "unexpected entry");
    }

    Result<void> package(const repo::TarEntry& e, const std::string& name,
                         const std::string& where) {
        if (auto r = finish_metadata(); !r) return r;
        std::string sha = name.substr(9, name.size() - 9 - 4);
        auto it = std::find_if(out_.lock.packages.begin(), out_.lock.packages.end(),
                               [&](const auto& p) { return p.sha256 == sha; });
        if (it == out_.lock.packages.end()) return refuse(where, "not in the bundle's lockfile");
        // The size cap is the signed index entry's (checked against the lockfile already).
        auto data = read_data(e, where, it->size);
        if (!data) return tl::unexpected(data.error());
        if (data->size() != it->size)
            return refuse(where, "size " + std::to_string(data->size()) +
                                     " differs from the signed " + std::to_string(it->size) + " (" +
                                     it->name + " " + it->version.str() + ")");
        if (repo::sha256_hex(*data) != sha)
            return refuse(where, "sha256 does not match the signed index (" + it->name + " " +
                                     it->version.str() + "): the package was altered");
        if (auto r = txn::write_file_atomic(out_.packages_dir / (sha + ".nxp"), *data); !r)
            return r;
        stored_.insert(sha);
        return {};
    }

    Result<std::vector<formats::MinisignPublicKey>> parse_keys(
        const std::vector<std::string>& lines, const std::string& where) {
        std::vector<formats::MinisignPublicKey> keys;
        for (const auto& k : lines) {
            auto key = formats::parse_public_key(k);
            if (!key) return refuse(where, key.error().str());
            keys.push_back(*key);
        }
        return keys;
    }

    // A bundle's index obeys the refresh rules against what this root accepted from the
    // same repository id (DESIGN §4): never an older version, never the same version with
    // other bytes, and no locked package that the accepted index revokes. Otherwise a
    // bundle made before a revocation would install the revoked package again.
    Result<void> check_accepted(const std::string& repo, const repo::FetchedIndex& loaded,
                                const std::string& where) {
        auto row = root_.db().repo(repo);
        if (!row) return tl::unexpected(row.error());
        if (!*row || (*row)->last_sha256.empty()) return {};
        const db::RepoRow& accepted = **row;
        const std::string have = "version " + std::to_string(loaded.index.version);
        const std::string had = "version " + std::to_string(accepted.last_version);
        if (loaded.index.version < accepted.last_version)
            return refuse(where, "index " + have + " is older than " + had + " that this root " +
                                     "already accepted for repository " + repo +
                                     " (rollback refused)");
        if (loaded.index.version == accepted.last_version && loaded.sha256 != accepted.last_sha256)
            return refuse(where, "index " + have + " differs from the " + had +
                                     " this root accepted for repository " + repo + " (sha256 " +
                                     loaded.sha256 + ", accepted " + accepted.last_sha256 + ")");
        auto index = txn::cached_index(root_, accepted, 0);
        if (!index)
            return refuse(where, "cannot read the index this root accepted for repository " + repo +
                                     " to check its revocations: " + index.error().str());
        const std::set<std::string> revoked(index->revoked.begin(), index->revoked.end());
        for (const auto& p : out_.lock.packages)
            if (p.repo == repo && revoked.count(p.sha256))
                return refuse(src_ + ": " + p.name + " " + p.version.str(),
                              "sha256 " + p.sha256 + " is revoked by repository " + repo +
                                  " (index " + had + " accepted by this root)");
        return {};
    }

    // Once, before the first package: the lockfile's signature, then every index against
    // its pinned keys, then every locked package against its signed index entry.
    Result<void> finish_metadata() {
        if (metadata_done_) return {};
        metadata_done_ = true;
        const std::string lock_where = src_ + ": lockfile.json";
        if (!seen_.count("lockfile.json"))
            return refuse(lock_where, "missing (it must be the first entry)");
        if (!trust_.signers.empty()) {
            if (lock_sig_.empty())
                return refuse(lock_where + ".minisig",
                              "missing: the bundle is not signed, but --key was given");
            auto ok = repo::verify(trust_.signers, lock_text_, lock_sig_, lock_where);
            if (!ok)
                return tl::unexpected(
                    Error{ErrorKind::Verification, ok.error().context, ok.error().message});
        }
        auto lock = formats::parse_lockfile(lock_text_);
        if (!lock) return refuse(lock_where, lock.error().str());
        out_.lock = std::move(*lock);
        for (const auto& r : out_.lock.repos) {
            std::string where = src_ + ": repos/" + r.name + "/index.json.zst";
            std::vector<formats::MinisignPublicKey> keys;
            if (auto pinned = trust_.repo_keys.find(r.name); pinned != trust_.repo_keys.end()) {
                keys = pinned->second;
            } else if (!trust_.signers.empty()) {
                auto k =
                    parse_keys(r.keys, lock_where);  // authenticated by the lockfile's signature
                if (!k) return tl::unexpected(k.error());
                keys = std::move(*k);
            } else {
                return refuse(
                    where,
                    "no pinned key for repository " + r.name +
                        ": pass --key, or list the repository with its keys in the apply file");
            }
            auto files = indexes_.find(r.name);
            if (files == indexes_.end() || files->second.first.empty() ||
                files->second.second.empty())
                return refuse(where, "missing (index or signature)");
            repo::RepoConfig config;
            config.name = r.name;
            config.url = r.url;
            config.keys = keys;
            config.mirrors = r.mirrors;
            auto loaded =
                repo::load_index(config, files->second.first, files->second.second, now_, where);
            if (!loaded) return tl::unexpected(loaded.error());
            if (auto ok = check_accepted(r.name, *loaded, where); !ok) return ok;
            db::RepoRow row;
            row.name = r.name;
            row.url = r.url;
            row.keys = r.keys;
            row.mirrors = r.mirrors;
            row.last_version = loaded->index.version;
            row.last_sha256 = loaded->sha256;
            out_.indexes.push_back({row, std::move(loaded->index), false, now_});
        }
        for (const auto& p : out_.lock.packages) {
            auto repo = std::find_if(out_.indexes.begin(), out_.indexes.end(),
                                     [&](const auto& r) { return r.row.name == p.repo; });
            const std::string what = src_ + ": " + p.name + " " + p.version.str();
            if (repo == out_.indexes.end())
                return refuse(what, "its repository " + p.repo + " is not in the bundle");
            auto e = std::find_if(
                repo->index.packages.begin(), repo->index.packages.end(),
                [&](const auto& x) { return x.name == p.name && x.version == p.version; });
            if (e == repo->index.packages.end())
                return refuse(what, "not in repository " + p.repo + "'s signed index");
            if (e->sha256 != p.sha256 || e->size != p.size)
                return refuse(what, "the lockfile's sha256/size differ from repository " + p.repo +
                                        "'s signed index");
        }
        return {};
    }

    txn::Root& root_;
    std::string src_;
    const BundleTrust& trust_;
    std::int64_t now_;
    repo::TarReader tar_;
    OpenedBundle out_;
    std::set<std::string> seen_, stored_;
    std::string lock_text_, lock_sig_;
    std::map<std::string, std::pair<std::string, std::string>> indexes_;
    bool metadata_done_ = false;
};

}  // namespace

Result<OpenedBundle> open_bundle(txn::Root& root, const fs::path& bundle, const BundleTrust& trust,
                                 std::int64_t now, Events& events) {
    (void)events;
    Reader reader(root, bundle, trust, now);
    return reader.run();
}

}  // namespace nxp::deploy
