#pragma once
// Parallel, verified downloads of the files a signed index names (curl multi): each file
// fails over to the next mirror on an error, a wrong size or a wrong hash; transient errors
// are retried with backoff; an interrupted download resumes from its ".part" file (safe,
// because the whole file is checked against the signed sha256 before it is kept).
#include <fcntl.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"
#include "repo/fetch.hpp"

namespace nxp::repo {

struct DownloadItem {
    std::string label;               // "weather 1.2.0": for progress and messages
    std::vector<std::string> bases;  // repository URL, then mirrors, in order
    std::string path;                // relative to each base ("packages/a-1.0.0.nxp")
    // Written as dest + ".part", renamed when verified; relative to `dir_fd` when that is
    // set (a directory opened without following symlinks), else an ordinary path. A .part
    // is created with O_EXCL and never followed: a stale one that is a symlink, a hard
    // link, not a regular file or not owned by this user is removed, not written through.
    std::filesystem::path dest;
    std::uint64_t size = 0;  // from the signed index: also the cap on bytes received
    std::string sha256;
    int dir_fd = AT_FDCWD;  // see `dest`
};

// Base URLs that failed once in this run: later files try them last. One per run (the
// caller owns it), so a dead mirror costs one timeout, not one per file.
class MirrorHealth {
  public:
    void mark_unhealthy(const std::string& base) { bad_.insert(base); }
    bool healthy(const std::string& base) const { return bad_.count(base) == 0; }
    // Healthy bases first, keeping the configured order within each group.
    std::vector<std::string> order(const std::vector<std::string>& bases) const;

  private:
    std::set<std::string> bad_;
};

struct DownloadOptions {
    FetchLimits limits;                      // max_bytes is replaced by each item's size
    unsigned parallel = 8;                   // transfers at once
    unsigned retries = 2;                    // extra attempts on one server after a transient error
    std::chrono::milliseconds backoff{250};  // before the first retry; doubled each time
    // (item index, bytes of that item so far, its size); called often, render sparingly.
    std::function<void(std::size_t, std::uint64_t, std::uint64_t)> on_progress;
    std::function<void(std::string_view)> on_warning;  // a failover or a retry
    // (item index, the URL it came from): a file verified and in place (nxp -v names the mirror).
    std::function<void(std::size_t, std::string_view)> on_done;
    // Asked between polls (at least every 100 ms): true stops every transfer at once; the
    // files not finished fail with ErrorKind::Cancelled (their .part stays, to be resumed).
    std::function<bool()> stop;
};

// Downloads every item; one result per item, in order. A failed item's error names the
// last URL tried and why; it is ErrorKind::Verification when any source sent wrong bytes,
// otherwise Network or NotFound. Nothing is left at `dest` unless it verified.
std::vector<Result<void>> download_all(const std::vector<DownloadItem>& items,
                                       const DownloadOptions& options, MirrorHealth& health);

// Metadata expiry: whether an index fetched at `fetched_at` must be refreshed before an
// install or update at `now`. max_age_s <= 0 means "never expires locally" (the signed
// `expires` still applies). A clock that went backwards also refreshes.
bool index_is_stale(std::int64_t fetched_at, std::int64_t now, std::int64_t max_age_s);

// The configured max age: `setting` is the text of the "repo.max-age" setting (seconds,
// or with a suffix s, m, h, d), nullopt-like empty for the default of 24 h.
Result<std::int64_t> parse_max_age(std::string_view setting);

}  // namespace nxp::repo
