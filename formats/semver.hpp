#pragma once
// SemVer 2.0.0 versions. Ordering is SemVer precedence; build metadata is kept for display
// and ignored by comparison (so 1.0.0+a == 1.0.0+b).
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"

namespace nxp::formats {

struct Version {
    std::uint64_t major = 0;
    std::uint64_t minor = 0;
    std::uint64_t patch = 0;
    std::vector<std::string> prerelease;  // dot-separated identifiers, as written
    std::string build;                    // without the leading '+'

    std::string str() const;  // canonical text, "1.2.3-rc.1+build.5"
    friend std::strong_ordering operator<=>(const Version& a, const Version& b);
    friend bool operator==(const Version& a, const Version& b);  // precedence equality
};

// Strict SemVer 2.0.0: three numeric parts, no leading zeros, identifiers [0-9A-Za-z-].
// The error message says what is wrong ("leading zero in minor version").
Result<Version> parse_version(std::string_view text);

// Lenient form used inside constraints: "2", "2.16" and "2.16.1" (missing parts are 0).
// `parts` receives how many numeric parts were written (1..3), for ^ and ~ expansion.
Result<Version> parse_partial_version(std::string_view text, int* parts = nullptr);

}  // namespace nxp::formats
