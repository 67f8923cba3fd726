// What the CLI used to write itself and now asks txn for (issue 14 item 4): holds, repositories,
// configuration edits, the inverse of a transaction (history undo) and update --check, each on a
// real temporary root, checked by what a user would see afterwards (the database's rows, the
// audit log, history, the current generation).
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "formats/constraint.hpp"
#include "repo/archive.hpp"
#include "repo/keys.hpp"
#include "repo/publish.hpp"
#include "tests/common/temp_dir.hpp"
#include "tests/txn/next_generation.hpp"
#include "txn/admin.hpp"
#include "txn/config_edit.hpp"
#include "txn/root.hpp"
#include "txn/transaction.hpp"
#include "txn/undo.hpp"
#include "txn/update_check.hpp"

namespace fs = std::filesystem;
using namespace nxp;
using nxp::test::TempDir;

namespace {

constexpr const char* kConfigKeys =
    R"(, "config": {"timeout": {"type": "integer", "minimum": 1, "maximum": 60},
                    "token": {"type": "string", "secret": true}})";

std::string manifest(const std::string& name, const std::string& version,
                     const std::string& extra = "") {
    return R"({"name": ")" + name + R"(", "version": ")" + version +
           R"(", "kind": "library", "summary": "test plugin")" + extra + "}";
}

// A root whose generations apply_intent makes over store trees recorded here (no plugin code
// runs), and a file:// repository "example" signed with `key`.
struct Fixture {
    TempDir t;
    txn::SilentEvents ev;
    txn::Root root;
    repo::KeyPair key = repo::generate_key_pair();
    fs::path repo_dir = t.path / "repo";

    Fixture() : root(init(t.path / "root", ev)) {}

    static txn::Root init(const fs::path& dir, txn::Events& ev) {
        auto r = txn::Root::init(dir, ev);
        if (!r) throw std::runtime_error(r.error().str());
        return std::move(*r);
    }

    std::string tree(const std::string& name, const std::string& version,
                     const std::string& extra = "") {
        std::string path = "store/" + name + "-" + version + "-0123456789abcdef";
        if (fs::exists(root.dir() / path)) return path;
        fs::create_directories(root.dir() / path);
        std::ofstream(root.dir() / path / "README") << name << " " << version;
        db::StoreTree st{path, name, version, "example",
                         "00", 10,   10,      manifest(name, version, extra)};
        db::FileRow file{"README", 'f', 0644, name.size() + 1 + version.size(), "", ""};
        auto r = root.db().add_store_tree(st, {file});
        if (!r) FAIL(r.error().str());
        return path;
    }

    // A recorded transaction of `kind` whose generation holds exactly `pkgs`; returns its id.
    std::int64_t commit(txn::TxnKind kind, const std::map<std::string, std::string>& pkgs,
                        std::vector<txn::StepRecord> steps, const std::string& extra = "") {
        txn::Intent intent;
        intent.kind = std::string(txn::txn_kind_name(kind));
        for (const auto& [name, version] : pkgs)
            intent.packages.push_back(
                {name, version, tree(name, version, extra), "explicit", "example"});
        intent.steps = std::move(steps);
        txn::TxnReport report = test::next_generation_report(root);
        txn::TxnOptions opts;
        opts.kind = kind;
        opts.command_line = "test";
        opts.user = "tester";
        auto r = txn::apply_intent(root, report, intent, opts);
        if (!r) FAIL(r.error().str());
        auto txns = root.db().txns();
        REQUIRE(txns);
        REQUIRE_FALSE(txns->empty());
        return txns->back().id;
    }

    // Builds (or rebuilds) the repository with one package per version given.
    void publish(const std::string& name, const std::vector<std::string>& versions) {
        std::vector<fs::path> pkgs;
        for (const auto& v : versions) {
            fs::path src = t.path / "src" / (name + "-" + v);
            fs::create_directories(src / "files");
            std::ofstream(src / "plugin.json") << manifest(name, v);
            std::ofstream(src / "files" / "README") << name << " " << v;
            auto bytes = repo::pack_directory(src);
            REQUIRE(bytes);
            fs::path pkg = t.path / (name + "-" + v + ".nxp");
            std::ofstream(pkg, std::ios::binary) << *bytes;
            pkgs.push_back(pkg);
        }
        repo::BuildOptions o;
        o.repo_dir = repo_dir;
        o.packages = pkgs;
        o.repo_id = "example";
        auto idx = repo::build_repository(o, key.secret_key);
        if (!idx) FAIL(idx.error().str());
    }

    db::RepoRow row(const formats::MinisignPublicKey& pinned) const {
        db::RepoRow r;
        r.name = "example";
        r.url = "file://" + repo_dir.string();
        r.keys = {formats::public_key_base64(pinned)};
        return r;
    }

    std::vector<db::AuditRow> audit() const {
        auto log = root.db().audit_log();
        REQUIRE(log);
        return *log;
    }

    std::size_t txn_count() const {
        auto txns = root.db().txns();
        REQUIRE(txns);
        return txns->size();
    }
};

bool audited(const std::vector<db::AuditRow>& log, const std::string& action,
             const std::string& detail) {
    for (const auto& a : log)
        if (a.action == action && a.detail == detail && a.user == "tester") return true;
    return false;
}

}  // namespace

TEST_CASE("hold and unhold are recorded and audited; only installed plugins can be held",
          "[admin]") {
    Fixture f;
    f.commit(txn::TxnKind::Install, {{"alpha", "1.0.0"}, {"beta", "1.0.0"}},
             {{txn::StepAction::Install, "alpha", "", "1.0.0", "example"},
              {txn::StepAction::Install, "beta", "", "1.0.0", "example"}});

    REQUIRE(txn::set_holds(f.root, {"beta", "alpha"}, true, "tester"));
    auto holds = f.root.db().holds();
    REQUIRE(holds);
    std::sort(holds->begin(), holds->end());
    CHECK(*holds == std::vector<std::string>{"alpha", "beta"});
    CHECK(audited(f.audit(), "hold", "alpha"));
    CHECK(audited(f.audit(), "hold", "beta"));

    REQUIRE(txn::set_holds(f.root, {"beta"}, false, "tester"));
    holds = f.root.db().holds();
    REQUIRE(holds);
    CHECK(*holds == std::vector<std::string>{"alpha"});
    CHECK(audited(f.audit(), "unhold", "beta"));

    // Holding something not installed changes nothing, even for the installed names before it.
    const auto log_before = f.audit().size();
    auto missing = txn::set_holds(f.root, {"beta", "gamma"}, true, "tester");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::NotFound);
    CHECK(missing.error().context == "gamma");
    holds = f.root.db().holds();
    REQUIRE(holds);
    CHECK(*holds == std::vector<std::string>{"alpha"});
    CHECK(f.audit().size() == log_before);
}

TEST_CASE("repo add verifies the index at once; a failure leaves no row and no audit entry",
          "[admin]") {
    Fixture f;
    f.publish("demo", {"1.0.0"});

    SECTION("a key that did not sign the index") {
        auto other = repo::generate_key_pair();
        auto r = txn::add_repository(f.root, f.row(other.public_key), false, 0, "tester");
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Verification);
    }
    SECTION("a URL with nothing there") {
        auto row = f.row(f.key.public_key);
        row.url = "file://" + (f.t.path / "no-such-repo").string();
        auto r = txn::add_repository(f.root, row, false, 0, "tester");
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Network);
    }
    auto rows = f.root.db().repos();
    REQUIRE(rows);
    CHECK(rows->empty());
    for (const auto& a : f.audit()) CHECK(a.action != "repo-add");
}

TEST_CASE("repo add and remove record the row, its index and audit entries without credentials",
          "[admin]") {
    Fixture f;
    f.publish("demo", {"1.0.0", "1.1.0"});
    auto added = txn::add_repository(f.root, f.row(f.key.public_key), false, 0, "tester");
    REQUIRE(added);
    CHECK(added->packages == 2);
    CHECK(added->index_version >= 1);
    auto rows = f.root.db().repos();
    REQUIRE(rows);
    REQUIRE(rows->size() == 1);
    CHECK((*rows)[0].last_version == added->index_version);
    CHECK(audited(f.audit(), "repo-add", "example file://" + f.repo_dir.string()));

    // Credentials in a URL stay in the row but never in what is shown or audited.
    auto secret_row = f.row(f.key.public_key);
    secret_row.name = "private";
    secret_row.url = "https://user:s3cret-token@127.0.0.1:9/repo";
    auto offline = txn::add_repository(f.root, secret_row, true, 0, "tester");
    REQUIRE(offline);
    CHECK(offline->shown_url.find("s3cret-token") == std::string::npos);
    for (const auto& a : f.audit()) CHECK(a.detail.find("s3cret-token") == std::string::npos);

    REQUIRE(fs::exists(f.root.repo_cache_dir("example")));
    REQUIRE(txn::remove_repository(f.root, "example", "tester"));
    CHECK_FALSE(fs::exists(f.root.repo_cache_dir("example")));
    CHECK(audited(f.audit(), "repo-remove", "example"));
    rows = f.root.db().repos();
    REQUIRE(rows);
    REQUIRE(rows->size() == 1);
    CHECK((*rows)[0].name == "private");
    auto again = txn::remove_repository(f.root, "example", "tester");
    REQUIRE_FALSE(again);
    CHECK(again.error().kind == ErrorKind::NotFound);
}

TEST_CASE("init checks every setting before creating anything, then records them", "[admin]") {
    TempDir t;
    txn::SilentEvents ev;
    txn::InitOptions bad;
    bad.settings = {{"gc.keep", "3"}, {"no.such.setting", "1"}};
    auto refused = txn::init_root(t.path / "root", bad, ev);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().str().find("no.such.setting") != std::string::npos);
    CHECK_FALSE(fs::exists(t.path / "root"));

    txn::InitOptions version;
    version.nextchat_version = "not a version";
    REQUIRE_FALSE(txn::init_root(t.path / "root", version, ev));
    CHECK_FALSE(fs::exists(t.path / "root"));

    txn::InitOptions good;
    good.settings = {{"gc.keep", "3"}};
    good.nextchat_version = "2.15.0";
    auto init = txn::init_root(t.path / "root", good, ev);
    REQUIRE(init);
    CHECK(init->generation == 0);
    auto keep = init->root.db().setting("gc.keep");
    REQUIRE(keep);
    CHECK(*keep == std::optional<std::string>("3"));
    auto nc = init->root.db().setting("nextchat.version");
    REQUIRE(nc);
    CHECK(*nc == std::optional<std::string>("2.15.0"));
}

TEST_CASE("config edits are validated against the manifest; errors name the plugin and key",
          "[admin]") {
    Fixture f;
    f.commit(txn::TxnKind::Install, {{"tool", "1.0.0"}},
             {{txn::StepAction::Install, "tool", "", "1.0.0", "example"}}, kConfigKeys);

    auto missing = txn::ConfigEdit::open(f.root, "nothing");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::NotFound);
    CHECK(missing.error().context == "nothing");

    auto e = txn::ConfigEdit::open(f.root, "tool");
    REQUIRE(e);
    CHECK_FALSE(e->changed());

    auto unknown = e->set("colour", "red");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().kind == ErrorKind::Invalid);
    CHECK(unknown.error().str() == "tool: colour: no such config key");

    auto too_big = e->set("timeout", "600");
    REQUIRE_FALSE(too_big);
    CHECK(too_big.error().kind == ErrorKind::Invalid);
    CHECK(too_big.error().str().find("tool") != std::string::npos);
    CHECK(too_big.error().str().find("timeout") != std::string::npos);
    CHECK(too_big.error().str().find("at most 60") != std::string::npos);

    auto not_number = e->set("timeout", "soon");
    REQUIRE_FALSE(not_number);
    CHECK(not_number.error().str().find("timeout") != std::string::npos);

    auto from_doc = e->apply(nlohmann::json{{"colour", 1}}, "settings.json");
    REQUIRE_FALSE(from_doc);
    CHECK(from_doc.error().str() == "settings.json: colour: tool has no such config key");
    CHECK_FALSE(e->changed());  // nothing invalid was kept

    REQUIRE(e->set("timeout", "30"));
    REQUIRE(e->set("token", "hunter2"));
    CHECK(e->changed());
    auto doc = e->document();
    CHECK(doc["timeout"] == 30);
    CHECK(doc["token"] == std::string(txn::kMaskedSecret));
    // The masked placeholder given back keeps the secret; null unsets.
    REQUIRE(e->apply(nlohmann::json{{"token", std::string(txn::kMaskedSecret)}}, "--edit"));
    // Sealed as it was set (issue 15): only ROOT/secret.key opens it.
    const auto sealed = e->effective().values.at("token").dump();
    CHECK(sealed.find("hunter2") == std::string::npos);
    CHECK(runtime::SecretStore(f.root.dir()).open("tool", "token", sealed).value() ==
          "\"hunter2\"");

    const auto gen_before = f.root.db().current_generation();
    REQUIRE(gen_before);
    txn::TxnOptions opts;
    opts.kind = txn::TxnKind::Config;
    opts.user = "tester";
    auto report = e->commit(f.root, opts, f.ev);
    REQUIRE(report);
    CHECK(report->applied);
    auto gen = f.root.db().current_generation();
    REQUIRE(gen);
    CHECK(*gen == report->to_generation);
    CHECK(*gen != *gen_before);
    auto again = txn::ConfigEdit::open(f.root, "tool");
    REQUIRE(again);
    CHECK(again->effective().values.at("timeout") == 30);
    REQUIRE(again->unset("timeout"));
    CHECK(again->changed());
    CHECK(again->effective().values.count("timeout") == 0);
}

TEST_CASE("undo: the inverse of an install is a remove, of a remove an install of that version",
          "[admin]") {
    Fixture f;
    auto installed = f.commit(txn::TxnKind::Install, {{"alpha", "1.2.0"}},
                              {{txn::StepAction::Install, "alpha", "", "1.2.0", "example"}});
    auto upgraded = f.commit(txn::TxnKind::Update, {{"alpha", "1.3.0"}},
                             {{txn::StepAction::Upgrade, "alpha", "1.2.0", "1.3.0", "example"}});
    auto removed = f.commit(txn::TxnKind::Remove, {},
                            {{txn::StepAction::Remove, "alpha", "1.3.0", "", "example"}});

    auto undo_install = txn::undo_request(f.root, installed);
    REQUIRE(undo_install);
    CHECK(undo_install->keep_deps);
    REQUIRE(undo_install->jobs.size() == 1);
    CHECK(undo_install->jobs[0].kind == resolver::JobKind::Remove);
    CHECK(undo_install->jobs[0].spec.name == "alpha");

    auto undo_remove = txn::undo_request(f.root, removed);
    REQUIRE(undo_remove);
    REQUIRE(undo_remove->jobs.size() == 1);
    CHECK(undo_remove->jobs[0].kind == resolver::JobKind::Install);
    CHECK(undo_remove->jobs[0].spec.name == "alpha");
    const auto& exact = undo_remove->jobs[0].spec.constraint;
    CHECK(exact.matches(*formats::parse_version("1.3.0")));
    CHECK_FALSE(exact.matches(*formats::parse_version("1.2.0")));
    CHECK_FALSE(exact.matches(*formats::parse_version("1.3.1")));

    auto undo_upgrade = txn::undo_request(f.root, upgraded);
    REQUIRE(undo_upgrade);
    REQUIRE(undo_upgrade->jobs.size() == 1);
    CHECK(undo_upgrade->jobs[0].kind == resolver::JobKind::Install);
    CHECK(undo_upgrade->jobs[0].spec.constraint.matches(*formats::parse_version("1.2.0")));
    CHECK_FALSE(undo_upgrade->jobs[0].spec.constraint.matches(*formats::parse_version("1.3.0")));

    auto none = txn::undo_request(f.root, 999);
    REQUIRE_FALSE(none);
    CHECK(none.error().kind == ErrorKind::NotFound);
    CHECK(none.error().context == "transaction 999");

    auto rb = txn::rollback(f.root, std::nullopt, txn::TxnOptions{}, f.ev);
    REQUIRE(rb);
    auto undo_rollback = txn::undo_request(f.root, rb->txn_id);
    REQUIRE_FALSE(undo_rollback);
    CHECK(undo_rollback.error().message.find("nxp rollback --to") != std::string::npos);
}

TEST_CASE("update --check lists what an update would change and changes nothing installed",
          "[admin]") {
    Fixture f;
    f.publish("demo", {"1.0.0"});
    REQUIRE(txn::add_repository(f.root, f.row(f.key.public_key), false, 0, "tester"));
    f.commit(txn::TxnKind::Install, {{"demo", "1.0.0"}},
             {{txn::StepAction::Install, "demo", "", "1.0.0", "example"}});

    auto none = txn::check_updates(f.root, {}, txn::now_or_clock(0), false, f.ev);
    REQUIRE(none);
    CHECK_FALSE(none->unsolvable);
    CHECK(none->plan.empty());

    f.publish("demo", {"1.0.0", "1.1.0"});
    const auto rows_before = f.root.db().repos();
    REQUIRE(rows_before);
    const auto gen_before = f.root.db().current_generation();
    REQUIRE(gen_before);
    const auto txns_before = f.txn_count();

    auto some = txn::check_updates(f.root, {}, txn::now_or_clock(0), false, f.ev);
    REQUIRE(some);
    CHECK_FALSE(some->unsolvable);
    REQUIRE(some->plan.steps.size() == 1);
    const auto& step = some->plan.steps[0];
    CHECK(step.name == "demo");
    CHECK(step.kind == resolver::StepKind::Upgrade);
    REQUIRE(step.from);
    REQUIRE(step.to);
    CHECK(step.from->str() == "1.0.0");
    CHECK(step.to->str() == "1.1.0");

    // Only the named plugin; an unknown one is unsolvable, not an error.
    formats::Dep other;
    other.name = "unknown-plugin";
    auto unknown = txn::check_updates(f.root, {other}, txn::now_or_clock(0), false, f.ev);
    REQUIRE(unknown);
    CHECK(unknown->unsolvable);

    // The fresh index is recorded as a refresh records it (issue 18 item 16: the update
    // after a check applies what it reported); the generation and history are untouched.
    auto rows_after = f.root.db().repos();
    REQUIRE(rows_after);
    REQUIRE(rows_after->size() == 1);
    CHECK((*rows_after)[0].last_version > (*rows_before)[0].last_version);
    CHECK((*rows_after)[0].last_sha256 != (*rows_before)[0].last_sha256);
    auto cached = txn::cached_index(f.root, (*rows_after)[0], txn::now_or_clock(0));
    REQUIRE(cached);
    CHECK(std::any_of(cached->packages.begin(), cached->packages.end(),
                      [](const auto& e) { return e.version.str() == "1.1.0"; }));
    auto gen_after = f.root.db().current_generation();
    REQUIRE(gen_after);
    CHECK(*gen_after == *gen_before);
    CHECK(f.txn_count() == txns_before);
}
