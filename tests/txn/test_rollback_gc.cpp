// txn::rollback and txn::collect_garbage on real temporary roots: what a user sees afterwards
// (the `current` link, the database, the plugin files under current/plugins, what is left in
// store/ and generations/), not how the functions get there.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/common/temp_dir.hpp"
#include "tests/common/text.hpp"
#include "tests/txn/next_generation.hpp"
#include "txn/fsutil.hpp"
#include "txn/gc.hpp"
#include "txn/root.hpp"
#include "txn/transaction.hpp"

namespace fs = std::filesystem;
using namespace nxp;
using nxp::test::read_text;
using nxp::test::TempDir;

namespace {

// A root whose generations are made by txn::apply_intent (the path config, enable and
// disable take) over store trees written here: each tree holds README = "NAME VERSION".
struct Fixture {
    TempDir t;
    txn::SilentEvents ev;
    txn::Root root;

    Fixture() : root(init(t.path / "root", ev)) {}

    static txn::Root init(const fs::path& dir, txn::Events& ev) {
        auto r = txn::Root::init(dir, ev);
        if (!r) FAIL(r.error().str());
        return std::move(*r);
    }

    // The store tree of NAME VERSION, created and recorded on first use.
    std::string tree(const std::string& name, const std::string& version) {
        std::string path = "store/" + name + "-" + version + "-0123456789abcdef";
        if (fs::exists(root.dir() / path)) return path;
        fs::create_directories(root.dir() / path);
        std::ofstream(root.dir() / path / "README") << name << " " << version;
        db::StoreTree st{path, name, version, "main", "00", 10, 10, "{}"};
        db::FileRow file{"README", 'f', 0644, name.size() + 1 + version.size(), "", ""};
        auto r = root.db().add_store_tree(st, {file});
        if (!r) FAIL(r.error().str());
        return path;
    }

    // A transaction making a new generation hold exactly `pkgs` (name -> version); returns
    // its id.
    std::int64_t commit(const std::map<std::string, std::string>& pkgs) {
        txn::Intent intent;
        intent.kind = "install";
        for (const auto& [name, version] : pkgs) {
            intent.packages.push_back({name, version, tree(name, version), "explicit", "main"});
            intent.steps.push_back({"install", name, "", version, "main"});
        }
        txn::TxnReport report = test::next_generation_report(root);
        txn::TxnOptions opts;
        opts.command_line = "test commit";
        opts.user = "tester";
        auto r = txn::apply_intent(root, report, intent, opts);
        if (!r) FAIL(r.error().str());
        return report.to_generation;
    }

    // What a user sees through ROOT/current: plugin name -> its README.
    std::map<std::string, std::string> visible() const {
        std::map<std::string, std::string> seen;
        for (const auto& e : fs::directory_iterator(root.current_link() / "plugins"))
            seen[e.path().filename().string()] = read_text(e.path() / "README");
        return seen;
    }

    std::int64_t current_link() const {
        auto target = fs::read_symlink(root.current_link()).string();
        REQUIRE(target.rfind("generations/", 0) == 0);
        return std::stoll(target.substr(12));
    }

    std::vector<std::int64_t> db_generations() const {
        auto gens = root.db().generations();
        REQUIRE(gens);
        std::vector<std::int64_t> ids;
        for (const auto& g : *gens) ids.push_back(g.id);
        return ids;
    }

    std::set<std::string> db_trees() const {
        auto trees = root.db().store_trees();
        REQUIRE(trees);
        std::set<std::string> paths;
        for (const auto& st : *trees) paths.insert(st.path);
        return paths;
    }

    std::set<std::string> disk_entries(const fs::path& dir, const std::string& prefix) const {
        std::set<std::string> names;
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().filename().string()[0] != '.')
                names.insert(prefix + e.path().filename().string());
        return names;
    }

    // What must hold after anything: the link and the database name the same generation;
    // each recorded generation has its directory and every tree its packages use is on disk
    // and recorded; store/ and generations/ hold nothing the database does not know.
    void check_consistent() const {
        auto db_current = root.db().current_generation();
        REQUIRE(db_current);
        CHECK(*db_current == current_link());
        std::set<std::string> gen_dirs;
        std::set<std::string> trees = db_trees();
        for (auto id : db_generations()) {
            INFO("generation " << id);
            gen_dirs.insert(std::to_string(id));
            CHECK(fs::is_directory(root.generation_dir(id)));
            auto pkgs = root.db().generation_packages(id);
            REQUIRE(pkgs);
            for (const auto& p : *pkgs) {
                INFO(p.store_path);
                CHECK(fs::is_directory(root.dir() / p.store_path));
                CHECK(trees.count(p.store_path) == 1);
                CHECK(fs::equivalent(root.generation_dir(id) / "plugins" / p.name,
                                     root.dir() / p.store_path));
            }
        }
        CHECK(disk_entries(root.generations_dir(), "") == gen_dirs);
        CHECK(disk_entries(root.store_dir(), "store/") == trees);
    }
};

txn::TxnOptions options() {
    txn::TxnOptions opts;
    opts.command_line = "nxp rollback";
    opts.user = "tester";
    return opts;
}

}  // namespace

TEST_CASE("rollback makes the previous generation current, on disk and in the database") {
    Fixture f;
    f.commit({{"a", "1.0.0"}});
    f.commit({{"a", "2.0.0"}, {"b", "1.0.0"}});
    REQUIRE(f.current_link() == 2);
    REQUIRE(f.visible() == std::map<std::string, std::string>{{"a", "a 2.0.0"}, {"b", "b 1.0.0"}});

    auto r = txn::rollback(f.root, std::nullopt, options(), f.ev);
    if (!r) FAIL(r.error().str());
    CHECK(r->applied);
    CHECK(r->from_generation == 2);
    CHECK(r->to_generation == 1);
    CHECK(f.current_link() == 1);
    CHECK(*f.root.db().current_generation() == 1);
    CHECK(*f.root.current_on_disk() == 1);
    // The older generation's files are what a user sees: a is 1.0.0 again, b is gone.
    CHECK(f.visible() == std::map<std::string, std::string>{{"a", "a 1.0.0"}});
    auto pkgs = f.root.db().generation_packages(1);
    REQUIRE(pkgs);
    REQUIRE(pkgs->size() == 1);
    CHECK((*pkgs)[0].version == "1.0.0");
    // History records it: a done transaction from 2 to 1 with the command line.
    auto row = f.root.db().txn(r->txn_id);
    REQUIRE(row);
    REQUIRE(*row);
    CHECK((*row)->state == "done");
    CHECK((*row)->from_generation == 2);
    CHECK((*row)->to_generation == 1);
    CHECK((*row)->command_line == "nxp rollback");
    // The plan says what changed: a back to 1.0.0, b removed.
    std::set<std::string> steps;
    for (const auto& s : r->plan.steps)
        steps.insert(s.name + (s.kind == resolver::StepKind::Remove ? " removed" : " installed"));
    CHECK(steps == std::set<std::string>{"a installed", "b removed"});
    // Nothing is deleted: generation 2 can be rolled forward to again.
    f.check_consistent();
    auto forward = txn::rollback(f.root, 2, options(), f.ev);
    if (!forward) FAIL(forward.error().str());
    CHECK(f.current_link() == 2);
    CHECK(f.visible() == std::map<std::string, std::string>{{"a", "a 2.0.0"}, {"b", "b 1.0.0"}});
    f.check_consistent();
}

TEST_CASE("the next transaction after a rollback starts from the generation rolled back to") {
    Fixture f;
    f.commit({{"a", "1.0.0"}});
    f.commit({{"a", "2.0.0"}});
    REQUIRE(txn::rollback(f.root, std::nullopt, options(), f.ev));
    auto id = f.commit({{"a", "1.0.0"}, {"c", "1.0.0"}});
    CHECK(id == 3);  // ids are never reused
    CHECK(f.current_link() == 3);
    CHECK(f.visible() == std::map<std::string, std::string>{{"a", "a 1.0.0"}, {"c", "c 1.0.0"}});
    f.check_consistent();
}

TEST_CASE("rollback to generation 0 shows no plugins; impossible rollbacks change nothing") {
    Fixture f;
    f.commit({{"a", "1.0.0"}});
    f.commit({{"a", "2.0.0"}});

    SECTION("dry run") {
        auto r = txn::rollback(
            f.root, 1,
            [] {
                auto o = options();
                o.dry_run = true;
                return o;
            }(),
            f.ev);
        REQUIRE(r);
        CHECK_FALSE(r->applied);
        CHECK(r->to_generation == 1);
        CHECK(f.current_link() == 2);
        CHECK(*f.root.db().current_generation() == 2);
        f.check_consistent();
    }
    SECTION("to generation 0, then nothing older") {
        auto r = txn::rollback(f.root, 0, options(), f.ev);
        if (!r) FAIL(r.error().str());
        CHECK(f.current_link() == 0);
        CHECK(f.visible().empty());
        auto again = txn::rollback(f.root, std::nullopt, options(), f.ev);
        REQUIRE_FALSE(again);
        CHECK(again.error().kind == ErrorKind::NotFound);
        CHECK(again.error().str().find("no older generation") != std::string::npos);
        CHECK(f.current_link() == 0);
        f.check_consistent();
    }
    SECTION("a generation that does not exist") {
        auto r = txn::rollback(f.root, 42, options(), f.ev);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::NotFound);
        CHECK(r.error().str().find("generation 42") != std::string::npos);
        CHECK(f.current_link() == 2);
        f.check_consistent();
    }
    SECTION("a generation whose directory is gone") {
        fs::remove_all(f.root.generation_dir(1));
        auto r = txn::rollback(f.root, 1, options(), f.ev);
        REQUIRE_FALSE(r);
        CHECK(r.error().str().find(f.root.generation_dir(1).string()) != std::string::npos);
        CHECK(f.current_link() == 2);
        CHECK(*f.root.db().current_generation() == 2);
        CHECK(f.visible() == std::map<std::string, std::string>{{"a", "a 2.0.0"}});
    }
}

TEST_CASE("gc keeps current and the newest others, and deletes trees nothing references") {
    Fixture f;
    f.commit({{"a", "1.0.0"}});                  // 1
    f.commit({{"a", "2.0.0"}});                  // 2
    f.commit({{"a", "2.0.0"}, {"b", "1.0.0"}});  // 3
    f.commit({{"a", "3.0.0"}, {"b", "1.0.0"}});  // 4, current
    auto orphan = f.tree("z", "9.9.9");          // recorded, in no generation

    SECTION("dry run reports and deletes nothing") {
        auto r = txn::collect_garbage(f.root, 1, true);
        REQUIRE(r);
        CHECK(
            std::set<std::int64_t>(r->removed_generations.begin(), r->removed_generations.end()) ==
            std::set<std::int64_t>{0, 1, 2});
        CHECK(std::set<std::string>(r->removed_trees.begin(), r->removed_trees.end()) ==
              std::set<std::string>{f.tree("a", "1.0.0"), orphan});
        CHECK(f.db_generations() == std::vector<std::int64_t>{0, 1, 2, 3, 4});
        CHECK(fs::exists(f.root.dir() / orphan));
        CHECK(fs::exists(f.root.generation_dir(1)));
    }
    SECTION("keep 1: generations 3 and 4 stay, with every tree they use") {
        auto r = txn::collect_garbage(f.root, 1, false);
        REQUIRE(r);
        CHECK(f.db_generations() == std::vector<std::int64_t>{3, 4});
        CHECK(f.db_trees() == std::set<std::string>{f.tree("a", "2.0.0"), f.tree("a", "3.0.0"),
                                                    f.tree("b", "1.0.0")});
        CHECK_FALSE(fs::exists(f.root.dir() / orphan));
        CHECK_FALSE(fs::exists(f.root.dir() / "store/a-1.0.0-0123456789abcdef"));
        CHECK(r->freed_bytes == 20);
        CHECK(f.current_link() == 4);
        CHECK(f.visible() ==
              std::map<std::string, std::string>{{"a", "a 3.0.0"}, {"b", "b 1.0.0"}});
        // The kept older generation still works: rolling back to it shows its files.
        REQUIRE(txn::rollback(f.root, std::nullopt, options(), f.ev));
        CHECK(f.current_link() == 3);
        CHECK(f.visible() ==
              std::map<std::string, std::string>{{"a", "a 2.0.0"}, {"b", "b 1.0.0"}});
        // And one gc dropped cannot be rolled back to.
        auto gone = txn::rollback(f.root, 1, options(), f.ev);
        REQUIRE_FALSE(gone);
        CHECK(gone.error().kind == ErrorKind::NotFound);
    }
    SECTION("keep 0: only current and its trees stay") {
        REQUIRE(txn::collect_garbage(f.root, 0, false));
        CHECK(f.db_generations() == std::vector<std::int64_t>{4});
        auto again = txn::collect_garbage(f.root, 0, false);  // nothing more to do
        REQUIRE(again);
        CHECK(again->removed_generations.empty());
        CHECK(again->removed_trees.empty());
        CHECK(f.db_trees() == std::set<std::string>{f.tree("a", "3.0.0"), f.tree("b", "1.0.0")});
        CHECK(f.visible() ==
              std::map<std::string, std::string>{{"a", "a 3.0.0"}, {"b", "b 1.0.0"}});
    }
    f.check_consistent();
}

TEST_CASE("gc after a rollback never deletes the current generation or what it uses") {
    Fixture f;
    f.commit({{"a", "1.0.0"}});                  // 1
    f.commit({{"a", "2.0.0"}, {"b", "1.0.0"}});  // 2
    f.commit({{"a", "3.0.0"}});                  // 3
    f.commit({{"a", "4.0.0"}});                  // 4
    REQUIRE(txn::rollback(f.root, 2, options(), f.ev));
    REQUIRE(f.current_link() == 2);

    // keep 0: current (2) stays although newer generations exist; they and 1 go.
    auto r = txn::collect_garbage(f.root, 0, false);
    REQUIRE(r);
    CHECK(f.db_generations() == std::vector<std::int64_t>{2});
    CHECK(f.current_link() == 2);
    CHECK(f.visible() == std::map<std::string, std::string>{{"a", "a 2.0.0"}, {"b", "b 1.0.0"}});
    CHECK(f.db_trees() == std::set<std::string>{f.tree("a", "2.0.0"), f.tree("b", "1.0.0")});
    f.check_consistent();
    // The root keeps working: the next transaction is generation 5.
    CHECK(f.commit({{"a", "2.0.0"}}) == 5);
    f.check_consistent();
}

TEST_CASE("gc keeps a tree shared by a kept generation and a dropped one") {
    Fixture f;
    f.commit({{"a", "1.0.0"}, {"shared", "1.0.0"}});  // 1
    f.commit({{"a", "2.0.0"}, {"shared", "1.0.0"}});  // 2
    f.commit({{"a", "3.0.0"}});                       // 3, current
    REQUIRE(txn::collect_garbage(f.root, 1, false));
    CHECK(f.db_generations() == std::vector<std::int64_t>{2, 3});
    CHECK(fs::exists(f.root.dir() / "store/shared-1.0.0-0123456789abcdef/README"));
    CHECK_FALSE(fs::exists(f.root.dir() / "store/a-1.0.0-0123456789abcdef"));
    f.check_consistent();
}
