#include "repo/repository.hpp"

#include <algorithm>
#include <optional>

#include "formats/display.hpp"
#include "formats/index_padded.hpp"
#include "repo/keys.hpp"

namespace nxp::repo {
namespace {

constexpr std::uint64_t kMaxSignatureBytes = 4096;
constexpr std::uint64_t kMaxIndexBytes = 64ULL << 20;       // compressed, as downloaded
constexpr std::uint64_t kMaxIndexJsonBytes = 512ULL << 20;  // after zstd
constexpr std::uint64_t kMaxKeyFileBytes = 64 * 1024;
constexpr std::uint64_t kMaxKeyLinks = 1000;

// Rollback and freeze rules against what the client accepted last time.
Result<void> check_rollback(const FetchedIndex& f, const RepoState& last, const std::string& url) {
    if (f.index.version < last.version) {
        return fail(ErrorKind::Verification, url,
                    "rollback: index version " + std::to_string(f.index.version) +
                        " is older than accepted " + std::to_string(last.version));
    }
    if (f.index.version == last.version && !last.sha256.empty() && f.sha256 != last.sha256) {
        return fail(ErrorKind::Verification, url,
                    "index version " + std::to_string(f.index.version) +
                        " was already accepted with other contents (sha256 " + last.sha256 +
                        "); refusing the substitute");
    }
    return {};
}

// Fetches `url`.minisig, .minisig.2, … while `more` says another could help, stopping at
// the first missing one (the first itself is required) or at kMaxSignatures.
template <class More>
Result<std::vector<std::string>> fetch_signatures(const std::string& url,
                                                  std::vector<std::string> have,
                                                  const FetchLimits& limits, More more) {
    FetchLimits sig_limits = limits;
    sig_limits.max_bytes = std::min(limits.max_bytes, kMaxSignatureBytes);
    while (have.size() < kMaxSignatures && (have.empty() || more(have))) {
        auto sig = fetch_bytes(signature_name(url, have.size()), sig_limits);
        if (!sig) {
            if (sig.error().kind == ErrorKind::NotFound && !have.empty()) break;
            return tl::unexpected(sig.error());
        }
        have.push_back(std::move(*sig));
    }
    return have;
}

// Follows keys/N+1.json from `base` while present. A refused link refuses everything.
Result<TrustedKeys> follow_key_chain(const RepoConfig& repo, const std::string& base,
                                     const FetchLimits& limits) {
    TrustedKeys trust{repo.key_version, repo.keys, repo.threshold};
    FetchLimits key_limits = limits;
    key_limits.max_bytes = std::min(limits.max_bytes, kMaxKeyFileBytes);
    for (std::uint64_t links = 0; links < kMaxKeyLinks; ++links) {
        const std::string url =
            join_url(base, "keys/" + std::to_string(trust.version + 1) + ".json");
        auto body = fetch_bytes(url, key_limits);
        if (!body && body.error().kind == ErrorKind::NotFound) return trust;
        if (!body) return tl::unexpected(body.error());
        auto sigs = fetch_signatures(url, {}, limits, [](const auto&) { return true; });
        if (!sigs && sigs.error().kind == ErrorKind::NotFound)
            return fail(ErrorKind::Verification, url,
                        "key file without a signature (" + signature_name(url, 0) + " is missing)");
        if (!sigs) return tl::unexpected(sigs.error());
        auto next = verify_key_link(trust, repo.name, *body, *sigs, url);
        if (!next) return tl::unexpected(next.error());
        trust = std::move(*next);
    }
    return fail(ErrorKind::Verification, base,
                "more than " + std::to_string(kMaxKeyLinks) + " key rotations in one refresh");
}

Result<FetchedIndex> fetch_from(const RepoConfig& repo, const std::string& base,
                                const RepoState& last, std::int64_t now, const FetchLimits& limits,
                                formats::IndexVisitor* visitor) {
    const std::string index_url = join_url(base, "index.json.zst");
    auto first_sig = fetch_signatures(index_url, {}, limits, [](const auto&) { return false; });
    if (!first_sig) return tl::unexpected(first_sig.error());
    FetchLimits index_limits = limits;
    index_limits.max_bytes = std::min(limits.max_bytes, kMaxIndexBytes);
    auto raw = fetch_bytes(index_url, index_limits);
    if (!raw) return tl::unexpected(raw.error());
    auto trust = follow_key_chain(repo, base, limits);
    if (!trust) return tl::unexpected(trust.error());
    RepoConfig current = repo;
    current.keys = trust->keys;
    current.key_version = trust->version;
    current.threshold = trust->threshold;
    auto sigs = fetch_signatures(index_url, std::move(*first_sig), limits, [&](const auto& have) {
        return !enough_candidates(current.keys, current.threshold, have);
    });
    if (!sigs) return tl::unexpected(sigs.error());
    auto loaded = load_index(current, std::move(*raw), std::move(*sigs), now, index_url, visitor);
    if (!loaded) return loaded;
    if (auto r = check_rollback(*loaded, last, index_url); !r) return tl::unexpected(r.error());
    return loaded;
}

}  // namespace

Result<FetchedIndex> load_index(const RepoConfig& repo, std::string raw_zst,
                                std::vector<std::string> signatures, std::int64_t now,
                                std::string_view source, formats::IndexVisitor* visitor) {
    const std::string src(source);
    if (repo.keys.empty()) {
        return fail(ErrorKind::Verification, src,
                    "no key is pinned for repository \"" + repo.name + "\"");
    }
    // The signature covers the exact compressed bytes: nothing is decompressed or parsed
    // before it verifies.
    auto trusted = verify_threshold(repo.keys, repo.threshold, raw_zst, signatures, src);
    if (!trusted) return tl::unexpected(trusted.error());
    auto json = zstd_decompress(raw_zst, kMaxIndexJsonBytes, src);
    if (!json) return tl::unexpected(json.error());
    // With a visitor the text is freed once parsed, and the entries are not kept here.
    auto index = visitor ? formats::parse_index_each(std::move(*json), *visitor)
                         : formats::parse_index_padded(*json);
    if (!index) return tl::unexpected(in_context(index.error(), src));
    // The expected id is the repository's configured name (RepoConfig.name).
    if (index->repo != repo.name) {
        return fail(
            ErrorKind::Verification, src,
            "index is for repository \"" + index->repo + "\", expected \"" + repo.name + "\"");
    }
    if (index->expires <= now) {
        return fail(ErrorKind::Verification, src,
                    "index expired on " + formats::utc_date_time(index->expires) + " UTC" +
                        "; the publisher must rebuild and re-sign it");
    }
    FetchedIndex out;
    out.index = std::move(*index);
    out.sha256 = sha256_hex(raw_zst);
    out.raw_zst = std::move(raw_zst);
    out.signatures = std::move(signatures);
    out.trust = {repo.key_version, repo.keys, repo.threshold};
    return out;
}

Result<FetchedIndex> fetch_index(const RepoConfig& repo, const RepoState& last, std::int64_t now,
                                 const FetchLimits& limits, formats::IndexVisitor* visitor) {
    std::vector<std::string> bases{repo.url};
    bases.insert(bases.end(), repo.mirrors.begin(), repo.mirrors.end());
    std::optional<Error> first_verification;
    Error last_error{ErrorKind::Network, repo.url, "no URL configured"};
    for (const auto& base : bases) {
        if (base.empty()) continue;
        auto r = fetch_from(repo, base, last, now, limits, visitor);
        if (r) return r;
        // A bad or stale copy on one mirror must not hide a good one on the next; but if
        // every source fails, a verification failure is what the user needs to see.
        if (r.error().kind == ErrorKind::Verification && !first_verification) {
            first_verification = r.error();
        }
        last_error = r.error();
    }
    return tl::unexpected(first_verification ? *first_verification : last_error);
}

}  // namespace nxp::repo
