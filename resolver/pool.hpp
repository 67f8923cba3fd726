#pragma once
// Internal: the libsolv pool built from a Universe, and the way back from libsolv Ids to
// nxp's names, human versions and dependency texts (messages never show encoded EVRs).
#include <string>
#include <unordered_map>
#include <vector>

#include "resolver/resolver.hpp"
#include "resolver/solv.hpp"

namespace nxp::resolver {

enum class Origin { Available, Installed, Host };

struct SolvableInfo {
    Origin origin = Origin::Available;
    std::size_t index = 0;  // into Universe::available / installed / host
};

class PoolModel {
  public:
    // Every solvable gets its self-provide, relations and repository priority; the
    // installed packages and the host virtuals share the installed repository "@System".
    static Result<PoolModel> build(const Universe& universe);

    ::Pool* get() const { return pool_.get(); }
    const Universe& universe() const { return *universe_; }

    // Dependency Ids: a constraint with several comparators is a REL_WITH chain (one provider
    // satisfies all), alternatives are a REL_OR chain.
    Id dep(const formats::Dep& d);
    Id dep(const formats::DepSpec& d);
    Id name_id(const std::string& name) const;  // 0 when the pool never saw the name

    const SolvableInfo* info(Id solvable) const;
    bool is_installed(Id solvable) const;
    bool is_host(Id solvable) const;
    const Installed* installed(Id solvable) const;  // nullptr unless installed
    const Available* available(Id solvable) const;  // nullptr unless available
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

  private:
    PoolModel() = default;
    Id add_solvable(::Repo* repo, const formats::PackageMeta& meta, SolvableInfo info);
    Id add_host(::Repo* repo, const HostProvide& h, std::size_t index);
    std::string rel_str(Id dep) const;

    solv::PoolPtr pool_;
    const Universe* universe_ = nullptr;
    std::unordered_map<Id, SolvableInfo> info_;
    std::unordered_map<Id, std::string> dep_text_;
    std::unordered_map<std::string, std::string> evr_human_;  // EVR -> "1.0.0-rc.1"
    std::vector<Id> installed_ids_;
    std::vector<Id> host_ids_;
};

}  // namespace nxp::resolver
