#include "repo/download.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "repo/curl_util.hpp"
#include "repo/digest.hpp"
#include "repo/oci.hpp"

namespace nxp::repo {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

enum class State { Waiting, Active, Done };

struct SlistFree {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::string errno_text() { return std::strerror(errno); }

// Removes a name in the download directory; the name itself, never what it points to.
void remove_at(int dir, const fs::path& name) { ::unlinkat(dir, name.c_str(), 0); }

// An existing .part worth resuming: a regular file with one link, owned by this user, that
// `open` did not reach through a symlink. Anything else at that name is removed.
int open_resumable(int dir, const fs::path& name) {
    int fd = ::openat(dir, name.c_str(), O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) remove_at(dir, name);  // a symlink (ELOOP), a directory, …
        return -1;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
        st.st_uid != ::geteuid()) {
        ::close(fd);
        remove_at(dir, name);
        return -1;
    }
    return fd;
}

// A new, empty .part: whatever was at the name is removed first, and O_EXCL makes sure
// the file written is the one created here.
Result<int> create_part(int dir, const fs::path& name) {
    if (::unlinkat(dir, name.c_str(), 0) != 0 && errno != ENOENT)
        return fail(ErrorKind::Io, name.string(),
                    "cannot remove a stale partial download (" + errno_text() +
                        "); it is not a regular file: remove it by hand");
    int fd =
        ::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return fail(ErrorKind::Io, name.string(), "cannot create file: " + errno_text());
    return fd;
}

struct Job {
    const DownloadItem* item = nullptr;
    std::size_t index = 0;
    State state = State::Waiting;
    Clock::time_point not_before{};
    std::vector<std::string> tried;  // bases given up on
    std::string base;
    unsigned retries = 0;
    bool fresh_only = false;    // a resumed download failed its hash: start over once
    bool reauthorized = false;  // an OCI registry's 401: new credentials asked for once
    std::optional<Error> verification;
    std::optional<Error> last;
    // The transfer in flight.
    detail::Easy easy;
    std::optional<detail::OutFile> out;  // the open .part file
    std::string url;
    std::unique_ptr<curl_slist, SlistFree> headers;  // an OCI registry's Authorization
    std::array<char, CURL_ERROR_SIZE> errbuf{};
    Sha256 sha;
    std::uint64_t offset = 0;    // resumed from the .part file
    std::uint64_t received = 0;  // in this transfer
    bool too_large = false;
    bool write_failed = false;
    int write_errno = 0;
    const DownloadOptions* options = nullptr;

    fs::path part() const {
        fs::path p = item->dest;
        p += ".part";
        return p;
    }
};

std::size_t on_data(char* ptr, std::size_t size, std::size_t nmemb, void* userdata) {
    auto* j = static_cast<Job*>(userdata);
    const std::size_t n = size * nmemb;
    if (j->offset + j->received + n > j->item->size) {
        j->too_large = true;
        return 0;  // the signed size is the cap: stop reading from the server now
    }
    if (std::fwrite(ptr, 1, n, j->out->get()) != n) {
        j->write_failed = true;
        j->write_errno = errno;
        return 0;
    }
    j->sha.update(ptr, n);
    j->received += n;
    if (j->options->on_progress)
        j->options->on_progress(j->index, j->offset + j->received, j->item->size);
    return n;
}

// Hashes what an earlier, interrupted run left in the .part file, from the descriptor that
// the transfer then appends to. Returns its length and that descriptor (positioned at the
// end), or 0 and -1 when it cannot be resumed.
std::uint64_t resume_prefix(int dir, const fs::path& part, std::uint64_t size, Sha256& sha,
                            int& fd_out) {
    fd_out = -1;
    int fd = open_resumable(dir, part);
    if (fd < 0) return 0;
    std::array<unsigned char, 64 * 1024> buf{};
    std::uint64_t total = 0;
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        sha.update(buf.data(), static_cast<std::size_t>(n));
        total += static_cast<std::uint64_t>(n);
        if (total >= size) break;
    }
    if (total == 0 || total >= size) {
        ::close(fd);
        return 0;
    }
    fd_out = fd;
    return total;
}

class Downloader {
  public:
    Downloader(const std::vector<DownloadItem>& items, const DownloadOptions& options,
               MirrorHealth& health)
        : options_(options), health_(health), jobs_(items.size()) {
        results_.resize(items.size());
        for (std::size_t i = 0; i < items.size(); ++i) {
            jobs_[i].item = &items[i];
            jobs_[i].index = i;
            jobs_[i].options = &options_;
        }
    }

    std::vector<Result<void>> run() {
        if (multi_.get() == nullptr) {
            for (auto& r : results_) r = fail(ErrorKind::Internal, "", "curl unavailable");
            return results_;
        }
        while (true) {
            if (options_.stop && options_.stop()) {
                stop_all();
                break;
            }
            start_ready();
            if (active_ == 0 && !any_waiting()) break;
            int running = 0;
            curl_multi_perform(multi_.get(), &running);
            int left = 0;
            bool finished_some = false;
            while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
                if (msg->msg != CURLMSG_DONE) continue;
                char* priv = nullptr;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
                const CURLcode rc = msg->data.result;
                curl_multi_remove_handle(multi_.get(), msg->easy_handle);
                --active_;
                completed(*reinterpret_cast<Job*>(priv), rc);
                finished_some = true;
            }
            // Wait only when there is nothing to do now: after a transfer ends its slot is
            // refilled at once, and curl's own timeout says when it needs to run again.
            // (file:// transfers have no socket to wait on; a fixed poll here cost 55 ms
            // per package in a 1,000-package local install.)
            if (finished_some) continue;
            long curl_ms = -1;
            curl_multi_timeout(multi_.get(), &curl_ms);
            int wait = poll_ms();
            if (curl_ms >= 0) wait = static_cast<int>(std::min<long>(wait, curl_ms));
            if (wait > 0) curl_multi_poll(multi_.get(), nullptr, 0, wait, nullptr);
        }
        return results_;
    }

  private:
    void stop_all() {
        for (auto& j : jobs_) {
            if (j.state == State::Done) continue;
            if (j.state == State::Active) {
                curl_multi_remove_handle(multi_.get(), j.easy.get());
                --active_;
                j.easy.reset();
                if (j.out) (void)j.out->close();
                j.out.reset();
            }
            finish(j, Error{ErrorKind::Cancelled, j.item->label, "download stopped"});
        }
    }

    bool any_waiting() const {
        return std::any_of(jobs_.begin(), jobs_.end(),
                           [](const Job& j) { return j.state == State::Waiting; });
    }

    int poll_ms() const {
        auto now = Clock::now();
        auto wait = std::chrono::milliseconds(active_ > 0 ? 100 : 50);
        for (const auto& j : jobs_) {
            if (j.state != State::Waiting || j.not_before <= now) continue;
            wait = std::min(
                wait, std::chrono::duration_cast<std::chrono::milliseconds>(j.not_before - now));
        }
        return static_cast<int>(std::max<long>(1, wait.count()));
    }

    bool pick_base(Job& j) {
        for (const auto& b : health_.order(j.item->bases)) {
            if (b.empty() || std::find(j.tried.begin(), j.tried.end(), b) != j.tried.end())
                continue;
            j.base = b;
            j.retries = 0;
            return true;
        }
        return false;
    }

    void start_ready() {
        const auto now = Clock::now();
        for (auto& j : jobs_) {
            if (active_ >= std::max(1U, options_.parallel)) return;
            if (j.state != State::Waiting || j.not_before > now) continue;
            // The first source is chosen only now, so it reflects what earlier files learnt.
            if (j.base.empty() && !pick_base(j)) {
                finish(j,
                       Error{ErrorKind::Network, j.item->label, "no repository URL to fetch from"});
                continue;
            }
            if (auto r = start(j); !r) finish(j, r.error());
        }
    }

    Result<void> start(Job& j) {
        // An oci:// base: the blob of the signed sha256, with the registry's Authorization.
        auto target = download_target(j.base, j.item->path, j.item->sha256, options_.limits);
        if (!target) {
            failover(j, target.error());
            return {};
        }
        j.url = target->url;
        j.headers.reset();
        for (const auto& hd : target->headers) {
            curl_slist* next = curl_slist_append(j.headers.get(), hd.c_str());
            if (next == nullptr) return fail(ErrorKind::Internal, j.url, "out of memory");
            (void)j.headers.release();
            j.headers.reset(next);
        }
        j.sha.reset();
        int fd = -1;
        j.offset =
            j.fresh_only ? 0 : resume_prefix(j.item->dir_fd, j.part(), j.item->size, j.sha, fd);
        if (j.offset == 0) {
            j.sha.reset();
            auto created = create_part(j.item->dir_fd, j.part());
            if (!created) return tl::unexpected(created.error());
            fd = *created;
        }
        j.fresh_only = false;
        j.received = 0;
        j.too_large = j.write_failed = false;
        j.write_errno = 0;
        j.errbuf[0] = '\0';
        j.out.emplace(fd, j.offset > 0 ? "ab" : "wb");
        if (j.out->get() == nullptr)
            return fail(ErrorKind::Io, j.part().string(), "cannot open file: " + errno_text());
        j.easy = detail::make_easy();
        CURL* h = j.easy.get();
        if (h == nullptr) return fail(ErrorKind::Internal, j.url, "curl_easy_init failed");
        FetchLimits limits = options_.limits;
        limits.max_bytes = j.item->size - j.offset;
        detail::apply_limits(h, j.url, limits, j.errbuf.data());
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &j);
        curl_easy_setopt(h, CURLOPT_PRIVATE, reinterpret_cast<char*>(&j));
        if (j.headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, j.headers.get());
        if (j.offset > 0)
            curl_easy_setopt(h, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(j.offset));
        if (curl_multi_add_handle(multi_.get(), h) != CURLM_OK)
            return fail(ErrorKind::Internal, j.url, "curl_multi_add_handle failed");
        j.state = State::Active;
        ++active_;
        return {};
    }

    // A write into the .part failed (a full disk, mostly): the .part goes, or it would keep
    // the disk full with nothing to resume it.
    void write_failed(Job& j, int err) {
        j.easy.reset();
        remove_at(j.item->dir_fd, j.part());
        finish(j, write_failure(j.item->dir_fd, j.item->label + " (" + j.part().string() + ")", err,
                                j.item->size));
    }

    void completed(Job& j, CURLcode rc) {
        const bool closed = j.out->close();
        const int close_errno = closed ? 0 : errno;
        j.out.reset();
        if (rc == CURLE_OK && !closed) return write_failed(j, close_errno);
        if (rc == CURLE_OK) return verify(j);
        if (j.write_failed) return write_failed(j, j.write_errno);
        const long status = detail::http_status(j.easy.get());
        if (status == 401 && !j.reauthorized && oci::is_oci(j.base)) {
            oci::forget_authorization(j.base);
            // A registry token that expired mid-run: ask for a new one, once per file.
            j.reauthorized = true;
            j.easy.reset();
            j.state = State::Waiting;
            j.not_before = Clock::now();
            return;
        }
        const bool ignored_range = j.offset > 0 && (rc == CURLE_RANGE_ERROR || status == 200);
        if (ignored_range) {  // the server cannot resume: start over from byte 0
            j.easy.reset();
            remove_at(j.item->dir_fd, j.part());
            j.state = State::Waiting;
            j.not_before = Clock::now();
            return;
        }
        if (j.too_large || (rc == CURLE_FILESIZE_EXCEEDED && status < 400)) {
            j.easy.reset();
            remove_at(j.item->dir_fd, j.part());
            return failover(j, Error{ErrorKind::Verification, j.url,
                                     "server sent more than the signed size of " +
                                         std::to_string(j.item->size) + " bytes; cut off"});
        }
        const bool transient = detail::is_transient(j.easy.get(), rc);
        Error e = detail::describe_failure(j.easy.get(), rc, j.url, j.errbuf.data());
        j.easy.reset();
        if (transient && j.retries < options_.retries) {
            const auto delay = options_.backoff * (1U << j.retries);
            ++j.retries;
            warn(e.str() + "; retrying in " + std::to_string(delay.count()) + " ms");
            j.state = State::Waiting;
            j.not_before = Clock::now() + delay;
            return;
        }
        failover(j, std::move(e));  // the .part stays: the next source resumes it
    }

    void verify(Job& j) {
        const std::uint64_t total = j.offset + j.received;
        const std::string actual = j.sha.hex();
        const bool resumed = j.offset > 0;
        j.easy.reset();
        if (total == j.item->size && actual == j.item->sha256) {
            if (::renameat(j.item->dir_fd, j.part().c_str(), j.item->dir_fd,
                           j.item->dest.c_str()) != 0) {
                const std::string why = errno_text();
                remove_at(j.item->dir_fd, j.part());
                return finish(j, Error{ErrorKind::Io, j.item->dest.string(),
                                       "cannot rename the downloaded file: " + why});
            }
            if (options_.on_progress) options_.on_progress(j.index, total, j.item->size);
            if (options_.on_done) options_.on_done(j.index, j.url);
            return finish(j, std::nullopt);
        }
        remove_at(j.item->dir_fd, j.part());
        if (resumed) {  // the kept prefix may be what was wrong: once more from byte 0
            j.fresh_only = true;
            j.state = State::Waiting;
            j.not_before = Clock::now();
            return;
        }
        if (total != j.item->size) {
            return failover(j, Error{ErrorKind::Verification, j.url,
                                     "size mismatch: expected " + std::to_string(j.item->size) +
                                         " bytes, got " + std::to_string(total)});
        }
        failover(j, Error{ErrorKind::Verification, j.url,
                          "sha256 mismatch: expected " + j.item->sha256 + ", got " + actual});
    }

    void failover(Job& j, const Error& e) {
        health_.mark_unhealthy(j.base);
        j.tried.push_back(j.base);
        if (e.kind == ErrorKind::Verification && !j.verification) j.verification = e;
        j.last = e;
        if (!pick_base(j)) {
            // Wrong bytes from any source matter more than a later "not found".
            return finish(j, j.verification ? *j.verification : *j.last);
        }
        warn(e.str() + "; trying " + j.base);
        j.state = State::Waiting;
        j.not_before = Clock::now();
    }

    void finish(Job& j, std::optional<Error> e) {
        j.state = State::Done;
        if (e) results_[j.index] = tl::unexpected(std::move(*e));
    }

    void warn(const std::string& text) const {
        if (options_.on_warning) options_.on_warning(text);
    }

    const DownloadOptions& options_;
    MirrorHealth& health_;
    std::vector<Job> jobs_;  // never resized: curl holds pointers to its elements
    std::vector<Result<void>> results_;
    detail::Multi multi_ = detail::make_multi();
    unsigned active_ = 0;
};

}  // namespace

std::vector<std::string> MirrorHealth::order(const std::vector<std::string>& bases) const {
    std::vector<std::string> out;
    for (const auto& b : bases)
        if (healthy(b)) out.push_back(b);
    for (const auto& b : bases)
        if (!healthy(b)) out.push_back(b);
    return out;
}

std::vector<Result<void>> download_all(const std::vector<DownloadItem>& items,
                                       const DownloadOptions& options, MirrorHealth& health) {
    return Downloader(items, options, health).run();
}

bool index_is_stale(std::int64_t fetched_at, std::int64_t now, std::int64_t max_age_s) {
    if (fetched_at <= 0 || now < fetched_at) return true;
    return max_age_s > 0 && now - fetched_at >= max_age_s;
}

Result<std::int64_t> parse_max_age(std::string_view setting) {
    constexpr std::int64_t kDefault = 24 * 3600;
    if (setting.empty()) return kDefault;
    std::int64_t unit = 1;
    switch (setting.back()) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            unit = 0;
    }
    std::string_view digits = unit != 0 ? setting.substr(0, setting.size() - 1) : setting;
    if (unit == 0) unit = 1;
    std::int64_t n = 0;
    if (digits.empty() || digits.size() > 12)
        return fail(ErrorKind::Invalid, "repo.max-age",
                    "expected a number of seconds, or N with s, m, h or d");
    for (char c : digits) {
        if (c < '0' || c > '9')
            return fail(ErrorKind::Invalid, "repo.max-age",
                        "expected a number of seconds, or N with s, m, h or d");
        n = n * 10 + (c - '0');
    }
    return n * unit;
}

}  // namespace nxp::repo
