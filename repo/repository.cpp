#include "repo/repository.hpp"

#include <algorithm>
#include <ctime>
#include <optional>

#include "repo/keys.hpp"

namespace nxp::repo {
namespace {

constexpr std::uint64_t kMaxSignatureBytes = 4096;
constexpr std::uint64_t kMaxIndexBytes = 64ULL << 20;       // compressed, as downloaded
constexpr std::uint64_t kMaxIndexJsonBytes = 512ULL << 20;  // after zstd

std::string utc_date(std::int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

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

Result<FetchedIndex> fetch_from(const RepoConfig& repo, const std::string& base,
                                const RepoState& last, std::int64_t now,
                                const FetchLimits& limits) {
    const std::string index_url = join_url(base, "index.json.zst");
    FetchLimits sig_limits = limits;
    sig_limits.max_bytes = std::min(limits.max_bytes, kMaxSignatureBytes);
    auto sig = fetch_bytes(index_url + ".minisig", sig_limits);
    if (!sig) return tl::unexpected(sig.error());
    FetchLimits index_limits = limits;
    index_limits.max_bytes = std::min(limits.max_bytes, kMaxIndexBytes);
    auto raw = fetch_bytes(index_url, index_limits);
    if (!raw) return tl::unexpected(raw.error());
    auto loaded = load_index(repo, std::move(*raw), std::move(*sig), now, index_url);
    if (!loaded) return loaded;
    if (auto r = check_rollback(*loaded, last, index_url); !r) return tl::unexpected(r.error());
    return loaded;
}

}  // namespace

Result<FetchedIndex> load_index(const RepoConfig& repo, std::string raw_zst, std::string signature,
                                std::int64_t now, std::string_view source) {
    const std::string src(source);
    if (repo.keys.empty()) {
        return fail(ErrorKind::Verification, src,
                    "no key is pinned for repository \"" + repo.name + "\"");
    }
    // The signature covers the exact compressed bytes: nothing is decompressed or parsed
    // before it verifies.
    auto trusted = verify(repo.keys, raw_zst, signature, src + ".minisig");
    if (!trusted) return tl::unexpected(trusted.error());
    auto json = zstd_decompress(raw_zst, kMaxIndexJsonBytes, src);
    if (!json) return tl::unexpected(json.error());
    auto index = formats::parse_index(*json);
    if (!index) return tl::unexpected(in_context(index.error(), src));
    // The expected id is the repository's configured name (RepoConfig.name).
    if (index->repo != repo.name) {
        return fail(
            ErrorKind::Verification, src,
            "index is for repository \"" + index->repo + "\", expected \"" + repo.name + "\"");
    }
    if (index->expires <= now) {
        return fail(ErrorKind::Verification, src,
                    "index expired on " + utc_date(index->expires) +
                        "; the publisher must rebuild and re-sign it");
    }
    FetchedIndex out;
    out.index = std::move(*index);
    out.sha256 = sha256_hex(raw_zst);
    out.raw_zst = std::move(raw_zst);
    out.signature = std::move(signature);
    return out;
}

Result<FetchedIndex> fetch_index(const RepoConfig& repo, const RepoState& last, std::int64_t now,
                                 const FetchLimits& limits) {
    std::vector<std::string> bases{repo.url};
    bases.insert(bases.end(), repo.mirrors.begin(), repo.mirrors.end());
    std::optional<Error> first_verification;
    Error last_error{ErrorKind::Network, repo.url, "no URL configured"};
    for (const auto& base : bases) {
        if (base.empty()) continue;
        auto r = fetch_from(repo, base, last, now, limits);
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
