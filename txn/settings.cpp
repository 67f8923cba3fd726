#include "txn/settings.hpp"

#include <algorithm>

#include "repo/download.hpp"

namespace nxp::txn {
namespace {

Result<std::uint64_t> parse_count(std::string_view text, std::string_view where, std::uint64_t min,
                                  std::uint64_t max) {
    std::uint64_t n = 0;
    bool ok = !text.empty() && text.size() <= 12;
    for (char c : text) {
        ok = ok && c >= '0' && c <= '9';
        if (ok) n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!ok || n < min || n > max)
        return fail(ErrorKind::Invalid, "setting " + std::string(where),
                    "expected a whole number from " + std::to_string(min) + " to " +
                        std::to_string(max) + ", not \"" + std::string(text) + "\"");
    return n;
}

}  // namespace

const std::vector<std::string>& settable_keys() {
    static const std::vector<std::string> keys{"repo.max_age",      "extract.max_entries",
                                               "extract.max_bytes", "download.parallel",
                                               "gc.keep",           "resolve.narrow_min"};
    return keys;
}

Result<std::uint64_t> parse_size(std::string_view text, std::string_view where) {
    std::uint64_t unit = 1;
    if (!text.empty()) {
        switch (text.back()) {
            case 'K':
                unit = 1ULL << 10;
                break;
            case 'M':
                unit = 1ULL << 20;
                break;
            case 'G':
                unit = 1ULL << 30;
                break;
            default:
                break;
        }
    }
    std::string_view digits = unit == 1 ? text : text.substr(0, text.size() - 1);
    auto n = parse_count(digits, where, 1, 1ULL << 40);
    if (!n) {
        Error e = n.error();
        e.message =
            "expected a size in bytes, or N with K, M or G, not \"" + std::string(text) + "\"";
        return tl::unexpected(e);
    }
    return *n * unit;
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
    if (key == "extract.max_bytes") n = parse_size(value, key);
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
        auto n = parse_size(**bytes, "extract.max_bytes");
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

}  // namespace nxp::txn
