// The per-repository .solv cache: a warm start loads the repository with repo_add_solv
// instead of decompressing, verifying and parsing index.json.
//
// File layout: one text line "nxp-solv-cache FORMAT SHA256 EXPIRES ENTRIES DIGEST\n", then
// ENTRIES bytes of entry texts, then libsolv's .solv. DIGEST is the BLAKE2b-256 of
// everything after the line: libsolv trusts its own files and crashes on damaged ones (a
// flipped byte made repodata_lookup_str read out of bounds), so a cache is handed to libsolv
// only when its bytes are the ones nxp wrote; any other file falls back to the verified
// index, as a missing one does.
// Each solvable carries, besides its dependencies, attributes of its own:
//   "nxp:version"     the SemVer text (build metadata included);
//   "nxp:entry-at",   where its complete index entry (formats::write_index_entry) is in the
//   "nxp:entry-size"  section of entry texts: PoolModel::entry reads it from the open file
//                     only for the packages that are looked up (the plan's steps), never
//                     the 100,000 others. The texts stay out of libsolv: kept in its pool
//                     they were three copies of ~57 MB at moments of a large refresh while
//                     it wrote the file (issue 20).
//
// Trust: none. The stamp (the sha256 of the signed index accepted at refresh, RepoRow::
// last_sha256, a public value) only says which index the cache claims to come from, and
// the stamp's expiry keeps the freeze check (an expired index falls back to the full load,
// which refuses it). Anyone who can write the file can make it say anything, so what it
// plans to install is compared, before any download, with the verified index
// (txn::confirm_cached_entries): a changed cache can make a plan fail, never install a
// package, a version or bytes that the signed index does not list, or a revoked one.
#include "resolver/cache.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include "formats/index.hpp"
#include "formats/index_entries.hpp"
#include "resolver/evr.hpp"
#include "resolver/pool.hpp"

extern "C" {
#include <solv/repo_solv.h>
#include <solv/repo_write.h>
#include <solv/repodata.h>
}

namespace nxp::resolver {
namespace {

constexpr const char* kMagic = "nxp-solv-cache";
constexpr int kFormat = 7;  // bump when the name/EVR encoding or the stored attributes change
// (4: stored entries carry pinned tools, issue 16; 5: and config keys, issue 18; 6: a runtime
// package's node-runtime provide is stored, issue 19; 7: entry texts in a section of their
// own, out of libsolv, issue 20)
constexpr const char* kVersionKey = "nxp:version";
constexpr const char* kEntryAtKey = "nxp:entry-at";
constexpr const char* kEntrySizeKey = "nxp:entry-size";

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

std::optional<RepoCacheStamp> parse_stamp(const std::string& line, std::string* digest = nullptr,
                                          std::uint64_t* entries = nullptr) {
    std::istringstream in(line);
    std::string magic, sum;
    int format = 0;
    std::uint64_t section = 0;
    RepoCacheStamp s;
    if (!(in >> magic >> format >> s.key >> s.expires >> section >> sum) || magic != kMagic ||
        format != kFormat)
        return std::nullopt;
    if (digest) *digest = std::move(sum);
    if (entries) *entries = section;
    return s;
}

std::string hex(const unsigned char* bytes, std::size_t n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += kHex[bytes[i] >> 4];
        out += kHex[bytes[i] & 15];
    }
    return out;
}

// Picks libsodium's fastest BLAKE2b; when that fails the reference one is used, which works.
void init_sodium() { [[maybe_unused]] const int rc = sodium_init(); }

// Whether the rest of `f` (from its current position) hashes to `digest`; leaves `f` where
// it was, for libsolv to read the same open file.
bool rest_matches(std::FILE* f, const std::string& digest) {
    long start = std::ftell(f);
    if (start < 0) return false;
    init_sodium();
    crypto_generichash_state st;
    crypto_generichash_init(&st, nullptr, 0, crypto_generichash_BYTES);
    unsigned char buf[1 << 16];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) crypto_generichash_update(&st, buf, n);
    bool read_ok = !std::ferror(f);
    unsigned char out[crypto_generichash_BYTES];
    crypto_generichash_final(&st, out, sizeof out);
    std::clearerr(f);
    if (std::fseek(f, start, SEEK_SET) != 0) return false;
    return read_ok && hex(out, sizeof out) == digest;
}

// Reads the stamp line of an open cache file, leaving the stream at the .solv data.
std::optional<RepoCacheStamp> read_stamp(std::FILE* f, std::string* digest = nullptr,
                                         std::uint64_t* entries = nullptr) {
    char line[256];
    if (!std::fgets(line, sizeof line, f)) return std::nullopt;
    return parse_stamp(line, digest, entries);
}

}  // namespace

std::optional<RepoCacheStamp> read_repo_cache_stamp(const std::string& path) {
    FilePtr f(std::fopen(path.c_str(), "rb"));
    if (!f) return std::nullopt;
    return read_stamp(f.get());
}

Result<std::string> make_repo_cache(const std::string& key, std::int64_t expires,
                                    const std::vector<const formats::IndexEntry*>& entries) {
    return PoolModel::cache_bytes(key, expires, entries);
}

Result<std::string> PoolModel::cache_bytes(const std::string& key, std::int64_t expires,
                                           const std::vector<const formats::IndexEntry*>& entries) {
    // The section holds every entry's text, as txn::RepoCacheStream writes it (a reserved
    // name's too; it has no solvable pointing at it).
    std::string texts;
    RepoCacheBuilder b;
    for (const formats::IndexEntry* e : entries) {
        const std::string text = formats::write_index_entry(*e);
        b.add(*e, texts.size(), text.size());
        texts += text;
    }
    return b.bytes(key, expires, texts);
}

struct RepoCacheBuilder::Impl {
    ::Repo* repo = nullptr;
    Id version_key = 0;
    Id entry_at_key = 0;
    Id entry_size_key = 0;
};

RepoCacheBuilder::RepoCacheBuilder() : model_(new PoolModel()), impl_(std::make_unique<Impl>()) {
    static const Universe no_universe;
    model_->universe_ = &no_universe;
    model_->pool_.reset(pool_create());
    ::Pool* pool = model_->pool_.get();
    pool_setdisttype(pool, DISTTYPE_DEB);
    impl_->repo = repo_create(pool, "cache");
    impl_->version_key = pool_str2id(pool, kVersionKey, 1);
    impl_->entry_at_key = pool_str2id(pool, kEntryAtKey, 1);
    impl_->entry_size_key = pool_str2id(pool, kEntrySizeKey, 1);
}

RepoCacheBuilder::~RepoCacheBuilder() = default;

void RepoCacheBuilder::add(const formats::IndexEntry& e, std::uint64_t at, std::uint64_t size) {
    if (is_reserved_name(e.name, {})) return;
    Id p = model_->add_solvable(impl_->repo, e, SolvableInfo{Origin::Cached, 0});
    repo_set_str(impl_->repo, p, impl_->version_key, e.version.str().c_str());
    repo_set_num(impl_->repo, p, impl_->entry_at_key, at);
    repo_set_num(impl_->repo, p, impl_->entry_size_key, size);
    // The texts a resolving pool keeps for its messages: a cache being written shows none,
    // and for 100,000 entries they were ~15 MB of the refresh's peak.
    model_->info_.clear();
    model_->dep_text_.clear();
    model_->evr_human_.clear();
}

namespace {

// Where the cache's bytes go after its stamp line: a descriptor or a string; each byte
// also goes into the digest.
struct HashingSink {
    int fd = -1;
    std::string* mem = nullptr;
    crypto_generichash_state state;
    int error = 0;
};

bool sink_put(HashingSink& h, const char* buf, std::size_t size) {
    crypto_generichash_update(&h.state, reinterpret_cast<const unsigned char*>(buf), size);
    if (h.mem) {
        h.mem->append(buf, size);
        return true;
    }
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::write(h.fd, buf + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            h.error = n < 0 ? errno : EIO;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

ssize_t hashing_write(void* cookie, const char* buf, std::size_t size) {
    return sink_put(*static_cast<HashingSink*>(cookie), buf, size) ? static_cast<ssize_t>(size)
                                                                   : -1;
}

Result<void> cache_io_error(const std::string& path, const char* what, int err) {
    return fail(ErrorKind::Io, path, std::string(what) + ": " + std::strerror(err));
}

// The stamp line up to its digest (the digest is always 64 hex digits, then '\n').
std::string stamp_head(const std::string& key, std::int64_t expires, std::uint64_t entries) {
    return std::string(kMagic) + " " + std::to_string(kFormat) + " " + key + " " +
           std::to_string(expires) + " " + std::to_string(entries) + " ";
}

}  // namespace

// libsolv writes the .solv into `sink` (after the section, already in it).
Result<void> RepoCacheBuilder::write_solv(void* sink_cookie, const std::string& where) {
    auto& sink = *static_cast<HashingSink*>(sink_cookie);
    repo_internalize(impl_->repo);
    cookie_io_functions_t io{};
    io.write = hashing_write;
    std::FILE* out = fopencookie(&sink, "w", io);
    if (!out) return fail(ErrorKind::Io, where, "cannot allocate memory");
    std::setvbuf(out, nullptr, _IOFBF, 1 << 16);
    const int rc = repo_write(impl_->repo, out);
    const bool closed = std::fclose(out) == 0;
    if (rc != 0)
        return fail(ErrorKind::Internal, "repository cache", pool_errstr(model_->pool_.get()));
    if (!closed || sink.error != 0)
        return cache_io_error(where, "cannot write", sink.error != 0 ? sink.error : EIO);
    model_.reset();
    return {};
}

Result<std::string> RepoCacheBuilder::bytes(const std::string& key, std::int64_t expires,
                                            std::string_view texts) {
    init_sodium();
    std::string body;
    HashingSink sink;
    sink.mem = &body;
    crypto_generichash_init(&sink.state, nullptr, 0, crypto_generichash_BYTES);
    sink_put(sink, texts.data(), texts.size());
    if (auto ok = write_solv(&sink, "repository cache"); !ok) return tl::unexpected(ok.error());
    unsigned char digest[crypto_generichash_BYTES];
    crypto_generichash_final(&sink.state, digest, sizeof digest);
    std::string out = stamp_head(key, expires, texts.size()) + hex(digest, sizeof digest) + "\n";
    out.reserve(out.size() + body.size());
    out.append(body);
    return out;
}

Result<void> RepoCacheBuilder::write(const std::string& path, const std::string& key,
                                     std::int64_t expires, int texts_fd, std::uint64_t texts_size) {
    // The stamp line comes first and holds the digest of what follows: it is written last,
    // over a gap of its exact length.
    const std::string head = stamp_head(key, expires, texts_size);
    const std::size_t stamp_size = head.size() + 2 * crypto_generichash_BYTES + 1;
    std::string tmp = path + ".tmp-XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0) return cache_io_error(tmp, "cannot create", errno);
    auto give_up = [&](Result<void> why) {
        ::close(fd);
        ::unlink(tmp.c_str());
        return why;
    };
    if (::fchmod(fd, 0644) != 0) return give_up(cache_io_error(tmp, "cannot chmod", errno));
    if (::lseek(fd, static_cast<off_t>(stamp_size), SEEK_SET) < 0)
        return give_up(cache_io_error(tmp, "cannot seek", errno));
    init_sodium();
    HashingSink sink;
    sink.fd = fd;
    crypto_generichash_init(&sink.state, nullptr, 0, crypto_generichash_BYTES);
    {
        // The section, copied from the texts' file.
        std::vector<char> buf(std::size_t{1} << 20);
        std::uint64_t done = 0;
        while (done < texts_size) {
            const std::size_t want =
                static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), texts_size - done));
            const ssize_t n = ::pread(texts_fd, buf.data(), want, static_cast<off_t>(done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0)
                return give_up(
                    fail(ErrorKind::Io, "temporary file of entries",
                         std::string("cannot read: ") + std::strerror(n < 0 ? errno : EIO)));
            if (!sink_put(sink, buf.data(), static_cast<std::size_t>(n)))
                return give_up(cache_io_error(tmp, "cannot write", sink.error));
            done += static_cast<std::uint64_t>(n);
        }
    }
    if (auto ok = write_solv(&sink, tmp); !ok) return give_up(ok);
    unsigned char digest[crypto_generichash_BYTES];
    crypto_generichash_final(&sink.state, digest, sizeof digest);
    const std::string stamp = head + hex(digest, sizeof digest) + "\n";
    if (stamp.size() != stamp_size ||
        ::pwrite(fd, stamp.data(), stamp.size(), 0) != static_cast<ssize_t>(stamp.size()))
        return give_up(cache_io_error(tmp, "cannot write", errno != 0 ? errno : EIO));
    if (::fsync(fd) != 0) return give_up(cache_io_error(tmp, "fsync failed", errno));
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return cache_io_error(tmp, "cannot close", err);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return cache_io_error(path, "cannot rename into place", err);
    }
    const std::string::size_type slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return cache_io_error(dir, "cannot open for fsync", errno);
    const bool synced = ::fsync(dfd) == 0;
    const int err = errno;
    ::close(dfd);
    if (!synced) return cache_io_error(dir, "fsync failed", err);
    return {};
}

Result<void> PoolModel::add_cached(const CachedRepo& c) {
    ::Pool* pool = pool_.get();
    FilePtr f(std::fopen(c.path.c_str(), "rb"));
    if (f) {
        std::string digest;
        std::uint64_t section = 0;
        auto stamp = read_stamp(f.get(), &digest, &section);
        const long at = stamp ? std::ftell(f.get()) : -1;
        // The stamp is not trusted: a section longer than any file is refused before seeking.
        if (stamp && stamp->key == c.key && at >= 0 &&
            section <= static_cast<std::uint64_t>(std::numeric_limits<long>::max() - at) &&
            rest_matches(f.get(), digest) &&
            std::fseek(f.get(), at + static_cast<long>(section), SEEK_SET) == 0) {
            ::Repo* repo = repo_create(pool, c.name.c_str());
            repo->priority = c.priority;
            if (repo_add_solv(repo, f.get(), 0) == 0) {
                cached_repos_.push_back(repo);
                // The file stays open for the entries: the bytes read are the ones checked.
                cached_texts_.push_back({repo,
                                         std::shared_ptr<std::FILE>(f.release(), FileCloser{}),
                                         static_cast<std::uint64_t>(at), section});
                return {};
            }
            repo_free(repo, 1);  // a damaged file: drop what was read, parse instead
        }
    }
    if (!c.reparse) return fail(ErrorKind::Invalid, c.path, "unreadable repository cache");
    auto entries = c.reparse();
    if (!entries) return tl::unexpected(entries.error());
    ::Repo* repo = repo_create(pool, c.name.c_str());
    repo->priority = c.priority;
    const std::size_t first = reparsed_.size();
    for (auto& e : *entries) {
        if (is_reserved_name(e.name, host())) continue;
        reparsed_.push_back({c.name, c.priority, std::move(e)});
    }
    for (std::size_t i = first; i < reparsed_.size(); ++i)
        add_solvable(repo, reparsed_[i].entry, SolvableInfo{Origin::Reparsed, i});
    return {};
}

Id PoolModel::key_id(const char* name) const { return pool_str2id(pool_.get(), name, 0); }

formats::Version PoolModel::cached_version(Id solvable) const {
    ::Pool* pool = pool_.get();
    const Solvable* s = pool_id2solvable(pool, solvable);
    if (const char* text = repo_lookup_str(s->repo, solvable, key_id(kVersionKey))) {
        if (auto v = formats::parse_version(text)) return *v;
    }
    auto v = formats::parse_version(from_evr(pool_id2str(pool, s->evr)));
    return v ? *v : formats::Version{};
}

std::optional<formats::IndexEntry> PoolModel::entry(Id solvable) const {
    if (const Available* a = available(solvable)) return a->entry;
    const auto* i = info(solvable);
    if (!i || i->origin != Origin::Cached) return std::nullopt;
    const Solvable* s = pool_id2solvable(pool_.get(), solvable);
    const CachedTexts* texts = nullptr;
    for (const auto& t : cached_texts_)
        if (t.repo == s->repo) texts = &t;
    const Id at_key = key_id(kEntryAtKey);
    const Id size_key = key_id(kEntrySizeKey);
    if (!texts || at_key == 0 || size_key == 0) return std::nullopt;
    constexpr unsigned long long kNone = ~0ULL;
    const unsigned long long at = repo_lookup_num(s->repo, solvable, at_key, kNone);
    const unsigned long long size = repo_lookup_num(s->repo, solvable, size_key, kNone);
    if (at == kNone || size == kNone || size > texts->size || at > texts->size - size)
        return std::nullopt;
    std::string text(static_cast<std::size_t>(size), '\0');
    if (::pread(::fileno(texts->file.get()), text.data(), text.size(),
                static_cast<off_t>(texts->at + at)) != static_cast<ssize_t>(text.size()))
        return std::nullopt;
    auto one = formats::parse_index_entries({text});
    if (!one || one->size() != 1) return std::nullopt;
    // The solver chose by the solvable's relations; what is installed is the entry. A cache
    // in which they disagree gives no entry (the plan then fails; txn reports it).
    if (!cached_relations_match(solvable, one->front())) return std::nullopt;
    return std::move(one->front());
}

void PoolModel::learn_texts(Id solvable) const {
    const auto* i = info(solvable);
    if (!i || i->origin != Origin::Cached) return;
    auto e = entry(solvable);
    if (!e) return;
    evr_human_.try_emplace(to_evr(e->version), e->version.str());
    for (const auto& r : e->requires_) dep(r);
    for (const auto& c : e->conflicts)
        for (const auto& alt : c.alternatives) dep(alt);
    for (const auto& r : e->replaces) dep(r);
    for (const auto& r : e->recommends) dep(r);
}

const std::vector<HostProvide>& PoolModel::host() const { return universe_->host; }

}  // namespace nxp::resolver
