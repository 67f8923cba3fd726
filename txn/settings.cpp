#include "txn/settings.hpp"

#include <algorithm>
#include <cstdlib>

#include "formats/number.hpp"
#include "repo/download.hpp"

namespace nxp::txn {
namespace {

std::string setting_name(std::string_view key) { return "setting " + std::string(key); }

Result<std::uint64_t> parse_count(std::string_view text, std::string_view key, std::uint64_t min,
                                  std::uint64_t max) {
    return formats::parse_count(text, setting_name(key), min, max);
}

}  // namespace

const std::vector<std::string>& settable_keys() {
    static const std::vector<std::string> keys{"repo.max_age",      "extract.max_entries",
                                               "extract.max_bytes", "download.parallel",
                                               "gc.keep",           "resolve.narrow_min"};
    return keys;
}

Result<void> check_setting(std::string_view key, std::string_view value) {
    const auto& keys = settable_keys();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        std::string known;
        for (const auto& k : keys) known += (known.empty() ? "" : ", ") + k;
        return fail(ErrorKind::Usage, "--set " + std::string(key),
                    "unknown setting (known: " + known + ")");
    }
    if (key == "repo.max_age") {
        auto age = repo::parse_max_age(value);
        if (!age || value.empty())
            return fail(ErrorKind::Usage, "setting repo.max_age",
                        "expected a number of seconds, or N with s, m, h or d");
        return {};
    }
    Result<std::uint64_t> n = 0;
    if (key == "extract.max_entries") n = parse_count(value, key, 1, 100000000);
    if (key == "extract.max_bytes") n = formats::parse_size(value, setting_name(key));
    if (key == "download.parallel") n = parse_count(value, key, 1, 64);
    if (key == "gc.keep") n = parse_count(value, key, 0, 1000000);
    if (key == "resolve.narrow_min") n = parse_count(value, key, 0, 1000000000);
    if (!n) {
        Error e = n.error();
        e.kind = ErrorKind::Usage;
        return tl::unexpected(e);
    }
    return {};
}

Result<repo::ExtractLimits> extract_limits(const Root& root) {
    repo::ExtractLimits limits;
    auto entries = root.db().setting("extract.max_entries");
    if (!entries) return tl::unexpected(entries.error());
    if (*entries) {
        auto n = parse_count(**entries, "extract.max_entries", 1, 100000000);
        if (!n) return tl::unexpected(n.error());
        limits.max_entries = *n;
    }
    auto bytes = root.db().setting("extract.max_bytes");
    if (!bytes) return tl::unexpected(bytes.error());
    if (*bytes) {
        auto n = formats::parse_size(**bytes, setting_name("extract.max_bytes"));
        if (!n) return tl::unexpected(n.error());
        limits.max_total_bytes = *n;
    }
    return limits;
}

Result<std::uint64_t> narrow_min(const Root& root) {
    auto v = root.db().setting("resolve.narrow_min");
    if (!v) return tl::unexpected(v.error());
    if (!*v) return kDefaultNarrowMin;
    return parse_count(**v, "resolve.narrow_min", 0, 1000000000);
}

Result<std::uint64_t> gc_keep(const Root& root) {
    auto v = root.db().setting("gc.keep");
    if (!v) return tl::unexpected(v.error());
    if (!*v) return 5;
    return parse_count(**v, "gc.keep", 0, 1000000);
}

unsigned download_parallel(const Root& root) {
    constexpr std::uint64_t kMax = 64;
    if (auto s = root.db().setting("download.parallel"); s && *s)
        if (auto n = formats::parse_uint(**s, kMax); n && *n >= 1) return static_cast<unsigned>(*n);
    if (const char* env = std::getenv("NXP_PARALLEL_DOWNLOADS"); env != nullptr)
        if (auto n = formats::parse_uint(env, kMax); n && *n >= 1) return static_cast<unsigned>(*n);
    return 8;
}

Result<std::optional<int>> hook_timeout(const Root& root) {
    constexpr std::uint64_t kMaxSeconds = 86400;
    std::optional<Result<std::uint64_t>> n;
    if (const char* env = std::getenv("NXP_HOOK_TIMEOUT"); env != nullptr && *env != '\0') {
        n = formats::parse_count(env, "NXP_HOOK_TIMEOUT", 0, kMaxSeconds);
    } else {
        auto v = root.db().setting("hooks.timeout");
        if (!v) return tl::unexpected(v.error());
        if (*v && !(*v)->empty()) n = parse_count(**v, "hooks.timeout", 0, kMaxSeconds);
    }
    if (!n) return std::optional<int>();
    if (!*n) return tl::unexpected(n->error());
    return std::optional<int>(std::max(1, static_cast<int>(**n)));
}

}  // namespace nxp::txn
