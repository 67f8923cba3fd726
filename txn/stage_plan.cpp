// stage_packages: the one staging step of every transaction that brings packages in.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "txn/fsutil.hpp"
#include "txn/repos.hpp"
#include "txn/settings.hpp"
#include "txn/stage.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;

namespace {

// Writes back what staging has written so far, on another thread, while staging goes on.
// Durability still comes from the one syncfs before the switch (apply_intent); this only
// moves most of that syncfs's work (ext4 allocates the blocks of delayed writes at
// writeback, then the I/O) onto the second core while the first extracts, instead of
// after it. Measured on a 1,000-plugin install: the final syncfs went from ~0.5 s to
// what the last packages left dirty.
// The thread is told to stop when staging ends but not waited for: a syncfs under way then
// takes 20-190 ms (300 node_modules-shaped plugins, issue 20, perf trace), and joining it
// held the commit of the records and the generation's build back by that much. It finishes
// beside them (the final syncfs would have done the same work), and the thread ends; the
// last owner of the state closes the descriptor.
class BackgroundWriteback {
  public:
    explicit BackgroundWriteback(const fs::path& dir) {
        const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return;  // no background writeback: the final syncfs does it all
        auto state = std::make_shared<State>(fd);
        try {
            std::thread([state] { loop(*state); }).detach();
        } catch (const std::system_error&) {
            return;
        }
        state_ = std::move(state);
    }
    ~BackgroundWriteback() {
        if (!state_) return;
        {
            std::lock_guard lock(state_->mutex);
            state_->stop = true;
        }
        state_->wake.notify_all();
    }
    BackgroundWriteback(const BackgroundWriteback&) = delete;
    BackgroundWriteback& operator=(const BackgroundWriteback&) = delete;

  private:
    struct State {
        explicit State(int descriptor) : fd(descriptor) {}
        ~State() { ::close(fd); }
        State(const State&) = delete;
        State& operator=(const State&) = delete;
        int fd;
        std::mutex mutex;
        std::condition_variable wake;
        bool stop = false;
    };

    static void loop(State& s) {
        std::unique_lock lock(s.mutex);
        while (!s.stop) {
            lock.unlock();
            (void)::syncfs(s.fd);  // an error here is the final syncfs's to report
            lock.lock();
            s.wake.wait_for(lock, std::chrono::milliseconds(50), [&s] { return s.stop; });
        }
    }

    std::shared_ptr<State> state_;
};

// The steps that bring a package in, each with its source; an error names the step whose
// entry is missing or whose repository is unknown.
Result<std::vector<Wanted>> wanted_of(const resolver::Plan& plan,
                                      const std::map<std::string, Source>& sources,
                                      std::vector<const resolver::Step*>& steps) {
    std::vector<Wanted> wanted;
    for (const auto& step : plan.steps) {
        if (step.kind == resolver::StepKind::Remove) continue;
        if (!step.entry)  // resolver: a cached entry that is unreadable or disagrees
            return fail(ErrorKind::Verification, step.name + " (repository " + step.repo + ")",
                        "the resolver's cache (cache/repos/" + step.repo +
                            ") has no entry matching what it resolved: it was changed or "
                            "damaged; run 'nxp refresh' to rebuild it");
        auto src = sources.find(step.repo);
        if (src == sources.end())
            return fail(ErrorKind::Internal, step.name, "unknown repository " + step.repo);
        wanted.push_back({&*step.entry, &src->second});
        steps.push_back(&step);
    }
    return wanted;
}

}  // namespace

Result<void> download_plan(Root& root, const resolver::Plan& plan, const PackageSources& from,
                           std::uint64_t& downloaded, Events& events) {
    const std::map<std::string, Source> sources =
        from.repos != nullptr ? sources_of(*from.repos) : std::map<std::string, Source>{};
    std::vector<const resolver::Step*> steps;
    auto wanted = wanted_of(plan, sources, steps);
    if (!wanted) return tl::unexpected(wanted.error());
    auto archives = fetch_packages(root, *wanted, from.offline, downloaded, events);
    if (!archives) return tl::unexpected(archives.error());
    return {};
}

Result<void> stage_packages(Root& root, const resolver::Plan& plan, const PackageSources& from,
                            std::map<std::string, db::GenPackage>& next, std::uint64_t& downloaded,
                            Events& events) {
    const std::map<std::string, Source> sources =
        from.repos != nullptr ? sources_of(*from.repos) : std::map<std::string, Source>{};
    std::vector<const resolver::Step*> steps;
    auto wanted = wanted_of(plan, sources, steps);
    if (!wanted) return tl::unexpected(wanted.error());
    if (from.packages_dir) {
        for (const auto& w : *wanted)
            if (auto r = cache_package_file(root, w.entry->sha256,
                                            *from.packages_dir / (w.entry->sha256 + ".nxp"));
                !r)
                return r;
    }
    // All downloads first, in parallel; nothing is extracted unless every one verified.
    auto archives = fetch_packages(root, *wanted, from.offline || from.packages_dir.has_value(),
                                   downloaded, events);
    if (!archives) return tl::unexpected(archives.error());
    crash_point("after-download");
    std::optional<BackgroundWriteback> writeback;
    if (steps.size() > 1) writeback.emplace(root.dir());
    auto limits = extract_limits(root);
    if (!limits) return tl::unexpected(limits.error());
    std::vector<StageItem> items;
    for (std::size_t i = 0; i < steps.size(); ++i)
        items.push_back({&*steps[i]->entry, steps[i]->repo, (*archives)[i]});
    // One extraction thread more than there are cores: a thread creating files waits now
    // and then (the journal, the inode table, the writeback above), and the spare one keeps
    // the cores busy meanwhile. 300 node_modules-shaped plugins on 2 cores (issue 20), four
    // pairs of runs: 3 threads 1.3-3.1 s against 2 threads 1.7-4.0 s, faster in every pair.
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency()) + 1;
    auto rels = stage_trees(
        root, items, *limits, threads, [] { crash_point("after-extract"); }, &events);
    if (!rels) return tl::unexpected(rels.error());
    for (std::size_t i = 0; i < steps.size(); ++i) next[steps[i]->name].store_path = (*rels)[i];
    return {};
}

}  // namespace nxp::txn
