#pragma once
// An install root (DESIGN.md §5): its layout, its lock and its database.
#include <filesystem>
#include <optional>
#include <string>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "txn/events.hpp"

namespace nxp::txn {

enum class Access {
    Read,   // no lock: readers see the last committed state (WAL + atomic symlink)
    Write,  // exclusive flock on ROOT/lock; interrupted transactions are recovered first
};

struct OpenOptions {
    Access access = Access::Read;
    bool no_wait = false;  // with Write: fail with ErrorKind::Locked instead of waiting
};

class Root {
  public:
    // Creates ROOT's layout, the database with generation 0 and current -> generations/0.
    // An existing root is left as it is (init is idempotent).
    static Result<Root> init(const std::filesystem::path& dir, Events& events);
    // Opens an existing root; a directory that is not one is an error naming it.
    static Result<Root> open(const std::filesystem::path& dir, const OpenOptions& opts,
                             Events& events);

    // For `nxp exec` when nxp.db cannot be opened (issue 18 item 11): a read-only view made
    // of every row the damaged database still gives (db::salvage into an in-memory copy),
    // pointed at the generation `current` links to. Nothing is written to ROOT and no lock
    // is taken; an error when the current generation's row could not be read.
    static Result<Root> open_salvaged(const std::filesystem::path& dir);

    Root(Root&&) noexcept;
    Root& operator=(Root&&) noexcept;
    ~Root();
    Root(const Root&) = delete;
    Root& operator=(const Root&) = delete;

    const std::filesystem::path& dir() const { return dir_; }
    db::Database& db() { return db_; }
    const db::Database& db() const { return db_; }
    bool writable() const { return lock_fd_ >= 0; }

    std::filesystem::path store_dir() const { return dir_ / "store"; }
    std::filesystem::path generations_dir() const { return dir_ / "generations"; }
    std::filesystem::path generation_dir(std::int64_t id) const;
    std::filesystem::path current_link() const { return dir_ / "current"; }
    std::filesystem::path state_dir(const std::string& name) const { return dir_ / "state" / name; }
    std::filesystem::path cache_dir() const { return dir_ / "cache"; }
    std::filesystem::path repo_cache_dir(const std::string& repo) const;
    std::filesystem::path package_cache_path(const std::string& sha256) const;

    // The generation `current` points at, read from the symlink (not the database).
    Result<std::int64_t> current_on_disk() const;

  private:
    Root(std::filesystem::path dir, db::Database db, int lock_fd);
    Result<void> recover(Events& events);

    std::filesystem::path dir_;
    db::Database db_;
    int lock_fd_ = -1;
};

}  // namespace nxp::txn
