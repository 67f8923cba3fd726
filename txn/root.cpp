#include "txn/root.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "db/salvage.hpp"
#include "runtime/secrets.hpp"
#include "txn/fsutil.hpp"
#include "txn/journal.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSubdirs[] = {"store", "generations", "state",
                                    "cache", "cache/repos", "cache/packages"};

Result<int> take_lock(const fs::path& dir, const OpenOptions& opts, Events& events) {
    fs::path lock_path = dir / "lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(ErrorKind::Io, lock_path.string(),
                    std::string("cannot open lock file: ") + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
    if (errno != EWOULDBLOCK) {
        int err = errno;
        ::close(fd);
        return fail(ErrorKind::Io, lock_path.string(),
                    std::string("cannot lock: ") + std::strerror(err));
    }
    if (opts.no_wait) {
        ::close(fd);
        return fail(ErrorKind::Locked, lock_path.string(),
                    "another nxp is changing this root (run again later, or without --no-wait "
                    "to wait for it)");
    }
    events.message(Level::Info, "waiting for another nxp to finish with " + dir.string() + " …");
    while (::flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return fail(ErrorKind::Io, lock_path.string(),
                    std::string("cannot lock: ") + std::strerror(err));
    }
    return fd;
}

// What ROOT's own layout says, read before its database is opened: whether `nxp init` made
// it (init creates generations/ and current), and what `current` holds. A root that holds
// generations must never be mistaken for an empty one because its database went missing.
struct OnDisk {
    bool initialised = false;
    bool installed = false;  // a generation besides the empty generation 0 exists
    std::optional<std::int64_t> current;
    std::size_t plugins = 0;  // entries of current/plugins
};

OnDisk probe_root(const fs::path& dir) {
    OnDisk d;
    std::error_code ec;
    const auto current = fs::symlink_status(dir / "current", ec);
    const bool has_current = !ec && current.type() != fs::file_type::not_found;
    const bool has_generations = fs::is_directory(fs::symlink_status(dir / "generations", ec));
    d.initialised = has_current || has_generations;
    if (has_generations) {
        for (fs::directory_iterator it(dir / "generations", ec), end; !ec && it != end;
             it.increment(ec))
            if (it->path().filename() != "0") d.installed = true;
    }
    if (has_current) {
        const fs::path target = fs::read_symlink(dir / "current", ec);
        if (ec) {
            d.installed = true;  // `current` is not what init made: something was there
        } else {
            try {
                std::size_t used = 0;
                const std::string leaf = target.filename().string();
                const long long id = std::stoll(leaf, &used);
                if (used == leaf.size()) d.current = id;
            } catch (const std::exception&) {
            }
            if (d.current != 0) d.installed = true;
        }
        for (fs::directory_iterator it(dir / "current" / "plugins", ec), end; !ec && it != end;
             it.increment(ec))
            ++d.plugins;
    }
    return d;
}

// What an operator can do about a missing or unusable nxp.db in an initialised root.
std::string database_fix(const fs::path& dir, const OnDisk& d) {
    const std::string root = dir.string();
    if (!d.installed)
        return "nothing is installed in " + root +
               ": restore nxp.db (with nxp.db-wal) from a backup, or run 'nxp init --root " + root +
               "' to create a new one (repositories and settings must then be added again)";
    std::string holds = d.current
                            ? root + "/current holds generation " + std::to_string(*d.current) +
                                  " (" + std::to_string(d.plugins) + " plugin(s))"
                            : root + " holds generations";
    return holds + ", which nxp will not treat as an empty root: restore " + root +
           "/nxp.db together with nxp.db-wal from a backup of " + root +
           " (nothing was changed); or, to start over, move " + root +
           " aside and run 'nxp init --root " + root + "' (the old plugins are then unmanaged)";
}

}  // namespace

Root::Root(fs::path dir, db::Database db, int lock_fd)
    : dir_(std::move(dir)), db_(std::move(db)), lock_fd_(lock_fd) {}

Root::Root(Root&& o) noexcept
    : dir_(std::move(o.dir_)), db_(std::move(o.db_)), lock_fd_(std::exchange(o.lock_fd_, -1)) {}

Root& Root::operator=(Root&& o) noexcept {
    if (this != &o) {
        if (lock_fd_ >= 0) ::close(lock_fd_);
        dir_ = std::move(o.dir_);
        db_ = std::move(o.db_);
        lock_fd_ = std::exchange(o.lock_fd_, -1);
    }
    return *this;
}

Root::~Root() {
    if (lock_fd_ >= 0) ::close(lock_fd_);  // closing the descriptor releases the flock
}

fs::path Root::generation_dir(std::int64_t id) const {
    return generations_dir() / std::to_string(id);
}

fs::path Root::repo_cache_dir(const std::string& repo) const { return dir_ / "cache/repos" / repo; }

fs::path Root::package_cache_path(const std::string& sha256) const {
    return dir_ / "cache/packages" / (sha256 + ".nxp");
}

Result<std::int64_t> Root::current_on_disk() const {
    std::error_code ec;
    fs::path target = fs::read_symlink(current_link(), ec);
    if (ec)
        return fail(ErrorKind::Io, current_link().string(),
                    "cannot read the current generation link: " + ec.message());
    std::string leaf = target.filename().string();
    try {
        std::size_t used = 0;
        long long id = std::stoll(leaf, &used);
        if (used == leaf.size() && target.parent_path() == "generations" && id >= 0) return id;
    } catch (const std::exception&) {
    }
    return fail(ErrorKind::Invalid, current_link().string(),
                "points at '" + target.string() + "', not at generations/N");
}

Result<Root> Root::init(const fs::path& dir, Events& events) {
    const OnDisk disk = probe_root(dir);  // before init creates generations/
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return fail(ErrorKind::Io, dir.string(), "cannot create root: " + ec.message());
    ::chmod(dir.c_str(), 0755);
    for (const char* sub : kSubdirs) {
        fs::create_directories(dir / sub, ec);
        if (ec) return fail(ErrorKind::Io, (dir / sub).string(), "cannot create: " + ec.message());
    }
    auto lock = take_lock(dir, {Access::Write, false}, events);
    if (!lock) return tl::unexpected(lock.error());
    // A root that already holds generations keeps its database or gets none: a new, empty
    // one would make its installed plugins look like nothing at all.
    auto fix = [&] { return database_fix(fs::absolute(dir), disk); };
    auto db = disk.installed ? db::Database::open(dir / "nxp.db", fix)
                             : db::Database::create(dir / "nxp.db");
    if (!db) {
        ::close(*lock);
        return tl::unexpected(db.error());
    }
    Root root(fs::absolute(dir), std::move(*db), *lock);
    fs::create_directories(root.generation_dir(0), ec);
    fs::create_directories(root.generation_dir(0) / "plugins", ec);
    if (!fs::is_symlink(root.current_link())) {
        if (auto r = switch_symlink(root.current_link(), "generations/0"); !r)
            return tl::unexpected(r.error());
    }
    return root;
}

Result<Root> Root::open(const fs::path& dir, const OpenOptions& opts, Events& events) {
    std::error_code ec;
    const bool db_missing =
        fs::symlink_status(dir / "nxp.db", ec).type() == fs::file_type::not_found;
    if (db_missing && !probe_root(dir).initialised)
        return fail(
            ErrorKind::NotFound, dir.string(),
            "not an nxp root (no nxp.db); create one with 'nxp init --root " + dir.string() + "'");
    const fs::path abs = fs::absolute(dir);
    // What to do about an unusable database depends on what the root holds; looked at only
    // when the database is refused.
    auto fix = [&] {
        const OnDisk disk = probe_root(dir);
        return disk.initialised
                   ? database_fix(abs, disk)
                   : "run 'nxp init --root " + abs.string() + "' to finish creating the root";
    };
    // Another uid (NextChat as its own user running `nxp exec`) cannot use the 0600 database:
    // say so, and what works instead, rather than SQLite's "cannot open database".
    struct stat st {};
    if (!db_missing && ::access((dir / "nxp.db").c_str(), R_OK | W_OK) != 0 && errno == EACCES &&
        ::stat((dir / "nxp.db").c_str(), &st) == 0)
        return fail(ErrorKind::Io, (abs / "nxp.db").string(),
                    "permission denied: uid " + std::to_string(::getuid()) +
                        " cannot use the install database of uid " + std::to_string(st.st_uid) +
                        ". A NextChat that runs as another user (or in a container) starts "
                        "plugins through the host's runner: as uid " +
                        std::to_string(st.st_uid) +
                        " run 'nxp nextchat set DIR --launcher' and "
                        "'nxp serve --allow-uid " +
                        std::to_string(::getuid()) + "' (see nxp-serve(1))");
    // The database is checked before the lock is taken, so that a root whose database is
    // gone is reported without creating anything in it.
    auto db = db::Database::open(dir / "nxp.db", fix);
    if (!db) return tl::unexpected(db.error());
    int lock_fd = -1;
    if (opts.access == Access::Write) {
        auto lock = take_lock(dir, opts, events);
        if (!lock) return tl::unexpected(lock.error());
        lock_fd = *lock;
    }
    Root root(abs, std::move(*db), lock_fd);
    if (opts.access == Access::Write) {
        // Secrets an older nxp stored in plain text are sealed before anything else runs.
        if (auto r = runtime::seal_stored_secrets(root.db(), root.dir()); !r)
            return tl::unexpected(r.error());
        if (auto r = recover_interrupted(root, events); !r) return tl::unexpected(r.error());
    }
    return root;
}

Result<Root> Root::open_salvaged(const fs::path& dir) {
    auto mem = db::Database::open_memory();
    if (!mem) return tl::unexpected(mem.error());
    auto tables = db::salvage(*mem, dir / "nxp.db");
    if (!tables) return tl::unexpected(tables.error());
    Root root(fs::absolute(dir), std::move(*mem), -1);
    auto current = root.current_on_disk();
    if (!current) return tl::unexpected(current.error());
    if (auto r = root.db().set_current_generation(*current); !r) return tl::unexpected(r.error());
    return root;
}

}  // namespace nxp::txn
