// Matching and ranking for `nxp search` (formats/search.hpp).
#include "formats/search.hpp"

#include <re2/re2.h>

#include <algorithm>

namespace nxp::formats {

namespace {

// A search pattern is typed by the user, but it is still bounded: its compiled program and
// its length (RE2's matching time is linear in the text whatever the pattern).
constexpr std::size_t kMaxPattern = 1024;
constexpr std::int64_t kMaxPatternMemory = 8 << 20;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// The entry's fields as terms see them: lower case for plain terms.
struct Fields {
    std::string name, summary, publisher;
};

}  // namespace

struct SearchQuery::Term {
    std::string text;               // lower case (plain terms)
    std::unique_ptr<const RE2> re;  // set for --regex terms

    // The best way this term matches, or nothing.
    std::optional<SearchMatch> match(const Fields& lowered, const IndexEntry& e) const {
        if (text.empty() && !re) return SearchMatch::Name;
        if (re) {
            if (RE2::FullMatch(e.name, *re)) return SearchMatch::Exact;
            if (re->Match(e.name, 0, e.name.size(), RE2::ANCHOR_START, nullptr, 0))
                return SearchMatch::Prefix;
            if (RE2::PartialMatch(e.name, *re)) return SearchMatch::Name;
            if (RE2::PartialMatch(e.summary, *re)) return SearchMatch::Summary;
            if (RE2::PartialMatch(e.publisher, *re)) return SearchMatch::Publisher;
            return std::nullopt;
        }
        if (lowered.name == text) return SearchMatch::Exact;
        if (lowered.name.starts_with(text)) return SearchMatch::Prefix;
        if (lowered.name.find(text) != std::string::npos) return SearchMatch::Name;
        if (lowered.summary.find(text) != std::string::npos) return SearchMatch::Summary;
        if (lowered.publisher.find(text) != std::string::npos) return SearchMatch::Publisher;
        return std::nullopt;
    }
};

std::string_view search_match_name(SearchMatch m) {
    switch (m) {
        case SearchMatch::Exact:
            return "exact";
        case SearchMatch::Prefix:
            return "prefix";
        case SearchMatch::Name:
            return "name";
        case SearchMatch::Summary:
            return "summary";
        case SearchMatch::Publisher:
            return "publisher";
    }
    return "name";
}

Result<SearchQuery> SearchQuery::make(const std::vector<std::string>& terms, bool regex) {
    SearchQuery q;
    for (const auto& t : terms) {
        auto term = std::make_shared<Term>();
        if (regex && !t.empty()) {
            std::size_t n = std::min<std::size_t>(t.size(), 80);
            while (n < t.size() && n > 0 && (static_cast<unsigned char>(t[n]) & 0xC0) == 0x80) --n;
            const std::string shown = "\"" + t.substr(0, n) + (n < t.size() ? "…" : "") + "\"";
            if (t.size() > kMaxPattern)
                return fail(ErrorKind::Usage, "--regex " + shown,
                            "the pattern is longer than " + std::to_string(kMaxPattern) + " bytes");
            RE2::Options o;
            o.set_log_errors(false);  // formats/ never prints; the error is returned instead
            o.set_case_sensitive(false);
            o.set_max_mem(kMaxPatternMemory);
            auto re = std::make_unique<RE2>(t, o);
            if (!re->ok())
                return fail(ErrorKind::Usage, "--regex " + shown,
                            "not a valid RE2 regular expression: " + re->error());
            term->re = std::move(re);
        } else {
            term->text = lower(t);
        }
        q.terms_.push_back(std::move(term));
    }
    return q;
}

std::optional<SearchMatch> SearchQuery::match(const IndexEntry& e) const {
    Fields lowered;
    bool plain = std::any_of(terms_.begin(), terms_.end(),
                             [](const auto& t) { return !t->re && !t->text.empty(); });
    if (plain) lowered = {lower(e.name), lower(e.summary), lower(e.publisher)};
    std::optional<SearchMatch> best;
    for (const auto& t : terms_) {
        auto m = t->match(lowered, e);
        if (!m) return std::nullopt;
        if (!best || *m < *best) best = m;
    }
    if (!best) return SearchMatch::Name;  // no terms: everything
    return best;
}

void rank_search_hits(std::vector<SearchHit>& hits) {
    std::stable_sort(hits.begin(), hits.end(), [](const SearchHit& a, const SearchHit& b) {
        if (a.match != b.match) return a.match < b.match;
        if (a.entry->name != b.entry->name) return a.entry->name < b.entry->name;
        return a.repo < b.repo;
    });
}

}  // namespace nxp::formats
