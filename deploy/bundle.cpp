#include "deploy/bundle.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "repo/repository.hpp"
#include "repo/tar.hpp"
#include "txn/fsutil.hpp"
#include "txn/stage.hpp"

namespace nxp::deploy {
namespace fs = std::filesystem;

namespace {

constexpr const char* kLock = "lockfile.json";
constexpr const char* kLockSig = "lockfile.json.minisig";
constexpr std::uint64_t kMaxMeta = 64u << 20;

// The cached archives of every locked package, fetched where missing.
Result<std::vector<fs::path>> package_files(txn::Root& root, const formats::Lockfile& lock,
                                            bool offline, Events& events) {
    std::vector<formats::IndexEntry> entries;
    std::map<std::string, txn::Source> sources;
    for (const auto& r : lock.repos) {
        txn::Source s{r.name, {r.url}};
        s.base_urls.insert(s.base_urls.end(), r.mirrors.begin(), r.mirrors.end());
        sources[r.name] = std::move(s);
    }
    entries.reserve(lock.packages.size());
    for (const auto& p : lock.packages) {
        formats::IndexEntry e;
        e.name = p.name;
        e.version = p.version;
        e.path = p.path;
        e.size = p.size;
        e.sha256 = p.sha256;
        entries.push_back(std::move(e));
    }
    std::vector<txn::Wanted> wanted;
    for (std::size_t i = 0; i < entries.size(); ++i)
        wanted.push_back({&entries[i], &sources[lock.packages[i].repo]});
    std::uint64_t downloaded = 0;
    return fetch_packages(root, wanted, offline, downloaded, events);
}

}  // namespace

Result<BundleSummary> write_bundle(txn::Root& root, const formats::Lockfile& lock,
                                   const fs::path& out, const std::optional<repo::SecretKey>& key,
                                   bool offline, Events& events) {
    auto files = package_files(root, lock, offline, events);
    if (!files) return tl::unexpected(files.error());
    fs::path tmp = out;
    tmp += ".tmp-" + std::to_string(::getpid());
    repo::TarWriter w(tmp);
    auto written = [&]() -> Result<void> {
        if (auto r = w.open(); !r) return r;
        std::string text = formats::write_lockfile(lock);
        if (auto r = w.add(kLock, text); !r) return r;
        if (key) {
            std::string sig =
                repo::sign(*key, text, "nxp bundle lockfile", "signature from nxp bundle key");
            if (auto r = w.add(kLockSig, sig); !r) return r;
        }
        for (const auto& r : lock.repos) {
            for (const char* name : {"index.json.zst", "index.json.zst.minisig"}) {
                auto data = txn::read_file(root.repo_cache_dir(r.name) / name, kMaxMeta);
                if (!data) return tl::unexpected(data.error());
                if (auto a = w.add("repos/" + r.name + "/" + name, *data); !a) return a;
            }
        }
        for (std::size_t i = 0; i < lock.packages.size(); ++i) {
            auto data = txn::read_file((*files)[i], lock.packages[i].size);
            if (!data) return tl::unexpected(data.error());
            if (auto a = w.add("packages/" + lock.packages[i].sha256 + ".nxp", *data); !a) return a;
        }
        return w.close();
    }();
    std::error_code ec;
    if (!written) {
        fs::remove(tmp, ec);
        return tl::unexpected(written.error());
    }
    fs::rename(tmp, out, ec);
    if (ec) {
        fs::remove(tmp, ec);
        return fail(ErrorKind::Io, out.string(), "cannot write the bundle: " + ec.message());
    }
    return BundleSummary{lock.packages.size(), lock.repos.size(), w.bytes(), key.has_value()};
}

OpenedBundle::OpenedBundle(OpenedBundle&& o) noexcept
    : lock(std::move(o.lock)),
      indexes(std::move(o.indexes)),
      packages_dir(std::move(o.packages_dir)),
      dir(std::exchange(o.dir, {})) {}
OpenedBundle& OpenedBundle::operator=(OpenedBundle&& o) noexcept {
    if (this != &o) {
        std::error_code ec;
        if (!dir.empty()) fs::remove_all(dir, ec);
        lock = std::move(o.lock);
        indexes = std::move(o.indexes);
        packages_dir = std::move(o.packages_dir);
        dir = std::exchange(o.dir, {});
    }
    return *this;
}
OpenedBundle::~OpenedBundle() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
}

}  // namespace nxp::deploy
