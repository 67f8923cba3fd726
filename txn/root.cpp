#include "txn/root.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "txn/fsutil.hpp"
#include "txn/journal.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSubdirs[] = {"store", "generations", "state", "cache", "cache/repos",
                                    "cache/packages"};

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
    auto db = db::Database::open(dir / "nxp.db");
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
    if (!fs::exists(dir / "nxp.db"))
        return fail(ErrorKind::NotFound, dir.string(),
                    "not an nxp root (no nxp.db); create one with 'nxp init --root " +
                        dir.string() + "'");
    int lock_fd = -1;
    if (opts.access == Access::Write) {
        auto lock = take_lock(dir, opts, events);
        if (!lock) return tl::unexpected(lock.error());
        lock_fd = *lock;
    }
    auto db = db::Database::open(dir / "nxp.db");
    if (!db) {
        if (lock_fd >= 0) ::close(lock_fd);
        return tl::unexpected(db.error());
    }
    Root root(fs::absolute(dir), std::move(*db), lock_fd);
    if (opts.access == Access::Write) {
        if (auto r = recover_interrupted(root, events); !r) return tl::unexpected(r.error());
    }
    return root;
}

}  // namespace nxp::txn
