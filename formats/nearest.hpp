#pragma once
// "Did you mean …?": the one helper that finds the name nearest to a misspelt one among the
// names that exist (commands, plugins, config keys, repositories, tools).
#include <string>
#include <string_view>
#include <vector>

namespace nxp::formats {

// The candidate nearest to `name` (case-insensitive Levenshtein distance of at most a third
// of the name's length, at least 1 and at most 3; a candidate containing the name, or
// contained in it, counts as near), or "" when none is near. Ties go to the first.
std::string nearest_name(std::string_view name, const std::vector<std::string>& candidates);

// "; did you mean 'NEAR'?" for the nearest candidate, or "" when none is near: appended to
// an error's message.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

// did_you_mean among the `.name` of each item (installed packages, repositories).
template <class Items>
std::string did_you_mean_name(std::string_view name, const Items& items) {
    std::vector<std::string> names;
    for (const auto& i : items) names.push_back(i.name);
    return did_you_mean(name, names);
}

// did_you_mean among the keys of a map (a manifest's config keys).
template <class Map>
std::string did_you_mean_key(std::string_view name, const Map& map) {
    std::vector<std::string> names;
    for (const auto& [k, v] : map) names.push_back(k);
    return did_you_mean(name, names);
}

}  // namespace nxp::formats
