#include "formats/nearest.hpp"

#include <algorithm>

#include "formats/text_util.hpp"

namespace nxp::formats {

namespace {

// Edit distance counting a swap of two neighbouring letters as one edit ("dmeo" for "demo"),
// as well as an insertion, a deletion or a substitution (optimal string alignment distance;
// names are short: at most a few hundred bytes).
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            cur[j] = std::min(
                {prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                cur[j] = std::min(cur[j], before[j - 2] + 1);
        }
        std::swap(before, prev);
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

}  // namespace

std::string nearest_name(std::string_view name, const std::vector<std::string>& candidates) {
    const std::string want = detail::ascii_lower(name);
    // A third of the name's length, at least one edit and at most three.
    const std::size_t limit = std::clamp<std::size_t>(want.size() / 3, 1, 3);
    std::string best;
    std::size_t best_d = limit + 1;
    for (const auto& c : candidates) {
        const std::string cand = detail::ascii_lower(c);
        std::size_t d = edit_distance(want, cand);
        // "forecast" for "weather_forecast": a name that contains the other is close too.
        if (d > limit && want.size() >= 3 &&
            (cand.find(want) != std::string::npos || want.find(cand) != std::string::npos))
            d = limit;
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    return best;
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
    std::string near = nearest_name(name, candidates);
    return near.empty() ? "" : "; did you mean '" + near + "'?";
}

}  // namespace nxp::formats
