// The verified index cache and the resolver's caches made from it (.solv, graph.db): reading
// them back with their signatures checked again, writing them, and refusing a cache that
// no longer matches the signed index.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>
#include <unordered_set>

#include "db/repo_graph.hpp"
#include "formats/index_entries.hpp"
#include "repo/download.hpp"
#include "resolver/cache.hpp"
#include "txn/fsutil.hpp"
#include "txn/package_cache.hpp"
#include "txn/repo_cache.hpp"
#include "txn/repos.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;
using repo_cache::kGraphFile;
using repo_cache::kIndexFile;
using repo_cache::kSolvFile;

namespace {
constexpr std::uint64_t kMaxSignatureBytes = std::uint64_t{64} << 10;
}  // namespace

// The cached index of `row`, its signature verified again and its sha256 checked against
// the one accepted at refresh.
Result<formats::Index> cached_index(const Root& root, const db::RepoRow& row, std::int64_t now) {
    fs::path dir = root.repo_cache_dir(row.name);
    auto config = repo_config(row);
    if (!config) return tl::unexpected(config.error());
    auto raw = read_file(dir / kIndexFile);
    if (!raw) return tl::unexpected(raw.error());
    std::vector<std::string> sigs;
    for (std::size_t i = 0; i < repo::kMaxSignatures; ++i) {
        fs::path p = dir / repo::signature_name(kIndexFile, i);
        if (i > 0 && !fs::exists(p)) break;
        auto sig = read_file(p, kMaxSignatureBytes);
        if (!sig) return tl::unexpected(sig.error());
        sigs.push_back(std::move(*sig));
    }
    auto loaded = repo::load_index(*config, std::move(*raw), std::move(sigs), now,
                                   (dir / kIndexFile).string());
    if (!loaded) return tl::unexpected(loaded.error());
    if (loaded->sha256 != row.last_sha256)
        return fail(ErrorKind::Verification, (dir / kIndexFile).string(),
                    "cached index differs from the one last accepted; run 'nxp refresh'");
    return std::move(loaded->index);
}

namespace repo_cache {

std::vector<const formats::IndexEntry*> installable(const formats::Index& index) {
    std::set<std::string> revoked(index.revoked.begin(), index.revoked.end());
    std::vector<const formats::IndexEntry*> out;
    for (const auto& e : index.packages)
        if (!revoked.count(e.sha256)) out.push_back(&e);
    return out;
}

bool solv_cache_usable(const Root& root, const db::RepoRow& row, std::int64_t now) {
    if (row.last_sha256.empty()) return false;
    auto stamp = resolver::read_repo_cache_stamp(solv_path(root, row.name).string());
    if (!stamp || stamp->key != row.last_sha256 || now >= stamp->expires) return false;
    // The graph is written with the .solv cache; a root whose cache predates graphs, or
    // whose graph was lost, gets both written again by this run.
    auto graph = db::RepoGraph::open(graph_path(root, row.name).string());
    return graph && graph->stamp().key == row.last_sha256;
}

}  // namespace repo_cache

// The same writer as a refresh's: the index's entries go through a RepoCacheStream.
void write_solv_cache(const Root& root, const db::RepoRow& row, const formats::Index& index,
                      Events* events) {
    RepoCacheStream stream(false);
    formats::Index head;
    head.revoked = index.revoked;
    if (!stream.begin(head)) return;
    for (const auto& e : index.packages)
        if (!stream.entry(formats::IndexEntry(e))) return;
    stream.write(root, row, index.expires, events);
}

// The caches' share of a refresh (each entry's text, solvable, graph names and references)
// is about as much work as parsing the entries: it is done by a second thread, handed the
// parsed entries in batches, in index order (issue 20: a refresh of 100,000 packages within a
// second on two cores). A stream that keeps the entries does it in line.
struct RepoCacheStream::State {
    struct FileCloser {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    std::unordered_set<std::string> revoked;
    resolver::RepoCacheBuilder solv;
    // Entry texts, one after the other, in an unnamed temporary file; where each one is.
    std::unique_ptr<std::FILE, FileCloser> texts{std::tmpfile()};
    std::uint64_t texts_size = 0;
    int texts_errno = 0;
    struct Installable {
        std::uint64_t at;
        std::uint32_t size;
        std::string refs;
        std::string names;
    };
    std::vector<Installable> installable;

    // The worker and its inbox: at most one batch waits while another is being filled.
    static constexpr std::size_t kBatch = 256;
    std::vector<formats::IndexEntry> filling;
    std::vector<formats::IndexEntry> inbox;
    bool closed = false;
    std::mutex mutex;
    std::condition_variable changed;
    std::thread worker;

    ~State() { finish(); }

    void add(const formats::IndexEntry& e) {
        if (revoked.count(e.sha256) || texts_errno != 0) return;
        // The installable entries (revoked ones left out), in index order; the .solv also
        // leaves out reserved names. The texts' file becomes the .solv's section of entries.
        const std::string text = formats::write_index_entry(e);
        if (std::fwrite(text.data(), 1, text.size(), texts.get()) != text.size()) {
            texts_errno = errno != 0 ? errno : EIO;
            return;
        }
        installable.push_back({texts_size, static_cast<std::uint32_t>(text.size()),
                               db::graph_refs(e), db::graph_names(e)});
        solv.add(e, texts_size, text.size());
        texts_size += text.size();
    }

    void start() {
        try {
            worker = std::thread([this] { work(); });
        } catch (const std::system_error&) {
            // No thread: the entries are done in line.
        }
    }

    // Queues `e` for the worker, or does it now when there is none.
    void push(formats::IndexEntry&& e) {
        if (!worker.joinable()) {
            add(e);
            return;
        }
        filling.push_back(std::move(e));
        if (filling.size() >= kBatch) hand_over();
    }

    void hand_over() {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return inbox.empty(); });
        inbox.swap(filling);
        changed.notify_all();
    }

    // Every queued entry done, the worker gone.
    void finish() {
        if (!worker.joinable()) return;
        if (!filling.empty()) hand_over();
        {
            std::lock_guard lock(mutex);
            closed = true;
        }
        changed.notify_all();
        worker.join();
    }

    void work() {
        std::vector<formats::IndexEntry> batch;
        for (;;) {
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return !inbox.empty() || closed; });
                if (inbox.empty()) return;
                batch.swap(inbox);
            }
            changed.notify_all();
            try {
                for (const auto& e : batch) add(e);
            } catch (const std::exception&) {
                texts_errno = ENOMEM;  // no caches this time; the next run makes them
            }
            batch.clear();
        }
    }
};

RepoCacheStream::RepoCacheStream(bool keep_entries) : keep_entries_(keep_entries) {}
RepoCacheStream::~RepoCacheStream() = default;

Result<void> RepoCacheStream::begin(const formats::Index& head) {
    packages_ = 0;
    kept_.clear();
    state_.reset();
    state_ = std::make_unique<State>();
    state_->revoked.insert(head.revoked.begin(), head.revoked.end());
    if (!state_->texts) state_->texts_errno = errno != 0 ? errno : EIO;
    if (!keep_entries_) state_->start();
    return {};
}

Result<void> RepoCacheStream::entry(formats::IndexEntry&& e) {
    ++packages_;
    if (keep_entries_) {
        state_->add(e);
        kept_.push_back(std::move(e));
    } else {
        state_->push(std::move(e));
    }
    return {};
}

void RepoCacheStream::write(const Root& root, const db::RepoRow& row, std::int64_t expires,
                            Events* events) {
    if (!state_) return;
    std::unique_ptr<State> st = std::move(state_);
    st->finish();
    // The graph asks for the texts in file order: read them a megabyte at a time, not with
    // one pread each (100,000 system calls for a large index).
    std::vector<char> buf;
    std::uint64_t buf_at = 0;
    auto text_of = [&](std::size_t k) -> Result<std::string_view> {
        const auto& at = st->installable[k];
        if (at.at < buf_at || at.at + at.size > buf_at + buf.size()) {
            buf.resize(std::max<std::size_t>(std::size_t{1} << 20, at.size));
            buf_at = at.at;
            const std::size_t want = static_cast<std::size_t>(
                std::min<std::uint64_t>(buf.size(), st->texts_size - at.at));
            const ssize_t n =
                ::pread(::fileno(st->texts.get()), buf.data(), want, static_cast<off_t>(at.at));
            if (n < static_cast<ssize_t>(at.size)) {
                buf.clear();
                return fail(ErrorKind::Io, "temporary file of entries",
                            std::string("cannot read: ") +
                                std::strerror(n < 0 && errno != 0 ? errno : EIO));
            }
            buf.resize(static_cast<std::size_t>(n));
        }
        return std::string_view(buf.data() + (at.at - buf_at), at.size);
    };
    Result<void> written;
    if (st->texts_errno != 0 || std::fflush(st->texts.get()) != 0) {
        written = fail(ErrorKind::Io, "temporary file of entries",
                       std::string("cannot write: ") +
                           std::strerror(st->texts_errno != 0 ? st->texts_errno : errno));
    } else if (auto d = open_repo_cache_dir(root, row.name); !d) {
        written = tl::unexpected(d.error());
    }
    if (!written) {
        if (events)
            events->message(Level::Debug,
                            "no .solv cache for " + row.name + ": " + written.error().str());
        return;
    }
    // The .solv and the graph are written at the same time, by two threads: they share only
    // the texts' file, which both read with pread.
    const std::string solv_path = repo_cache::solv_path(root, row.name).string();
    const std::string graph_path = repo_cache::graph_path(root, row.name).string();
    auto write_solv = [&] {
        written = st->solv.write(solv_path, row.last_sha256, expires, ::fileno(st->texts.get()),
                                 st->texts_size);
    };
    std::thread solv_writer;
    try {
        solv_writer = std::thread(write_solv);
    } catch (const std::system_error&) {
        write_solv();
    }
    auto graph = db::write_repo_graph(
        graph_path,
        db::GraphStamp{row.last_sha256, expires, static_cast<std::int64_t>(st->installable.size())},
        st->installable.size(), [&](std::size_t i, db::GraphRow& r) -> Result<void> {
            auto text = text_of(i);
            if (!text) return tl::unexpected(text.error());
            r.entry.assign(*text);  // into the row's reused buffer: no allocation per row
            r.refs = std::move(st->installable[i].refs);
            r.names = std::move(st->installable[i].names);
            return {};
        });
    if (solv_writer.joinable()) solv_writer.join();
    if (!written) {
        // The graph is read only beside the .solv of the same index (solv_cache_usable): one
        // without it would only be written again; the old one was of another index.
        std::error_code ec;
        fs::remove(graph_path, ec);
        if (events)
            events->message(Level::Debug,
                            "no .solv cache for " + row.name + ": " + written.error().str());
        return;
    }
    if (!graph && events)
        events->message(Level::Debug,
                        "no dependency graph for " + row.name + ": " + graph.error().str());
}

namespace {

// What differs between a planned entry and the signed one, for the message.
std::string entry_difference(const formats::IndexEntry& planned, const formats::IndexEntry& s) {
    if (planned.sha256 != s.sha256) return "sha256 " + planned.sha256 + ", signed " + s.sha256;
    if (planned.size != s.size)
        return "size " + std::to_string(planned.size) + ", signed " + std::to_string(s.size);
    if (planned.path != s.path) return "path " + planned.path + ", signed " + s.path;
    return "dependencies or metadata differ";
}

void remove_caches(const Root& root, const std::string& repo) {
    std::error_code ec;
    fs::remove(repo_cache::solv_path(root, repo), ec);
    fs::remove(repo_cache::graph_path(root, repo), ec);
}

// Why a planned entry taken from the cache is refused by the signed index, or "".
class SignedEntries {
  public:
    SignedEntries(const formats::Index& index, std::string repo)
        : revoked_(index.revoked.begin(), index.revoked.end()), repo_(std::move(repo)) {
        for (const auto& e : index.packages) by_name_[{e.name, e.version.str()}] = &e;
    }

    std::string refusal(const formats::IndexEntry& e) const {
        auto it = by_name_.find({e.name, e.version.str()});
        if (revoked_.count(e.sha256)) return "is revoked by the signed index of " + repo_;
        if (it == by_name_.end()) return "is not in the signed index of " + repo_;
        if (formats::write_index_entry(e) != formats::write_index_entry(*it->second))
            return "differs from the signed index of " + repo_ + " (" +
                   entry_difference(e, *it->second) + ")";
        return {};
    }

  private:
    std::set<std::string> revoked_;
    std::map<std::pair<std::string, std::string>, const formats::IndexEntry*> by_name_;
    std::string repo_;
};

}  // namespace

Result<void> confirm_cached_entries(const Root& root, const RepoIndex& repo,
                                    const std::vector<const formats::IndexEntry*>& entries) {
    if (!repo.from_cache || entries.empty()) return {};
    auto index = cached_index(root, repo.row, repo.now);
    if (!index) return tl::unexpected(index.error());
    const SignedEntries signed_entries(*index, repo.row.name);
    for (const formats::IndexEntry* e : entries) {
        const std::string why = signed_entries.refusal(*e);
        if (why.empty()) continue;
        const std::string label = e->name + " " + e->version.str() + " (sha256 " + e->sha256 + ")";
        remove_caches(root, repo.row.name);
        return fail(
            ErrorKind::Verification, root.repo_cache_dir(repo.row.name).string(),
            "the resolver's cache (repo.solv, graph.db) was changed since it was written: " +
                label + " " + why + "; the cache was removed, nothing was installed; " +
                "run the command again to resolve from the signed index");
    }
    return {};
}

Result<std::vector<RevokedPackage>> revoked_packages(const Root& root,
                                                     const std::vector<db::GenPackage>& pkgs) {
    std::vector<RevokedPackage> out;
    if (pkgs.empty()) return out;
    auto rows = root.db().repos();
    if (!rows) return tl::unexpected(rows.error());
    std::map<std::string, std::string> revoker;  // sha256 -> repository
    for (const auto& row : *rows) {
        if (row.last_sha256.empty()) continue;
        auto index = cached_index(root, row, 0);
        if (!index)
            return tl::unexpected(in_context(
                index.error(), "repository " + row.name + " (checking its revoked packages)"));
        for (const auto& sha : index->revoked) revoker.emplace(sha, row.name);
    }
    if (revoker.empty()) return out;
    for (const auto& p : pkgs) {
        auto tree = root.db().store_tree(p.store_path);
        if (!tree) return tl::unexpected(tree.error());
        if (!*tree) continue;
        auto it = revoker.find((*tree)->sha256);
        if (it != revoker.end()) out.push_back({p.name, p.version, (*tree)->sha256, it->second});
    }
    return out;
}

}  // namespace nxp::txn
