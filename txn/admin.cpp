#include "txn/admin.hpp"

#include <algorithm>
#include <system_error>

#include "formats/redact.hpp"
#include "formats/semver.hpp"
#include "nextchat/mcp_config.hpp"
#include "nextchat/version.hpp"
#include "txn/installed.hpp"
#include "txn/nextchat_version.hpp"
#include "txn/repos.hpp"
#include "txn/settings.hpp"

namespace nxp::txn {

namespace fs = std::filesystem;

Result<void> set_holds(Root& root, const std::vector<std::string>& names, bool held,
                       const std::string& user) {
    if (held) {
        auto pkgs = current_packages(root);
        if (!pkgs) return tl::unexpected(pkgs.error());
        for (const auto& n : names) {
            if (std::none_of(pkgs->begin(), pkgs->end(),
                             [&](const auto& p) { return p.name == n; }))
                return fail(ErrorKind::NotFound, n,
                            "not installed; only installed plugins can be held");
        }
    }
    for (const auto& n : names) {
        if (auto r = root.db().set_hold(n, held); !r) return r;
        (void)root.db().audit(user, held ? "hold" : "unhold", n);
    }
    return {};
}

Result<RepoAdded> add_repository(Root& root, const db::RepoRow& row, bool offline, std::int64_t now,
                                 const std::string& user) {
    if (auto r = root.db().add_repo(row); !r) return tl::unexpected(r.error());
    RepoAdded added;
    if (!offline) {
        auto index = refresh_repo(root, row, now);
        if (!index) {
            (void)root.db().remove_repo(row.name);
            return tl::unexpected(index.error());
        }
        added.packages = index->packages;
        added.index_version = index->index.version;
    }
    // A URL may carry credentials (https://user:token@host/): kept in the repository row,
    // where fetching needs them, but in no log and on no screen.
    added.shown_url = formats::redact_url_credentials(row.url);
    (void)root.db().audit(user, "repo-add", row.name + " " + added.shown_url);
    return added;
}

Result<void> remove_repository(Root& root, const std::string& name, const std::string& user) {
    if (auto r = root.db().remove_repo(name); !r) return r;
    std::error_code ec;
    fs::remove_all(root.repo_cache_dir(name), ec);
    (void)root.db().audit(user, "repo-remove", name);
    return {};
}

namespace {

Result<void> check_init_options(const InitOptions& opts) {
    for (const auto& [key, value] : opts.settings)
        if (auto r = check_setting(key, value); !r) return r;
    if (!opts.nextchat_version.empty()) {
        auto v = nextchat::parse_nextchat_version(opts.nextchat_version);
        if (!v) return tl::unexpected(in_context(v.error(), "--nextchat-version"));
    }
    return {};
}

// nextchat.dir, and nextchat.version (txn/nextchat_version.hpp): the one given, else the one
// detected there; an unknown version is a warning naming the command that sets it.
Result<void> record_nextchat_dir(db::Database& db, const InitOptions& opts, Events& events) {
    auto abs = fs::absolute(opts.nextchat_dir).lexically_normal();
    if (!fs::is_directory(abs)) return fail(ErrorKind::NotFound, abs.string(), "not a directory");
    if (auto r = db.set_setting("nextchat.dir", abs.string()); !r) return r;
    auto v = record_nextchat_version(db, abs, opts.nextchat_version);
    if (!v) return tl::unexpected(v.error());
    if (v->version.empty()) events.message(Level::Warning, unknown_nextchat_version(abs.string()));
    return {};
}

}  // namespace

Result<Initialised> init_root(const fs::path& dir, const InitOptions& opts, Events& events) {
    if (auto r = check_init_options(opts); !r) return tl::unexpected(r.error());
    auto root = Root::init(dir, events);
    if (!root) return tl::unexpected(root.error());
    auto& db = root->db();
    if (!opts.nextchat_dir.empty()) {
        if (auto r = record_nextchat_dir(db, opts, events); !r) return tl::unexpected(r.error());
    } else if (!opts.nextchat_version.empty()) {
        if (auto r = record_nextchat_version(db, {}, opts.nextchat_version); !r)
            return tl::unexpected(r.error());
    }
    std::string what = "root " + root->dir().string();
    if (!opts.nextchat_dir.empty()) what += ", nextchat dir " + opts.nextchat_dir.string();
    if (!opts.nextchat_version.empty()) what += ", nextchat version " + opts.nextchat_version;
    for (const auto& [key, value] : opts.settings) {
        if (auto r = db.set_setting(key, value); !r) return tl::unexpected(r.error());
        what += ", " + key + "=" + value;
    }
    if (auto r = db.audit("", "init", what); !r) return tl::unexpected(r.error());
    auto gen = db.current_generation();
    if (!gen) return tl::unexpected(gen.error());
    return Initialised{std::move(*root), *gen};
}

}  // namespace nxp::txn
