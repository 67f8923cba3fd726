// The transaction pipeline driven directly (txn::run_request, txn::apply_change,
// deploy::apply_desired, txn::rollback) on a root with a small signed local repository,
// with scripted Events: what is shown and asked and in which order, where hooks and health
// checks stop a transaction, how grants are decided from data, and NextChat after commit.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deploy/apply.hpp"
#include "formats/minisign.hpp"
#include "repo/archive.hpp"
#include "repo/keys.hpp"
#include "repo/publish.hpp"
#include "tests/common/temp_dir.hpp"
#include "tests/common/text.hpp"
#include "txn/config_edit.hpp"
#include "txn/plugins.hpp"
#include "txn/root.hpp"
#include "txn/transaction.hpp"

namespace fs = std::filesystem;
using namespace nxp;
using nxp::test::read_text;
using nxp::test::TempDir;

namespace {

const char* type_name(Question::Type t) {
    switch (t) {
        case Question::Type::Proceed:
            return "proceed";
        case Question::Type::ProceedAndGrant:
            return "proceed-and-grant";
        case Question::Type::Grant:
            return "grant";
        case Question::Type::GrantUpdate:
            return "grant-update";
        case Question::Type::GrantConfigPath:
            return "grant-config-path";
    }
    return "?";
}

// Records what the transaction shows, says and asks, in order, with the generation `current`
// points at when it happens; answers questions from `answers` (Yes when none is left).
class Script final : public txn::Events {
  public:
    explicit Script(fs::path current) : current_(std::move(current)) {}
    std::vector<std::string> log;  // "preview plan", "ask grant net", "msg Granted …"
    std::vector<std::string> at;   // the `current` link's target at each log line
    std::vector<Question> asked;
    std::vector<Answer> answers;

    void message(Level, std::string_view text) override { note("msg " + std::string(text)); }
    bool confirm(std::string_view) override { return true; }
    Answer question(const Question& q) override {
        asked.push_back(q);
        note(std::string("ask ") + type_name(q.type) + (q.plugin.empty() ? "" : " " + q.plugin));
        if (answers.empty()) return Answer::Yes;
        Answer a = answers.front();
        answers.erase(answers.begin());
        return a;
    }
    void preview(const Preview& p) override {
        if (dynamic_cast<const txn::PlanPreview*>(&p)) note("preview plan");
        if (dynamic_cast<const deploy::DiffPreview*>(&p)) note("preview diff");
    }

    // The index of the first log line starting with `prefix` (-1 when none).
    long find(const std::string& prefix) const {
        for (std::size_t i = 0; i < log.size(); ++i)
            if (log[i].rfind(prefix, 0) == 0) return static_cast<long>(i);
        return -1;
    }
    bool any(const std::string& part) const {
        for (const auto& l : log)
            if (l.find(part) != std::string::npos) return true;
        return false;
    }
    std::string dump() const {
        std::string s;
        for (std::size_t i = 0; i < log.size(); ++i) s += at[i] + " | " + log[i] + "\n";
        return s;
    }

  private:
    void note(std::string line) {
        std::error_code ec;
        at.push_back(fs::read_symlink(current_, ec).string());
        log.push_back(std::move(line));
    }
    fs::path current_;
};

// A signed repository "demo" in T/repo built from plugins written here, and a root T/root
// that has it configured, NextChat at T/nc with a restart command appending to T/restarts.
struct Fixture {
    TempDir t;
    repo::KeyPair key = repo::generate_key_pair();
    std::vector<fs::path> packages;
    std::optional<txn::Root> root;

    // plugin NAME 1.0.0 with `extra` plugin.json fields and files (relative path -> body;
    // names ending in .sh are executable).
    void plugin(const std::string& name, const std::string& kind, const std::string& extra,
                const std::map<std::string, std::string>& files = {},
                const std::string& version = "1.0.0") {
        fs::path dir = t.path / "src" / (name + "-" + version);
        fs::create_directories(dir / "files");
        std::ofstream(dir / "plugin.json")
            << "{ " << extra << (extra.empty() ? "" : ", ") << "\"name\": \"" << name
            << "\", \"version\": \"" << version << "\", \"kind\": \"" << kind
            << "\", \"summary\": \"test plugin " << name << "\" }";
        std::ofstream(dir / "files/README") << name;
        for (const auto& [rel, body] : files) {
            fs::create_directories((dir / "files" / rel).parent_path());
            std::ofstream(dir / "files" / rel) << body;
            if (rel.ends_with(".sh"))
                fs::permissions(dir / "files" / rel, fs::perms::owner_all | fs::perms::group_read |
                                                         fs::perms::others_read);
        }
        auto bytes = repo::pack_directory(dir);
        if (!bytes) FAIL(bytes.error().str());
        fs::create_directories(t.path / "pkgs");
        fs::path out = t.path / "pkgs" / (name + "-" + version + ".nxp");
        std::ofstream(out, std::ios::binary) << *bytes;
        packages.push_back(out);
    }

    txn::Root& open() {
        repo::BuildOptions b;
        b.repo_dir = t.path / "repo";
        b.packages = packages;
        b.repo_id = "demo";
        auto index = repo::build_repository(b, key.secret_key);
        if (!index) FAIL(index.error().str());
        txn::SilentEvents ev;
        auto r = txn::Root::init(t.path / "root", ev);
        if (!r) FAIL(r.error().str());
        root.emplace(std::move(*r));
        db::RepoRow row;
        row.name = "demo";
        row.url = "file://" + (t.path / "repo").string();
        row.keys = {formats::public_key_base64(key.public_key)};
        REQUIRE(root->db().add_repo(row));
        REQUIRE(root->db().set_setting("nextchat.version", "2.16.0"));
        fs::create_directories(t.path / "nc/app/mcp");
        REQUIRE(root->db().set_setting("nextchat.dir", (t.path / "nc").string()));
        REQUIRE(root->db().set_setting(
            "nextchat.restart_cmd", "echo restarted >>'" + (t.path / "restarts").string() + "'"));
        return *root;
    }

    Script script() { return Script(t.path / "root/current"); }

    txn::TxnOptions options(txn::TxnKind kind = txn::TxnKind::Install) const {
        txn::TxnOptions o;
        o.kind = kind;
        o.yes = false;
        o.run.allow_unsandboxed = true;  // also where bubblewrap cannot run here
        o.run.hook_timeout_s = 10;
        o.nxp_exe = "/usr/bin/nxp";
        o.user = "tester";
        o.command_line = "test";
        return o;
    }

    Result<txn::TxnReport> install(const std::vector<std::string>& specs, const txn::TxnOptions& o,
                                   Script& s, resolver::JobKind job = resolver::JobKind::Install) {
        resolver::Request req;
        for (const auto& spec : specs) {
            auto d = formats::parse_dep(spec);
            REQUIRE(d);
            req.jobs.push_back({job, *d});
        }
        return txn::run_request(*root, req, o, s);
    }
    std::string version_of(const std::string& name) {
        auto snap = txn::current_snapshot(*root);
        REQUIRE(snap);
        auto* p = snap->find(name);
        return p ? p->version : "";
    }

    std::int64_t current() const {
        auto c = root->db().current_generation();
        REQUIRE(c);
        return *c;
    }
    std::string link() const { return fs::read_symlink(root->current_link()).string(); }
    std::size_t generations() const {
        auto g = root->db().generations();
        REQUIRE(g);
        return g->size();
    }
    std::string granted(const std::string& name) const {
        auto g = root->db().grant(name);
        REQUIRE(g);
        return g->value_or("");
    }
    std::size_t restarts() const {
        std::string text = read_text(t.path / "restarts");
        return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    }
    fs::path mcp_config() const { return t.path / "nc/app/mcp/mcp_config.json"; }
};

const char* kNet = R"("permissions": { "network": ["api.example.org"] })";

// What must hold after a transaction that was refused or aborted: nothing visible changed.
void unchanged(const Fixture& f, std::int64_t gen, std::size_t gens) {
    CHECK(f.current() == gen);
    CHECK(f.link() == "generations/" + std::to_string(gen));
    CHECK(f.generations() == gens);
    CHECK_FALSE(fs::exists(f.root->generation_dir(gen + 1)));
}

}  // namespace

TEST_CASE("install: plan shown, proceed, grant, hook before the switch, NextChat after commit") {
    Fixture f;
    f.plugin("srv", "mcp-server",
             std::string(kNet) + R"(, "mcp": { "command": "sh", "args": ["-c", "exit 0"] },
                 "hooks": { "post-install": "hook.sh" })",
             {{"hook.sh", "#!/bin/sh\necho ran >\"$PWD/ran\" 2>/dev/null; exit 0\n"}});
    f.open();
    Script s = f.script();
    auto r = f.install({"srv"}, f.options(), s);
    INFO(s.dump());
    REQUIRE(r);
    CHECK(r->applied);
    CHECK(f.current() == 1);
    // One question for the plan and its grants (issue 18 item 7): no grant question after it.
    long preview = s.find("preview plan"), proceed = s.find("ask proceed-and-grant srv"),
         granted = s.find("msg Granted srv: network"),
         hook = s.find("msg Running post-install hook of srv"),
         nextchat = s.find("msg Updated NextChat's app/mcp/mcp_config.json"),
         restart = s.find("msg Restarted NextChat");
    REQUIRE(preview >= 0);
    CHECK(preview < proceed);
    CHECK(s.find("ask grant") < 0);
    CHECK(proceed < granted);
    CHECK(granted < hook);
    CHECK(hook < nextchat);
    CHECK(nextchat < restart);
    // The hook ran on the staged generation, NextChat was written once it was current.
    CHECK(s.at[static_cast<std::size_t>(hook)] == "generations/0");
    CHECK(s.at[static_cast<std::size_t>(nextchat)] == "generations/1");
    CHECK(s.asked.size() == 1);
    CHECK(s.asked[0].text == "Proceed with these changes and grant these permissions?");
    CHECK(f.granted("srv").find("api.example.org") != std::string::npos);
    auto txns = f.root->db().txns();
    REQUIRE(txns);
    REQUIRE(txns->size() == 1);
    CHECK(txns->back().state == "done");
    auto cfg = nlohmann::json::parse(read_text(f.mcp_config()));
    CHECK(cfg["mcpServers"].contains("srv"));
    CHECK(cfg["mcpServers"]["srv"]["command"] == "/usr/bin/nxp");
    CHECK(f.restarts() == 1);
}

TEST_CASE("NextChat restarts only when mcp_config.json changed") {
    Fixture f;
    f.plugin("srv", "mcp-server", R"("mcp": { "command": "sh", "args": ["-c", "exit 0"] })");
    f.plugin("lib", "library", "");
    f.open();
    Script s = f.script();
    REQUIRE(f.install({"srv"}, f.options(), s));
    CHECK(f.restarts() == 1);
    std::string before = read_text(f.mcp_config());

    Script s2 = f.script();
    REQUIRE(f.install({"lib"}, f.options(), s2));
    INFO(s2.dump());
    CHECK(read_text(f.mcp_config()) == before);
    CHECK(f.restarts() == 1);
    CHECK_FALSE(s2.any("Restarted NextChat"));

    // Disabling the server pauses its entry: the file changes, NextChat is restarted.
    auto snap = txn::current_snapshot(*f.root);
    REQUIRE(snap);
    snap->find("srv")->enabled = false;
    Script s3 = f.script();
    auto r = txn::apply_change(*f.root, *snap,
                               {{txn::StepAction::Disable, "srv", "1.0.0", "1.0.0", "demo"}},
                               f.options(txn::TxnKind::Disable), s3);
    INFO(s3.dump());
    REQUIRE(r);
    CHECK(r->applied);
    CHECK(read_text(f.mcp_config()) != before);
    CHECK(f.restarts() == 2);
    CHECK(s3.asked.empty());  // config, enable and disable ask nothing but grants
    auto txn = f.root->db().txn(r->txn_id);
    REQUIRE(txn);
    REQUIRE(*txn);
    CHECK(txn::intent_from_json((*txn)->plan_json)->kind == "disable");
}

TEST_CASE("NextChat restarts for the server whose configuration changed, and names it") {
    // Issue 17 item 3: the entry (nxp exec NAME) does not change with a configuration, yet
    // the running server must be restarted; NXP_CHANGED_SERVERS names only that server.
    Fixture f;
    const char* extra = R"("mcp": { "command": "sh", "args": ["-c", "exit 0"] },
        "config": { "level": { "type": "integer", "default": 1, "env": "LEVEL",
                               "description": "a level" } })";
    f.plugin("srv", "mcp-server", extra);
    f.plugin("other", "mcp-server", extra);
    f.open();
    const fs::path log = f.t.path / "restarts";
    REQUIRE(f.root->db().set_setting("nextchat.restart_cmd",
                                     "echo \"$NXP_CHANGED_SERVERS\" >>'" + log.string() + "'"));
    Script s = f.script();
    REQUIRE(f.install({"srv", "other"}, f.options(), s));
    CHECK(read_text(log) == "other srv\n");
    const std::string before = read_text(f.mcp_config());

    auto edit = txn::ConfigEdit::open(*f.root, "srv");
    REQUIRE(edit);
    REQUIRE(edit->set("level", "5"));
    Script s2 = f.script();
    auto r = edit->commit(*f.root, f.options(txn::TxnKind::Config), s2);
    INFO(s2.dump());
    REQUIRE(r);
    CHECK(r->applied);
    CHECK(read_text(f.mcp_config()) == before);
    CHECK(read_text(log) == "other srv\nsrv\n");
    CHECK(s2.any("for: srv."));

    // The rollback brings back srv's old configuration: srv again, not other.
    Script s3 = f.script();
    auto back = txn::rollback(*f.root, std::nullopt, f.options(txn::TxnKind::Rollback), s3);
    INFO(s3.dump());
    REQUIRE(back);
    CHECK(read_text(log) == "other srv\nsrv\nsrv\n");
}

TEST_CASE("a failing post-install hook aborts before the switch") {
    Fixture f;
    f.plugin("badhook", "library", R"("hooks": { "post-install": "hook.sh" })",
             {{"hook.sh", "#!/bin/sh\necho broken; exit 3\n"}});
    f.open();
    Script s = f.script();
    auto r = f.install({"badhook"}, f.options(), s);
    INFO(s.dump());
    REQUIRE_FALSE(r);
    CHECK(r.error().str().find("badhook: post-install hook (hook.sh)") != std::string::npos);
    CHECK(r.error().str().find("the transaction was aborted") != std::string::npos);
    unchanged(f, 0, 1);
    CHECK_FALSE(s.any("Updated NextChat"));
    CHECK(f.restarts() == 0);
}

TEST_CASE("a failing MCP health check aborts before the switch") {
    Fixture f;
    f.plugin("deadmcp", "mcp-server",
             R"("mcp": { "command": "sh", "args": ["-c", "exit 4"] },
                 "check": { "mcp": true, "timeout": 3 })");
    f.open();
    Script s = f.script();
    auto r = f.install({"deadmcp"}, f.options(), s);
    INFO(s.dump());
    REQUIRE_FALSE(r);
    CHECK(r.error().str().find("deadmcp: MCP health check") != std::string::npos);
    CHECK(s.find("msg Checking MCP server deadmcp") >= 0);
    unchanged(f, 0, 1);
    CHECK_FALSE(fs::exists(f.mcp_config()));
    CHECK(f.restarts() == 0);
}

TEST_CASE("a refused grant changes nothing and names the plugin and the flags") {
    for (Answer answer : {Answer::No, Answer::CannotAsk}) {
        DYNAMIC_SECTION("answer " << static_cast<int>(answer)) {
            Fixture f;
            f.plugin("net", "library", kNet);
            f.open();
            Script s = f.script();
            // One question for the plan and its grants (issue 18 item 7; it used to be
            // "proceed?" and then "grant net?"): it names the plugin whose grant needs --grant.
            s.answers = {answer};
            auto r = f.install({"net"}, f.options(), s);
            INFO(s.dump());
            REQUIRE_FALSE(r);
            REQUIRE(s.asked.size() == 1);
            CHECK(s.asked[0].type == Question::Type::ProceedAndGrant);
            CHECK(s.asked[0].plugin == "net");
            CHECK(r.error().kind == ErrorKind::Cancelled);
            CHECK(r.error().str() == "cancelled; nothing was changed");
            unchanged(f, 0, 1);
            CHECK(f.granted("net").empty());
            auto trees = f.root->db().store_trees();
            REQUIRE(trees);
            CHECK(trees->empty());  // nothing fetched or staged
        }
    }
}

TEST_CASE("--yes proceeds without asking but grants nothing") {
    Fixture f;
    f.plugin("net", "library", kNet);
    f.open();
    Script s = f.script();
    s.answers = {Answer::CannotAsk};
    auto o = f.options();
    o.yes = true;
    auto r = f.install({"net"}, o, s);
    REQUIRE_FALSE(r);
    REQUIRE(s.asked.size() == 1);
    CHECK(s.asked[0].type == Question::Type::Grant);
    CHECK(s.asked[0].plugin == "net");
    unchanged(f, 0, 1);
}

TEST_CASE("a cancelled plan changes nothing") {
    Fixture f;
    f.plugin("lib", "library", "");
    f.open();
    Script s = f.script();
    s.answers = {Answer::No};
    auto r = f.install({"lib"}, f.options(), s);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::Cancelled);
    CHECK(r.error().message == "cancelled; nothing was changed");
    unchanged(f, 0, 1);
}

TEST_CASE("--grant and the policy grant without asking; another --grant does not ask") {
    Fixture f;
    f.plugin("net", "library", kNet);
    f.plugin("other", "library", kNet);
    f.open();
    SECTION("--grant NAME") {
        auto o = f.options();
        o.yes = true;
        o.grant = {"net"};
        Script s = f.script();
        REQUIRE(f.install({"net"}, o, s));
        CHECK(s.asked.empty());
        CHECK(f.granted("net").find("api.example.org") != std::string::npos);
        // --grant names another plugin: nothing is asked, so "other" is refused.
        Script s2 = f.script();
        auto r = f.install({"other"}, o, s2);
        REQUIRE_FALSE(r);
        CHECK(s2.asked.empty());
        CHECK(r.error().message.find("other: network api.example.org") != std::string::npos);
    }
    SECTION("--grant all") {
        auto o = f.options();
        o.yes = true;
        o.grant = {"all"};
        Script s = f.script();
        REQUIRE(f.install({"net", "other"}, o, s));
        CHECK(s.asked.empty());
    }
    SECTION("policy") {
        auto o = f.options();
        o.yes = true;
        formats::Permissions policy;
        policy.network = {"*"};
        o.policy = policy;
        Script s = f.script();
        s.answers = {Answer::No, Answer::No};
        REQUIRE(f.install({"net"}, o, s));
        CHECK(s.asked.empty());
        CHECK(f.granted("net").find("api.example.org") != std::string::npos);
        // A policy that does not cover it refuses without asking.
        policy.network = {"elsewhere.example.org"};
        o.policy = policy;
        Script s2 = f.script();
        REQUIRE_FALSE(f.install({"other"}, o, s2));
        CHECK(s2.asked.empty());
    }
}

TEST_CASE("apply: the diff is shown and asked, grants decided as for install") {
    Fixture f;
    f.plugin("net", "library", kNet);
    f.open();
    formats::Desired d;
    formats::DesiredPlugin p;
    p.name = "net";
    p.spec.name = "net";
    d.plugins.push_back(p);
    deploy::ApplySource source;

    Script refused = f.script();
    refused.answers = {Answer::Yes, Answer::No};
    auto r = deploy::apply_desired(*f.root, d, source, f.options(txn::TxnKind::Apply), refused);
    INFO(refused.dump());
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("net: network api.example.org") != std::string::npos);
    CHECK(refused.find("preview diff") >= 0);
    CHECK(refused.find("preview diff") < refused.find("ask proceed"));
    CHECK(refused.find("ask proceed") < refused.find("ask grant net"));
    unchanged(f, 0, 1);

    Script ok = f.script();
    auto o = f.options(txn::TxnKind::Apply);
    o.grant = {"net"};
    o.yes = true;
    auto applied = deploy::apply_desired(*f.root, d, source, o, ok);
    INFO(ok.dump());
    REQUIRE(applied);
    CHECK(applied->txn.applied);
    CHECK(ok.asked.empty());
    CHECK(f.current() == 1);
    auto txn = f.root->db().txn(applied->txn.txn_id);
    REQUIRE(txn);
    REQUIRE(*txn);
    CHECK(txn::intent_from_json((*txn)->plan_json)->kind == "apply");
}

TEST_CASE("rollback asks nothing and brings NextChat in step") {
    Fixture f;
    f.plugin("srv", "mcp-server", R"("mcp": { "command": "sh", "args": ["-c", "exit 0"] })");
    f.open();
    Script s = f.script();
    REQUIRE(f.install({"srv"}, f.options(), s));
    CHECK(f.restarts() == 1);
    Script back = f.script();
    back.answers = {Answer::No, Answer::No, Answer::No};
    auto r = txn::rollback(*f.root, std::nullopt, f.options(txn::TxnKind::Rollback), back);
    INFO(back.dump());
    REQUIRE(r);
    CHECK(back.asked.empty());
    CHECK(f.current() == 0);
    auto cfg = nlohmann::json::parse(read_text(f.mcp_config()));
    CHECK_FALSE(cfg["mcpServers"].contains("srv"));
    CHECK(f.restarts() == 2);
}

TEST_CASE("update: an upgrade asking for more is asked once, held back when refused") {
    Fixture f;
    f.plugin("up", "library", "");
    f.plugin("up", "library", kNet, {}, "2.0.0");
    f.open();
    Script first = f.script();
    REQUIRE(f.install({"up = 1.0.0"}, f.options(), first));
    REQUIRE(f.version_of("up") == "1.0.0");
    auto o = f.options(txn::TxnKind::Update);
    o.hold_back_ungranted = true;

    SECTION("refused: held back, nothing changes") {
        Script s = f.script();
        s.answers = {Answer::No};
        auto r = f.install({"up"}, o, s, resolver::JobKind::Update);
        INFO(s.dump());
        REQUIRE(r);
        REQUIRE(s.asked.size() == 1);
        CHECK(s.asked[0].type == Question::Type::GrantUpdate);
        CHECK(s.asked[0].plugin == "up");
        REQUIRE(r->held_back.size() == 1);
        CHECK(r->held_back[0].to.str() == "2.0.0");
        CHECK(r->held_back[0].missing.network == std::vector<std::string>{"api.example.org"});
        CHECK_FALSE(r->applied);
        CHECK(f.version_of("up") == "1.0.0");
        CHECK(f.granted("up").empty());
    }
    SECTION("a dry run asks nothing and holds back") {
        o.dry_run = true;
        Script s = f.script();
        auto r = f.install({"up"}, o, s, resolver::JobKind::Update);
        REQUIRE(r);
        CHECK(s.asked.empty());
        CHECK(r->held_back.size() == 1);
    }
    SECTION("approved: the grant step does not ask again") {
        Script s = f.script();
        auto r = f.install({"up"}, o, s, resolver::JobKind::Update);
        INFO(s.dump());
        REQUIRE(r);
        CHECK(r->applied);
        REQUIRE(s.asked.size() == 2);
        CHECK(s.asked[0].type == Question::Type::GrantUpdate);
        CHECK(s.asked[1].type == Question::Type::Proceed);
        CHECK(f.version_of("up") == "2.0.0");
        CHECK(f.granted("up").find("api.example.org") != std::string::npos);
        auto txn = f.root->db().txn(r->txn_id);
        REQUIRE(txn);
        REQUIRE(*txn);
        CHECK(txn::intent_from_json((*txn)->plan_json)->kind == "update");
    }
}

TEST_CASE("read_policy names the file it cannot read or parse") {
    TempDir t;
    auto none = txn::read_policy("");
    REQUIRE(none);
    CHECK_FALSE(*none);
    auto missing = txn::read_policy((t.path / "nope.json").string());
    REQUIRE_FALSE(missing);
    CHECK(missing.error().str() ==
          (t.path / "nope.json").string() + ": cannot read the policy file");
    std::ofstream(t.path / "bad.json") << R"({"network": 3})";
    auto bad = txn::read_policy((t.path / "bad.json").string());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().str().find("bad.json") != std::string::npos);
    std::ofstream(t.path / "ok.json") << R"({"network": ["*"]})";
    auto ok = txn::read_policy((t.path / "ok.json").string());
    REQUIRE(ok);
    REQUIRE(*ok);
    CHECK((*ok)->network == std::vector<std::string>{"*"});
}

TEST_CASE("several plugins asking for permissions: one question for the plan and its grants") {
    Fixture f;
    f.plugin("net", "library", kNet);
    f.plugin("other", "library", R"("permissions": { "env": ["OTHER_TOKEN"] })");
    f.plugin("plain", "library", "");
    f.open();
    SECTION("a yes grants each plugin what the preview showed") {
        Script s = f.script();
        REQUIRE(f.install({"net", "other", "plain"}, f.options(), s));
        INFO(s.dump());
        REQUIRE(s.asked.size() == 1);
        CHECK(s.asked[0].type == Question::Type::ProceedAndGrant);
        CHECK((s.asked[0].plugin == "net,other" || s.asked[0].plugin == "other,net"));
        CHECK(f.granted("net").find("api.example.org") != std::string::npos);
        CHECK(f.granted("other").find("OTHER_TOKEN") != std::string::npos);
    }
    SECTION("no, or nobody to ask, changes nothing and grants nothing") {
        for (Answer a : {Answer::No, Answer::CannotAsk}) {
            Script s = f.script();
            s.answers = {a};
            auto r = f.install({"net", "other"}, f.options(), s);
            REQUIRE_FALSE(r);
            CHECK(r.error().kind == ErrorKind::Cancelled);
            CHECK(s.asked.size() == 1);
            CHECK(f.granted("net").find("api.example.org") == std::string::npos);
            unchanged(f, 0, 1);
        }
    }
    SECTION("a plan that needs no grant asks only Proceed?") {
        Script s = f.script();
        REQUIRE(f.install({"plain"}, f.options(), s));
        REQUIRE(s.asked.size() == 1);
        CHECK(s.asked[0].type == Question::Type::Proceed);
    }
    SECTION("--grant covering only some: refused before asking, naming the flags still needed") {
        auto o = f.options();
        o.grant = {"net"};
        Script s = f.script();
        auto r = f.install({"net", "other"}, o, s);
        REQUIRE_FALSE(r);
        CHECK(s.asked.empty());
        CHECK(r.error().message.find("--grant other") != std::string::npos);
        CHECK(r.error().message.find("--yes") != std::string::npos);
        CHECK(r.error().message.find("--grant net") == std::string::npos);
        unchanged(f, 0, 1);
    }
}
