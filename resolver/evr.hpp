#pragma once
// SemVer → Debian-style EVR strings whose libsolv DEB order equals SemVer precedence.
#include <string>

#include "formats/semver.hpp"

namespace nxp::resolver {

// "1.2.3" for a release; "1.2.3~" + prerelease identifiers joined by '.' otherwise.
// '~' sorts before the end of the string, so every prerelease precedes its release.
// Numeric identifiers stay digits (compared numerically, lower than any letter).
// Alphanumeric identifiers are written byte by byte as two letters 'a'+nibble (so the DEB
// digit-run rule cannot split them and lexical order is kept) and closed by 'A', which
// sorts after the string's end but before any letter: so "alpha" < "alpha.1" < "alphabet".
// Build metadata is dropped, as SemVer ignores it for precedence.
std::string to_evr(const formats::Version& v);

// The inverse of to_evr, as SemVer text ("1.0.0-rc.1"); for EVRs that only a cache file
// knows. Anything it cannot decode is returned unchanged.
std::string from_evr(const std::string& evr);

// libsolv's DEB comparison of two EVR strings (-1, 0, 1); builds a throwaway pool, for tests.
int compare_evr(const std::string& a, const std::string& b);

}  // namespace nxp::resolver
