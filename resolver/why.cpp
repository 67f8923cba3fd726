// why(): breadth-first search over the installed packages' requires and recommends, from
// each other explicit package to the one asked about (whether the package is explicit
// itself is the caller's to say). Needs no solver: installed state only.
#include <deque>
#include <map>

#include "resolver/resolver.hpp"

namespace nxp::resolver {
namespace {

struct Edge {
    std::size_t to;
    std::string text;  // "requires b ^1"
};

bool satisfies(const Installed& pkg, const formats::Dep& d) {
    if (pkg.meta.name == d.name && d.constraint.matches(pkg.meta.version)) return true;
    for (const auto& prov : pkg.meta.provides) {
        if (prov.name != d.name) continue;
        if (d.constraint.any()) return true;
        // Only "name = version" provides carry a version (as in the resolver).
        if (prov.constraint.all.size() == 1 && prov.constraint.all[0].op == formats::Op::Eq &&
            d.constraint.matches(prov.constraint.all[0].version)) {
            return true;
        }
    }
    return false;
}

void add_edges(const std::vector<Installed>& pkgs, std::size_t from,
               const std::vector<formats::DepSpec>& deps, std::string_view verb,
               std::vector<Edge>& out) {
    for (const auto& spec : deps) {
        for (std::size_t to = 0; to < pkgs.size(); ++to) {
            if (to == from) continue;
            for (const auto& alt : spec.alternatives) {
                if (satisfies(pkgs[to], alt)) {
                    out.push_back(Edge{to, std::string(verb) + " " + spec.str()});
                    break;
                }
            }
        }
    }
}

std::string label(const Installed& i) { return i.meta.name + " " + i.meta.version.str(); }

}  // namespace

std::vector<std::vector<std::string>> why(const Universe& universe, const std::string& name) {
    const auto& pkgs = universe.installed;
    std::size_t target = pkgs.size();
    for (std::size_t i = 0; i < pkgs.size(); ++i) {
        if (pkgs[i].meta.name == name) target = i;
    }
    if (target == pkgs.size()) return {};

    std::vector<std::vector<Edge>> graph(pkgs.size());
    for (std::size_t i = 0; i < pkgs.size(); ++i) {
        add_edges(pkgs, i, pkgs[i].meta.requires_, "requires", graph[i]);
        add_edges(pkgs, i, pkgs[i].meta.recommends, "recommends", graph[i]);
    }

    std::vector<std::vector<std::string>> chains;
    for (std::size_t root = 0; root < pkgs.size(); ++root) {
        if (!pkgs[root].explicit_ || root == target) continue;
        // Shortest path root → target; parent[i] = (previous node, edge text).
        std::map<std::size_t, std::pair<std::size_t, std::string>> parent;
        std::deque<std::size_t> todo{root};
        parent.emplace(root, std::make_pair(root, std::string()));
        while (!todo.empty() && !parent.count(target)) {
            std::size_t at = todo.front();
            todo.pop_front();
            for (const auto& e : graph[at]) {
                if (parent.emplace(e.to, std::make_pair(at, e.text)).second) todo.push_back(e.to);
            }
        }
        if (!parent.count(target)) continue;
        std::vector<std::string> chain;
        for (std::size_t at = target; at != root; at = parent[at].first) {
            chain.insert(chain.begin(), label(pkgs[at]));
            chain.insert(chain.begin(), parent[at].second);
        }
        chain.insert(chain.begin(), label(pkgs[root]) + " (explicit)");
        chains.push_back(std::move(chain));
    }
    return chains;
}

}  // namespace nxp::resolver
