// Versions and dependency expressions (formats/semver, formats/constraint): whatever the text,
// a clear error or a value that prints back to text parsing to the same value.
#include "formats/constraint.hpp"
#include "formats/semver.hpp"
#include "fuzz/fuzz_util.hpp"

using namespace nxp;

namespace {

void version_round_trip(std::string_view text) {
    auto v = formats::parse_version(text);
    fuzz::require_message(v, "parse_version");
    if (!v) return;
    auto again = formats::parse_version(v->str());
    fuzz::require(again && *again == *v && again->str() == v->str(),
                  "version does not print back to itself");
}

void constraint_round_trip(std::string_view text) {
    int parts = 0;
    auto partial = formats::parse_partial_version(text, &parts);
    fuzz::require_message(partial, "parse_partial_version");
    if (partial) fuzz::require(parts >= 1 && parts <= 3, "partial version part count");

    auto c = formats::parse_constraint(text);
    fuzz::require_message(c, "parse_constraint");
    if (c) {
        auto again = formats::parse_constraint(c->text);
        fuzz::require(again && again->all.size() == c->all.size(),
                      "constraint text does not parse back to the same constraint");
        if (partial) (void)c->matches(*partial);
    }
    auto spec = formats::parse_dep_spec(text);
    fuzz::require_message(spec, "parse_dep_spec");
    if (spec) {
        fuzz::require(!spec->alternatives.empty(), "dependency spec without alternatives");
        auto again = formats::parse_dep_spec(spec->str());
        fuzz::require(again && again->alternatives.size() == spec->alternatives.size(),
                      "dependency spec does not print back to itself");
        for (const auto& d : spec->alternatives)
            fuzz::require(formats::is_valid_dep_name(d.name), "dependency with an invalid name");
    }
    auto dep = formats::parse_dep(text);
    fuzz::require_message(dep, "parse_dep");
}

// Two versions separated by a newline: precedence must be a consistent total order.
void ordering(std::string_view text) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) return;
    auto a = formats::parse_version(text.substr(0, nl));
    auto b = formats::parse_version(text.substr(nl + 1));
    if (!a || !b) return;
    fuzz::require((*a < *b) == (*b > *a) && (*a == *b) == (*b == *a),
                  "version precedence is not antisymmetric");
    fuzz::require((*a == *b) == (a->str().substr(0, a->str().find('+')) ==
                                 b->str().substr(0, b->str().find('+'))),
                  "versions equal in precedence must have the same text without build metadata");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto text = fuzz::as_text(data, size);
    version_round_trip(text);
    constraint_round_trip(text);
    ordering(text);
    return 0;
}
