#pragma once
// Private to repo/: RAII owners of libcurl handles and the options every transfer shares.
#include <curl/curl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "formats/error.hpp"
#include "repo/fetch.hpp"

namespace nxp::repo::detail {

// Owns a FILE* that downloads are written to (or a partial download is read back from).
class OutFile {
  public:
    OutFile(const std::filesystem::path& p, const char* mode) : f_(std::fopen(p.c_str(), mode)) {}
    // Over a descriptor the caller opened (O_NOFOLLOW, O_EXCL…); takes ownership of it.
    OutFile(int fd, const char* mode) : f_(fd >= 0 ? ::fdopen(fd, mode) : nullptr) {
        if (fd >= 0 && f_ == nullptr) ::close(fd);
    }
    ~OutFile() { close(); }
    OutFile(const OutFile&) = delete;
    OutFile& operator=(const OutFile&) = delete;
    std::FILE* get() const { return f_; }
    bool close() {
        if (f_ == nullptr) return true;
        const bool ok = std::fclose(f_) == 0;
        f_ = nullptr;
        return ok;
    }

  private:
    std::FILE* f_;
};

// The owners of libcurl handles (std::unique_ptr: non-copyable, explicit get()).
struct EasyCleanup {
    void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct MultiCleanup {
    void operator()(CURLM* h) const { curl_multi_cleanup(h); }
};
using Easy = std::unique_ptr<CURL, EasyCleanup>;
using Multi = std::unique_ptr<CURLM, MultiCleanup>;
inline Easy make_easy() { return Easy(curl_easy_init()); }  // null when curl cannot
inline Multi make_multi() { return Multi(curl_multi_init()); }

// Protocols, redirects, timeouts, low-speed limit and size cap; `errbuf` must hold
// CURL_ERROR_SIZE bytes and outlive the transfer.
void apply_limits(CURL* h, const std::string& url, const FetchLimits& limits, char* errbuf);

long http_status(CURL* h);  // 0 when there was no HTTP response

// The failure of a finished transfer as an Error naming the URL (404/410 and missing
// files are NotFound, the rest Network).
Error describe_failure(CURL* h, CURLcode rc, const std::string& url, const char* errbuf);

// Worth retrying on the same server after a pause: 5xx, 429, a dropped connection.
bool is_transient(CURL* h, CURLcode rc);

}  // namespace nxp::repo::detail
