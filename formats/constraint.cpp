#include "formats/constraint.hpp"

#include <limits>

#include "formats/text_util.hpp"

// Comparators use plain SemVer precedence. Unlike npm, a range does not exclude
// pre-releases: ^1.2.3 (>=1.2.3,<2.0.0) matches 1.5.0-beta and 2.0.0-rc.1. The resolver
// prefers the highest release anyway, and publishers who want to keep pre-releases out
// of a range write the bound they mean.

namespace nxp::formats {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

tl::unexpected<Error> why(std::string message) {
    return fail(ErrorKind::Invalid, "", std::move(message));
}

Error prefixed(Error e, std::string_view what, std::string_view text) {
    e.message = "invalid " + std::string(what) + " " + detail::quote(text) + ": " + e.message;
    return e;
}

// The smallest version above everything that starts with the written parts: "1.2" -> 1.3.0,
// "1" -> 2.0.0, "1.2.3" -> 1.2.4.
Result<Version> bump(const Version& v, int part) {
    Version r;
    r.major = v.major;
    if (part == 0) {
        if (v.major == kMax) return why("version number too large to form a range");
        r.major = v.major + 1;
    } else if (part == 1) {
        if (v.minor == kMax) return why("version number too large to form a range");
        r.minor = v.minor + 1;
    } else {
        if (v.patch == kMax) return why("version number too large to form a range");
        r.minor = v.minor;
        r.patch = v.patch + 1;
    }
    return r;
}

struct OpText {
    std::string_view text;
    char kind;  // one of = < L > G ^ ~  (L is <=, G is >=)
};
constexpr OpText kOps[] = {{"<=", 'L'}, {">=", 'G'}, {"<", '<'}, {">", '>'},
                           {"=", '='},  {"^", '^'},  {"~", '~'}};

bool is_op_char(char c) {
    return c == '<' || c == '>' || c == '=' || c == '!' || c == '^' || c == '~';
}

// Appends the comparators of one "OP VERSION" term, expanding partial versions, ^ and ~.
Result<void> parse_term(std::string_view term, std::vector<Comparator>& out) {
    std::size_t n = 0;
    while (n < term.size() && is_op_char(term[n])) ++n;
    std::string_view op_text = term.substr(0, n);
    char kind = '=';
    if (!op_text.empty()) {
        kind = 0;
        for (const auto& op : kOps) {
            if (op.text == op_text) kind = op.kind;
        }
        if (!kind) return why("unknown operator " + detail::quote(op_text));
    }
    std::string_view vtext = detail::trim(term.substr(n));
    if (vtext.empty()) {
        return why(op_text.empty() ? "missing version"
                                   : "missing version after " + detail::quote(op_text));
    }
    if (auto sp = vtext.find_first_of(" \t\r\n"); sp != std::string_view::npos) {
        return why("unexpected text after version " + detail::quote(vtext.substr(0, sp)) +
                   " (join comparators with ',')");
    }
    int parts = 3;
    auto v = parse_partial_version(vtext, &parts);
    if (!v) return tl::unexpected(v.error());
    const int last = parts - 1;
    auto push = [&](Op op, Version ver) { out.push_back(Comparator{op, std::move(ver)}); };
    auto push_upper = [&](int part) -> Result<void> {
        auto upper = bump(*v, part);
        if (!upper) return tl::unexpected(upper.error());
        push(Op::Lt, std::move(*upper));
        return {};
    };
    switch (kind) {
        case '<':
            push(Op::Lt, *v);
            return {};
        case 'G':
            push(Op::Ge, *v);
            return {};
        case '=':
            if (parts == 3) {
                push(Op::Eq, *v);
                return {};
            }
            push(Op::Ge, *v);
            return push_upper(last);
        case 'L':  // "<=1.2" includes every 1.2.x
            if (parts == 3) {
                push(Op::Le, *v);
                return {};
            }
            return push_upper(last);
        case '>': {  // ">1.2" excludes every 1.2.x
            if (parts == 3) {
                push(Op::Gt, *v);
                return {};
            }
            auto lower = bump(*v, last);
            if (!lower) return tl::unexpected(lower.error());
            push(Op::Ge, std::move(*lower));
            return {};
        }
        case '^': {
            // The first non-zero written part may not change; ^0.0 and ^0 bump their last part.
            int part = last;
            if (v->major != 0 || parts == 1) {
                part = 0;
            } else if (v->minor != 0 || parts == 2) {
                part = 1;
            }
            push(Op::Ge, *v);
            return push_upper(part);
        }
        default:  // '~': patch-level changes, or minor-level when only the major is written
            push(Op::Ge, *v);
            return push_upper(parts == 1 ? 0 : 1);
    }
}

Result<Constraint> constraint_impl(std::string_view text) {
    Constraint c;
    c.text = std::string(detail::trim(text));
    if (c.text.empty()) return c;
    std::string_view rest = c.text;
    while (true) {
        std::size_t comma = rest.find(',');
        std::string_view term = detail::trim(rest.substr(0, comma));
        if (term.empty()) return why("empty comparator (stray ',')");
        auto ok = parse_term(term, c.all);
        if (!ok) return tl::unexpected(ok.error());
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
    }
    return c;
}

Result<Dep> dep_impl(std::string_view text) {
    text = detail::trim(text);
    if (text.empty()) return why("empty dependency");
    std::size_t n = 0;
    while (n < text.size() && !is_op_char(text[n]) && text[n] != ' ' && text[n] != '\t') ++n;
    Dep d;
    std::string_view name = text.substr(0, n);
    if (name.empty()) return why("missing package name");
    if (!is_valid_dep_name(name)) {
        return why("invalid package name " + detail::quote(name) +
                   ": must match [a-z0-9][a-z0-9._-]{0,63}");
    }
    d.name = std::string(name);
    auto c = constraint_impl(text.substr(n));
    if (!c) return tl::unexpected(c.error());
    d.constraint = std::move(*c);
    return d;
}

}  // namespace

bool Constraint::matches(const Version& v) const {
    for (const auto& c : all) {
        auto cmp = v <=> c.version;
        bool ok = false;
        switch (c.op) {
            case Op::Eq:
                ok = cmp == 0;
                break;
            case Op::Lt:
                ok = cmp < 0;
                break;
            case Op::Le:
                ok = cmp <= 0;
                break;
            case Op::Gt:
                ok = cmp > 0;
                break;
            case Op::Ge:
                ok = cmp >= 0;
                break;
        }
        if (!ok) return false;
    }
    return true;
}

std::string Dep::str() const {
    return constraint.text.empty() ? name : name + " " + constraint.text;
}

std::string DepSpec::str() const {
    std::string s;
    for (const auto& d : alternatives) {
        if (!s.empty()) s += " | ";
        s += d.str();
    }
    return s;
}

Result<Constraint> parse_constraint(std::string_view text) {
    auto c = constraint_impl(text);
    if (!c) return tl::unexpected(prefixed(c.error(), "constraint", detail::trim(text)));
    return c;
}

Result<Dep> parse_dep(std::string_view text) {
    auto d = dep_impl(text);
    if (!d) return tl::unexpected(prefixed(d.error(), "dependency", detail::trim(text)));
    return d;
}

Result<DepSpec> parse_dep_spec(std::string_view text) {
    DepSpec spec;
    std::string_view rest = text;
    while (true) {
        std::size_t bar = rest.find('|');
        std::string_view alt = detail::trim(rest.substr(0, bar));
        if (alt.empty()) {
            Error e{
                ErrorKind::Invalid, "",
                detail::trim(text).empty() ? "empty dependency" : "empty alternative (stray '|')"};
            return tl::unexpected(prefixed(e, "dependency", detail::trim(text)));
        }
        auto d = dep_impl(alt);
        if (!d) return tl::unexpected(prefixed(d.error(), "dependency", detail::trim(text)));
        spec.alternatives.push_back(std::move(*d));
        if (bar == std::string_view::npos) break;
        rest = rest.substr(bar + 1);
    }
    return spec;
}

bool is_valid_package_name(std::string_view name) {
    if (name.empty() || name.size() > 64 || !detail::is_lower_alnum(name[0])) return false;
    for (char c : name) {
        if (!(detail::is_lower_alnum(c) || c == '.' || c == '_' || c == '-')) return false;
    }
    return true;
}

bool is_valid_dep_name(std::string_view name) {
    constexpr std::string_view arch = "arch:";
    if (name.substr(0, arch.size()) == arch) return is_valid_package_name(name.substr(arch.size()));
    return is_valid_package_name(name);
}

}  // namespace nxp::formats
