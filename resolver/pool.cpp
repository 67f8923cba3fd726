#include "resolver/pool.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "resolver/evr.hpp"

namespace nxp::resolver {
namespace {

int rel_flags(formats::Op op) {
    switch (op) {
        case formats::Op::Eq:
            return REL_EQ;
        case formats::Op::Lt:
            return REL_LT;
        case formats::Op::Le:
            return REL_LT | REL_EQ;
        case formats::Op::Gt:
            return REL_GT;
        case formats::Op::Ge:
            return REL_GT | REL_EQ;
    }
    return REL_EQ;
}

std::string_view op_text(int flags) {
    switch (flags) {
        case REL_EQ:
            return "=";
        case REL_LT:
            return "<";
        case REL_LT | REL_EQ:
            return "<=";
        case REL_GT:
            return ">";
        case REL_GT | REL_EQ:
            return ">=";
        default:
            return "?";
    }
}

// A versioned provide is written "name = version"; anything else provides the bare name.
const formats::Version* provided_version(const formats::Dep& d) {
    if (d.constraint.all.size() == 1 && d.constraint.all[0].op == formats::Op::Eq) {
        return &d.constraint.all[0].version;
    }
    return nullptr;
}

}  // namespace

namespace {

// The tag: a marker byte that no name can contain (names are checked by the manifest
// parser), then characters taken 6 bits at a time from the name's 64-bit FNV-1a hash.
constexpr char kNameTagMarker = '\x01';

void append_tag(std::string& out, std::string_view name) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
    h ^= h >> 29;  // FNV's low bits are the weakest; fold the high ones in
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out += kNameTagMarker;
    for (std::size_t i = 1; i < kNameTagLength; ++i, h >>= 6) out += kAlphabet[h & 63];
}

}  // namespace

Id pool_name_id(::Pool* pool, std::string_view name, bool create) {
    std::string tagged;
    tagged.reserve(kNameTagLength + name.size());
    append_tag(tagged, name);
    tagged.append(name);
    return pool_strn2id(pool, tagged.data(), static_cast<unsigned>(tagged.size()), create);
}

std::string plain_name(::Pool* pool, Id name) {
    const char* s = pool_id2str(pool, name);
    if (s[0] != kNameTagMarker) return s;  // not a name (e.g. libsolv's own "system:system")
    return s + kNameTagLength;
}

bool is_reserved_name(const std::string& name, const std::vector<HostProvide>& host) {
    // node-runtime is the host's too, whether or not this host has node: a plugin must not
    // stand in for a missing node any more than for NextChat. Only a runtime package may
    // (may_provide).
    if (name == "nextchat" || name == "nxp" || name == "node-runtime" ||
        name.rfind("arch:", 0) == 0)
        return true;
    return std::any_of(host.begin(), host.end(),
                       [&](const HostProvide& h) { return h.name == name; });
}

bool may_provide(const formats::PackageMeta& meta, const formats::Dep& provide,
                 const std::vector<HostProvide>& host) {
    if (!is_reserved_name(provide.name, host)) return true;
    return is_runtime_provide(meta, provide);
}

bool is_runtime_provide(const formats::PackageMeta& meta, const formats::Dep& provide) {
    return meta.kind == formats::Kind::Runtime && provide.name == "node-runtime" &&
           provided_version(provide) != nullptr;
}

namespace {

Result<void> check_universe(const Universe& u) {
    std::set<std::string> seen;
    for (const auto& i : u.installed) {
        if (!seen.insert(i.meta.name).second) {
            return fail(ErrorKind::Invalid, "installed packages",
                        "'" + i.meta.name + "' is listed more than once");
        }
    }
    for (const auto& h : u.host) {
        if (!seen.insert(h.name).second) {
            return fail(ErrorKind::Invalid, "host",
                        "'" + h.name + "' is both a host virtual and a package, or listed twice");
        }
    }
    return {};
}

}  // namespace

Result<PoolModel> PoolModel::build(const Universe& universe) {
    if (auto r = check_universe(universe); !r) return tl::unexpected(r.error());
    PoolModel m;
    m.universe_ = &universe;
    m.pool_.reset(pool_create());
    ::Pool* pool = m.pool_.get();
    pool_setdisttype(pool, DISTTYPE_DEB);

    // One repository per source, each filled contiguously (libsolv prefers that).
    std::vector<std::size_t> order(universe.available.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return universe.available[a].repo < universe.available[b].repo;
    });
    std::map<std::string, ::Repo*> repos;
    for (std::size_t i : order) {
        const auto& a = universe.available[i];
        if (is_reserved_name(a.entry.name, universe.host)) continue;
        auto [it, fresh] = repos.try_emplace(a.repo, nullptr);
        if (fresh) {
            it->second = repo_create(pool, a.repo.c_str());
            it->second->priority = a.priority;
        }
        it->second->priority = std::max(it->second->priority, a.priority);
        m.add_solvable(it->second, a.entry, SolvableInfo{Origin::Available, i});
    }

    for (const auto& c : universe.cached) {
        if (auto r = m.add_cached(c); !r) return tl::unexpected(r.error());
    }

    ::Repo* system = repo_create(pool, "@System");
    for (std::size_t i = 0; i < universe.installed.size(); ++i) {
        Id p =
            m.add_solvable(system, universe.installed[i].meta, SolvableInfo{Origin::Installed, i});
        m.installed_ids_.push_back(p);
    }
    for (std::size_t i = 0; i < universe.host.size(); ++i) {
        m.host_ids_.push_back(m.add_host(system, universe.host[i], i));
    }
    pool_set_installed(pool, system);
    pool_createwhatprovides(pool);
    return m;
}

Id PoolModel::add_solvable(::Repo* repo, const formats::PackageMeta& meta, SolvableInfo info) {
    ::Pool* pool = pool_.get();
    Id p = repo_add_solvable(repo);
    std::string evr = to_evr(meta.version);
    evr_human_.try_emplace(evr, meta.version.str());
    Solvable* s = pool_id2solvable(pool, p);
    s->name = pool_name_id(pool, meta.name, true);
    s->evr = pool_str2id(pool, evr.c_str(), 1);
    s->arch = ARCH_ALL;  // DEB's noarch
    s->dep_provides =
        repo_addid_dep(repo, s->dep_provides, pool_rel2id(pool, s->name, s->evr, REL_EQ, 1), 0);
    for (const auto& prov : meta.provides) {
        if (info.origin != Origin::Host && !may_provide(meta, prov, host())) continue;
        Id name = pool_name_id(pool, prov.name, true);
        Id id = name;
        if (const auto* v = provided_version(prov)) {
            std::string pevr = to_evr(*v);
            evr_human_.try_emplace(pevr, v->str());
            id = pool_rel2id(pool, name, pool_str2id(pool, pevr.c_str(), 1), REL_EQ, 1);
        }
        s = pool_id2solvable(pool, p);
        s->dep_provides = repo_addid_dep(repo, s->dep_provides, id, 0);
    }
    for (const auto& r : meta.requires_) {
        Id id = dep(r);
        s = pool_id2solvable(pool, p);
        s->dep_requires = repo_addid_dep(repo, s->dep_requires, id, 0);
    }
    for (const auto& c : meta.conflicts) {
        for (const auto& alt : c.alternatives) {  // conflicting with any of them
            Id id = dep(alt);
            s = pool_id2solvable(pool, p);
            s->dep_conflicts = repo_addid_dep(repo, s->dep_conflicts, id, 0);
        }
    }
    for (const auto& o : meta.replaces) {
        Id id = dep(o);
        s = pool_id2solvable(pool, p);
        s->dep_obsoletes = repo_addid_dep(repo, s->dep_obsoletes, id, 0);
    }
    for (const auto& r : meta.recommends) {
        Id id = dep(r);
        s = pool_id2solvable(pool, p);
        s->dep_recommends = repo_addid_dep(repo, s->dep_recommends, id, 0);
    }
    info_[p] = info;
    return p;
}

bool PoolModel::cached_relations_match(Id solvable, const formats::IndexEntry& e) const {
    ::Pool* pool = pool_.get();
    const Solvable* s = pool_id2solvable(pool, solvable);
    if (s->name != pool_name_id(pool, e.name, true) ||
        s->evr != pool_str2id(pool, to_evr(e.version).c_str(), 1))
        return false;
    auto stored = [&](Offset off) {
        std::vector<Id> ids;
        if (off != 0)
            for (const Id* p = s->repo->idarraydata + off; *p != 0; ++p) ids.push_back(*p);
        return ids;
    };
    auto same = [](std::vector<Id> a, std::vector<Id> b) {
        for (auto* v : {&a, &b}) {
            std::sort(v->begin(), v->end());
            v->erase(std::unique(v->begin(), v->end()), v->end());
        }
        return a == b;
    };
    // As add_solvable() builds them when the cache is written (no host known then).
    std::vector<Id> provides{pool_rel2id(pool, s->name, s->evr, REL_EQ, 1)};
    for (const auto& prov : e.provides) {
        if (!may_provide(e, prov, {})) continue;
        Id name = pool_name_id(pool, prov.name, true);
        const auto* v = provided_version(prov);
        provides.push_back(
            v ? pool_rel2id(pool, name, pool_str2id(pool, to_evr(*v).c_str(), 1), REL_EQ, 1)
              : name);
    }
    std::vector<Id> requires_, conflicts, obsoletes, recommends;
    for (const auto& r : e.requires_) requires_.push_back(dep(r));
    for (const auto& c : e.conflicts)
        for (const auto& alt : c.alternatives) conflicts.push_back(dep(alt));
    for (const auto& o : e.replaces) obsoletes.push_back(dep(o));
    for (const auto& r : e.recommends) recommends.push_back(dep(r));
    return same(stored(s->dep_provides), provides) && same(stored(s->dep_requires), requires_) &&
           same(stored(s->dep_conflicts), conflicts) && same(stored(s->dep_obsoletes), obsoletes) &&
           same(stored(s->dep_recommends), recommends);
}

Id PoolModel::add_host(::Repo* repo, const HostProvide& h, std::size_t index) {
    formats::PackageMeta meta;
    meta.name = h.name;
    meta.version = h.version;
    return add_solvable(repo, meta, SolvableInfo{Origin::Host, index});
}

Id PoolModel::dep(const formats::Dep& d) const {
    ::Pool* pool = pool_.get();
    Id name = pool_name_id(pool, d.name, true);
    Id result = 0;
    for (const auto& c : d.constraint.all) {
        std::string evr = to_evr(c.version);
        evr_human_.try_emplace(evr, c.version.str());
        Id rel = pool_rel2id(pool, name, pool_str2id(pool, evr.c_str(), 1), rel_flags(c.op), 1);
        result = result ? pool_rel2id(pool, result, rel, REL_WITH, 1) : rel;
    }
    if (!result) return name;
    dep_text_.try_emplace(result, d.str());
    return result;
}

Id PoolModel::dep(const formats::DepSpec& d) const {
    Id result = 0;
    for (const auto& alt : d.alternatives) {
        Id id = dep(alt);
        result = result ? pool_rel2id(pool_.get(), result, id, REL_OR, 1) : id;
    }
    if (d.alternatives.size() > 1) dep_text_.try_emplace(result, d.str());
    return result;
}

Id PoolModel::name_id(const std::string& name) const {
    return pool_name_id(pool_.get(), name, false);
}

const SolvableInfo* PoolModel::info(Id solvable) const {
    auto it = info_.find(solvable);
    if (it != info_.end()) return &it->second;
    if (solvable <= 1 || solvable >= pool_->nsolvables) return nullptr;
    ::Repo* repo = pool_id2solvable(pool_.get(), solvable)->repo;
    bool cached =
        std::find(cached_repos_.begin(), cached_repos_.end(), repo) != cached_repos_.end();
    return cached && repo ? &cached_info_ : nullptr;
}

bool PoolModel::is_installed(Id solvable) const {
    const auto* i = info(solvable);
    return i && (i->origin == Origin::Installed || i->origin == Origin::Host);
}

bool PoolModel::is_available(Id solvable) const {
    const auto* i = info(solvable);
    return i && !(i->origin == Origin::Installed || i->origin == Origin::Host);
}

std::string PoolModel::repo_name(Id solvable) const {
    if (const Available* a = available(solvable)) return a->repo;
    const ::Repo* repo = pool_id2solvable(pool_.get(), solvable)->repo;
    return repo && repo->name ? repo->name : "";
}

bool PoolModel::is_host(Id solvable) const {
    const auto* i = info(solvable);
    return i && i->origin == Origin::Host;
}

const Installed* PoolModel::installed(Id solvable) const {
    const auto* i = info(solvable);
    if (!i || i->origin != Origin::Installed) return nullptr;
    return &universe_->installed[i->index];
}

const Available* PoolModel::available(Id solvable) const {
    const auto* i = info(solvable);
    if (!i) return nullptr;
    if (i->origin == Origin::Available) return &universe_->available[i->index];
    if (i->origin == Origin::Reparsed) return &reparsed_[i->index];
    return nullptr;
}

std::string PoolModel::name(Id solvable) const {
    return plain_name(pool_.get(), pool_id2solvable(pool_.get(), solvable)->name);
}

formats::Version PoolModel::version(Id solvable) const {
    const auto* i = info(solvable);
    if (!i) return {};
    switch (i->origin) {
        case Origin::Available:
            return universe_->available[i->index].entry.version;
        case Origin::Reparsed:
            return reparsed_[i->index].entry.version;
        case Origin::Cached:
            return cached_version(solvable);
        case Origin::Installed:
            return universe_->installed[i->index].meta.version;
        case Origin::Host:
            return universe_->host[i->index].version;
    }
    return {};
}

std::string PoolModel::label(Id solvable) const {
    return name(solvable) + " " + version(solvable).str();
}

std::string PoolModel::dep_str(Id dep) const {
    auto it = dep_text_.find(dep);
    return it != dep_text_.end() ? it->second : rel_str(dep);
}

std::string PoolModel::rel_str(Id dep) const {
    ::Pool* pool = pool_.get();
    if (!ISRELDEP(dep)) return plain_name(pool, dep);
    const Reldep* rd = GETRELDEP(pool, dep);
    if (rd->flags == REL_OR) return dep_str(rd->name) + " | " + dep_str(rd->evr);
    if (rd->flags == REL_WITH) return dep_str(rd->name) + ", " + dep_str(rd->evr);
    std::string evr = pool_id2str(pool, rd->evr);
    auto h = evr_human_.find(evr);
    return dep_str(rd->name) + " " + std::string(op_text(rd->flags)) + " " +
           (h != evr_human_.end() ? h->second : from_evr(evr));
}

std::vector<Id> PoolModel::named(Id name) const {
    std::vector<Id> out;
    ::Pool* pool = pool_.get();
    for (Id p = 2; p < pool->nsolvables; ++p) {
        const Solvable* s = pool_id2solvable(pool, p);
        if (s->repo && s->name == name) out.push_back(p);
    }
    return out;
}

std::string PoolModel::versions_of(Id name) const {
    std::vector<formats::Version> vs;
    for (Id p : named(name)) vs.push_back(version(p));
    std::sort(vs.begin(), vs.end());
    vs.erase(std::unique(vs.begin(), vs.end()), vs.end());
    std::string out;
    for (const auto& v : vs) out += (out.empty() ? "" : ", ") + v.str();
    return out;
}

}  // namespace nxp::resolver
