#pragma once
// Internal: the libsolv pool built from a Universe, and the way back from libsolv Ids to
// nxp's names, human versions and dependency texts (messages never show encoded EVRs).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "resolver/resolver.hpp"
#include "resolver/solv.hpp"

namespace nxp::resolver {

enum class Origin { Available, Reparsed, Cached, Installed, Host };

struct SolvableInfo {
    Origin origin = Origin::Available;
    std::size_t index = 0;  // into Universe::available / reparsed_ / installed / host
};

// Names only the host may provide (nextchat, nxp, node-runtime, arch:*, and the host's own
// virtuals): a plugin calling itself "nextchat" or providing "nextchat = 9" must not stand in for
// the host.
bool is_reserved_name(const std::string& name, const std::vector<HostProvide>& host);
// Whether `meta` may provide `provide`: any name that is not reserved, and node-runtime with
// an exact version from a package of kind runtime (a Node.js build shipped as a plugin,
// runtime/runtimes.hpp). Every other claim to a reserved name is dropped.
bool may_provide(const formats::PackageMeta& meta, const formats::Dep& provide,
                 const std::vector<HostProvide>& host);
bool is_runtime_provide(const formats::PackageMeta& meta, const formats::Dep& provide);

// Package and virtual names are stored in libsolv's string pool behind a short tag.
//
// libsolv hashes pool strings with r = r * 9 + c. Under that hash, names that differ only
// in their digits collide wholesale ("p10" and "p09" hash alike; 100,000 names "p00000"…
// "p99999" fall into a few tens of thousands of buckets, most of them in a narrow band),
// and loading a large repository then spends most of its time in strcmp along the hash
// chains: 0.8 s of a 0.85 s resolve in a 100,000-package repository, measured (bench/).
// Prefixing every name with kNameTagLength characters derived from a well-mixed hash of
// the name spreads them over the whole table. Only names are tagged (EVRs are few); every
// name goes in through pool_name_id() and comes out through plain_name(), so nothing
// outside this pair ever sees a tag.
inline constexpr std::size_t kNameTagLength = 6;
Id pool_name_id(::Pool* pool, std::string_view name, bool create);
std::string plain_name(::Pool* pool, Id name);

class PoolModel {
  public:
    // Every solvable gets its self-provide, relations and repository priority; the
    // installed packages and the host virtuals share the installed repository "@System".
    static Result<PoolModel> build(const Universe& universe);

    ::Pool* get() const { return pool_.get(); }
    const Universe& universe() const { return *universe_; }

    // Dependency Ids: a constraint with several comparators is a REL_WITH chain (one provider
    // satisfies all), alternatives are a REL_OR chain.
    Id dep(const formats::Dep& d) const;  // const: only the pool (by pointer) and texts grow
    Id dep(const formats::DepSpec& d) const;
    Id name_id(const std::string& name) const;  // 0 when the pool never saw the name

    const SolvableInfo* info(Id solvable) const;
    bool is_installed(Id solvable) const;
    bool is_host(Id solvable) const;
    const Installed* installed(Id solvable) const;  // nullptr unless installed
    const Available* available(Id solvable) const;  // nullptr unless parsed and available
    bool is_available(Id solvable) const;           // from a repository, parsed or cached
    // The repository entry of an available solvable (decoded from the cache for cached ones).
    std::optional<formats::IndexEntry> entry(Id solvable) const;
    std::string repo_name(Id solvable) const;
    // Registers the texts of a cached solvable's relations, so that messages about it show
    // "b ^1.2" as written rather than the comparators libsolv stores.
    void learn_texts(Id solvable) const;
    std::string name(Id solvable) const;
    formats::Version version(Id solvable) const;
    std::string label(Id solvable) const;  // "a 1.2.0"

    // Human text for a dependency Id: the text it was built from where known.
    std::string dep_str(Id dep) const;

    // Solvables whose own name is `name`, in pool order; and their sorted distinct versions.
    std::vector<Id> named(Id name) const;
    std::string versions_of(Id name) const;  // "1.0.0, 1.2.0"

    const std::vector<Id>& installed_ids() const { return installed_ids_; }
    const std::vector<Id>& host_ids() const { return host_ids_; }

    // The cache file's bytes (cache.cpp).
    static Result<std::string> cache_bytes(const std::string& key, std::int64_t expires,
                                           const std::vector<const formats::IndexEntry*>& entries);

  private:
    friend class RepoCacheBuilder;  // cache.hpp: the .solv cache written entry by entry
    PoolModel() = default;
    Result<void> add_cached(const CachedRepo& c);
    void add_entries(::Repo* repo, const std::vector<formats::IndexEntry>& entries);
    Id add_solvable(::Repo* repo, const formats::PackageMeta& meta, SolvableInfo info);
    Id add_host(::Repo* repo, const HostProvide& h, std::size_t index);
    std::string rel_str(Id dep) const;
    Id key_id(const char* name) const;
    formats::Version cached_version(Id solvable) const;
    // Whether a cached solvable's name, version and relations (what the solver decided on)
    // are exactly those add_solvable() gives its stored entry (what would be installed).
    bool cached_relations_match(Id solvable, const formats::IndexEntry& e) const;
    const std::vector<HostProvide>& host() const;

    solv::PoolPtr pool_;
    const Universe* universe_ = nullptr;
    std::unordered_map<Id, SolvableInfo> info_;  // parsed, installed and host solvables
    std::vector<Available> reparsed_;            // cached repositories read from JSON after all
    std::vector<::Repo*> cached_repos_;          // their solvables have no info_ entry
    // Each cached repository's open cache file and where its section of entry texts is.
    struct CachedTexts {
        ::Repo* repo;
        std::shared_ptr<std::FILE> file;
        std::uint64_t at;
        std::uint64_t size;
    };
    std::vector<CachedTexts> cached_texts_;
    SolvableInfo cached_info_{Origin::Cached, 0};
    // Texts are also learnt while explaining (learn_texts), hence mutable.
    mutable std::unordered_map<Id, std::string> dep_text_;
    mutable std::unordered_map<std::string, std::string> evr_human_;  // EVR -> "1.0.0-rc.1"
    std::vector<Id> installed_ids_;
    std::vector<Id> host_ids_;
};

}  // namespace nxp::resolver
