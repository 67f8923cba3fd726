#include "formats/semver.hpp"

#include <algorithm>
#include <limits>

#include "formats/text_util.hpp"

namespace nxp::formats {
namespace {

using detail::is_digit;

bool is_ident_char(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

bool all_digits(std::string_view s) {
    for (char c : s) {
        if (!is_digit(c)) return false;
    }
    return true;
}

// Errors here carry only the reason; the public functions add which text was at fault.
tl::unexpected<Error> why(std::string message) {
    return fail(ErrorKind::Invalid, "", std::move(message));
}

Result<std::uint64_t> parse_number(std::string_view s, std::string_view part) {
    if (s.empty()) return why("empty " + std::string(part) + " version");
    std::uint64_t n = 0;
    for (char c : s) {
        if (!is_digit(c)) {
            return why("invalid character " + detail::quote(std::string_view(&c, 1)) + " in " +
                       std::string(part) + " version");
        }
        auto d = static_cast<std::uint64_t>(c - '0');
        if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) {
            return why("version number too large in " + std::string(part) + " version");
        }
        n = n * 10 + d;
    }
    if (s.size() > 1 && s[0] == '0')
        return why("leading zero in " + std::string(part) + " version");
    return n;
}

// Dot-separated identifiers of a pre-release (numeric ones without leading zeros) or of
// build metadata (any [0-9A-Za-z-]+).
Result<std::vector<std::string>> parse_identifiers(std::string_view s, bool prerelease) {
    const std::string what = prerelease ? "pre-release identifier" : "build metadata identifier";
    std::vector<std::string> ids;
    std::size_t start = 0;
    while (true) {
        std::size_t end = s.find('.', start);
        std::string_view id = s.substr(start, end == std::string_view::npos ? end : end - start);
        if (id.empty()) return why("empty " + what);
        for (char c : id) {
            if (!is_ident_char(c)) {
                return why("invalid character " + detail::quote(std::string_view(&c, 1)) + " in " +
                           what);
            }
        }
        if (prerelease && id.size() > 1 && id[0] == '0' && all_digits(id)) {
            return why("leading zero in numeric " + what);
        }
        ids.emplace_back(id);
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return ids;
}

// Parses "CORE[-PRE][+BUILD]" where CORE has 1..3 numeric parts; `min_parts` is 3 for
// strict SemVer. A pre-release or build suffix needs all three parts.
Result<Version> parse_impl(std::string_view text, int min_parts, int* parts_out) {
    if (text.empty()) return why("empty version");
    Version v;
    std::string_view rest = text;
    if (auto plus = rest.find('+'); plus != std::string_view::npos) {
        auto build = parse_identifiers(rest.substr(plus + 1), false);
        if (!build) return tl::unexpected(build.error());
        v.build = std::string(rest.substr(plus + 1));
        rest = rest.substr(0, plus);
    }
    bool has_pre = false;
    if (auto dash = rest.find('-'); dash != std::string_view::npos) {
        auto pre = parse_identifiers(rest.substr(dash + 1), true);
        if (!pre) return tl::unexpected(pre.error());
        v.prerelease = std::move(*pre);
        has_pre = true;
        rest = rest.substr(0, dash);
    }
    static constexpr std::string_view names[] = {"major", "minor", "patch"};
    std::uint64_t* fields[] = {&v.major, &v.minor, &v.patch};
    int parts = 0;
    std::size_t start = 0;
    while (true) {
        if (parts == 3) return why("more than three numeric parts (expected major.minor.patch)");
        std::size_t end = rest.find('.', start);
        auto n = parse_number(rest.substr(start, end == std::string_view::npos ? end : end - start),
                              names[parts]);
        if (!n) return tl::unexpected(n.error());
        *fields[parts++] = *n;
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    if (parts < min_parts) {
        return why("missing " + std::string(names[parts]) +
                   " version (expected major.minor.patch)");
    }
    if ((has_pre || !v.build.empty()) && parts < 3) {
        return why("a pre-release or build suffix needs a full major.minor.patch version");
    }
    if (parts_out) *parts_out = parts;
    return v;
}

// SemVer rule 11: numeric identifiers compare numerically and sort below alphanumeric ones.
std::strong_ordering compare_identifier(const std::string& a, const std::string& b) {
    bool an = all_digits(a), bn = all_digits(b);
    if (an && bn) {
        // No leading zeros, so the longer number is the larger one; avoids any overflow.
        if (a.size() != b.size()) return a.size() <=> b.size();
        return a.compare(b) <=> 0;
    }
    if (an != bn) return an ? std::strong_ordering::less : std::strong_ordering::greater;
    return a.compare(b) <=> 0;
}

Error with_text(Error e, std::string_view text) {
    e.message = "invalid version " + detail::quote(text) + ": " + e.message;
    return e;
}

}  // namespace

std::string Version::str() const {
    std::string s =
        std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
    for (std::size_t i = 0; i < prerelease.size(); ++i) {
        s += (i == 0 ? "-" : ".");
        s += prerelease[i];
    }
    if (!build.empty()) s += "+" + build;
    return s;
}

std::strong_ordering operator<=>(const Version& a, const Version& b) {
    if (auto c = a.major <=> b.major; c != 0) return c;
    if (auto c = a.minor <=> b.minor; c != 0) return c;
    if (auto c = a.patch <=> b.patch; c != 0) return c;
    // A release ranks above any of its pre-releases.
    if (a.prerelease.empty() || b.prerelease.empty()) {
        return a.prerelease.empty() <=> b.prerelease.empty();
    }
    std::size_t n = std::min(a.prerelease.size(), b.prerelease.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (auto c = compare_identifier(a.prerelease[i], b.prerelease[i]); c != 0) return c;
    }
    return a.prerelease.size() <=> b.prerelease.size();
}

bool operator==(const Version& a, const Version& b) { return (a <=> b) == 0; }

Result<Version> parse_version(std::string_view text) {
    auto v = parse_impl(text, 3, nullptr);
    if (!v) return tl::unexpected(with_text(v.error(), text));
    return v;
}

Result<Version> parse_partial_version(std::string_view text, int* parts) {
    auto v = parse_impl(text, 1, parts);
    if (!v) return tl::unexpected(with_text(v.error(), text));
    return v;
}

}  // namespace nxp::formats
