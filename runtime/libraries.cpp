#include "runtime/libraries.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "runtime/plugin.hpp"

namespace nxp::runtime {
namespace fs = std::filesystem;

namespace {

// Names only the host provides (nextchat, nxp, arch:MACHINE, node-runtime): no installed
// library can satisfy them, so they cost no look-up. (node-runtime may also come from a
// runtime plugin, which is not a library: runtime/runtimes.hpp chooses that node.)
bool host_virtual(const std::string& name) {
    return name == "nextchat" || name == "nxp" || name == "node-runtime" ||
           name.starts_with("arch:");
}

bool satisfies(const formats::Constraint& c, const std::string& version) {
    if (c.any()) return true;
    auto v = formats::parse_version(version);
    return v && c.matches(*v);
}

// The generation's packages and their manifests, read once each when first needed.
class Generation {
  public:
    Generation(const db::Database& db, const std::vector<db::GenPackage>& packages)
        : db_(db), packages_(packages) {}

    Result<const formats::Manifest*> manifest(const db::GenPackage& pkg) {
        auto it = manifests_.find(pkg.name);
        if (it != manifests_.end()) return &it->second;
        auto m = installed_manifest(db_, pkg.store_path);
        if (!m) return tl::unexpected(m.error());
        return &manifests_.emplace(pkg.name, std::move(*m)).first->second;
    }

    // The installed package meeting `d`: by name and version, else by a provided name (a
    // provide without a version meets only a requirement without one, as in libsolv's DEB
    // semantics the resolver uses).
    Result<const db::GenPackage*> meeting(const formats::Dep& d) {
        for (const auto& p : packages_)
            if (p.name == d.name) return satisfies(d.constraint, p.version) ? &p : nullptr;
        if (host_virtual(d.name)) return nullptr;
        for (const auto& p : packages_) {
            auto m = manifest(p);
            if (!m) return tl::unexpected(m.error());
            for (const auto& prov : (*m)->provides) {
                if (prov.name != d.name) continue;
                if (d.constraint.any()) return &p;
                if (!prov.constraint.all.empty() &&
                    d.constraint.matches(prov.constraint.all.front().version))
                    return &p;
            }
        }
        return nullptr;
    }

  private:
    const db::Database& db_;
    const std::vector<db::GenPackage>& packages_;
    std::map<std::string, formats::Manifest> manifests_;
};

}  // namespace

Result<std::map<std::string, fs::path>> required_libraries(
    const db::Database& db, const fs::path& root_dir, const formats::Manifest& m,
    const std::vector<db::GenPackage>& generation) {
    Generation gen(db, generation);
    std::map<std::string, fs::path> out;
    std::set<std::string> seen;  // libraries whose requirements were followed
    std::vector<const formats::Manifest*> todo{&m};
    while (!todo.empty()) {
        const formats::Manifest* next = todo.back();
        todo.pop_back();
        for (const auto& spec : next->requires_) {
            for (const auto& alt : spec.alternatives) {
                auto pkg = gen.meeting(alt);
                if (!pkg) return tl::unexpected(pkg.error());
                if (!*pkg) continue;
                auto lib = gen.manifest(**pkg);
                if (!lib) return tl::unexpected(lib.error());
                if ((*lib)->kind == formats::Kind::Library) {
                    std::error_code ec;
                    fs::path dir = fs::weakly_canonical(root_dir / (*pkg)->store_path, ec);
                    if (ec)
                        return fail(ErrorKind::Io, (root_dir / (*pkg)->store_path).string(),
                                    ec.message());
                    out.emplace(alt.name, dir);
                    out.emplace((*pkg)->name, dir);
                    if (seen.insert((*pkg)->name).second) todo.push_back(*lib);
                }
                break;  // the first alternative met is the one in use
            }
        }
    }
    return out;
}

std::string dep_env_name(const std::string& name) {
    std::string out = "NXP_DEP_";
    for (char c : name) {
        const bool alnum =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        out += !alnum ? '_' : (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return out;
}

}  // namespace nxp::runtime
