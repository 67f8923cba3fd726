// Database queries on :memory:, table by table.
#include "tests/db/helpers.hpp"

using nxp::ErrorKind;
using namespace nxp::db;
using namespace nxp::db::test;

TEST_CASE("a new database is at the latest schema with empty generation 0 current", "[db]") {
    auto db = memory_db();
    CHECK(db.schema_version() >= 1);
    CHECK(db.current_generation().value() == 0);
    auto gens = db.generations().value();
    REQUIRE(gens.size() == 1);
    CHECK(gens[0].id == 0);
    CHECK(gens[0].txn_id == 0);
    CHECK(gens[0].created_at > 0);
    CHECK(db.generation_packages(0).value().empty());
    CHECK(db.next_generation_id().value() == 1);
    CHECK(db.integrity_check().value() == "ok");
    CHECK(db.handle() != nullptr);
}

TEST_CASE("repositories are added, listed by priority, updated and removed", "[db]") {
    auto db = memory_db();
    REQUIRE(db.add_repo(repo_row("beta", 0)));
    REQUIRE(db.add_repo(repo_row("alpha", 0)));
    REQUIRE(db.add_repo(repo_row("high", 10)));

    auto all = db.repos().value();
    REQUIRE(all.size() == 3);
    CHECK(all[0].name == "high");
    CHECK(all[1].name == "alpha");
    CHECK(all[2].name == "beta");

    auto one = db.repo("alpha").value();
    REQUIRE(one);
    CHECK(one->url == "https://alpha.example.org/repo");
    CHECK(one->keys == std::vector<std::string>{"RWQkey1", "RWQkey2"});
    CHECK(one->mirrors.size() == 2);
    CHECK(one->mirrors[1] == "https://m2.example.org");
    CHECK(one->last_version == 0);
    CHECK_FALSE(db.repo("nope").value());

    REQUIRE(db.set_repo_state("alpha", 17, std::string(64, 'c'), 1700000000));
    one = db.repo("alpha").value();
    CHECK(one->last_version == 17);
    CHECK(one->last_sha256 == std::string(64, 'c'));
    CHECK(one->last_fetched == 1700000000);

    // The key set accepted along the rotation chain replaces the pinned one.
    CHECK(one->key_version == 0);
    CHECK(one->threshold == 1);
    REQUIRE(db.set_repo_keys("alpha", {"RWQnew1", "RWQnew2"}, 3, 2));
    one = db.repo("alpha").value();
    CHECK(one->keys == std::vector<std::string>{"RWQnew1", "RWQnew2"});
    CHECK(one->key_version == 3);
    CHECK(one->threshold == 2);
    CHECK_FALSE(db.set_repo_keys("ghost", {}, 1, 1));

    REQUIRE(db.remove_repo("beta"));
    CHECK(db.repos().value().size() == 2);
}

TEST_CASE("repository errors: duplicate name, missing name", "[db]") {
    auto db = memory_db();
    REQUIRE(db.add_repo(repo_row("main", 0)));
    auto dup = db.add_repo(repo_row("main", 5));
    REQUIRE_FALSE(dup);
    CHECK(dup.error().kind == ErrorKind::Invalid);
    CHECK(dup.error().message.find("'main' already exists") != std::string::npos);
    CHECK(dup.error().context == ":memory:");
    CHECK(db.repo("main").value()->priority == 0);

    auto missing = db.remove_repo("ghost");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::NotFound);
    CHECK(missing.error().message.find("ghost") != std::string::npos);

    auto state = db.set_repo_state("ghost", 1, "", 0);
    REQUIRE_FALSE(state);
    CHECK(state.error().kind == ErrorKind::NotFound);
}

TEST_CASE("store trees keep their files; owners finds them", "[db]") {
    auto db = memory_db();
    auto a = tree("a", "1.0.0");
    auto b = tree("b", "2.0.0");
    REQUIRE(db.add_store_tree(a, some_files()));
    REQUIRE(db.add_store_tree(b, {some_files()[0]}));

    auto got = db.store_tree(a.path).value();
    REQUIRE(got);
    CHECK(got->name == "a");
    CHECK(got->version == "1.0.0");
    CHECK(got->size == 1234);
    CHECK(got->installed_size == 5678);
    CHECK(got->manifest_json == a.manifest_json);
    CHECK_FALSE(db.store_tree("store/none").value());
    CHECK(db.store_trees().value().size() == 2);

    auto files = db.files(a.path).value();
    REQUIRE(files.size() == 3);
    CHECK(files[0].path == "bin/run");  // ordered by path
    CHECK(files[0].type == 'l');
    CHECK(files[0].link_target == "../dist/index.js");
    CHECK(files[2].path == "dist/index.js");
    CHECK(files[2].mode == 0644);
    CHECK(files[2].size == 42);

    CHECK(db.owners("dist/index.js").value() == std::vector<std::string>{a.path, b.path});
    CHECK(db.owners("bin/run").value() == std::vector<std::string>{a.path});
    CHECK(db.owners("nothing").value().empty());

    REQUIRE(db.remove_store_tree(a.path));
    CHECK(db.files(a.path).value().empty());
    CHECK(db.owners("dist/index.js").value() == std::vector<std::string>{b.path});
}

TEST_CASE("store tree errors leave nothing half-written", "[db]") {
    auto db = memory_db();
    auto a = tree("a", "1.0.0");
    REQUIRE(db.add_store_tree(a, some_files()));
    auto dup = db.add_store_tree(a, {});
    REQUIRE_FALSE(dup);
    CHECK(dup.error().message.find(a.path) != std::string::npos);

    auto bad = tree("bad", "1.0.0");
    auto files = some_files();
    files.push_back(FileRow{"dist", 'f', 0644, 0, "", ""});  // duplicate path
    auto r = db.add_store_tree(bad, files);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("dist") != std::string::npos);
    CHECK_FALSE(db.store_tree(bad.path).value());
    CHECK(db.files(bad.path).value().empty());

    auto missing = db.remove_store_tree("store/ghost");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::NotFound);
}

TEST_CASE("generations record packages and config; the current one switches", "[db]") {
    auto db = memory_db();
    auto a = tree("a", "1.0.0");
    auto b = tree("b", "2.0.0");
    REQUIRE(db.add_store_tree(a, {}));
    REQUIRE(db.add_store_tree(b, {}));

    auto id = db.next_generation_id().value();
    CHECK(id == 1);
    // A secret value arrives sealed (issue 15); a plain one is refused and nothing is written.
    auto plain = db.add_generation(Generation{id, 1700000000, 7}, {gen_pkg(a, "explicit")},
                                   {ConfigRow{"a", "token", "\"x\"", true}});
    REQUIRE_FALSE(plain);
    CHECK(plain.error().kind == ErrorKind::Internal);
    CHECK(plain.error().str().find("a.token") != std::string::npos);
    CHECK(db.generation_config(id).value().empty());
    REQUIRE(db.add_generation(Generation{id, 1700000000, 7},
                              {gen_pkg(b, "dependency"), gen_pkg(a, "explicit")},
                              {ConfigRow{"a", "token", "\"nxp-sealed:1:AAAA\"", true},
                               ConfigRow{"a", "timeout", "30", false}}));
    REQUIRE(db.set_current_generation(id));
    CHECK(db.current_generation().value() == 1);

    auto g = db.generation(1).value();
    REQUIRE(g);
    CHECK(g->created_at == 1700000000);
    CHECK(g->txn_id == 7);
    CHECK_FALSE(db.generation(99).value());

    auto pkgs = db.generation_packages(1).value();
    REQUIRE(pkgs.size() == 2);
    CHECK(pkgs[0].name == "a");
    CHECK(pkgs[0].reason == "explicit");
    CHECK(pkgs[1].name == "b");
    CHECK(pkgs[1].reason == "dependency");
    CHECK(pkgs[1].store_path == b.path);
    CHECK(pkgs[1].enabled);

    auto cfg = db.generation_config(1).value();
    REQUIRE(cfg.size() == 2);
    CHECK(cfg[0].key == "timeout");
    CHECK(cfg[1].key == "token");
    CHECK(cfg[1].secret);
    CHECK(cfg[1].value_json == "\"nxp-sealed:1:AAAA\"");

    // A store tree in use cannot be dropped.
    auto in_use = db.remove_store_tree(a.path);
    REQUIRE_FALSE(in_use);
    CHECK(in_use.error().message.find("used by a generation") != std::string::npos);
}

TEST_CASE("generation ids are never reused and the current one is protected", "[db]") {
    auto db = memory_db();
    REQUIRE(db.add_generation(Generation{1, 1, 0}, {}, {}));
    REQUIRE(db.add_generation(Generation{2, 2, 0}, {}, {}));
    REQUIRE(db.set_current_generation(1));

    auto cur = db.remove_generation(1);
    REQUIRE_FALSE(cur);
    CHECK(cur.error().message.find("current") != std::string::npos);

    REQUIRE(db.remove_generation(2));
    CHECK(db.generations().value().size() == 2);
    CHECK(db.next_generation_id().value() == 3);  // 2 was used once, never again

    auto missing = db.remove_generation(2);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::NotFound);
    auto bad_switch = db.set_current_generation(42);
    REQUIRE_FALSE(bad_switch);
    CHECK(bad_switch.error().kind == ErrorKind::NotFound);
    CHECK(db.current_generation().value() == 1);

    auto dup = db.add_generation(Generation{1, 1, 0}, {}, {});
    REQUIRE_FALSE(dup);
    CHECK(dup.error().message.find("generation 1 already exists") != std::string::npos);
}

TEST_CASE("a failing generation insert leaves no partial generation", "[db]") {
    auto db = memory_db();
    auto a = tree("a", "1.0.0");
    REQUIRE(db.add_store_tree(a, {}));
    auto bad = gen_pkg(a, "whim");  // not explicit/dependency
    auto r = db.add_generation(Generation{1, 1, 0}, {gen_pkg(a, "explicit"), bad}, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("package 'a'") != std::string::npos);
    CHECK_FALSE(db.generation(1).value());
    CHECK(db.generation_packages(1).value().empty());

    GenPackage ghost{"g", "1.0.0", "store/missing", "explicit", "main", true};
    CHECK_FALSE(db.add_generation(Generation{1, 1, 0}, {ghost}, {}));  // unknown store path
    CHECK_FALSE(db.generation(1).value());
}

TEST_CASE("explicit transactions commit together or not at all", "[db]") {
    auto db = memory_db();
    REQUIRE(db.begin());
    REQUIRE(db.add_repo(repo_row("main", 0)));
    REQUIRE(db.add_generation(Generation{1, 1, 0}, {}, {}));  // nests as a savepoint
    REQUIRE(db.set_current_generation(1));
    db.rollback();
    CHECK(db.repos().value().empty());
    CHECK_FALSE(db.generation(1).value());
    CHECK(db.current_generation().value() == 0);

    REQUIRE(db.begin());
    REQUIRE(db.add_repo(repo_row("main", 0)));
    CHECK_FALSE(db.add_repo(repo_row("main", 0)));  // a failure inside keeps the earlier write
    REQUIRE(db.commit());
    CHECK(db.repos().value().size() == 1);

    db.rollback();  // nothing open: harmless
    CHECK_FALSE(db.commit());
}

TEST_CASE("holds, settings and the audit log", "[db]") {
    auto db = memory_db();
    REQUIRE(db.set_hold("b", true));
    REQUIRE(db.set_hold("a", true));
    REQUIRE(db.set_hold("a", true));
    CHECK(db.holds().value() == std::vector<std::string>{"a", "b"});
    REQUIRE(db.set_hold("b", false));
    REQUIRE(db.set_hold("zzz", false));
    CHECK(db.holds().value() == std::vector<std::string>{"a"});

    CHECK_FALSE(db.setting("nextchat_dir").value());
    REQUIRE(db.set_setting("nextchat_dir", "/srv/nextchat"));
    REQUIRE(db.set_setting("nextchat_dir", "/opt/nextchat"));
    CHECK(db.setting("nextchat_dir").value() == std::optional<std::string>("/opt/nextchat"));

    REQUIRE(db.audit("root", "install", "a 1.0.0"));
    REQUIRE(db.audit("root", "config", "a.token set"));
    auto log = db.audit_log().value();
    REQUIRE(log.size() == 2);
    CHECK(log[0].action == "install");
    CHECK(log[1].detail == "a.token set");
    CHECK(log[1].user == "root");
    CHECK(log[1].at > 0);
    CHECK(log[0].id < log[1].id);
}

TEST_CASE("the transaction journal", "[db]") {
    auto db = memory_db();
    TxnRow t;
    t.started_at = 100;
    t.user = "root";
    t.command_line = "nxp install a";
    t.from_generation = 0;
    t.to_generation = 1;
    t.plan_json = R"([{"kind":"install","name":"a"}])";
    auto id1 = db.insert_txn(t).value();
    t.command_line = "nxp install b";
    auto id2 = db.insert_txn(t).value();
    CHECK(id2 > id1);

    REQUIRE(db.update_txn(id1, "done", "", 200));
    auto row = db.txn(id1).value();
    REQUIRE(row);
    CHECK(row->state == "done");
    CHECK(row->finished_at == 200);
    CHECK(row->plan_json == t.plan_json);
    CHECK(row->to_generation == 1);
    CHECK_FALSE(db.txn(999).value());

    REQUIRE(db.update_txn(id2, "staged", "", 0));
    auto unfinished = db.unfinished_txns().value();
    REQUIRE(unfinished.size() == 1);
    CHECK(unfinished[0].command_line == "nxp install b");
    REQUIRE(db.update_txn(id2, "failed", "hook failed", 300));
    CHECK(db.unfinished_txns().value().empty());
    CHECK(db.txns().value().size() == 2);
    CHECK(db.txn(id2).value()->error == "hook failed");

    auto missing = db.update_txn(999, "done", "", 0);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::NotFound);
}
