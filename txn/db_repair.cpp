// nxp doctor --repair: a new install database from what the damaged one still gives and what
// ROOT holds (txn/db_repair.hpp).
#include "txn/db_repair.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <set>

#include "formats/display.hpp"
#include "repo/archive.hpp"
#include "repo/keys.hpp"
#include "txn/fsutil.hpp"
#include "txn/repos.hpp"
#include "txn/root.hpp"
#include "txn/settings.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;

namespace {

// What the operator loses with each table that could not be read.
const std::map<std::string, std::string>& meanings() {
    static const std::map<std::string, std::string> m = {
        {"transactions", "history (nxp history, history undo)"},
        {"generation_config", "plugin configuration and secrets (set them again: nxp config)"},
        {"txn_secrets", "secrets of an interrupted transaction"},
        {"repos", "repositories (add them again: nxp repo add NAME URL --key KEY)"},
        {"grants", "permission grants (grant them again: nxp permissions NAME --grant …)"},
        {"settings",
         "settings (NextChat directory and version, max age…: nxp nextchat set, "
         "nxp init --set)"},
        {"holds", "holds (nxp hold NAME)"},
        {"audit_log", "the audit log (nxp history --audit)"},
        {"plugin_tools", "the tools health checks recorded (recorded again by the next one)"},
        {"store_trees", "store records (rebuilt below from the package cache where it has them)"},
        {"files", "the file lists nxp verify checks (rebuilt with the store records)"},
        {"generations", "generations (rebuilt below from generations/ on disk)"},
        {"generation_packages",
         "which plugins each generation holds (rebuilt from disk; "
         "explicit/dependency marks and enabled/disabled state are lost)"},
        {"meta", "bookkeeping (rebuilt)"},
    };
    return m;
}

// ROOT/lock, exclusively, without waiting.
Result<int> lock_root(const fs::path& dir) {
    const fs::path path = dir / "lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(ErrorKind::Io, path.string(),
                    std::string("cannot open: ") + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return fail(ErrorKind::Locked, path.string(),
                    "another nxp is using this root; run the repair when it has finished");
    }
    return fd;
}

Result<void> move_if_present(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    if (fs::symlink_status(from, ec).type() == fs::file_type::not_found) return {};
    if (::rename(from.c_str(), to.c_str()) != 0)
        return fail(ErrorKind::Io, from.string(),
                    "cannot move it aside to " + to.string() + ": " + std::strerror(errno));
    return {};
}

// The damaged file aside, a new database with what it still gives.
Result<void> rebuild(const fs::path& dir, DatabaseRepair& rep) {
    const std::string stamp = formats::utc_timestamp(std::time(nullptr));
    std::string compact;
    for (char c : stamp)
        if (c != '-' && c != ':') compact += c;
    const fs::path db = dir / "nxp.db";
    const fs::path kept = dir / ("nxp.db.damaged-" + compact);
    if (auto r = move_if_present(db, kept); !r) return r;
    if (auto r = move_if_present(dir / "nxp.db-wal", kept.string() + "-wal"); !r) return r;
    std::error_code ec;
    fs::remove(dir / "nxp.db-shm", ec);  // an index of the WAL, rebuilt from it
    rep.rebuilt = true;
    rep.kept_as = fs::exists(kept, ec) ? kept.string() : "";
    auto fresh = db::Database::create(db);
    if (!fresh) return tl::unexpected(fresh.error());
    if (!rep.kept_as.empty()) {
        auto tables = db::salvage(*fresh, kept);
        if (!tables) return tl::unexpected(tables.error());
        rep.tables = std::move(*tables);
    }
    for (const auto& [table, meaning] : meanings()) {
        auto t = std::find_if(rep.tables.begin(), rep.tables.end(),
                              [&](const auto& s) { return s.table == table; });
        if (t == rep.tables.end())
            rep.lost.push_back(meaning);
        else if (!t->error.empty())
            rep.lost.push_back(meaning +
                               (t->rows > 0
                                    ? " — in part, " + std::to_string(t->rows) + " row(s) were read"
                                    : "") +
                               " (" + t->error + ")");
    }
    return {};
}

struct DiskPackage {
    std::string name;
    std::string store_path;  // "store/NAME-VERSION-HASH"
};

std::vector<std::int64_t> generations_on_disk(const Root& root) {
    std::vector<std::int64_t> ids;
    std::error_code ec;
    for (fs::directory_iterator it(root.generations_dir(), ec), end; !ec && it != end;
         it.increment(ec)) {
        const std::string leaf = it->path().filename().string();
        if (leaf.empty() || leaf.find_first_not_of("0123456789") != std::string::npos) continue;
        try {
            ids.push_back(std::stoll(leaf));
        } catch (const std::exception&) {
        }
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

std::vector<DiskPackage> packages_on_disk(const Root& root, std::int64_t id) {
    std::vector<DiskPackage> out;
    std::error_code ec;
    for (fs::directory_iterator it(root.generation_dir(id) / "plugins", ec), end; !ec && it != end;
         it.increment(ec)) {
        std::error_code lec;
        const fs::path target = fs::read_symlink(it->path(), lec);
        if (lec) continue;
        const std::string leaf = target.filename().string();
        if (target.parent_path().filename() != "store" || leaf.empty()) continue;
        out.push_back({it->path().filename().string(), "store/" + leaf});
    }
    std::sort(out.begin(), out.end(),
              [](const DiskPackage& a, const DiskPackage& b) { return a.name < b.name; });
    return out;
}

// The repository whose accepted index lists this archive, or "".
std::string repo_of(const Root& root, const std::string& sha256) {
    auto rows = root.db().repos();
    if (!rows) return "";
    for (const auto& row : *rows) {
        auto index = cached_index(root, row, 0);
        if (!index) continue;
        for (const auto& e : index->packages)
            if (e.sha256 == sha256) return row.name;
    }
    return "";
}

// A store record made again from the verified package cache: the archive whose sha256 the
// tree's name starts with, extracted aside for its manifest and file list.
Result<void> record_store_tree(Root& root, const DiskPackage& p) {
    const std::string leaf = fs::path(p.store_path).filename().string();
    const auto dash = leaf.rfind('-');
    const std::string prefix = dash == std::string::npos ? "" : leaf.substr(dash + 1);
    if (prefix.size() != 16 || !leaf.starts_with(p.name + "-"))
        return fail(ErrorKind::Invalid, p.store_path, "not a store tree nxp made");
    std::error_code ec;
    for (fs::directory_iterator it(root.cache_dir() / "packages", ec), end; !ec && it != end;
         it.increment(ec)) {
        const std::string sha = it->path().stem().string();
        if (!sha.starts_with(prefix) || it->path().extension() != ".nxp") continue;
        auto data = read_file(it->path());
        if (!data || repo::sha256_hex(*data) != sha) continue;
        auto limits = extract_limits(root);
        if (!limits) return tl::unexpected(limits.error());
        const fs::path tmp = root.store_dir() / (".tmp-dbrepair-" + std::to_string(::getpid()));
        fs::remove_all(tmp, ec);
        auto x = repo::extract_package(it->path(), tmp, *limits);
        fs::remove_all(tmp, ec);
        if (!x) return tl::unexpected(x.error());
        const std::string version = x->manifest.version.str();
        if (x->manifest.name != p.name || leaf != p.name + "-" + version + "-" + prefix) continue;
        std::vector<db::FileRow> files;
        for (const auto& f : x->files)
            files.push_back({f.path, f.type, f.mode, f.size, f.sha256, f.link_target});
        db::StoreTree t{p.store_path, p.name,       version,           repo_of(root, sha),
                        sha,          data->size(), x->installed_size, x->manifest_text};
        return root.db().add_store_tree(t, files);
    }
    return fail(ErrorKind::NotFound, p.store_path,
                "no verified copy of its package in cache/packages; reinstall " + p.name +
                    " (nxp install " + p.name + ")");
}

// What the surviving rows said about a plugin, in any generation: its reason, repository
// and whether it was enabled.
Result<std::map<std::string, db::GenPackage>> known_packages(const Root& root) {
    std::map<std::string, db::GenPackage> out;
    auto gens = root.db().generations();
    if (!gens) return tl::unexpected(gens.error());
    for (const auto& g : *gens) {
        auto pkgs = root.db().generation_packages(g.id);
        if (!pkgs) return tl::unexpected(pkgs.error());
        for (auto& p : *pkgs) out[p.name] = std::move(p);
    }
    return out;
}

// One generation recorded again from its links on disk.
Result<bool> reconcile(Root& root, std::int64_t id,
                       const std::map<std::string, db::GenPackage>& known, DatabaseRepair& rep) {
    auto& db = root.db();
    const auto disk = packages_on_disk(root, id);
    auto recorded = db.generation(id);
    if (!recorded) return tl::unexpected(recorded.error());
    std::vector<db::ConfigRow> config;
    if (*recorded) {
        auto pkgs = db.generation_packages(id);
        if (!pkgs) return tl::unexpected(pkgs.error());
        bool same = pkgs->size() == disk.size();
        for (std::size_t i = 0; same && i < disk.size(); ++i) {
            same = (*pkgs)[i].name == disk[i].name && (*pkgs)[i].store_path == disk[i].store_path;
            auto tree =
                same ? db.store_tree(disk[i].store_path) : Result<std::optional<db::StoreTree>>();
            same = same && tree && *tree;  // a lost store record is recorded again below
        }
        if (same) return false;
        auto c = db.generation_config(id);
        if (!c) return tl::unexpected(c.error());
        config = std::move(*c);
    }
    std::vector<db::GenPackage> pkgs;
    for (const auto& p : disk) {
        auto tree = db.store_tree(p.store_path);
        if (!tree) return tl::unexpected(tree.error());
        if (!*tree) {
            if (auto r = record_store_tree(root, p); !r) {
                rep.missing.push_back("generation " + std::to_string(id) + ": " + p.name + " (" +
                                      r.error().str() + ")");
                continue;
            }
            tree = db.store_tree(p.store_path);
            if (!tree || !*tree) continue;
        }
        db::GenPackage g;
        g.name = p.name;
        g.version = (*tree)->version;
        g.store_path = p.store_path;
        g.repo = (*tree)->repo;
        if (auto k = known.find(p.name); k != known.end()) {
            g.reason = k->second.reason;
            g.enabled = k->second.enabled;
            if (g.repo.empty()) g.repo = k->second.repo;
        }
        pkgs.push_back(std::move(g));
    }
    std::erase_if(config, [&](const db::ConfigRow& c) {
        return std::none_of(pkgs.begin(), pkgs.end(),
                            [&](const db::GenPackage& g) { return g.name == c.package; });
    });
    struct stat st {};
    db::Generation g{id, static_cast<std::int64_t>(std::time(nullptr)), 0};
    if (::stat(root.generation_dir(id).c_str(), &st) == 0) g.created_at = st.st_mtime;
    if (*recorded) {
        g.txn_id = (*recorded)->txn_id;
        if (auto r = db.remove_generation(id); !r) return tl::unexpected(r.error());
    }
    if (auto r = db.add_generation(g, pkgs, config); !r) return tl::unexpected(r.error());
    return true;
}

Result<void> reconcile_all(Root& root, DatabaseRepair& rep) {
    auto current = root.current_on_disk();
    if (!current) return tl::unexpected(current.error());
    auto known = known_packages(root);
    if (!known) return tl::unexpected(known.error());
    auto& db = root.db();
    if (auto r = db.begin(); !r) return r;
    auto done = [&]() -> Result<void> {
        // The current generation's rows are replaced too: current points at the empty
        // generation 0 until the end of this database transaction.
        if (auto r = db.set_current_generation(0); !r) return r;
        for (std::int64_t id : generations_on_disk(root)) {
            if (id == 0) continue;
            auto changed = reconcile(root, id, *known, rep);
            if (!changed) return tl::unexpected(changed.error());
            if (*changed) rep.generations.push_back(id);
        }
        return db.set_current_generation(*current);
    }();
    if (!done) {
        db.rollback();
        return done;
    }
    if (auto r = db.commit(); !r) return r;
    auto pkgs = db.generation_packages(*current);
    if (!pkgs) return tl::unexpected(pkgs.error());
    for (const auto& p : *pkgs) rep.plugins.push_back(p.name + " " + p.version);
    return {};
}

// Every generation on disk has a row before Root::open reconciles `current` with the
// database (which needs the row of the generation `current` points at); reconcile() fills
// in their plugins.
Result<void> placeholder_generations(const fs::path& dir) {
    auto db = db::Database::open(dir / "nxp.db");
    if (!db) return tl::unexpected(db.error());
    std::error_code ec;
    for (fs::directory_iterator it(dir / "generations", ec), end; !ec && it != end;
         it.increment(ec)) {
        const std::string leaf = it->path().filename().string();
        if (leaf.empty() || leaf.size() > 18 ||
            leaf.find_first_not_of("0123456789") != std::string::npos)
            continue;
        const std::int64_t id = std::stoll(leaf);
        auto known = db->generation(id);
        if (!known) return tl::unexpected(known.error());
        if (*known) continue;
        struct stat st {};
        db::Generation g{id, static_cast<std::int64_t>(std::time(nullptr)), 0};
        if (::stat(it->path().c_str(), &st) == 0) g.created_at = st.st_mtime;
        if (auto r = db->add_generation(g, {}, {}); !r) return r;
    }
    return {};
}

}  // namespace

db::Damage diagnose_database(const fs::path& root_dir) { return db::inspect(root_dir / "nxp.db"); }

Result<DatabaseRepair> repair_database(const fs::path& root_dir, Events& events) {
    DatabaseRepair rep;
    std::error_code ec;
    if (!fs::is_directory(root_dir / "generations", ec))
        return fail(ErrorKind::NotFound, root_dir.string(),
                    "not an nxp root (no generations/); nothing to repair");
    {
        auto lock = lock_root(root_dir);
        if (!lock) return tl::unexpected(lock.error());
        const db::Damage damage = diagnose_database(root_dir);
        Result<void> r;
        if (damage.damaged) {
            events.message(Level::Info, "nxp.db: " + damage.problem + "; rebuilding it");
            r = rebuild(root_dir, rep);
        }
        if (r) r = placeholder_generations(root_dir);
        ::close(*lock);  // Root::open takes it again
        if (!r) return tl::unexpected(r.error());
    }
    auto root = Root::open(root_dir, {Access::Write, true}, events);
    if (!root) return tl::unexpected(root.error());
    if (auto r = reconcile_all(*root, rep); !r) return tl::unexpected(r.error());
    if (rep.rebuilt) {
        std::string lost;
        for (const auto& l : rep.lost) lost += (lost.empty() ? "" : "; ") + l;
        (void)root->db().audit("", "doctor-repair",
                               "nxp.db rebuilt; damaged file kept as " +
                                   (rep.kept_as.empty() ? std::string("(none)") : rep.kept_as) +
                                   (lost.empty() ? "" : "; lost: " + lost));
    }
    return rep;
}

}  // namespace nxp::txn
