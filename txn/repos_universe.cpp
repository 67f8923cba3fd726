// The resolver's universe: the available packages of every repository (from its verified
// index, or from its .solv cache), the installed set of the current generation with holds
// and reasons, and what the host provides.
#include <sys/utsname.h>

#include <algorithm>

#include "formats/manifest.hpp"
#include "sandbox/host_tools.hpp"
#include "txn/installed.hpp"
#include "txn/journal.hpp"
#include "txn/nextchat_version.hpp"
#include "txn/repo_cache.hpp"
#include "txn/repos.hpp"

namespace nxp::txn {

namespace {

// For a .solv cache that turned out unreadable while resolving: the verified index's
// entries, and a fresh cache for the next run.
Result<std::vector<formats::IndexEntry>> reparse_entries(const Root& root, const db::RepoRow& row,
                                                         std::int64_t now) {
    auto index = cached_index(root, row, now);
    if (!index) return tl::unexpected(index.error());
    write_solv_cache(root, row, *index, nullptr);
    std::vector<formats::IndexEntry> out;
    for (const auto* e : repo_cache::installable(*index)) out.push_back(*e);
    return out;
}

void add_available(const Root& root, const std::vector<RepoIndex>& repos, resolver::Universe& u) {
    for (const auto& r : repos) {
        if (r.from_cache) {
            u.cached.push_back(
                {r.row.name, r.row.priority, repo_cache::solv_path(root, r.row.name).string(),
                 r.row.last_sha256,
                 [&root, row = r.row, now = r.now]() { return reparse_entries(root, row, now); }});
            continue;
        }
        for (const auto* e : repo_cache::installable(r.index))
            u.available.push_back({r.row.name, r.row.priority, *e});
    }
}

Result<void> add_installed(const Root& root, resolver::Universe& u) {
    const auto& db = root.db();
    auto pkgs = current_packages(root);
    if (!pkgs) return tl::unexpected(pkgs.error());
    auto holds = db.holds();
    if (!holds) return tl::unexpected(holds.error());
    for (const auto& p : *pkgs) {
        auto tree = db.store_tree(p.store_path);
        if (!tree) return tl::unexpected(tree.error());
        if (!*tree)
            return fail(ErrorKind::Invalid, p.store_path,
                        "installed package " + p.name + " has no store record; run 'nxp doctor'");
        auto manifest = formats::parse_manifest((*tree)->manifest_json);
        if (!manifest)
            return tl::unexpected(in_context(manifest.error(), p.store_path + "/plugin.json"));
        resolver::Installed inst;
        inst.meta = *manifest;
        inst.repo = p.repo;
        inst.explicit_ = is_explicit(p);
        inst.held = std::find(holds->begin(), holds->end(), p.name) != holds->end();
        inst.installed_size = (*tree)->installed_size;
        u.installed.push_back(std::move(inst));
    }
    return {};
}

}  // namespace

Result<HostInfo> host_info(const Root& root) {
    HostInfo h;
    auto nxp_version = formats::parse_version(NXP_VERSION);
    if (nxp_version) h.provides.push_back({"nxp", *nxp_version});
    utsname u{};
    if (::uname(&u) == 0) h.provides.push_back({std::string("arch:") + u.machine, {}});
    // Node.js comes from the host (README: decisions); a version it prints that nxp cannot
    // read leaves node-runtime unprovided rather than failing every request.
    if (const auto& node = sandbox::host_node(root.cache_dir() / "host-node")) {
        if (auto v = formats::parse_partial_version(node->version))
            h.provides.push_back({"node-runtime", *v});
    }
    auto v = root.db().setting("nextchat.version");
    if (!v) return tl::unexpected(v.error());
    if (*v && !(*v)->empty()) {
        auto parsed = formats::parse_partial_version(**v);
        if (!parsed) return tl::unexpected(in_context(parsed.error(), "setting nextchat.version"));
        h.provides.push_back({"nextchat", *parsed});
    }
    return h;
}

Result<resolver::Universe> build_universe(const Root& root, const std::vector<RepoIndex>& repos) {
    resolver::Universe u;
    add_available(root, repos, u);
    if (auto r = add_installed(root, u); !r) return tl::unexpected(r.error());
    auto host = host_info(root);
    if (!host) return tl::unexpected(host.error());
    u.host = host->provides;
    if (std::none_of(u.host.begin(), u.host.end(),
                     [](const auto& h) { return h.name == "nextchat"; })) {
        auto dir = root.db().setting("nextchat.dir");
        u.host_hints["nextchat"] = nextchat_unknown_hint(dir && *dir ? **dir : std::string());
    }
    return u;
}

}  // namespace nxp::txn
