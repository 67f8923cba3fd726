// Issue 15 item 2: secret config values sealed with ROOT/secret.key (runtime::SecretStore),
// opened only by starting_config, references read at start, the one redaction, and the
// migration that seals an older nxp's plain values (db::Database::seal_plain_secrets).
#include <sqlite3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "formats/manifest.hpp"
#include "formats/redact.hpp"
#include "formats/sealed.hpp"
#include "runtime/config.hpp"
#include "runtime/secrets.hpp"
#include "tests/common/temp_dir.hpp"
#include "txn/root.hpp"

namespace fs = std::filesystem;
using namespace nxp;
using nlohmann::json;
using nxp::test::TempDir;
using runtime::SecretStore;

namespace {

std::string bytes_of(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Every file under `dir` (the database, its WAL and -shm included) as one string.
std::string all_bytes(const fs::path& dir) {
    std::string out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) out += bytes_of(e.path());
    return out;
}

formats::Manifest manifest_with_token() {
    auto m = formats::parse_manifest(R"({"name": "tool", "version": "1.0.0",
        "kind": "mcp-server", "summary": "s", "mcp": {"command": "x"},
        "config": {"token": {"type": "string", "secret": true, "env": "TOKEN"},
                   "count": {"type": "integer", "secret": true, "env": "COUNT", "maximum": 9},
                   "level": {"type": "integer", "default": 1}}})");
    REQUIRE(m);
    return *m;
}

}  // namespace

TEST_CASE("a sealed value opens only with its key, for its plugin and key", "[secrets]") {
    TempDir t;
    SecretStore store(t.path);
    CHECK_FALSE(fs::exists(t.path / "secret.key"));  // made on first need
    auto a = store.seal("tool", "token", "\"hunter2-xyz\"");
    REQUIRE(a);
    CHECK(formats::is_sealed_value(*a));
    CHECK(a->find("hunter2") == std::string::npos);
    struct stat st {};
    REQUIRE(::stat((t.path / "secret.key").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0400);
    CHECK(st.st_size == 32);

    auto b = store.seal("tool", "token", "\"hunter2-xyz\"");
    REQUIRE(b);
    CHECK(*a != *b);  // a new nonce each time
    CHECK(store.open("tool", "token", *a).value() == "\"hunter2-xyz\"");
    CHECK(SecretStore(t.path).open("tool", "token", *b).value() == "\"hunter2-xyz\"");
    CHECK(store.open("tool", "token", "\"plain\"").value() == "\"plain\"");  // an older nxp's

    // Moved to another plugin's or key's row, it does not open.
    auto moved = store.open("other", "token", *a);
    REQUIRE_FALSE(moved);
    CHECK(moved.error().str().find("other: config token") != std::string::npos);
    CHECK(moved.error().str().find("another plugin or key") != std::string::npos);
    CHECK_FALSE(store.open("tool", "password", *a));

    // Altered: one base64 character changed, or cut short.
    std::string altered = *a;
    altered[altered.size() - 5] = altered[altered.size() - 5] == 'A' ? 'B' : 'A';
    auto bad = store.open("tool", "token", altered);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().str().find("cannot be opened with") != std::string::npos);
    CHECK_FALSE(store.open("tool", "token", "\"" + std::string(formats::kSealedPrefix) + "AAAA\""));

    // Another root's key.
    TempDir other;
    auto foreign = SecretStore(other.path).open("tool", "token", *a);
    REQUIRE_FALSE(foreign);  // its key file is missing
    CHECK(foreign.error().str().find((other.path / "secret.key").string()) != std::string::npos);
    REQUIRE(SecretStore(other.path).seal("x", "y", "1"));  // now it has a key, not this one
    CHECK_FALSE(SecretStore(other.path).open("tool", "token", *a));
}

TEST_CASE("a missing, damaged, open or linked key file is an error naming it", "[secrets]") {
    TempDir t;
    auto sealed = SecretStore(t.path).seal("tool", "token", "\"v\"").value();
    const fs::path key = t.path / "secret.key";
    const fs::path saved = t.path / "saved.key";
    fs::copy_file(key, saved);
    fs::remove(key);
    auto missing = SecretStore(t.path).open("tool", "token", sealed);
    REQUIRE_FALSE(missing);
    const std::string m = missing.error().str();
    CHECK(m.find("tool: config token") != std::string::npos);
    CHECK(m.find(key.string()) != std::string::npos);
    CHECK(m.find("is missing") != std::string::npos);
    CHECK(m.find("nxp config tool token VALUE") != std::string::npos);

    for (const std::string& content : {std::string("short"), std::string(33, 'x'), std::string()}) {
        fs::remove(key);
        std::ofstream(key) << content;
        fs::permissions(key, fs::perms::owner_read);
        auto damaged = SecretStore(t.path).open("tool", "token", sealed);
        REQUIRE_FALSE(damaged);
        CHECK(damaged.error().str().find("damaged") != std::string::npos);
    }
    fs::remove(key);
    fs::copy_file(saved, key);
    fs::permissions(key, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    auto open_mode = SecretStore(t.path).open("tool", "token", sealed);
    REQUIRE_FALSE(open_mode);
    CHECK(open_mode.error().str().find("readable by other users") != std::string::npos);
    fs::remove(key);
    fs::create_symlink(saved, key);
    auto linked = SecretStore(t.path).open("tool", "token", sealed);
    REQUIRE_FALSE(linked);
    CHECK(linked.error().str().find("symbolic link") != std::string::npos);
    // Sealing never replaces a link (or anything) at the key's name.
    CHECK_FALSE(SecretStore(t.path).seal("tool", "token", "\"w\""));
    CHECK(fs::is_symlink(key));
    fs::remove(key);
    fs::copy_file(saved, key);
    fs::permissions(key, fs::perms::owner_read);
    CHECK(SecretStore(t.path).open("tool", "token", sealed).value() == "\"v\"");
}

TEST_CASE("seal_row keeps an unchanged value's sealed text; a dry run writes no key", "[secrets]") {
    TempDir t;
    SecretStore dry(t.path, SecretStore::Mode::Ephemeral);
    db::ConfigRow r{"tool", "token", "\"v1\"", true};
    REQUIRE(dry.seal_row(r));
    CHECK(formats::is_sealed_value(r.value_json));
    CHECK_FALSE(fs::exists(t.path / "secret.key"));

    SecretStore store(t.path);
    db::ConfigRow old{"tool", "token", "\"v1\"", true};
    REQUIRE(store.seal_row(old));
    db::ConfigRow same{"tool", "token", "\"v1\"", true};
    REQUIRE(store.seal_row(same, {old}));
    CHECK(same.value_json == old.value_json);
    db::ConfigRow changed{"tool", "token", "\"v2\"", true};
    REQUIRE(store.seal_row(changed, {old}));
    CHECK(changed.value_json != old.value_json);
    db::ConfigRow plain{"tool", "level", "3", false};
    REQUIRE(store.seal_row(plain, {old}));
    CHECK(plain.value_json == "3");
}

TEST_CASE("starting_config opens secrets, reads references and names what is missing",
          "[secrets]") {
    TempDir t;
    const auto m = manifest_with_token();
    SecretStore store(t.path);
    auto row = [&](const std::string& key, const json& v) {
        db::ConfigRow r{"tool", key, v.dump(), true};
        REQUIRE(store.seal_row(r));
        return r;
    };
    auto sealed = runtime::effective_config(m, {row("token", "s3cr3t-value")}, "tool");
    CHECK(sealed.values.at("token") != "s3cr3t-value");  // not opened there
    CHECK(sealed.secrets.empty());
    auto c = runtime::starting_config(m, {row("token", "s3cr3t-value")}, "tool", t.path);
    REQUIRE(c);
    CHECK(c->values.at("token") == "s3cr3t-value");
    CHECK(c->values.at("level") == 1);
    CHECK(std::find(c->secrets.begin(), c->secrets.end(), "s3cr3t-value") != c->secrets.end());

    ::setenv("NXP_TEST_SECRET_REF", "from-the-env", 1);
    ::setenv("NXP_TEST_COUNT_REF", "7", 1);
    auto e = runtime::starting_config(m,
                                      {row("token", {{"env", "NXP_TEST_SECRET_REF"}}),
                                       row("count", {{"env", "NXP_TEST_COUNT_REF"}})},
                                      "tool", t.path);
    REQUIRE(e);
    CHECK(e->values.at("token") == "from-the-env");
    CHECK(e->values.at("count") == 7);  // read as the key's type
    ::setenv("NXP_TEST_COUNT_REF", "70", 1);
    auto too_big = runtime::starting_config(m, {row("count", {{"env", "NXP_TEST_COUNT_REF"}})},
                                            "tool", t.path);
    REQUIRE_FALSE(too_big);
    CHECK(too_big.error().str().find("tool: config count") != std::string::npos);
    CHECK(too_big.error().str().find("at most 9") != std::string::npos);
    ::unsetenv("NXP_TEST_SECRET_REF");
    auto unset = runtime::starting_config(m, {row("token", {{"env", "NXP_TEST_SECRET_REF"}})},
                                          "tool", t.path);
    REQUIRE_FALSE(unset);
    CHECK(unset.error().str().find("tool: config token") != std::string::npos);
    CHECK(unset.error().str().find("NXP_TEST_SECRET_REF is not set") != std::string::npos);

    const fs::path file = t.path / "token.txt";
    std::ofstream(file) << "from-a-file\n";
    auto f = runtime::starting_config(m, {row("token", {{"file", file.string()}})}, "tool", t.path);
    REQUIRE(f);
    CHECK(f->values.at("token") == "from-a-file");
    fs::remove(file);
    auto gone =
        runtime::starting_config(m, {row("token", {{"file", file.string()}})}, "tool", t.path);
    REQUIRE_FALSE(gone);
    CHECK(gone.error().str().find(file.string()) != std::string::npos);
}

TEST_CASE("redact_secrets masks every occurrence and pieces cut off at either end", "[secrets]") {
    using formats::redact_secrets;
    const std::vector<std::string> s = {"hunter2-xyz", "abc"};
    CHECK(redact_secrets("token=hunter2-xyz; again hunter2-xyz.", s) == "token=••••; again ••••.");
    CHECK(redact_secrets("abc is too short to matter", s) == "abc is too short to matter");
    CHECK(redact_secrets("output cut: hunter2-", s) == "output cut: ••••");
    CHECK(redact_secrets("r2-xyz and more", s) == "•••• and more");  // the tail of a cut
    CHECK(redact_secrets("nothing here", s) == "nothing here");
    // The longer secret first: one containing another leaves no piece of itself.
    CHECK(redact_secrets("key-1234-long", {"key-1234", "key-1234-long"}) == "••••");
    auto texts = formats::secret_texts(json::array({"alpha-1", "beta-22"}));
    CHECK(std::find(texts.begin(), texts.end(), "alpha-1,beta-22") != texts.end());
    CHECK(std::find(texts.begin(), texts.end(), "beta-22") != texts.end());
    auto escaped = formats::secret_texts("quo\"te\\s");
    CHECK(std::find(escaped.begin(), escaped.end(), "quo\\\"te\\\\s") != escaped.end());
}

TEST_CASE("the first writer seals an older nxp's plain secrets and scrubs them everywhere",
          "[secrets]") {
    TempDir t;
    txn::SilentEvents ev;
    const fs::path dir = t.path / "root";
    const std::string plain = "Zq9-old-plain-secret";
    {
        auto root = txn::Root::init(dir, ev);
        REQUIRE(root);
        db::TxnRow txn;
        txn.state = "done";
        txn.command_line = "nxp config tool token " + plain;
        txn.plan_json = "{}";
        REQUIRE(root->db().insert_txn(txn));
        REQUIRE(root->db().audit("me", "config", "set " + plain));
        // As an older nxp wrote them: straight into the tables, in plain text.
        sqlite3* h = root->db().handle();
        const std::string sql =
            "INSERT INTO generations (id, created_at, txn_id) VALUES (5, 0, 1);"
            "INSERT INTO generation_config VALUES (5, 'tool', 'token', '\"" +
            plain +
            "\"', 1);"
            "INSERT INTO generation_config VALUES (5, 'tool', 'level', '3', 0);"
            "INSERT INTO txn_secrets VALUES (1, 'tool', 'token', '\"" +
            plain +
            "\"');"
            "DELETE FROM meta WHERE key = 'secrets_sealed';";
        REQUIRE(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
        // The database refuses a plain secret from nxp itself.
        auto refused = root->db().add_generation({6, 0, 1}, {}, {{"tool", "token", "\"x\"", true}});
        REQUIRE_FALSE(refused);
        CHECK(refused.error().kind == ErrorKind::Internal);
    }
    CHECK(all_bytes(dir).find(plain) != std::string::npos);  // the test can fail
    {
        auto reader = txn::Root::open(dir, {txn::Access::Read, false}, ev);
        REQUIRE(reader);  // a reader changes nothing
    }
    CHECK(all_bytes(dir).find(plain) != std::string::npos);
    auto root = txn::Root::open(dir, {txn::Access::Write, false}, ev);
    REQUIRE(root);
    CHECK(all_bytes(dir).find(plain) == std::string::npos);
    auto cfg = root->db().generation_config(5).value();
    REQUIRE(cfg.size() == 2);
    CHECK(cfg[0].value_json == "3");
    CHECK(formats::is_sealed_value(cfg[1].value_json));
    CHECK(SecretStore(dir).open("tool", "token", cfg[1].value_json).value() == "\"" + plain + "\"");
    auto secrets = root->db().txn_secrets(1).value();
    REQUIRE(secrets.size() == 1);
    CHECK(formats::is_sealed_value(secrets[0].value_json));
    CHECK(root->db().txn(1).value()->command_line == "nxp config tool token ••••");
    CHECK(root->db().audit_log().value().back().detail == "set ••••");
    // Done once: the next writer does nothing.
    CHECK(root->db()
              .seal_plain_secrets([](const db::ConfigRow&) -> Result<std::string> {
                  return fail(ErrorKind::Internal, "", "must not be called");
              })
              .value() == 0);
}
