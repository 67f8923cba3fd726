#pragma once
// Dependency expressions of DESIGN.md §2: "name [constraint]" with =, <, <=, >, >=, ^, ~,
// several comparators joined by ',' (all must hold), alternatives joined by '|'.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"
#include "formats/semver.hpp"

namespace nxp::formats {

enum class Op { Eq, Lt, Le, Gt, Ge };

struct Comparator {
    Op op = Op::Eq;
    Version version;
};

// All comparators must hold; empty means any version. ^ and ~ are expanded when parsed:
// ^1.2.3 -> >=1.2.3,<2.0.0; ^0.2.3 -> >=0.2.3,<0.3.0; ^0.0.3 -> >=0.0.3,<0.0.4;
// ~1.2.3 -> >=1.2.3,<1.3.0; ~1 -> >=1.0.0,<2.0.0; "=1.2" (partial) -> >=1.2.0,<1.3.0.
struct Constraint {
    std::vector<Comparator> all;
    std::string text;  // as written (trimmed), for messages; empty when any

    bool matches(const Version& v) const;
    bool any() const { return all.empty(); }
};

struct Dep {
    std::string name;
    Constraint constraint;
    std::string str() const;  // "name constraint-text" or "name"
};

// "a ^1 | b >= 2": one of the alternatives must be satisfied.
struct DepSpec {
    std::vector<Dep> alternatives;  // never empty once parsed
    std::string str() const;        // "a ^1 | b >= 2"
};

Result<Constraint> parse_constraint(std::string_view text);  // ">= 1.2, < 2", "^1.2", ""
Result<Dep> parse_dep(std::string_view text);                // "name [constraint]"
Result<DepSpec> parse_dep_spec(std::string_view text);       // alternatives with '|'

// Package and virtual names: [a-z0-9][a-z0-9._-]{0,63}. Host virtuals like "arch:x86_64"
// are allowed in dependencies (see is_valid_dep_name), not as package names.
bool is_valid_package_name(std::string_view name);
bool is_valid_dep_name(std::string_view name);  // package name, or "arch:<machine>"

}  // namespace nxp::formats
