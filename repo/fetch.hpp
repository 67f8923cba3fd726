#pragma once
// Every transfer goes through libcurl (file://, http://, https://, and oci:// through
// repo/oci.hpp), with caps and timeouts.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"

namespace nxp::repo {

struct FetchLimits {
    std::uint64_t max_bytes = 64 << 20;  // a body larger than this is cut off at once
    long connect_timeout_s = 15;
    long low_speed_bytes = 1024;  // below this many bytes/s …
    long low_speed_time_s = 30;   // … for this long, the transfer is aborted
    long deadline_s = 600;
};

// Downloads `url` into memory. Errors are ErrorKind::Network (or NotFound for a 404 /
// missing file) and name the URL and the reason.
Result<std::string> fetch_bytes(const std::string& url, const FetchLimits& limits = {});

// Downloads `url` to `dest` (written as dest + ".part", then renamed), refusing more than
// `expected_size` bytes; then checks size and sha256 (ErrorKind::Verification on mismatch,
// and the partial file is removed).
Result<void> fetch_file(const std::string& url, const std::filesystem::path& dest,
                        std::uint64_t expected_size, std::string_view expected_sha256,
                        const FetchLimits& limits = {});

// Bytes this user may still write in the filesystem holding the open file or directory `fd`
// (statvfs: f_bavail * f_frsize); nullopt when the kernel cannot say.
std::optional<std::uint64_t> free_bytes(int fd);

// The error for writing `what` (a download's file) that failed with errno `err`. A full disk
// (ENOSPC, EDQUOT) says "No space left on device" with the size still needed and the space
// free where `dir_fd` lives, so the operator knows how much to free; anything else names
// strerror(err).
Error write_failure(int dir_fd, const std::string& what, int err, std::uint64_t needed);

// Joins a repository base URL and a relative path ("file:///srv/repo" + "packages/a.nxp").
// For an oci:// base, the name of that file of the artifact (repo/oci.hpp), which
// fetch_bytes reads.
std::string join_url(std::string_view base, std::string_view relative);

// Where a package file is downloaded from: the joined URL, or for an oci:// base the blob
// of its sha256 with the registry's Authorization header.
struct DownloadTarget {
    std::string url;
    std::vector<std::string> headers;
};
Result<DownloadTarget> download_target(std::string_view base, std::string_view path,
                                       std::string_view sha256, const FetchLimits& limits = {});

// The URL schemes repositories and mirrors may use: file, http, https, oci. Anything else
// (ftp://, s3://, "oci:/x", a bare path) is ErrorKind::Usage naming them.
Result<void> check_repository_url(std::string_view url);

}  // namespace nxp::repo
