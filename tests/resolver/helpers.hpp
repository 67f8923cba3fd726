#pragma once
// Small builders for resolver scenarios: a World of available, installed and host packages,
// requests from dependency strings, and plans rendered as one line per step.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <variant>
#include <vector>

#include "formats/constraint.hpp"
#include "resolver/resolver.hpp"

namespace nxp::resolver::test {

struct Rel {
    std::vector<std::string> req = {}, con = {}, prov = {}, repl = {}, rec = {};
    formats::Kind kind = formats::Kind::Library;
};

inline formats::Version ver(const std::string& s) {
    auto v = formats::parse_version(s);
    INFO(s);
    REQUIRE(v);
    return *v;
}

inline formats::Dep dep(const std::string& s) {
    auto d = formats::parse_dep(s);
    INFO(s << ": " << (d ? "" : d.error().str()));
    REQUIRE(d);
    return *d;
}

inline std::vector<formats::DepSpec> specs(const std::vector<std::string>& in) {
    std::vector<formats::DepSpec> out;
    for (const auto& s : in) {
        auto d = formats::parse_dep_spec(s);
        INFO(s << ": " << (d ? "" : d.error().str()));
        REQUIRE(d);
        out.push_back(*d);
    }
    return out;
}

inline std::vector<formats::Dep> deps(const std::vector<std::string>& in) {
    std::vector<formats::Dep> out;
    for (const auto& s : in) out.push_back(dep(s));
    return out;
}

// "a 1.0.0" plus relations.
inline formats::IndexEntry entry(const std::string& nv, const Rel& rel = {}) {
    formats::IndexEntry e;
    auto sp = nv.find(' ');
    REQUIRE(sp != std::string::npos);
    e.name = nv.substr(0, sp);
    e.version = ver(nv.substr(sp + 1));
    e.requires_ = specs(rel.req);
    e.conflicts = specs(rel.con);
    e.provides = deps(rel.prov);
    e.replaces = deps(rel.repl);
    e.recommends = specs(rel.rec);
    e.kind = rel.kind;
    e.path = "packages/" + e.name + "-" + e.version.str() + ".nxp";
    e.sha256 = std::string(64, 'e');
    return e;
}

struct World {
    Universe u;

    World& avail(const std::string& nv, const Rel& rel = {}, const std::string& repo = "main",
                 int priority = 0) {
        u.available.push_back(Available{repo, priority, entry(nv, rel)});
        return *this;
    }
    World& inst(const std::string& nv, const Rel& rel = {}, bool explicit_ = true,
                bool held = false) {
        Installed i;
        i.meta = entry(nv, rel);
        i.repo = "main";
        i.explicit_ = explicit_;
        i.held = held;
        u.installed.push_back(i);
        return *this;
    }
    World& dep_inst(const std::string& nv, const Rel& rel = {}) { return inst(nv, rel, false); }
    World& held(const std::string& nv, const Rel& rel = {}) { return inst(nv, rel, true, true); }
    World& host(const std::string& name, const std::string& v) {
        u.host.push_back(HostProvide{name, ver(v)});
        return *this;
    }
};

inline Job job(JobKind kind, const std::string& spec = "") {
    Job j;
    j.kind = kind;
    if (!spec.empty()) j.spec = dep(spec);
    return j;
}

inline Request install(const std::vector<std::string>& what) {
    Request r;
    for (const auto& w : what) r.jobs.push_back(job(JobKind::Install, w));
    return r;
}

inline Request one(JobKind kind, const std::string& spec = "") {
    Request r;
    r.jobs.push_back(job(kind, spec));
    return r;
}

// "install a 1.0.0", "upgrade a 1.0.0 -> 2.0.0", "remove b 1.0.0 (replaced by c)".
inline std::string line(const Step& s) {
    std::string out = std::string(step_kind_name(s.kind)) + " " + s.name;
    if (s.kind == StepKind::Install) return out + " " + s.to->str();
    if (s.kind == StepKind::Remove) {
        out += " " + s.from->str();
        if (!s.replaced_by.empty()) out += " (replaced by " + s.replaced_by + ")";
        return out;
    }
    return out + " " + s.from->str() + " -> " + s.to->str();
}

inline Plan plan_of(const Universe& u, const Request& r) {
    auto out = resolve(u, r);
    INFO((out ? "" : out.error().str()));
    REQUIRE(out);
    if (auto* uns = std::get_if<Unsolvable>(&*out))
        FAIL("unexpectedly unsolvable:\n" << uns->str());
    return std::get<Plan>(*out);
}

inline std::vector<std::string> lines(const Universe& u, const Request& r) {
    std::vector<std::string> out;
    for (const auto& s : plan_of(u, r).steps) out.push_back(line(s));
    return out;
}

inline std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

inline Unsolvable unsolvable(const Universe& u, const Request& r) {
    auto out = resolve(u, r);
    INFO((out ? "" : out.error().str()));
    REQUIRE(out);
    if (auto* p = std::get_if<Plan>(&*out)) {
        std::string steps;
        for (const auto& s : p->steps) steps += line(s) + "\n";
        FAIL("unexpectedly solvable:\n" << steps);
    }
    return std::get<Unsolvable>(*out);
}

using Catch::Contains;
using V = std::vector<std::string>;

}  // namespace nxp::resolver::test
