#include "txn/health.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "db/salvage.hpp"
#include "formats/constraint.hpp"
#include "nextchat/catalog.hpp"
#include "nextchat/mcp_config.hpp"
#include "os/unix_socket.hpp"
#include "runtime/secrets.hpp"
#include "sandbox/runner.hpp"
#include "txn/installed.hpp"
#include "txn/nextchat_version.hpp"
#include "txn/plugins.hpp"
#include "txn/verify.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;

Result<std::vector<AuditFinding>> audit(Root& root, const std::vector<RepoIndex>& repos) {
    auto pkgs = current_packages(root);
    if (!pkgs) return tl::unexpected(pkgs.error());
    std::vector<AuditFinding> out;
    for (const auto& p : *pkgs) {
        auto tree = root.db().store_tree(p.store_path);
        if (!tree) return tl::unexpected(tree.error());
        const std::string sha = *tree ? (*tree)->sha256 : "";
        auto version = formats::parse_version(p.version);
        for (const auto& r : repos) {
            const auto& revoked = r.index.revoked;
            if (!sha.empty() && std::find(revoked.begin(), revoked.end(), sha) != revoked.end())
                out.push_back({p.name, p.version, r.row.name, "revoked", "", "critical",
                               "the publisher revoked this exact package (sha256 " + sha + ")"});
            for (const auto& a : r.index.advisories) {
                if (a.package != p.name || !version) continue;
                auto affected = formats::parse_constraint(a.versions);
                if (!affected || !affected->matches(*version)) continue;
                out.push_back(
                    {p.name, p.version, r.row.name, "advisory", a.id, a.severity, a.summary});
            }
        }
    }
    return out;
}

const char* severity_name(Severity s) {
    switch (s) {
        case Severity::Notice:
            return "notice";
        case Severity::Warning:
            return "warning";
        case Severity::Error:
            return "error";
    }
    return "error";
}

Result<Drift> nextchat_drift(const NextchatState& want, const std::string& nextchat_dir) {
    Drift drift;
    auto have = nextchat::read_mcp_config(nextchat_dir);
    if (!have) return tl::unexpected(have.error());
    for (const auto& w : want.servers) {
        auto h = std::find_if(have->begin(), have->end(),
                              [&](const nextchat::ServerEntry& e) { return e.name == w.name; });
        if (h == have->end())
            drift.emplace_back(w.name, "missing from mcp_config.json");
        else if (h->command != w.command || h->args != w.args)
            drift.emplace_back(w.name, "command differs from what nxp wrote");
        else if (h->paused != w.paused)
            drift.emplace_back(w.name,
                               std::string("should be ") + (w.paused ? "paused" : "active"));
    }
    for (auto [kind, sources] : {std::pair{nextchat::Catalog::Masks, &want.masks},
                                 std::pair{nextchat::Catalog::Prompts, &want.prompts}}) {
        auto lines = nextchat::catalog_drift(nextchat_dir, kind, *sources);
        if (!lines) return tl::unexpected(lines.error());
        for (const auto& line : *lines) {
            auto colon = line.find(": ");
            drift.emplace_back(line.substr(0, colon), line.substr(colon + 2));
        }
    }
    return drift;
}

Result<Drift> nextchat_drift(Root& root, const std::string& nxp_exe) {
    auto dir = root.db().setting("nextchat.dir");
    if (!dir) return tl::unexpected(dir.error());
    if (!*dir || (*dir)->empty()) return Drift{};
    auto map = root.db().setting("nextchat.path_map");
    if (!map) return tl::unexpected(map.error());
    auto want = nextchat_state(root, nxp_exe, map->value_or(""));
    if (!want) return tl::unexpected(want.error());
    return nextchat_drift(*want, **dir);
}

namespace {

void check_database(Root& root, std::vector<DoctorFinding>& out) {
    auto integrity = root.db().integrity_check();
    if (!integrity) {
        // The check itself stopped on the damage: quick_check on a connection of its own
        // often still lists where.
        std::string problem = integrity.error().str();
        for (const auto& line : db::inspect(root.dir() / "nxp.db").details)
            problem += "\n      " + line;
        out.push_back({"database", Severity::Error, "nxp.db", problem,
                       "nxp doctor --repair, or restore the whole root from a backup"});
    } else if (*integrity != "ok")
        out.push_back({"database", Severity::Error, "nxp.db",
                       "SQLite integrity check failed: " + *integrity,
                       "nxp doctor --repair, or restore the whole root from a backup"});
    // The audit log's hash chain: a row edited, deleted or added outside nxp.
    auto chain = root.db().check_audit_chain();
    if (!chain)
        out.push_back({"audit-log", Severity::Error, "nxp.db", chain.error().str(), ""});
    else if (*chain)
        out.push_back({"audit-log", Severity::Error, "row " + std::to_string((*chain)->id),
                       "the audit log was tampered with: " + (*chain)->problem,
                       "compare 'nxp history --audit' with a backup of the root; nxp cannot "
                       "restore what was changed"});
    auto unfinished = root.db().unfinished_txns();
    if (unfinished && !unfinished->empty())
        out.push_back(
            {"database", Severity::Warning, "transaction " + std::to_string(unfinished->front().id),
             "an interrupted transaction is still recorded",
             "run any command that changes the root (e.g. 'nxp gc') to finish or undo it"});
}

void check_files(Root& root, std::vector<DoctorFinding>& out) {
    auto findings = verify(root, {});
    if (!findings) {
        out.push_back({"store", Severity::Error, "root", findings.error().str(), "nxp repair"});
        return;
    }
    for (const auto& f : *findings) {
        bool generation = f.package.empty();
        out.push_back({generation ? "generation" : "store", Severity::Error,
                       generation ? f.path : f.package, f.path + ": " + f.problem,
                       generation ? "nxp repair" : "nxp repair " + f.package});
    }
}

// The repositories' cached indexes (verified again, no network) and, from them, the audit.
void check_indexes(Root& root, const DoctorOptions& opts, std::vector<DoctorFinding>& out) {
    auto rows = root.db().repos();
    if (!rows) {
        out.push_back({"index", Severity::Error, "repositories", rows.error().str(), ""});
        return;
    }
    std::vector<RepoIndex> loaded;
    for (const auto& row : *rows) {
        // Read as of a moment long past so that an expired index still loads and the
        // expiry is reported here, with how long ago, rather than as a load failure.
        auto index = cached_index(root, row, 0);
        if (!index) {
            out.push_back({"index", Severity::Error, row.name, index.error().str(), "nxp refresh"});
            continue;
        }
        const std::int64_t left = index->expires - opts.now;
        if (index->expires != 0 && left <= 0)
            out.push_back(
                {"index", Severity::Error, row.name,
                 "its index expired " + describe_age(-left) +
                     " ago; installs and updates refuse it",
                 "nxp refresh (the publisher must re-sign if the server's is expired too)"});
        else if (index->expires != 0 && left < opts.expiry_warning_s)
            out.push_back({"index", Severity::Notice, row.name,
                           "its index expires in " + describe_age(left), "nxp refresh"});
        loaded.push_back({row, std::move(*index), false, opts.now});
    }
    auto findings = audit(root, loaded);
    if (!findings) {
        out.push_back({"audit", Severity::Error, "root", findings.error().str(), ""});
        return;
    }
    for (const auto& f : *findings) {
        bool revoked = f.kind == "revoked";
        out.push_back(
            {"audit", revoked ? Severity::Error : Severity::Warning, f.name,
             revoked ? f.name + " " + f.version + " is REVOKED by " + f.repo + ": " + f.summary
                     : f.name + " " + f.version + " has advisory " + f.id + " (" + f.severity +
                           "): " + f.summary,
             revoked ? "nxp update " + f.name + " (or nxp remove " + f.name + ")"
                     : "nxp update " + f.name});
    }
}

void check_config(Root& root, std::vector<DoctorFinding>& out) {
    auto snap = current_snapshot(root);
    if (!snap) {
        out.push_back({"config", Severity::Error, "root", snap.error().str(), ""});
        return;
    }
    for (const auto& pkg : snap->packages) {
        auto m = runtime::installed_manifest(root.db(), pkg.store_path);
        if (!m) {
            out.push_back(
                {"config", Severity::Error, pkg.name, m.error().str(), "nxp repair " + pkg.name});
            continue;
        }
        for (const auto& key : runtime::effective_config(*m, snap->config, pkg.name).missing)
            out.push_back({"config", Severity::Warning, pkg.name,
                           "required setting '" + key + "' has no value; the plugin stays paused",
                           "nxp config " + pkg.name + " " + key + " VALUE"});
    }
    // A sealed secret that cannot be opened (key file missing, damaged or another root's)
    // would stop its plugin at its next start: said now. Nothing opened is kept or shown.
    const runtime::SecretStore secrets(root.dir());
    for (const auto& row : snap->config) {
        if (!row.secret) continue;
        if (auto plain = secrets.open(row.package, row.key, row.value_json); !plain)
            out.push_back({"config", Severity::Error, row.package,
                           "config " + row.key + ": " + plain.error().message,
                           "nxp config " + row.package + " " + row.key + " VALUE"});
    }
}

void check_sandbox(std::vector<DoctorFinding>& out) {
    std::string why;
    if (!sandbox::sandbox_available(&why))
        out.push_back({"sandbox", Severity::Error, "bubblewrap",
                       "plugin code cannot be sandboxed here: " + why +
                           "; hooks, health checks and 'nxp exec' refuse to run",
                       "apt-get install bubblewrap (and allow unprivileged user namespaces)"});
}

void check_nextchat(Root& root, const DoctorOptions& opts, std::vector<DoctorFinding>& out) {
    auto drift = nextchat_drift(root, opts.nxp_exe);
    if (!drift) {
        out.push_back({"nextchat", Severity::Error, "mcp_config.json", drift.error().str(),
                       "nxp nextchat set DIR"});
        return;
    }
    for (const auto& [name, problem] : *drift)
        out.push_back({"nextchat", Severity::Warning, name,
                       "NextChat's mcp_config.json: " + problem,
                       "nxp nextchat set DIR (rewrites it)"});
}

// Entries that go through the launcher (nextchat.launcher) need the launcher in the export
// directory and a runner listening on its socket: without them every plugin fails to start
// in NextChat ("Connection closed") while the files look in step.
void check_launcher(Root& root, std::vector<DoctorFinding>& out) {
    auto dir = root.db().setting("nextchat.dir");
    auto via = root.db().setting("nextchat.launcher");
    if (!dir || !*dir || (*dir)->empty() || !via || !*via || **via != "1") return;
    auto exported = export_paths(root);
    if (::access(exported.launcher.c_str(), X_OK) != 0)
        out.push_back({"nextchat", Severity::Error, "launcher",
                       exported.launcher.string() +
                           " is missing: NextChat's entries name it, so no plugin can start",
                       "nxp nextchat set DIR --launcher (or nxp serve, which writes it)"});
    if (!os::unix_socket_listening(exported.socket.string()))
        out.push_back({"nextchat", Severity::Warning, "serve",
                       "NextChat's entries start plugins through the launcher, but nothing "
                       "listens on " +
                           exported.socket.string() +
                           ": every plugin fails to start in NextChat until nxp serve runs",
                       "nxp serve --allow-uid UID, or systemctl enable --now nxp.socket "
                       "(nxp-serve(1))"});
}

// The version behind the `nextchat` virtual package, for a root with a NextChat directory.
void check_version(Root& root, std::vector<DoctorFinding>& out) {
    auto ver = check_nextchat_version(root.db());
    if (!ver) {
        out.push_back({"nextchat", Severity::Error, "version", ver.error().str(), ""});
        return;
    }
    const std::string& dir = ver->recorded.dir;
    if (dir.empty()) return;
    const std::string fix = nextchat_version_command(dir);
    if (!ver->problem.empty())
        out.push_back({"nextchat", Severity::Warning, "version", ver->problem, fix});
    if (ver->now.version.empty())
        out.push_back({"nextchat", Severity::Warning, "version",
                       "the NextChat version is unknown (nothing in " + dir +
                           " names it); plugins that require nextchat cannot be installed",
                       fix});
    else if (ver->now.version != ver->recorded.version)
        out.push_back({"nextchat", Severity::Notice, "version",
                       "NextChat is now " + ver->now.version + " (from " + ver->now.source + "); " +
                           (ver->recorded.version.empty() ? "unknown" : ver->recorded.version) +
                           " is recorded until the next transaction",
                       ""});
}

}  // namespace

Result<std::vector<DoctorFinding>> doctor(Root& root, const DoctorOptions& opts) {
    std::vector<DoctorFinding> out;
    check_database(root, out);
    check_files(root, out);
    check_indexes(root, opts, out);
    check_config(root, out);
    check_sandbox(out);
    check_nextchat(root, opts, out);
    check_launcher(root, out);
    check_version(root, out);
    return out;
}

}  // namespace nxp::txn
