#pragma once
// Matching and ranking plugins for `nxp search`: which index entries answer a query and in
// what order. Pure data (no I/O); the caller loads the indexes and renders the result.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"
#include "formats/index.hpp"

namespace re2 {
class RE2;
}

namespace nxp::formats {

// How an entry matched, best first: the ranking of the results.
enum class SearchMatch {
    Exact,      // a term is the whole name
    Prefix,     // a term begins the name
    Name,       // a term is elsewhere in the name
    Summary,    // the best term is in the summary only
    Publisher,  // the best term is in the publisher only
};

// "exact", "prefix", "name", "summary", "publisher": the --json "match" field.
std::string_view search_match_name(SearchMatch m);

// A compiled query: every term must match the name, the summary or the publisher (case does
// not matter). Plain terms are substrings (an empty term matches everything); with `regex`
// each term is an RE2 pattern (linear time whatever the pattern: no catastrophic
// backtracking), found anywhere in the field unless anchored.
class SearchQuery {
  public:
    // The error (Usage) names the pattern and RE2's reason when a pattern does not compile.
    static Result<SearchQuery> make(const std::vector<std::string>& terms, bool regex);

    // How `e` matches (the best field any term reached), or nothing when a term matches
    // none of its fields.
    std::optional<SearchMatch> match(const IndexEntry& e) const;

  private:
    struct Term;
    std::vector<std::shared_ptr<const Term>> terms_;
};

struct SearchHit {
    const IndexEntry* entry = nullptr;
    std::string repo;
    SearchMatch match = SearchMatch::Name;
};

// The order results are shown in: by match (exact, prefix, name, summary, publisher), then by
// name, then by repository.
void rank_search_hits(std::vector<SearchHit>& hits);

}  // namespace nxp::formats
