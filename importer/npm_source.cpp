#include "importer/npm_source.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

#include "formats/semver.hpp"
#include "formats/text_util.hpp"

namespace nxp::importer {
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool read_number(std::string_view s, std::size_t at, std::size_t len, int& out) {
    if (at + len > s.size()) return false;
    for (std::size_t i = at; i < at + len; ++i)
        if (!formats::detail::is_digit(s[i])) return false;
    std::from_chars(s.data() + at, s.data() + at + len, out);
    return true;
}

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// The tag or version part of "name@part" ("@scope/name@1.2" -> "1.2"; no part -> "").
std::string_view spec_part(std::string_view spec) {
    auto at = spec.rfind('@');
    return at == std::string_view::npos || at == 0 ? std::string_view() : spec.substr(at + 1);
}

bool is_tag(std::string_view part) {
    if (part.empty()) return true;  // "latest"
    if (formats::parse_version(part)) return false;
    if (!((part[0] >= 'a' && part[0] <= 'z') || (part[0] >= 'A' && part[0] <= 'Z'))) return false;
    if (part == "x" || part == "X" ||
        (part[0] == 'v' && part.size() > 1 && formats::detail::is_digit(part[1])))
        return false;
    return std::all_of(part.begin(), part.end(), [](char c) {
        return formats::detail::is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '-' ||
               c == '.' || c == '_';
    });
}

std::string publisher_of(const json& source) { return str(source, "publisher"); }

std::string provenance_of(const json& source) {
    auto p = source.find("provenance");
    return p != source.end() && p->is_object() ? str(*p, "predicateType") : "";
}

}  // namespace

Result<std::int64_t> parse_duration(std::string_view text, std::string_view option) {
    auto bad = [&] {
        return fail(ErrorKind::Usage, std::string(option) + " " + formats::detail::quote(text),
                    "expected a duration such as 7d, 12h, 30m (units: w, d, h, m, s)");
    };
    if (text.size() < 2 || text.size() > 12) return bad();
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
    if (ec != std::errc() || end != text.data() + text.size() - 1 || n < 0) return bad();
    std::int64_t unit = 0;
    switch (text.back()) {
        case 'w':
            unit = 7 * 86400;
            break;
        case 'd':
            unit = 86400;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'm':
            unit = 60;
            break;
        case 's':
            unit = 1;
            break;
        default:
            return bad();
    }
    if (n > std::numeric_limits<std::int64_t>::max() / unit / 2) return bad();
    return n * unit;
}

std::optional<std::int64_t> parse_iso_time(std::string_view s) {
    int y, mo, d, h, mi, se;
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return std::nullopt;
    if (!read_number(s, 0, 4, y) || !read_number(s, 5, 2, mo) || !read_number(s, 8, 2, d) ||
        !read_number(s, 11, 2, h) || !read_number(s, 14, 2, mi) || !read_number(s, 17, 2, se))
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
    std::size_t i = 19;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && formats::detail::is_digit(s[i])) ++i;
    }
    std::int64_t offset = 0;
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) {
        // UTC
    } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh, om;
        if (!read_number(s, i + 1, 2, oh) || !read_number(s, i + 4, 2, om)) return std::nullopt;
        offset = (s[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    } else {
        return std::nullopt;
    }
    return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
           h * 3600 + mi * 60 + se - offset;
}

std::string iso_time(std::int64_t t) {
    std::int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    std::int64_t secs = t - days * 86400;
    // civil_from_days
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
    const int sec = static_cast<int>(secs);  // 0 .. 86399
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y),
                  m % 100, d % 100, sec / 3600 % 100, sec / 60 % 60, sec % 60);
    return buf;
}

std::string age_text(std::int64_t s) {
    auto plural = [](std::int64_t n, const char* unit) {
        return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
    };
    if (s < 0) return "in the future";
    if (s >= 2 * 86400) return plural(s / 86400, "day");
    if (s >= 2 * 3600) return plural(s / 3600, "hour");
    if (s >= 120) return plural(s / 60, "minute");
    return plural(s, "second");
}

std::vector<std::string> age_candidates(const json& view, std::string_view spec) {
    std::vector<std::string> out;
    if (view.is_array()) {
        for (const auto& doc : view)
            if (doc.is_object() && !str(doc, "version").empty()) out.push_back(str(doc, "version"));
        return out;
    }
    if (!view.is_object()) return out;
    const std::string version = str(view, "version");
    const std::string_view part = spec_part(spec);
    auto tagged = formats::parse_version(version);
    auto all = view.find("versions");
    if (!is_tag(part) || !tagged || all == view.end() || !all->is_array()) {
        if (!version.empty()) out.push_back(version);
        return out;
    }
    // A dist-tag: the tag's version and every release before it (npm's --before).
    for (const auto& v : *all) {
        if (!v.is_string()) continue;
        auto parsed = formats::parse_version(v.get<std::string>());
        if (!parsed || *parsed > *tagged) continue;
        if (!parsed->prerelease.empty() && v.get<std::string>() != version) continue;
        out.push_back(v.get<std::string>());
    }
    return out;
}

Result<AgeChoice> choose_by_age(const json& time, const std::vector<std::string>& candidates,
                                std::int64_t now, std::int64_t min_age, std::string_view package) {
    const std::string pkg(package);
    if (!time.is_object())
        return fail(ErrorKind::Invalid, pkg + ": time",
                    "npm gives no publish times, so --min-age cannot be checked");
    std::vector<std::pair<formats::Version, std::string>> sorted;
    for (const auto& c : candidates)
        if (auto v = formats::parse_version(c)) sorted.emplace_back(std::move(*v), c);
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    if (sorted.empty())
        return fail(ErrorKind::NotFound, pkg, "npm offers no version matching the request");
    std::optional<AgeChoice> newest;
    for (const auto& [v, text] : sorted) {
        auto t = time.find(text);
        auto when = t != time.end() && t->is_string() ? parse_iso_time(t->get<std::string>())
                                                      : std::nullopt;
        if (!when) continue;
        if (!newest) newest = AgeChoice{text, *when};
        if (now - *when >= min_age) return AgeChoice{text, *when};
    }
    if (!newest)
        return fail(ErrorKind::Invalid, pkg + ": time",
                    "npm gives no publish time for " + sorted.front().second +
                        ", so --min-age cannot be checked");
    return fail(ErrorKind::NotFound, pkg,
                "no matching version is old enough for --min-age " + age_text(min_age) +
                    ": the newest, " + newest->version + ", was published " +
                    age_text(now - newest->published) + " ago (" + iso_time(newest->published) +
                    ")");
}

ojson npm_source(const json& meta) {
    ojson s;
    s["type"] = "npm";
    s["package"] = str(meta, "name");
    s["version"] = str(meta, "version");
    auto time = meta.find("time");
    if (time != meta.end() && time->is_object()) {
        const std::string when = str(*time, str(meta, "version").c_str());
        if (parse_iso_time(when)) s["published"] = when;
    }
    auto user = meta.find("_npmUser");
    if (user != meta.end() && user->is_object() && !str(*user, "name").empty())
        s["publisher"] = str(*user, "name");
    else if (user != meta.end() && user->is_string() && !user->get<std::string>().empty())
        s["publisher"] = user->get<std::string>().substr(0, user->get<std::string>().find(" <"));
    auto maint = meta.find("maintainers");
    if (maint != meta.end() && maint->is_array()) {
        std::vector<std::string> names;
        for (const auto& m : *maint) {
            std::string n = m.is_object()   ? str(m, "name")
                            : m.is_string() ? m.get<std::string>()
                                            : "";
            n = n.substr(0, n.find(" <"));  // "alice <alice@example.org>"
            if (!n.empty() && names.size() < 100) names.push_back(n);
        }
        std::sort(names.begin(), names.end());
        names.erase(std::unique(names.begin(), names.end()), names.end());
        if (!names.empty()) s["maintainers"] = names;
    }
    auto dist = meta.find("dist");
    if (dist != meta.end() && dist->is_object()) {
        auto att = dist->find("attestations");
        if (att != dist->end() && att->is_object()) {
            ojson p;
            auto prov = att->find("provenance");
            if (prov != att->end() && prov->is_object() && !str(*prov, "predicateType").empty())
                p["predicateType"] = str(*prov, "predicateType");
            if (!str(*att, "url").empty()) p["url"] = str(*att, "url");
            if (p.contains("predicateType")) s["provenance"] = p;
        }
        if (!str(*dist, "integrity").empty()) s["integrity"] = str(*dist, "integrity");
        if (!str(*dist, "tarball").empty()) s["tarball"] = str(*dist, "tarball");
    }
    return s;
}

std::vector<std::string> source_changes(const json& before, const json& after) {
    std::vector<std::string> out;
    if (!before.is_object() || !after.is_object()) return out;
    const std::string pkg = str(after, "package"), now_v = str(after, "version"),
                      was_v = str(before, "version");
    const std::string here = pkg + " " + now_v;
    if (str(before, "package") != pkg) {
        out.push_back("the previous import was of " + str(before, "package") + " " + was_v +
                      ", not " + pkg);
        return out;
    }
    const std::string pub = publisher_of(after), was_pub = publisher_of(before);
    if (pub != was_pub && !(pub.empty() && was_pub.empty()))
        out.push_back(here + " was published by " + (pub.empty() ? "an unnamed publisher" : pub) +
                      "; " + was_v + " by " + (was_pub.empty() ? "an unnamed publisher" : was_pub));
    const std::string prov = provenance_of(after), was_prov = provenance_of(before);
    if (!was_prov.empty() && prov.empty())
        out.push_back(here + " has no provenance; " + was_v + " had (" + was_prov + ")");
    else if (!was_prov.empty() && prov != was_prov)
        out.push_back(here + "'s provenance is " + prov + "; " + was_v + "'s was " + was_prov);
    auto names = [](const json& s) {
        std::vector<std::string> v;
        auto m = s.find("maintainers");
        if (m != s.end() && m->is_array())
            for (const auto& n : *m)
                if (n.is_string()) v.push_back(n.get<std::string>());
        return v;
    };
    const auto was_m = names(before);
    std::string added;
    if (!was_m.empty())
        for (const auto& n : names(after))
            if (std::find(was_m.begin(), was_m.end(), n) == was_m.end())
                added += (added.empty() ? "" : ", ") + n;
    if (!added.empty()) out.push_back(here + " has new maintainers since " + was_v + ": " + added);
    return out;
}

}  // namespace nxp::importer
