#pragma once
// Supply-chain gates of `nxp import npm`: a release-age cooldown (--min-age, npm's --before),
// the record of where a plugin came from (plugin.json "source": npm name, version, publish
// time, publisher, maintainers, provenance) and the warnings when a re-import sees the
// publisher or the provenance change.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"

namespace nxp::importer {

// "7d", "12h", "30m", "45s", "2w" as seconds; a usage error naming `option` otherwise.
Result<std::int64_t> parse_duration(std::string_view text, std::string_view option);
// An ISO 8601 time as npm writes it ("2025-04-25T10:00:00.123Z", "…+00:00") in seconds
// since the epoch; nullopt when it is not one.
std::optional<std::int64_t> parse_iso_time(std::string_view text);
// Seconds since the epoch as "2025-04-25T10:00:00Z".
std::string iso_time(std::int64_t t);
// "3 days", "5 hours", "12 minutes".
std::string age_text(std::int64_t seconds);

// The versions a spec may take under a cooldown, from what `npm view SPEC --json` printed
// (`view`: one version's document, or an array for a range): a range's matches; an exact
// version itself; a dist-tag or a bare name (the tag "latest") every release version up to the
// tag's, as npm's --before does.
std::vector<std::string> age_candidates(const nlohmann::json& view, std::string_view spec);

struct AgeChoice {
    std::string version;
    std::int64_t published = 0;
};
// The newest of `candidates` that `time` (npm's version -> publish time map) says was
// published at least `min_age` seconds before `now`. Fails naming the newest candidate and
// its age when none is old enough, or when npm gives no publish time.
Result<AgeChoice> choose_by_age(const nlohmann::json& time,
                                const std::vector<std::string>& candidates, std::int64_t now,
                                std::int64_t min_age, std::string_view package);

// plugin.json's "source" for one version's npm document: {"type": "npm", "package",
// "version", "published", "publisher", "maintainers", "provenance": {"predicateType",
// "url"}, "integrity", "tarball"} (absent fields left out).
nlohmann::ordered_json npm_source(const nlohmann::json& meta);

// What changed between an earlier import's "source" and this one's that a reviewer must
// see: another publisher, provenance gone or of another kind, new maintainers, another
// package. Sentences such as "@x/y 1.2.0 was published by bob; 1.1.0 by alice".
std::vector<std::string> source_changes(const nlohmann::json& before, const nlohmann::json& after);

}  // namespace nxp::importer
