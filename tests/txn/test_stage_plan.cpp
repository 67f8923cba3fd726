// txn::stage_packages, the one staging step of install, update, apply and bundles (issue 14
// item 3): every step's repository must be a known source (an unknown one is an error naming
// it, and nothing is copied, fetched or extracted), a bundle's packages are cached, verified
// and extracted, and the crash points of the fault-injection build are on this path.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "repo/archive.hpp"
#include "repo/keys.hpp"
#include "tests/common/temp_dir.hpp"
#include "txn/repos.hpp"
#include "txn/root.hpp"
#include "txn/stage.hpp"

namespace fs = std::filesystem;
using namespace nxp;
using nxp::test::TempDir;

namespace {

// A fresh root, and signed-looking entries for packages NAME 1.0.0 whose archives are in
// `packages` as SHA256.nxp (what an opened bundle holds).
struct Fixture {
    TempDir t;
    txn::SilentEvents ev;
    txn::Root root;
    fs::path packages;
    std::vector<txn::RepoIndex> repos;

    Fixture() : root(init(t.path / "root", ev)), packages(t.path / "packages") {
        fs::create_directories(packages);
        txn::RepoIndex demo;
        demo.row.name = "demo";
        demo.row.url = "file://" + (t.path / "nowhere").string();  // never downloaded from
        repos.push_back(std::move(demo));
    }

    static txn::Root init(const fs::path& dir, txn::Events& ev) {
        auto r = txn::Root::init(dir, ev);
        if (!r) throw std::runtime_error(r.error().str());
        return std::move(*r);
    }

    formats::IndexEntry package(const std::string& name) {
        fs::path src = t.path / "src" / name;
        fs::create_directories(src / "files");
        std::ofstream(src / "plugin.json")
            << R"({ "name": ")" << name << R"(", "version": "1.0.0", "kind": "library", )"
            << R"("summary": "test plugin" })";
        std::ofstream(src / "files" / "README") << name << " 1.0.0";
        auto bytes = repo::pack_directory(src);
        if (!bytes) throw std::runtime_error(bytes.error().str());
        formats::IndexEntry e;
        e.name = name;
        e.version = *formats::parse_version("1.0.0");
        e.sha256 = repo::sha256_hex(*bytes);
        e.size = bytes->size();
        e.path = "packages/" + name + "-1.0.0.nxp";
        std::ofstream(packages / (e.sha256 + ".nxp"), std::ios::binary) << *bytes;
        return e;
    }

    static resolver::Step install(const formats::IndexEntry& e, const std::string& repo) {
        resolver::Step s;
        s.name = e.name;
        s.to = e.version;
        s.repo = repo;
        s.entry = e;
        s.explicit_ = true;
        return s;
    }

    txn::PackageSources bundle() const { return {&repos, packages, false}; }

    std::size_t count(const fs::path& dir) const {
        std::error_code ec;
        std::size_t n = 0;
        for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
             it.increment(ec))
            ++n;
        return n;
    }
    std::size_t cached() const { return count(root.dir() / "cache" / "packages"); }
    std::size_t trees() const { return count(root.store_dir()); }
};

}  // namespace

TEST_CASE("stage_packages: a bundle's packages are cached, verified and extracted", "[stage]") {
    Fixture f;
    resolver::Plan plan;
    plan.steps.push_back(Fixture::install(f.package("alpha"), "demo"));
    plan.steps.push_back(Fixture::install(f.package("beta"), "demo"));
    resolver::Step gone;
    gone.kind = resolver::StepKind::Remove;
    gone.name = "old";
    gone.repo = "demo";
    plan.steps.push_back(gone);
    std::map<std::string, db::GenPackage> next;
    std::uint64_t downloaded = 0;
    auto r = txn::stage_packages(f.root, plan, f.bundle(), next, downloaded, f.ev);
    if (!r) FAIL(r.error().str());
    CHECK(downloaded == 0);
    CHECK(f.cached() == 2);
    REQUIRE(next.size() == 2);  // the removal stages nothing
    for (const auto& name : {"alpha", "beta"}) {
        const auto& path = next.at(name).store_path;
        CHECK(path == txn::store_path_for(*plan.steps[name == std::string("alpha") ? 0 : 1].entry));
        std::ifstream in(f.root.dir() / path / "README");
        std::string text((std::istreambuf_iterator<char>(in)), {});
        CHECK(text == std::string(name) + " 1.0.0");
        auto tree = f.root.db().store_tree(path);
        REQUIRE(tree);
        CHECK(tree->has_value());
    }
}

TEST_CASE(
    "stage_packages: a repository that is not a source is an error naming it; nothing "
    "is copied, fetched or extracted",
    "[stage]") {
    Fixture f;
    resolver::Plan plan;
    plan.steps.push_back(Fixture::install(f.package("alpha"), "demo"));
    plan.steps.push_back(Fixture::install(f.package("beta"), "elsewhere"));
    std::map<std::string, db::GenPackage> next;
    std::uint64_t downloaded = 0;
    SECTION("from a bundle") {
        auto r = txn::stage_packages(f.root, plan, f.bundle(), next, downloaded, f.ev);
        REQUIRE_FALSE(r);
        CHECK(r.error().str() == "beta: unknown repository elsewhere");
    }
    SECTION("from repositories, offline") {
        auto r = txn::stage_packages(f.root, plan, {&f.repos, std::nullopt, true}, next, downloaded,
                                     f.ev);
        REQUIRE_FALSE(r);
        CHECK(r.error().str() == "beta: unknown repository elsewhere");
    }
    SECTION("with no repositories at all") {
        auto r =
            txn::stage_packages(f.root, plan, {nullptr, f.packages, false}, next, downloaded, f.ev);
        REQUIRE_FALSE(r);
        CHECK(r.error().str() == "alpha: unknown repository demo");
    }
    CHECK(f.cached() == 0);
    CHECK(f.trees() == 0);
    CHECK(next.empty());
}

TEST_CASE("stage_packages: a step without its signed entry is an error naming the step",
          "[stage]") {
    Fixture f;
    resolver::Plan plan;
    plan.steps.push_back(Fixture::install(f.package("alpha"), "demo"));
    plan.steps.back().entry.reset();
    std::map<std::string, db::GenPackage> next;
    std::uint64_t downloaded = 0;
    auto r = txn::stage_packages(f.root, plan, f.bundle(), next, downloaded, f.ev);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::Verification);
    CHECK(r.error().context == "alpha (repository demo)");
    CHECK(f.cached() == 0);
    CHECK(next.empty());
}

// The calling thread records each tree while the next ones are still being extracted
// (issue 20 item 3): every tree of a larger plan is recorded with its files, and when two
// archives are refused, the first in plan order is the one reported.
TEST_CASE("stage_packages: records every tree while extracting; first failure in plan order",
          "[stage]") {
    SECTION("twelve packages, all recorded with their files") {
        Fixture f;
        resolver::Plan plan;
        for (int i = 0; i < 12; ++i)
            plan.steps.push_back(Fixture::install(f.package("p" + std::to_string(10 + i)), "demo"));
        std::map<std::string, db::GenPackage> next;
        std::uint64_t downloaded = 0;
        auto r = txn::stage_packages(f.root, plan, f.bundle(), next, downloaded, f.ev);
        REQUIRE(r);
        REQUIRE(next.size() == 12);
        for (const auto& [name, p] : next) {
            INFO(name);
            auto tree = f.root.db().store_tree(p.store_path);
            REQUIRE(tree);
            REQUIRE(tree->has_value());
            CHECK((*tree)->name == name);
            auto files = f.root.db().files(p.store_path);
            REQUIRE(files);
            REQUIRE(files->size() == 1);
            CHECK(files->front().path == "README");
        }
    }
    SECTION("the 6th and 10th archives hold another package than the signed index says") {
        Fixture f;
        resolver::Plan plan;
        for (int i = 0; i < 12; ++i) {
            auto e = f.package("p" + std::to_string(10 + i));
            if (i == 5 || i == 9) e.name = "wrong" + std::to_string(i);
            plan.steps.push_back(Fixture::install(e, "demo"));
        }
        std::map<std::string, db::GenPackage> next;
        std::uint64_t downloaded = 0;
        REQUIRE(f.root.db().begin());  // as install and apply stage: one transaction
        auto r = txn::stage_packages(f.root, plan, f.bundle(), next, downloaded, f.ev);
        f.root.db().rollback();
        REQUIRE_FALSE(r);
        INFO(r.error().str());
        CHECK(r.error().kind == ErrorKind::Verification);
        CHECK(r.error().str().find("the signed index says wrong5 1.0.0") != std::string::npos);
        auto trees = f.root.db().store_trees();
        REQUIRE(trees);
        CHECK(trees->empty());  // the records of the trees before it went with the rollback
    }
}

// The archive is hashed as it is extracted (one read, issue 20 item 3): a cached file whose
// bytes are not the signed ones (another package of the same size, or the package with a
// byte changed) is refused with the digest error, and leaves no tree, temporary or final.
TEST_CASE("stage_trees: an archive changed after it was cached is refused by its sha256",
          "[stage]") {
    Fixture f;
    const auto alpha = f.package("alpha");
    const fs::path archive = f.packages / (alpha.sha256 + ".nxp");
    std::string bytes;
    {
        std::ifstream in(archive, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    SECTION("another valid package in its place, padded to the signed size") {
        const auto other = f.package("alphb");  // same name length: nearly the same size
        std::ifstream in(f.packages / (other.sha256 + ".nxp"), std::ios::binary);
        std::string b((std::istreambuf_iterator<char>(in)), {});
        b.resize(bytes.size(), '\0');  // padded or cut to the signed size
        std::ofstream(archive, std::ios::binary | std::ios::trunc) << b;
    }
    SECTION("one byte changed at the end") {
        bytes.back() = static_cast<char>(bytes.back() ^ 1);
        std::ofstream(archive, std::ios::binary | std::ios::trunc) << bytes;
    }
    SECTION("one byte changed in the middle") {
        bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x55);
        std::ofstream(archive, std::ios::binary | std::ios::trunc) << bytes;
    }
    fs::permissions(archive, fs::perms::owner_read | fs::perms::owner_write |
                                 fs::perms::group_read | fs::perms::others_read);
    std::vector<txn::StageItem> items{{&alpha, "demo", archive}};
    auto r = txn::stage_trees(f.root, items, repo::ExtractLimits{}, 2, {});
    REQUIRE_FALSE(r);
    INFO(r.error().str());
    CHECK(r.error().kind == ErrorKind::Verification);
    CHECK(r.error().str().find("differs from the signed " + alpha.sha256) != std::string::npos);
    CHECK(f.trees() == 0);
    auto trees = f.root.db().store_trees();
    REQUIRE(trees);
    CHECK(trees->empty());
}

#ifdef NXP_FAULT_INJECTION
namespace {

// Stages alpha and beta from a bundle in a child process with NXP_CRASH_AT=step; returns the
// signal that ended it (0: it exited) and the number of store trees it left.
std::pair<int, std::size_t> staged_in_child(Fixture& f, const char* step) {
    resolver::Plan plan;
    plan.steps.push_back(Fixture::install(f.package("alpha"), "demo"));
    plan.steps.push_back(Fixture::install(f.package("beta"), "demo"));
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::setenv("NXP_CRASH_AT", step, 1);
        std::map<std::string, db::GenPackage> next;
        std::uint64_t downloaded = 0;
        auto r = txn::stage_packages(f.root, plan, f.bundle(), next, downloaded, f.ev);
        ::_exit(r ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    if (WIFEXITED(status)) REQUIRE(WEXITSTATUS(status) == 0);
    return {WIFSIGNALED(status) ? WTERMSIG(status) : 0, f.trees()};
}

}  // namespace

TEST_CASE("stage_packages: the crash points after-download and after-extract", "[stage]") {
    {
        Fixture f;
        auto [sig, trees] = staged_in_child(f, "after-download");
        CHECK(sig == SIGKILL);
        CHECK(f.cached() == 2);  // both cached, nothing extracted yet
        CHECK(trees == 0);
    }
    {
        Fixture f;
        auto [sig, trees] = staged_in_child(f, "after-extract");
        CHECK(sig == SIGKILL);
        CHECK(trees == 2);  // extracted in parallel; killed after the first was recorded
    }
    {
        Fixture f;
        auto [sig, trees] = staged_in_child(f, "no-such-step");
        CHECK(sig == 0);
        CHECK(trees == 2);
    }
}
#endif
