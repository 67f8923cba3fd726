// extract_package (repo/archive.hpp): the one place where untrusted archives touch the disk.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "os/fd.hpp"
#include "repo/archive.hpp"
#include "repo/archive_util.hpp"
#include "repo/digest.hpp"

namespace nxp::repo {

namespace fs = std::filesystem;

namespace {

using os::Fd;

std::string errno_text() { return std::strerror(errno); }

// The umask, read per package so a changed umask is seen. From /proc/self/status, which
// reads it without changing it: packages are extracted on several threads at once, and
// umask(2) can only be read by setting it. Without /proc: assume the strictest (every file
// then gets its mode by fchmod, which is always right).
mode_t current_umask() {
    // One read(2) of the file (~1.3 KB), not an ifstream: this runs once per package, and
    // the stream's locale and buffer set-up was ~1% of a 300-package install (perf).
    os::Fd fd(::open("/proc/self/status", O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return 0777;
    char buf[4096];
    ssize_t n = 0;
    do {
        n = ::read(fd.get(), buf, sizeof buf - 1);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return 0777;
    const std::string_view text(buf, static_cast<std::size_t>(n));
    const std::size_t at = text.find("\nUmask:");
    if (at == std::string_view::npos) return 0777;
    mode_t mask = 0;
    std::size_t i = at + 7;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const std::size_t start = i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '7'; ++i)
        mask = static_cast<mode_t>(mask * 8 + static_cast<mode_t>(text[i] - '0'));
    return i > start ? mask & 0777 : 0777;
}

// Feeds libarchive from a descriptor with pread and hashes every byte it hands over, up to
// CAP + 1 bytes (a file that grows while being read is then seen to differ).
class HashingReader {
  public:
    HashingReader(int fd, std::uint64_t cap) : fd_(fd), cap_(cap) {}

    static la_ssize_t read(archive* a, void* self, const void** out) {
        auto* r = static_cast<HashingReader*>(self);
        const ssize_t n = r->next();
        if (n < 0) {
            archive_set_error(a, r->errno_, "%s", std::strerror(r->errno_));
            return ARCHIVE_FATAL;
        }
        *out = r->buf_.data();
        return n;
    }
    // What libarchive did not ask for (the end of the last block, trailing bytes).
    void drain() {
        while (next() > 0) {
        }
    }
    ArchiveDigest digest() {
        ArchiveDigest d;
        d.bytes = offset_;
        if (errno_ == 0) d.sha256 = sha_.hex();
        return d;
    }
    int fd() const { return fd_; }

  private:
    ssize_t next() {
        if (errno_ != 0) return -1;
        if (offset_ > cap_) return 0;
        const std::uint64_t left = cap_ + 1 - offset_;
        const std::size_t want = left < buf_.size() ? static_cast<std::size_t>(left) : buf_.size();
        ssize_t n = 0;
        do {
            n = ::pread(fd_, buf_.data(), want, static_cast<off_t>(offset_));
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            errno_ = errno;
            return -1;
        }
        offset_ += static_cast<std::uint64_t>(n);
        sha_.update(buf_.data(), static_cast<std::size_t>(n));
        return n;
    }

    int fd_;
    std::uint64_t cap_;
    std::uint64_t offset_ = 0;
    int errno_ = 0;
    Sha256 sha_;
    std::vector<char> buf_ = std::vector<char>(128 * 1024);
};

class Extractor {
  public:
    // From the file ARCHIVE, or, with READER, from its descriptor (ARCHIVE only names it).
    Extractor(const fs::path& archive, const fs::path& dest, const ExtractLimits& limits,
              HashingReader* reader = nullptr)
        : archive_(archive), dest_(dest), limits_(limits), reader_(reader) {}

    Result<Extracted> run();

  private:
    Result<void> refuse(const std::string& entry, const std::string& why) const {
        // Names are quoted escaped: a hostile name must not reach a terminal raw.
        return fail(ErrorKind::Verification, archive_.string() + ": " + detail::escaped(entry),
                    why);
    }
    Result<void> read_manifest(archive* a, archive_entry* e);
    Result<void> extract_entry(archive* a, archive_entry* e, const std::string& name);
    Result<int> open_parent(const std::vector<std::string>& parts, const std::string& name);
    Result<void> write_file(archive* a, int dirfd, const std::string& leaf, const std::string& name,
                            PackedFile& pf);
    Result<void> count_bytes(std::uint64_t n, const std::string& name);

    fs::path archive_;
    fs::path dest_;
    ExtractLimits limits_;
    HashingReader* reader_;
    std::uint64_t compressed_size_ = 0;
    std::uint64_t total_bytes_ = 0;
    // Every path under files/ extracted so far, lower-cased (two names that differ only in
    // letter case collide on case-insensitive filesystems), to its entry in out_.files: the
    // same path again is a duplicate, another spelling a letter-case collision. One lookup
    // and one node per entry (node_modules trees are ~100 entries per plugin, ~30,000 in an
    // install of 300).
    std::unordered_map<std::string, std::size_t> folded_;
    bool root_seen_ = false;          // the "files/" entry itself
    std::set<std::string> dirs_;      // directories we created ("" is the tree root)
    std::vector<std::string> parts_;  // the current entry's components (reused)
    std::string rel_, folded_rel_;    // and its path below files/, as packed and lower-cased
    std::string prefix_;              // open_parent's parent paths (reused)
    Fd root_;
    // The directories from the tree root down to the one the previous entry went into,
    // open (open_stack_[i] is the directory of components [0..i] of open_names_). Archives
    // list a tree depth-first, so the next entry's directory is nearly always on this path
    // or one level below it: only that level is opened, instead of walking down from the
    // root again for every directory change (node_modules trees are 4-8 levels deep).
    std::vector<std::string> open_names_;
    std::vector<Fd> open_stack_;
    std::vector<char> buf_ = std::vector<char>(64 * 1024);
    Sha256 file_sha_;  // reset for each file
    mode_t umask_ = current_umask();
    Extracted out_;
};

Result<Extracted> Extractor::run() {
    std::error_code ec;
    if (reader_ != nullptr) {
        struct stat st {};
        if (::fstat(reader_->fd(), &st) != 0)
            return fail(ErrorKind::Io, archive_.string(), errno_text());
        compressed_size_ = static_cast<std::uint64_t>(st.st_size);
    } else {
        compressed_size_ = fs::file_size(archive_, ec);
    }
    auto a = reader_ != nullptr ? detail::open_package(archive_, reader_, &HashingReader::read)
                                : detail::open_package(archive_);
    if (!a) return tl::unexpected(a.error());
    if (fs::exists(fs::symlink_status(dest_, ec))) {
        return fail(ErrorKind::Io, dest_.string(), "already exists");
    }
    if (dest_.has_parent_path()) fs::create_directories(dest_.parent_path(), ec);
    if (::mkdir(dest_.c_str(), 0755) != 0) return fail(ErrorKind::Io, dest_.string(), errno_text());
    root_ = Fd(::open(dest_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (root_.get() < 0) return fail(ErrorKind::Io, dest_.string(), errno_text());
    ::fchmod(root_.get(), 0755);
    dirs_.insert("");
    archive_entry* e = nullptr;
    std::uint64_t count = 0;
    for (;;) {
        const int rc = archive_read_next_header(a->get(), &e);
        if (rc == ARCHIVE_EOF) break;
        if (rc != ARCHIVE_OK) {
            return fail(ErrorKind::Verification, archive_.string(),
                        "corrupt archive after entry " + std::to_string(count) + ": " + a->error());
        }
        const char* raw = archive_entry_pathname(e);
        const std::string name = raw != nullptr ? raw : "";
        if (++count > limits_.max_entries) {
            return tl::unexpected(
                refuse(name, "more than " + std::to_string(limits_.max_entries) + " entries")
                    .error());
        }
        Result<void> r = count == 1 ? read_manifest(a->get(), e) : extract_entry(a->get(), e, name);
        if (!r) return tl::unexpected(r.error());
    }
    if (count == 0) return fail(ErrorKind::Verification, archive_.string(), "empty archive");
    // Each link was checked alone above; together (links to links, links through
    // directories) they must still stay inside the tree.
    std::vector<detail::TreeLink> links;
    for (const auto& f : out_.files)
        if (f.type == 'l') links.push_back({f.path, f.link_target});
    if (auto why = detail::check_tree_links(links))
        return fail(ErrorKind::Verification, archive_.string(), detail::escaped(*why));
    return std::move(out_);
}

Result<void> Extractor::read_manifest(archive* a, archive_entry* e) {
    const char* raw = archive_entry_pathname(e);
    const std::string name = raw != nullptr ? raw : "";
    if (name != "plugin.json" || archive_entry_filetype(e) != AE_IFREG ||
        archive_entry_hardlink(e) != nullptr) {
        return refuse(name, "the first entry must be the regular file plugin.json");
    }
    const la_int64_t size = archive_entry_size(e);
    if (size < 0 || static_cast<std::uint64_t>(size) > detail::kMaxManifestBytes) {
        return refuse(name, "plugin.json is larger than 1 MiB");
    }
    out_.manifest_text.assign(static_cast<std::size_t>(size), '\0');
    if (archive_read_data(a, out_.manifest_text.data(), out_.manifest_text.size()) != size) {
        return refuse(name, "truncated");
    }
    auto m = formats::parse_manifest(out_.manifest_text);
    if (!m) return tl::unexpected(in_context(m.error(), archive_.string() + ": plugin.json"));
    out_.manifest = std::move(*m);
    return {};
}

Result<void> Extractor::count_bytes(std::uint64_t n, const std::string& name) {
    total_bytes_ += n;
    if (total_bytes_ > limits_.max_total_bytes) {
        return refuse(name, "the package expands to more than " +
                                std::to_string(limits_.max_total_bytes) + " bytes");
    }
    if (total_bytes_ > limits_.ratio_floor_bytes &&
        total_bytes_ / limits_.max_ratio > compressed_size_) {
        return refuse(name, "decompression bomb: expands more than " +
                                std::to_string(limits_.max_ratio) + " times");
    }
    return {};
}

Result<void> Extractor::extract_entry(archive* a, archive_entry* e, const std::string& name) {
    std::vector<std::string>& parts = parts_;
    if (auto why = detail::split_safe(name, parts)) return refuse(name, *why);
    if (parts.front() != "files") return refuse(name, "entry outside files/");
    parts.erase(parts.begin());
    std::string& rel = rel_;
    rel.clear();
    for (const auto& p : parts) {
        if (!rel.empty()) rel += '/';
        rel += p;
    }
    if (rel.empty()) {
        if (std::exchange(root_seen_, true)) return refuse(name, "duplicate entry");
    } else {
        // Two names that differ only in case collide on case-insensitive filesystems (a
        // root on a macOS or Windows volume): one would silently replace the other.
        folded_rel_.assign(rel);
        for (auto& ch : folded_rel_)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        auto [it, fresh] = folded_.try_emplace(folded_rel_, out_.files.size());
        if (!fresh) {
            const std::string& before = out_.files[it->second].path;
            if (before == rel) return refuse(name, "duplicate entry");
            return refuse(name, "differs from files/" + before + " only in letter case");
        }
        // Refused below: nothing was pushed to out_.files for this path, and an error ends
        // the extraction, so the index above is never read for it.
    }
    if (archive_entry_hardlink(e) != nullptr) return refuse(name, "hard links are not allowed");
    const auto type = archive_entry_filetype(e);
    const auto perm = static_cast<std::uint32_t>(archive_entry_mode(e)) & 07777;
    if ((perm & (S_ISUID | S_ISGID | S_ISVTX)) != 0) {
        return refuse(name, "setuid, setgid and sticky bits are not allowed");
    }
    if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
        return refuse(name, "only regular files, directories and symlinks are allowed");
    }
    if (rel.empty()) {  // the "files/" entry: the tree root, already created
        if (type != AE_IFDIR) return refuse(name, "files/ must be a directory");
        return {};
    }
    auto parent = open_parent(parts, name);
    if (!parent) return tl::unexpected(parent.error());
    const int parent_fd = *parent;
    const std::string& leaf = parts.back();
    PackedFile pf;
    pf.path = rel;
    if (type == AE_IFDIR) {
        pf.type = 'd';
        pf.mode = 0755;
        if (::mkdirat(parent_fd, leaf.c_str(), 0755) != 0) return refuse(name, errno_text());
        // Made with its final mode when the umask allows (the usual 022 does), as files are.
        if ((0755 & ~umask_) != 0755) {
            Fd d(
                ::openat(parent_fd, leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (d.get() < 0 || ::fchmod(d.get(), 0755) != 0) return refuse(name, errno_text());
        }
        dirs_.insert(rel);
    } else if (type == AE_IFLNK) {
        const char* target = archive_entry_symlink(e);
        pf.type = 'l';
        pf.mode = 0777;
        pf.link_target = target != nullptr ? target : "";
        if (auto c = detail::control_character(pf.link_target)) {
            return refuse(
                name, "symlink target \"" + detail::escaped(pf.link_target) + "\" holds a " + *c);
        }
        if (!detail::link_stays_inside(parts, pf.link_target)) {
            return refuse(name, "symlink to \"" + detail::escaped(pf.link_target) +
                                    "\" leaves the plugin tree");
        }
        if (::symlinkat(pf.link_target.c_str(), parent_fd, leaf.c_str()) != 0) {
            return refuse(name, errno_text());
        }
    } else {
        pf.type = 'f';
        pf.mode = detail::normal_mode(perm);
        if (auto r = write_file(a, parent_fd, leaf, name, pf); !r) return r;
        out_.installed_size += pf.size;
    }
    out_.files.push_back(std::move(pf));
    return {};
}

// Opens the directory holding the entry, one component at a time without following
// symlinks, and only through directories this extraction created itself. Directories
// already open on the path to the previous entry are reused.
Result<int> Extractor::open_parent(const std::vector<std::string>& parts, const std::string& name) {
    const std::size_t depth = parts.size() - 1;
    std::size_t keep = 0;
    while (keep < depth && keep < open_names_.size() && open_names_[keep] == parts[keep]) ++keep;
    // The kept levels were checked when they were opened (and dirs_ only grows); the
    // levels below them are checked now (nothing to check for most entries: the same
    // directory as the previous one).
    if (keep < depth) {
        std::string& prefix = prefix_;
        prefix.clear();
        for (std::size_t i = 0; i < depth; ++i) {
            if (i > 0) prefix += '/';
            prefix += parts[i];
            if (i >= keep && dirs_.count(prefix) == 0) {
                return tl::unexpected(
                    Error{ErrorKind::Verification, archive_.string() + ": " + name,
                          "parent \"files/" + prefix + "\" is not a directory of this package"});
            }
        }
    }
    open_names_.resize(keep);
    open_stack_.resize(keep);
    for (std::size_t i = keep; i < depth; ++i) {
        const int at = i == 0 ? root_.get() : open_stack_.back().get();
        Fd next(::openat(at, parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (next.get() < 0) {
            return tl::unexpected(
                Error{ErrorKind::Verification, archive_.string() + ": " + name, errno_text()});
        }
        open_names_.push_back(parts[i]);
        open_stack_.push_back(std::move(next));
    }
    return depth == 0 ? root_.get() : open_stack_.back().get();
}

Result<void> Extractor::write_file(archive* a, int dirfd, const std::string& leaf,
                                   const std::string& name, PackedFile& pf) {
    // Created with its final mode when the umask leaves that mode alone (the usual 022 does
    // for 0644 and 0755), else 0600 and set below: one syscall less for nearly every file.
    const bool exact = (pf.mode & ~umask_) == pf.mode;
    Fd out(::openat(dirfd, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    exact ? pf.mode : 0600));
    if (out.get() < 0) return refuse(name, errno_text());
    Sha256& sha = file_sha_;
    sha.reset();
    std::vector<char>& buf = buf_;
    for (;;) {
        const la_ssize_t n = archive_read_data(a, buf.data(), buf.size());
        if (n < 0) return refuse(name, "corrupt data: " + std::string(archive_error_string(a)));
        if (n == 0) break;
        const auto un = static_cast<std::size_t>(n);
        if (auto r = count_bytes(un, name); !r) return r;
        sha.update(buf.data(), un);
        for (std::size_t off = 0; off < un;) {
            const ssize_t w = ::write(out.get(), buf.data() + off, un - off);
            if (w < 0) return fail(ErrorKind::Io, (dest_ / pf.path).string(), errno_text());
            off += static_cast<std::size_t>(w);
        }
        pf.size += un;
    }
    if (!exact && ::fchmod(out.get(), pf.mode) != 0) return refuse(name, errno_text());
    pf.sha256 = sha.hex();
    return {};
}

}  // namespace

Result<Extracted> extract_package(const fs::path& archive, const fs::path& dest) {
    return extract_package(archive, dest, ExtractLimits{});
}

Result<Extracted> extract_package(const fs::path& archive, const fs::path& dest,
                                  const ExtractLimits& limits) {
    std::error_code ec;
    const bool existed = fs::exists(fs::symlink_status(dest, ec));
    auto r = Extractor(archive, dest, limits).run();
    if (!r && !existed) fs::remove_all(dest, ec);  // never remove what we did not create
    return r;
}

Result<Extracted> extract_package_fd(int fd, std::uint64_t cap, const fs::path& shown,
                                     const fs::path& dest, const ExtractLimits& limits,
                                     ArchiveDigest& digest) {
    std::error_code ec;
    const bool existed = fs::exists(fs::symlink_status(dest, ec));
    HashingReader reader(fd, cap);
    auto r = Extractor(shown, dest, limits, &reader).run();
    reader.drain();
    digest = reader.digest();
    if (!r && !existed) fs::remove_all(dest, ec);  // never remove what we did not create
    return r;
}

}  // namespace nxp::repo
