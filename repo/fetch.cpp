#include "repo/fetch.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <system_error>

#include "formats/display.hpp"
#include "os/fd.hpp"
#include "repo/curl_util.hpp"
#include "repo/digest.hpp"
#include "repo/oci.hpp"

namespace nxp::repo {
namespace {

namespace fs = std::filesystem;

// Receives the body; returning false aborts the transfer at once.
using Sink = std::function<bool(const char*, std::size_t)>;

struct Transfer {
    Sink sink;
    std::uint64_t max_bytes = 0;
    std::uint64_t received = 0;
    bool too_large = false;
    bool sink_failed = false;
    int sink_errno = 0;
};

std::size_t on_data(char* ptr, std::size_t size, std::size_t nmemb, void* userdata) {
    auto* t = static_cast<Transfer*>(userdata);
    const std::size_t n = size * nmemb;
    if (t->received + n > t->max_bytes) {
        t->too_large = true;
        return 0;  // CURLE_WRITE_ERROR: stop reading from the server now
    }
    t->received += n;
    if (!t->sink(ptr, n)) {
        t->sink_failed = true;
        t->sink_errno = errno;
        return 0;
    }
    return n;
}

// Runs one transfer of `url` into `t`; maps every failure to an Error naming the URL.
Result<void> perform(const std::string& url, const FetchLimits& limits, Transfer& t) {
    detail::Easy easy = detail::make_easy();
    if (easy.get() == nullptr) return fail(ErrorKind::Internal, url, "curl_easy_init failed");
    CURL* h = easy.get();
    std::array<char, CURL_ERROR_SIZE> errbuf{};
    t.max_bytes = limits.max_bytes;
    detail::apply_limits(h, url, limits, errbuf.data());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    const CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) return {};
    if (t.too_large || (rc == CURLE_FILESIZE_EXCEEDED && detail::http_status(h) < 400)) {
        return fail(ErrorKind::Network, url,
                    "response exceeds the limit of " + std::to_string(limits.max_bytes) + " bytes");
    }
    if (t.sink_failed) return fail(ErrorKind::Io, url, "could not write the downloaded data");
    // (fetch_file reports its own write failures with write_failure, where the file is known)
    return tl::unexpected(detail::describe_failure(h, rc, url, errbuf.data()));
}

}  // namespace

Result<std::string> fetch_bytes(const std::string& url, const FetchLimits& limits) {
    if (oci::is_oci(url)) return oci::fetch_named(url, limits);
    std::string body;
    Transfer t;
    t.sink = [&body](const char* p, std::size_t n) {
        body.append(p, n);
        return true;
    };
    if (auto r = perform(url, limits, t); !r) return tl::unexpected(r.error());
    return body;
}

Result<void> fetch_file(const std::string& url, const fs::path& dest, std::uint64_t expected_size,
                        std::string_view expected_sha256, const FetchLimits& limits) {
    if (sodium_init() < 0) return fail(ErrorKind::Internal, url, "libsodium unavailable");
    fs::path part = dest;
    part += ".part";
    std::error_code ec;
    detail::OutFile out(part, "wb");
    if (out.get() == nullptr) return fail(ErrorKind::Io, part.string(), "cannot create file");
    Sha256 sha;
    Transfer t;
    t.sink = [&](const char* p, std::size_t n) {
        sha.update(p, n);
        return std::fwrite(p, 1, n, out.get()) == n;
    };
    FetchLimits capped = limits;
    capped.max_bytes = std::min<std::uint64_t>(limits.max_bytes, expected_size);
    auto r = perform(url, capped, t);
    const bool closed = out.close();
    const int close_errno = closed ? 0 : errno;
    if (!r || !closed) {
        fs::remove(part, ec);  // never left behind: a full disk must not stay full
        const int err = t.sink_failed ? t.sink_errno : close_errno;
        if (t.sink_failed || (r && !closed)) {
            os::Fd dir(::open(part.parent_path().empty() ? "." : part.parent_path().c_str(),
                              O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            return tl::unexpected(write_failure(dir.get(), part.string(), err, expected_size));
        }
        if (t.too_large) {
            return fail(ErrorKind::Verification, url,
                        "larger than the expected " + std::to_string(expected_size) + " bytes");
        }
        return tl::unexpected(r.error());
    }
    const std::string actual = sha.hex();
    if (t.received != expected_size) {
        fs::remove(part, ec);
        return fail(ErrorKind::Verification, url,
                    "size mismatch: expected " + std::to_string(expected_size) + " bytes, got " +
                        std::to_string(t.received));
    }
    if (actual != expected_sha256) {
        fs::remove(part, ec);
        return fail(
            ErrorKind::Verification, url,
            "sha256 mismatch: expected " + std::string(expected_sha256) + ", got " + actual);
    }
    fs::rename(part, dest, ec);
    if (ec) {
        fs::remove(part, ec);
        return fail(ErrorKind::Io, dest.string(),
                    "cannot rename the downloaded file: " + ec.message());
    }
    return {};
}

std::optional<std::uint64_t> free_bytes(int fd) {
    struct statvfs st {};
    if (fd < 0 || ::fstatvfs(fd, &st) != 0) return std::nullopt;
    return static_cast<std::uint64_t>(st.f_bavail) * static_cast<std::uint64_t>(st.f_frsize);
}

Error write_failure(int dir_fd, const std::string& what, int err, std::uint64_t needed) {
    if (err != ENOSPC && err != EDQUOT) {
        return {ErrorKind::Io, what,
                "could not write the downloaded data" +
                    (err != 0 ? ": " + std::string(std::strerror(err)) : std::string())};
    }
    std::string text = std::string(std::strerror(ENOSPC)) + ": needs " +
                       formats::human_size(needed) + " (" + std::to_string(needed) + " bytes)";
    if (auto free = free_bytes(dir_fd))
        text += ", " + formats::human_size(*free) + " (" + std::to_string(*free) + " bytes) free";
    return {ErrorKind::Io, what,
            text +
                "; the partial download was removed: free some space (nxp clean, nxp gc) "
                "and try again"};
}

namespace detail {

namespace {
// Tests shorten the slow-retrieval window (the default of 30 s would make them slow).
long env_seconds(const char* name, long fallback) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return fallback;
    char* end = nullptr;
    const long n = std::strtol(v, &end, 10);
    return (end != nullptr && *end == '\0' && n > 0) ? n : fallback;
}
}  // namespace

void apply_limits(CURL* h, const std::string& url, const FetchLimits& limits, char* errbuf) {
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "file,http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
                     env_seconds("NXP_CONNECT_TIMEOUT", limits.connect_timeout_s));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, limits.low_speed_bytes);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                     env_seconds("NXP_LOW_SPEED_TIME", limits.low_speed_time_s));
    curl_easy_setopt(h, CURLOPT_TIMEOUT, env_seconds("NXP_DEADLINE", limits.deadline_s));
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits.max_bytes));
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);  // HTTP >= 400: no body, an error
    curl_easy_setopt(h, CURLOPT_USERAGENT, "nxp/" NXP_VERSION);
}

long http_status(CURL* h) {
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

Error describe_failure(CURL* h, CURLcode rc, const std::string& url, const char* errbuf) {
    // An error page larger than the cap is reported as the error it is.
    if (rc == CURLE_FILESIZE_EXCEEDED && http_status(h) >= 400) rc = CURLE_HTTP_RETURNED_ERROR;
    if (rc == CURLE_FILESIZE_EXCEEDED)
        return {ErrorKind::Network, url, "response exceeds the size limit"};
    if (rc == CURLE_HTTP_RETURNED_ERROR) {
        const long status = http_status(h);
        return {status == 404 || status == 410 ? ErrorKind::NotFound : ErrorKind::Network, url,
                "HTTP status " + std::to_string(status)};
    }
    std::string why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    const bool missing = rc == CURLE_FILE_COULDNT_READ_FILE || rc == CURLE_REMOTE_FILE_NOT_FOUND;
    return {missing ? ErrorKind::NotFound : ErrorKind::Network, url, why};
}

bool is_transient(CURL* h, CURLcode rc) {
    if (rc == CURLE_FILESIZE_EXCEEDED && http_status(h) >= 400) rc = CURLE_HTTP_RETURNED_ERROR;
    switch (rc) {
        case CURLE_PARTIAL_FILE:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_GOT_NOTHING:
            return true;
        case CURLE_HTTP_RETURNED_ERROR: {
            const long status = http_status(h);
            return status == 429 || (status >= 500 && status != 501);
        }
        default:
            return false;
    }
}

}  // namespace detail

std::string join_url(std::string_view base, std::string_view relative) {
    if (oci::is_oci(base)) return oci::join(base, relative);
    while (!base.empty() && base.back() == '/') base.remove_suffix(1);
    while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
    return std::string(base) + "/" + std::string(relative);
}

Result<DownloadTarget> download_target(std::string_view base, std::string_view path,
                                       std::string_view sha256, const FetchLimits& limits) {
    if (oci::is_oci(base)) return oci::blob_target(base, sha256, limits);
    return DownloadTarget{join_url(base, path), {}};
}

Result<void> check_repository_url(std::string_view url) {
    const std::string supported =
        "nxp reads repositories from file://, http://, https:// and oci:// URLs";
    const auto colon = url.find("://");
    std::string scheme(colon == std::string_view::npos ? std::string_view() : url.substr(0, colon));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (scheme == "file" || scheme == "http" || scheme == "https") {
        if (url.size() == colon + 3)
            return fail(ErrorKind::Usage, std::string(url), "the URL names no host or path");
        return {};
    }
    if (scheme == "oci") {
        if (auto r = oci::parse_reference(url); !r) return tl::unexpected(r.error());
        return {};
    }
    if (scheme.empty())
        return fail(ErrorKind::Usage, std::string(url),
                    "not a URL (a directory is file:///PATH); " + supported);
    return fail(ErrorKind::Usage, std::string(url),
                "unsupported URL scheme '" + scheme + "'; " + supported);
}

}  // namespace nxp::repo
