#pragma once
// The dependency graph of one repository, kept next to its .solv cache as a small SQLite
// file (ROOT/cache/repos/NAME/graph.db), so that a request against a very large repository
// loads only the packages it can reach instead of all of them.
//
// Why: libsolv loads a repository whole. For 100,000 packages that is ~150 ms of the
// ~200 ms a warm `install --dry-run` takes (bench/README.md), although a request for 50
// plugins reaches about a thousand of them. The graph answers "which packages can this
// request touch" with index lookups; the resolver then sees exactly those packages.
//
// What "reach" means (a superset of what libsolv's rules can involve, see reachable()):
// from a name, every package that provides it (its own name or a `provides`) and every
// package that replaces it; from a package, every name its requires (all alternatives),
// recommends and replaces mention. Conflicts are not followed: a package that only
// conflicts is never installed unless something else reaches it.
//
// Trust is that of the .solv cache, i.e. none: the stamp names the index the graph claims
// to come from, and every entry a plan takes from it is compared with the verified index
// before anything is installed (txn::confirm_cached_entries).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/index.hpp"

struct sqlite3;

namespace nxp::db {

struct GraphStamp {
    std::string key;            // sha256 of the signed index the graph was made from
    std::int64_t expires = 0;   // that index's expiry
    std::int64_t packages = 0;  // number of packages in the graph
};

// Writes the graph of `entries` to `path` (through a temporary file renamed into place).
// Each entry is stored as formats::write_index_entry writes it (parse_index_entries reads
// it back).
Result<void> write_repo_graph(const std::string& path, const GraphStamp& stamp,
                              const std::vector<const formats::IndexEntry*>& entries);

// One package as write_repo_graph stores it, for a graph written row by row.
struct GraphRow {
    std::string refs;   // graph_refs()
    std::string names;  // graph_names()
    std::string entry;  // formats::write_index_entry
};
// The names a package reaches (requires with all alternatives, recommends, replaces),
// sorted, one per line; and the names it answers to or replaces (its own, its provides, its
// replaces, in that order), one per line.
std::string graph_refs(const formats::IndexEntry& e);
std::string graph_names(const formats::IndexEntry& e);

// The same graph, its `count` packages given in order by `row_at(i, row)` (issue 20: a
// refresh of 100,000 packages does not hold their entries at once).
Result<void> write_repo_graph(const std::string& path, const GraphStamp& stamp, std::size_t count,
                              const std::function<Result<void>(std::size_t, GraphRow&)>& row_at);

// One package reached: its position in the repository (index order) and its stored text.
struct ReachedEntry {
    std::int64_t position = 0;
    std::string text;
};

class RepoGraph {
  public:
    // Opens a graph read-only; an error when the file is missing, damaged or of another
    // format (the caller then loads the repository whole).
    static Result<RepoGraph> open(const std::string& path);
    RepoGraph(RepoGraph&&) noexcept;
    RepoGraph& operator=(RepoGraph&&) noexcept;
    ~RepoGraph();

    const GraphStamp& stamp() const { return stamp_; }

  private:
    friend Result<std::vector<std::vector<ReachedEntry>>> reachable(
        std::vector<RepoGraph>& graphs, const std::vector<std::string>& seeds);
    RepoGraph() = default;
    sqlite3* db_ = nullptr;
    GraphStamp stamp_;
};

// Every package of `graphs` reachable from the names in `seeds`, following names across
// all graphs (a package of one repository may need a name another provides). One list per
// graph, in repository order.
Result<std::vector<std::vector<ReachedEntry>>> reachable(std::vector<RepoGraph>& graphs,
                                                         const std::vector<std::string>& seeds);

}  // namespace nxp::db
