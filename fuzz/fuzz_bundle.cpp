// Offline bundles (txn/bundle_open: open_bundle), read on the target before anything in them
// is trusted. A throwaway root is made once; each input is opened twice, verified against a
// fixed signer key and, separately, against a pinned repository key (the seeds in
// fuzz/corpus/bundle were made with the matching secret keys, so mutations reach past the
// signature checks). Beyond not crashing: nothing is written outside the root, the unpacked
// bundle never stays behind in ROOT/cache, and an accepted bundle holds exactly the packages
// its lockfile names, each with the locked sha256 and size.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "deploy/bundle.hpp"
#include "formats/minisign.hpp"
#include "fuzz/fuzz_util.hpp"
#include "repo/keys.hpp"

using namespace nxp;
namespace fs = std::filesystem;

namespace {

// Public halves of the keys the seeds were made with (their secret halves were not kept:
// new seeds need new keys here). `now` is within the seed index's validity.
constexpr const char* kSignerKey = "RWRhrr48r8zuU5qRD48u+daycWOebIo1Fr7e09SPmBXz4whEVK01rCwW";
constexpr const char* kRepoKey = "RWSZfq5VyeWJ272fdX6GPx0il25Cz4oS7EEoKew1iPz205wZ+t4phvC2";
constexpr std::int64_t kNow = 1796424716 + 3600;

struct World {
    fs::path base;
    std::optional<txn::Root> root;
    txn::SilentEvents events;
    deploy::BundleTrust signed_trust, pinned_trust;

    World() {
        std::string tmpl = (fs::temp_directory_path() / "nxp-fuzz-bundle.XXXXXX").string();
        fuzz::require(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
        base = tmpl;
        auto r = txn::Root::init(base / "root", events);
        fuzz::require(r.has_value(), "cannot make the fuzzing root");
        root.emplace(std::move(*r));
        auto signer = formats::parse_public_key(kSignerKey);
        auto repo_key = formats::parse_public_key(kRepoKey);
        fuzz::require(signer && repo_key, "fuzz keys do not parse");
        signed_trust.signers.push_back(*signer);
        pinned_trust.repo_keys["demo"].push_back(*repo_key);
    }
    ~World() {
        root.reset();
        std::error_code ec;
        fs::remove_all(base, ec);
    }
};

World& world() {
    static World w;
    return w;
}

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void check_cache_clean(const fs::path& cache) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(cache, ec))
        fuzz::require(!e.path().filename().string().starts_with(".bundle"),
                      "an unpacked bundle was left in the cache: " + e.path().string());
}

void check_nothing_outside(const World& w, const fs::path& input) {
    for (const auto& e : fs::directory_iterator(w.base))
        fuzz::require(e.path() == input || e.path() == w.base / "root",
                      "opening a bundle wrote outside the root: " + e.path().string());
}

void open_once(World& w, const fs::path& input, const deploy::BundleTrust& trust) {
    {
        auto opened = deploy::open_bundle(*w.root, input, trust, kNow, w.events);
        fuzz::require_message(opened, "open_bundle");
        if (opened) {
            std::size_t files = 0;
            for (const auto& e : fs::directory_iterator(opened->packages_dir)) {
                (void)e;
                ++files;
            }
            fuzz::require(files <= opened->lock.packages.size(),
                          "the bundle unpacked packages its lockfile does not name");
            for (const auto& p : opened->lock.packages) {
                std::string data = read_all(opened->packages_dir / (p.sha256 + ".nxp"));
                fuzz::require(data.size() == p.size && repo::sha256_hex(data) == p.sha256,
                              "accepted package differs from its lockfile entry: " + p.name);
            }
        }
    }
    check_cache_clean(w.root->cache_dir());
    check_nothing_outside(w, input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    World& w = world();
    const fs::path input = w.base / "in.bundle";
    {
        std::ofstream out(input, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    open_once(w, input, w.signed_trust);
    open_once(w, input, w.pinned_trust);
    return 0;
}
