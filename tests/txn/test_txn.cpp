// Root layout, locking and crash recovery, on real temporary roots.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "tests/common/temp_dir.hpp"
#include "txn/fsutil.hpp"
#include "txn/journal.hpp"
#include "txn/root.hpp"

namespace fs = std::filesystem;
using namespace nxp;
using nxp::test::TempDir;

namespace {

class Recorder final : public txn::Events {
  public:
    std::vector<std::string> lines;
    void message(txn::Level, std::string_view text) override { lines.emplace_back(text); }
    bool confirm(std::string_view) override { return true; }
};

// Journals a transaction 0 -> 1 installing "a", with generations/1 built, as a crash would
// leave it just before (switched=false) or just after (switched=true) the switch.
std::int64_t leave_interrupted(txn::Root& root, bool switched) {
    txn::Intent in;
    in.kind = "install";
    in.steps.push_back({"install", "a", "", "1.0.0", "main"});
    in.packages.push_back(
        {"a", "1.0.0", "store/a-1.0.0-0123456789abcdef", "explicit", "main", true});
    db::TxnRow row;
    row.state = "staged";
    row.command_line = "nxp install a";
    row.from_generation = 0;
    row.to_generation = 1;
    row.plan_json = txn::intent_to_json(in);
    auto id = root.db().insert_txn(row);
    REQUIRE(id);
    db::StoreTree tree{"store/a-1.0.0-0123456789abcdef", "a", "1.0.0", "main", "00", 1, 1, "{}"};
    REQUIRE(root.db().add_store_tree(tree, {}));
    fs::create_directories(root.generation_dir(1) / "plugins");
    if (switched) REQUIRE(txn::switch_symlink(root.current_link(), "generations/1"));
    return *id;
}

}  // namespace

TEST_CASE("init lays out the root as DESIGN.md §5 says") {
    TempDir t;
    txn::SilentEvents ev;
    auto root = txn::Root::init(t.path / "root", ev);
    REQUIRE(root);
    for (const char* sub : {"store", "generations/0/plugins", "state", "cache"})
        CHECK(fs::is_directory(t.path / "root" / sub));
    CHECK(fs::read_symlink(t.path / "root/current") == "generations/0");
    struct stat st {};
    REQUIRE(::stat((t.path / "root/nxp.db").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(*root->current_on_disk() == 0);
}

TEST_CASE("opening something that is not a root names it") {
    TempDir t;
    txn::SilentEvents ev;
    auto root = txn::Root::open(t.path, {txn::Access::Read, false}, ev);
    REQUIRE_FALSE(root);
    CHECK(root.error().kind == ErrorKind::NotFound);
    CHECK(root.error().str().find(t.path.string()) != std::string::npos);
}

TEST_CASE("a second writer with --no-wait gets ErrorKind::Locked") {
    TempDir t;
    txn::SilentEvents ev;
    auto first = txn::Root::init(t.path / "root", ev);
    REQUIRE(first);
    auto second = txn::Root::open(t.path / "root", {txn::Access::Write, true}, ev);
    REQUIRE_FALSE(second);
    CHECK(second.error().kind == ErrorKind::Locked);
    auto reader = txn::Root::open(t.path / "root", {txn::Access::Read, true}, ev);
    CHECK(reader);  // readers never wait
}

TEST_CASE("a transaction interrupted after the switch is finished by the next writer") {
    TempDir t;
    Recorder ev;
    std::int64_t id = 0;
    {
        auto root = txn::Root::init(t.path / "root", ev);
        REQUIRE(root);
        id = leave_interrupted(*root, true);
    }
    auto root = txn::Root::open(t.path / "root", {txn::Access::Write, false}, ev);
    if (!root) FAIL(root.error().str());
    CHECK(*root->db().current_generation() == 1);
    auto pkgs = root->db().generation_packages(1);
    REQUIRE(pkgs);
    REQUIRE(pkgs->size() == 1);
    CHECK((*pkgs)[0].name == "a");
    CHECK((*root->db().txn(id))->state == "done");
    REQUIRE(ev.lines.size() == 1);
    CHECK(ev.lines[0].find("had taken effect") != std::string::npos);
}

TEST_CASE("a transaction interrupted before the switch is undone by the next writer") {
    TempDir t;
    Recorder ev;
    std::int64_t id = 0;
    {
        auto root = txn::Root::init(t.path / "root", ev);
        REQUIRE(root);
        id = leave_interrupted(*root, false);
    }
    auto root = txn::Root::open(t.path / "root", {txn::Access::Write, false}, ev);
    REQUIRE(root);
    CHECK(*root->db().current_generation() == 0);
    CHECK_FALSE(fs::exists(root->generation_dir(1)));
    CHECK(fs::exists(root->generation_dir(0)));
    CHECK((*root->db().txn(id))->state == "undone");
    CHECK(root->db().generation_packages(0)->empty());
}

TEST_CASE("readers do not recover; only writers do") {
    TempDir t;
    Recorder ev;
    std::int64_t id = 0;
    {
        auto root = txn::Root::init(t.path / "root", ev);
        REQUIRE(root);
        id = leave_interrupted(*root, false);
    }
    auto reader = txn::Root::open(t.path / "root", {txn::Access::Read, false}, ev);
    REQUIRE(reader);
    CHECK((*reader->db().txn(id))->state == "staged");
}

TEST_CASE("the journal round-trips and rejects corrupt text") {
    txn::Intent in;
    in.kind = "remove";
    in.steps.push_back({"remove", "b", "2.0.0", "", ""});
    in.packages.push_back({"c", "1.0.0", "store/c", "dependency", "r", false});
    in.config.push_back({"c", "token", "\"x\"", true});
    auto back = txn::intent_from_json(txn::intent_to_json(in));
    REQUIRE(back);
    CHECK(back->kind == "remove");
    CHECK(back->steps[0].from == "2.0.0");
    CHECK(back->packages[0].reason == "dependency");
    CHECK_FALSE(back->packages[0].enabled);
    CHECK(back->config[0].secret);
    CHECK_FALSE(txn::intent_from_json("{\"kind\":1}"));
    CHECK_FALSE(txn::intent_from_json("not json"));
}
