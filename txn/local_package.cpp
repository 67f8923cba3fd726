#include "txn/local_package.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <set>

#include "repo/archive.hpp"
#include "repo/digest.hpp"
#include "txn/package_cache.hpp"
#include "txn/repos.hpp"
#include "txn/settings.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;

namespace {

// Above every configured repository's priority: the file named is the package meant.
constexpr int kLocalPriority = INT_MAX / 2;

struct Copied {
    std::string tmp_name;  // in cache/packages
    std::string sha256;
    std::uint64_t size = 0;
};

// Copies `file` into `dir` as a new temporary file, hashing the bytes as they are written.
Result<Copied> copy_hashed(int dir, const std::string& file, std::uint64_t cap) {
    os::Fd in(::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (in.get() < 0) return fail(ErrorKind::NotFound, file, std::strerror(errno));
    struct stat st {};
    if (::fstat(in.get(), &st) != 0) return fail(ErrorKind::Io, file, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return fail(ErrorKind::Invalid, file, "is not a regular file");
    if (static_cast<std::uint64_t>(st.st_size) > cap)
        return fail(ErrorKind::Verification, file,
                    "is " + std::to_string(st.st_size) + " bytes, over the limit of " +
                        std::to_string(cap) + " (extract.max_bytes)");
    Copied c;
    c.tmp_name = ".tmp-local-" + std::to_string(::getpid()) + "-" + std::to_string(st.st_ino);
    ::unlinkat(dir, c.tmp_name.c_str(), 0);
    os::Fd out(::openat(dir, c.tmp_name.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (out.get() < 0)
        return fail(ErrorKind::Io, c.tmp_name,
                    "cannot create in the package cache: " + std::string(std::strerror(errno)));
    auto failed = [&](const std::string& why) {
        ::unlinkat(dir, c.tmp_name.c_str(), 0);
        return fail(ErrorKind::Io, file, why);
    };
    if (sodium_init() < 0) return failed("libsodium unavailable");
    repo::Sha256 sha;
    std::array<unsigned char, 64 * 1024> buf{};
    for (;;) {
        const ssize_t n = ::read(in.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return failed(std::strerror(errno));
        if (n == 0) break;
        c.size += static_cast<std::uint64_t>(n);
        if (c.size > cap) return failed("grew past the limit of " + std::to_string(cap) + " bytes");
        sha.update(buf.data(), static_cast<std::size_t>(n));
        for (ssize_t done = 0; done < n;) {
            const ssize_t w =
                ::write(out.get(), buf.data() + done, static_cast<std::size_t>(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0)
                return failed("cannot copy into the package cache: " +
                              std::string(std::strerror(errno)));
            done += w;
        }
    }
    c.sha256 = sha.hex();
    return c;
}

// The signed entry listing `sha256`, with its repository; nullptr when none does.
const formats::IndexEntry* signed_entry(const std::vector<RepoIndex>& repos,
                                        const std::string& sha256, std::string& repo) {
    for (const auto& r : repos)
        for (const auto& e : r.index.packages)
            if (e.sha256 == sha256) {
                repo = r.row.name;
                return &e;
            }
    return nullptr;
}

// The repository whose accepted index revokes `sha256` ("" when none does).
std::string revoked_by(const std::vector<RepoIndex>& repos, const std::string& sha256) {
    for (const auto& r : repos)
        for (const auto& s : r.index.revoked)
            if (s == sha256) return r.row.name;
    return "";
}

// An untrusted archive checked by extracting it under every rule of an install; its entry.
Result<formats::IndexEntry> describe_untrusted(const Root& root, const std::string& file,
                                               const Copied& c, const repo::ExtractLimits& limits) {
    const fs::path dir = root.cache_dir() / "packages";
    const fs::path archive = dir / c.tmp_name;
    const fs::path tmp = dir / (".tmp-check-" + std::to_string(::getpid()));
    std::error_code ec;
    fs::remove_all(tmp, ec);
    auto ex = repo::extract_package(archive, tmp, limits);
    fs::remove_all(tmp, ec);
    if (!ex) {
        Error e = ex.error();
        if (e.context.starts_with(archive.string()))
            e.context = file + e.context.substr(archive.string().size());
        else if (e.context.empty())
            e.context = file;
        else if (e.context.find(file) == std::string::npos)
            e.context = file + ": " + e.context;
        return tl::unexpected(e);
    }
    formats::IndexEntry e = formats::entry_from_manifest(ex->manifest);
    e.path = fs::path(file).filename().string();
    e.size = c.size;
    e.sha256 = c.sha256;
    e.installed_size = ex->installed_size;
    return e;
}

Result<LocalPackage> take_one(Root& root, int dir, const std::string& file,
                              const std::vector<RepoIndex>& repos, bool allow_untrusted,
                              const repo::ExtractLimits& limits) {
    auto copied = copy_hashed(dir, file, limits.max_total_bytes);
    if (!copied) return tl::unexpected(copied.error());
    auto drop = [&](Error e) -> Result<LocalPackage> {
        ::unlinkat(dir, copied->tmp_name.c_str(), 0);
        return tl::unexpected(std::move(e));
    };
    if (auto by = revoked_by(repos, copied->sha256); !by.empty())
        return drop({ErrorKind::Verification, file,
                     "is revoked by repository " + by + " (sha256 " + copied->sha256 +
                         "); nxp never installs a revoked package"});
    LocalPackage pkg;
    pkg.file = file;
    if (const auto* e = signed_entry(repos, copied->sha256, pkg.repo)) {
        pkg.entry = *e;
    } else if (!allow_untrusted) {
        return drop({ErrorKind::Verification, file,
                     "is not in the signed index of any configured repository (sha256 " +
                         copied->sha256 +
                         "); install an untrusted package file only with --allow-untrusted"});
    } else {
        auto entry = describe_untrusted(root, file, *copied, limits);
        if (!entry) return drop(entry.error());
        pkg.entry = std::move(*entry);
        pkg.repo = std::string(kCommandLineRepo);
    }
    const std::string name = copied->sha256 + ".nxp";
    if (::renameat(dir, copied->tmp_name.c_str(), dir, name.c_str()) != 0)
        return drop({ErrorKind::Io, (root.cache_dir() / "packages" / name).string(),
                     std::string("cannot move into the package cache: ") + std::strerror(errno)});
    return pkg;
}

}  // namespace

bool names_package_file(const std::string& arg) {
    if (arg.find('/') != std::string::npos) return true;
    std::error_code ec;
    return arg.ends_with(".nxp") && fs::is_regular_file(arg, ec);
}

Result<std::vector<LocalPackage>> take_local_packages(Root& root,
                                                      const std::vector<std::string>& files,
                                                      const std::vector<RepoIndex>& repos,
                                                      bool allow_untrusted) {
    auto limits = extract_limits(root);
    if (!limits) return tl::unexpected(limits.error());
    auto dir = open_package_dir(root);
    if (!dir) return tl::unexpected(dir.error());
    std::vector<LocalPackage> out;
    std::set<std::string> names;
    for (const auto& f : files) {
        auto pkg = take_one(root, dir->get(), f, repos, allow_untrusted, *limits);
        if (!pkg) return tl::unexpected(pkg.error());
        if (!names.insert(pkg->entry.name).second)
            return fail(ErrorKind::Usage, f,
                        "another file given is also " + pkg->entry.name + "; name one of them");
        out.push_back(std::move(*pkg));
    }
    return out;
}

void add_local_packages(resolver::Universe& universe, const std::vector<LocalPackage>& local) {
    for (const auto& p : local)
        if (!p.trusted()) universe.available.push_back({p.repo, kLocalPriority, p.entry});
}

Result<void> check_local_plan(const resolver::Plan& plan, const std::vector<LocalPackage>& local) {
    for (const auto& p : local) {
        for (const auto& s : plan.steps) {
            if (s.name != p.entry.name || s.kind == resolver::StepKind::Remove || !s.entry)
                continue;
            if (s.entry->sha256 == p.entry.sha256) continue;  // these very bytes
            return fail(ErrorKind::Verification, p.file,
                        "the plan takes " + s.name + " " + s.entry->version.str() +
                            " from repository " + s.repo + " (sha256 " + s.entry->sha256 +
                            "), not this file (sha256 " + p.entry.sha256 + ", repository " +
                            p.repo + "); nothing was changed");
        }
    }
    return {};
}

}  // namespace nxp::txn
