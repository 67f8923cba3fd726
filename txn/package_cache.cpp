#include "txn/package_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "formats/display.hpp"
#include "repo/digest.hpp"
#include "repo/fetch.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

// One directory below `parent`, created when missing, never through a symlink.
Result<os::Fd> open_subdir(int parent, const char* name, const fs::path& shown) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        os::Fd fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (fd.get() >= 0) return fd;
        if (errno == ELOOP || errno == ENOTDIR)
            return fail(ErrorKind::Verification, shown.string(),
                        "is a symlink or not a directory; nxp does not write through symlinks "
                        "in its root (remove it, or run 'nxp doctor')");
        if (errno != ENOENT || attempt > 0)
            return fail(ErrorKind::Io, shown.string(), errno_text());
        if (::mkdirat(parent, name, 0755) != 0 && errno != EEXIST)
            return fail(ErrorKind::Io, shown.string(), "cannot create: " + errno_text());
    }
    return fail(ErrorKind::Io, shown.string(), "cannot open");
}

}  // namespace

Result<os::Fd> open_cache_dir(const Root& root, const std::vector<std::string>& parts) {
    os::Fd fd(::open(root.dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return fail(ErrorKind::Io, root.dir().string(), errno_text());
    auto dir = open_subdir(fd.get(), "cache", root.cache_dir());
    if (!dir) return dir;
    fs::path shown = root.cache_dir();
    for (const auto& part : parts) {
        shown /= part;
        if (part.empty() || part == "." || part == ".." || part.find('/') != std::string::npos)
            return fail(ErrorKind::Invalid, shown.string(), "not a plain directory name");
        dir = open_subdir(dir->get(), part.c_str(), shown);
        if (!dir) return dir;
    }
    return dir;
}

Result<os::Fd> open_package_dir(const Root& root) { return open_cache_dir(root, {"packages"}); }

Result<os::Fd> open_repo_cache_dir(const Root& root, const std::string& repo) {
    return open_cache_dir(root, {"repos", repo});
}

namespace {

Error refusal(const fs::path& name, const formats::IndexEntry& entry, const std::string& why) {
    return Error{ErrorKind::Verification, name.string(),
                 why + " (" + entry.name + " " + entry.version.str() + ")"};
}

}  // namespace

Result<os::Fd> open_unchanging(int dir, const fs::path& name, const formats::IndexEntry& entry) {
    auto refuse = [&](const std::string& why) { return tl::unexpected(refusal(name, entry, why)); };
    os::Fd fd(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ELOOP) return refuse("is a symlink");
        if (errno == ENOENT)
            return fail(ErrorKind::NotFound, name.string(), "not in the package cache");
        return refuse("cannot be opened: " + errno_text());
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return refuse(errno_text());
    if (!S_ISREG(st.st_mode)) return refuse("is not a regular file");
    if (st.st_nlink != 1) return refuse("has other hard links");
    if (st.st_uid != ::geteuid()) return refuse("is owned by another user");
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) return refuse("is writable by other users");
    if (static_cast<std::uint64_t>(st.st_size) != entry.size)
        return refuse("is " + std::to_string(st.st_size) + " bytes, the signed index says " +
                      std::to_string(entry.size));
    return fd;
}

Result<void> check_digest(const fs::path& name, const formats::IndexEntry& entry,
                          std::uint64_t total, const std::string& sha) {
    if (total != entry.size)
        return tl::unexpected(refusal(
            name, entry, "changed size while being read (" + std::to_string(total) + " bytes)"));
    if (sha.empty()) return tl::unexpected(refusal(name, entry, "cannot be read to its end"));
    if (sha != entry.sha256)
        return tl::unexpected(
            refusal(name, entry, "sha256 " + sha + " differs from the signed " + entry.sha256));
    return {};
}

Result<os::Fd> open_verified(int dir, const fs::path& name, const formats::IndexEntry& entry) {
    auto fd = open_unchanging(dir, name, entry);
    if (!fd) return fd;
    std::uint64_t total = 0;
    auto sha = repo::sha256_fd(fd->get(), entry.size, total);
    if (!sha) return tl::unexpected(refusal(name, entry, sha.error().message));
    if (auto r = check_digest(name, entry, total, *sha); !r) return tl::unexpected(r.error());
    return fd;
}

Result<os::Fd> take_cached(int dir, const fs::path& name, const formats::IndexEntry& entry) {
    auto fd = open_verified(dir, name, entry);
    if (!fd && fd.error().kind != ErrorKind::NotFound) ::unlinkat(dir, name.c_str(), 0);
    return fd;
}

Result<void> copy_into(int dir, const fs::path& name, const fs::path& from) {
    os::Fd in(::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (in.get() < 0) return fail(ErrorKind::Io, from.string(), errno_text());
    if (::unlinkat(dir, name.c_str(), 0) != 0 && errno != ENOENT)
        return fail(ErrorKind::Io, name.string(), "cannot replace: " + errno_text());
    os::Fd out(
        ::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (out.get() < 0) return fail(ErrorKind::Io, name.string(), "cannot create: " + errno_text());
    std::array<char, 64 * 1024> buf{};
    for (;;) {
        ssize_t n = ::read(in.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(ErrorKind::Io, from.string(), errno_text());
        if (n == 0) break;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = ::write(out.get(), buf.data() + done, static_cast<std::size_t>(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                const std::string why = errno_text();
                ::unlinkat(dir, name.c_str(), 0);
                return fail(ErrorKind::Io, name.string(), why);
            }
            done += w;
        }
    }
    return {};
}

Result<void> check_free_space(int dir, const fs::path& shown, std::uint64_t needed,
                              const std::string& what) {
#ifdef NXP_FAULT_INJECTION
    if (std::getenv("NXP_SKIP_SPACE_CHECK") != nullptr) return {};
#endif
    auto free = repo::free_bytes(dir);
    if (!free || *free >= needed) return {};
    return fail(ErrorKind::Io, shown.string(),
                std::string(std::strerror(ENOSPC)) + ": " + what + " needs " +
                    formats::human_size(needed) + " (" + std::to_string(needed) + " bytes), " +
                    formats::human_size(*free) + " (" + std::to_string(*free) +
                    " bytes) free; nothing was downloaded: free some space (nxp clean, nxp gc) "
                    "and try again");
}

}  // namespace nxp::txn
