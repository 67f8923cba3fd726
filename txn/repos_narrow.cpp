// Narrowing the universe to what a request can reach, through each repository's dependency
// graph (db/repo_graph.hpp), so that a large repository is not loaded whole.
#include "db/repo_graph.hpp"
#include "formats/index_entries.hpp"
#include "txn/repo_cache.hpp"
#include "txn/repos.hpp"
#include "txn/settings.hpp"

namespace nxp::txn {

namespace {

// The names a request starts from: what its jobs name, and everything installed (its
// name, what it provides, and the names its relations mention), since the solver keeps
// installed packages satisfied and looks for their updates and successors.
std::vector<std::string> seed_names(const resolver::Universe& u, const resolver::Request& request) {
    std::vector<std::string> seeds;
    for (const auto& job : request.jobs)
        if (!job.spec.name.empty()) seeds.push_back(job.spec.name);
    for (const auto& inst : u.installed) {
        const auto& m = inst.meta;
        seeds.push_back(m.name);
        for (const auto& p : m.provides) seeds.push_back(p.name);
        for (const auto& r : m.requires_)
            for (const auto& alt : r.alternatives) seeds.push_back(alt.name);
        for (const auto& r : m.recommends)
            for (const auto& alt : r.alternatives) seeds.push_back(alt.name);
        for (const auto& r : m.replaces) seeds.push_back(r.name);
        for (const auto& c : m.conflicts)
            for (const auto& alt : c.alternatives) seeds.push_back(alt.name);
    }
    return seeds;
}

// The dependency graph of every cached repository, each made from the index its .solv
// cache was made from; `total` is the number of packages they hold.
Result<std::vector<db::RepoGraph>> open_graphs(const Root& root, const resolver::Universe& u,
                                               std::int64_t& total) {
    std::vector<db::RepoGraph> graphs;
    total = 0;
    for (const auto& c : u.cached) {
        auto g = db::RepoGraph::open(repo_cache::graph_path(root, c.name).string());
        if (!g) return tl::unexpected(g.error());
        if (g->stamp().key != c.key)
            return fail(ErrorKind::Invalid, c.name, "dependency graph of another index");
        total += g->stamp().packages;
        graphs.push_back(std::move(*g));
    }
    return graphs;
}

// Why narrowing did not apply, or the narrowed repositories' entries.
Result<std::vector<std::vector<formats::IndexEntry>>> narrowed_entries(
    const Root& root, const resolver::Universe& u, const resolver::Request& request,
    std::int64_t& total) {
    auto graphs = open_graphs(root, u, total);
    if (!graphs) return tl::unexpected(graphs.error());
    auto min = narrow_min(root);
    if (!min) return tl::unexpected(min.error());
    if (static_cast<std::uint64_t>(total) < *min)
        return fail(ErrorKind::Invalid, "", "below resolve.narrow_min");
    auto reached = db::reachable(*graphs, seed_names(u, request));
    if (!reached) return tl::unexpected(reached.error());
    std::vector<std::vector<formats::IndexEntry>> out(reached->size());
    for (std::size_t g = 0; g < reached->size(); ++g) {
        std::vector<std::string> texts;
        for (auto& r : (*reached)[g]) texts.push_back(std::move(r.text));
        auto parsed = formats::parse_index_entries(texts);
        if (!parsed)
            return fail(ErrorKind::Invalid, u.cached[g].name,
                        "damaged dependency graph: " + parsed.error().str());
        out[g] = std::move(*parsed);
    }
    return out;
}

}  // namespace

void narrow_universe(const Root& root, resolver::Universe& u, const resolver::Request& request,
                     Events& events) {
    if (!u.available.empty()) {
        // An index read this run (refreshed, or its caches rebuilt): it is parsed already,
        // and the caches written for the next run.
        events.message(Level::Debug, "loading every package (an index was read this run)");
        return;
    }
    if (u.cached.empty()) return;
    std::int64_t total = 0;
    auto entries = narrowed_entries(root, u, request, total);
    if (!entries) {
        events.message(Level::Debug, "loading every package (" + entries.error().str() + ")");
        return;
    }
    std::size_t kept = 0;
    for (std::size_t g = 0; g < entries->size(); ++g) {
        for (auto& e : (*entries)[g]) {
            u.available.push_back({u.cached[g].name, u.cached[g].priority, std::move(e)});
            ++kept;
        }
    }
    u.cached.clear();
    events.message(Level::Debug, "resolving within " + std::to_string(kept) + " of " +
                                     std::to_string(total) +
                                     " packages: those this request can reach");
}

}  // namespace nxp::txn
