#pragma once
// Offline bundles (`nxp bundle`, `nxp apply --bundle`): one tar holding a lockfile, its
// signature, the signed repository indexes it refers to and the packages, so a machine with
// no network and no repository installs exactly a locked set. What it is verified against on
// the target is decided by the caller (BundleTrust), never by keys the bundle carries alone.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "formats/lockfile.hpp"
#include "formats/minisign.hpp"
#include "repo/keys.hpp"
#include "txn/events.hpp"
#include "txn/repos.hpp"
#include "txn/root.hpp"

namespace nxp::deploy {

// Archive layout, in this order:
//   lockfile.json                         the lockfile (nxp-lockfile(5))
//   lockfile.json.minisig                 minisign signature over it (with --key)
//   repos/NAME/index.json.zst(.minisig)   each repository's signed index, as accepted
//   packages/SHA256.nxp                   every package, named by its sha256
struct BundleSummary {
    std::size_t packages = 0;
    std::size_t repos = 0;
    std::uint64_t bytes = 0;
    bool signed_ = false;
};

// Writes the bundle of the current installed set to `out` (atomically). Packages missing
// from the cache are downloaded unless `offline`.
Result<BundleSummary> write_bundle(txn::Root& root, const formats::Lockfile& lock,
                                   const std::filesystem::path& out,
                                   const std::optional<repo::SecretKey>& key, bool offline,
                                   Events& events);

struct BundleTrust {
    // --key: the lockfile's signature must verify against one of these; the repository keys
    // in the signed lockfile then verify the indexes.
    std::vector<formats::MinisignPublicKey> signers;
    // Repository keys pinned by the apply file: these verify that repository's index
    // (whether or not the bundle is signed).
    std::map<std::string, std::vector<formats::MinisignPublicKey>> repo_keys;
};

struct OpenedBundle {
    formats::Lockfile lock;
    std::vector<txn::RepoIndex> indexes;  // verified
    std::filesystem::path packages_dir;   // SHA256.nxp files, each size and sha256 checked
    std::filesystem::path dir;            // removed with the bundle
    OpenedBundle() = default;
    OpenedBundle(OpenedBundle&&) noexcept;
    OpenedBundle& operator=(OpenedBundle&&) noexcept;
    ~OpenedBundle();
};

// Reads and verifies a bundle into ROOT/cache: the lockfile's signature (when trust has
// signers), every index's signature against its pinned keys, and every package's size and
// sha256 against the lockfile and the signed index entry. Any failure is
// ErrorKind::Verification naming the entry, and nothing is left behind.
Result<OpenedBundle> open_bundle(txn::Root& root, const std::filesystem::path& bundle,
                                 const BundleTrust& trust, std::int64_t now, Events& events);

}  // namespace nxp::deploy
