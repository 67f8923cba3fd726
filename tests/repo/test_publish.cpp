#include <catch2/catch.hpp>

#include "repo/archive.hpp"
#include "repo/keys.hpp"
#include "repo/publish.hpp"
#include "repo/repository.hpp"
#include "test_util.hpp"

using namespace nxp;
using namespace nxp::repo;
using namespace nxp::test;

namespace {

constexpr std::int64_t kNow = 1700000000;

fs::path packed(const TempDir& t, const std::string& name, const std::string& version,
                const std::string& extra_file = "") {
    fs::remove_all(t.path / "src");
    const fs::path src = make_plugin(t.path / "src", name, version);
    if (!extra_file.empty()) write_file(src / "files/extra", extra_file);
    auto bytes = pack_directory(src);
    REQUIRE(bytes);
    fs::path out = t.path / (name + "-" + version + extra_file + ".nxp");
    write_file(out, *bytes);
    return out;
}

BuildOptions options(const TempDir& t, std::vector<fs::path> pkgs) {
    BuildOptions o;
    o.repo_dir = t.path / "repo";
    o.packages = std::move(pkgs);
    o.repo_id = "example";
    o.now = kNow;
    return o;
}

}  // namespace

TEST_CASE("build_repository writes a signed index, packages and a catalogue", "[publish]") {
    TempDir t;
    auto kp = generate_key_pair();
    const fs::path pkg = packed(t, "demo", "1.0.0");
    auto idx = build_repository(options(t, {pkg}), kp.secret_key);
    REQUIRE(idx);
    CHECK(idx->repo == "example");
    CHECK(idx->version == 1);
    CHECK(idx->generated == kNow);
    CHECK(idx->expires == kNow + 30 * 86400);
    REQUIRE(idx->packages.size() == 1);
    const auto& e = idx->packages[0];
    CHECK(e.name == "demo");
    CHECK(e.path == "packages/demo-1.0.0.nxp");
    const std::string bytes = read_file(pkg);
    CHECK(e.size == bytes.size());
    CHECK(e.sha256 == sha256_hex(bytes));
    CHECK(e.installed_size == 18 + 14 + 7);
    CHECK(read_file(t.path / "repo/packages/demo-1.0.0.nxp") == bytes);

    const std::string zst = read_file(t.path / "repo/index.json.zst");
    const std::string sig = read_file(t.path / "repo/index.json.zst.minisig");
    auto tc = verify({kp.public_key}, zst, sig, "index");
    REQUIRE(tc);
    CHECK(*tc == "timestamp:1700000000\tfile:index.json.zst\trepo:example\tversion:1");

    const std::string html = read_file(t.path / "repo/index.html");
    CHECK(html.find("demo") != std::string::npos);
    CHECK(html.find("<script src") == std::string::npos);  // only its own inline script
    CHECK(fs::exists(t.path / "repo/plugins/demo.html"));
}

TEST_CASE("rebuilding bumps the version and keeps earlier packages", "[publish]") {
    TempDir t;
    auto kp = generate_key_pair();
    REQUIRE(build_repository(options(t, {packed(t, "demo", "1.0.0")}), kp.secret_key));
    auto opts = options(t, {packed(t, "demo", "1.1.0"), packed(t, "other", "0.1.0")});
    opts.repo_id.clear();  // kept from the existing index
    auto idx = build_repository(opts, kp.secret_key);
    REQUIRE(idx);
    CHECK(idx->version == 2);
    CHECK(idx->repo == "example");
    REQUIRE(idx->packages.size() == 3);
    CHECK(idx->packages[0].version.str() == "1.0.0");
    CHECK(idx->packages[1].version.str() == "1.1.0");
    CHECK(idx->packages[2].name == "other");

    // Re-adding identical bytes is a no-op for the package set.
    auto again = build_repository(options(t, {packed(t, "demo", "1.0.0")}), kp.secret_key);
    REQUIRE(again);
    CHECK(again->version == 3);
    CHECK(again->packages.size() == 3);
}

TEST_CASE("published versions are immutable", "[publish]") {
    TempDir t;
    auto kp = generate_key_pair();
    REQUIRE(build_repository(options(t, {packed(t, "demo", "1.0.0")}), kp.secret_key));
    const std::string before = read_file(t.path / "repo/index.json.zst");
    auto r = build_repository(options(t, {packed(t, "demo", "1.0.0", "changed")}), kp.secret_key);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("immutable") != std::string::npos);
    CHECK(read_file(t.path / "repo/index.json.zst") == before);
}

TEST_CASE("repository id: required when new, fixed afterwards", "[publish]") {
    TempDir t;
    auto kp = generate_key_pair();
    auto opts = options(t, {});
    opts.repo_id.clear();
    CHECK_FALSE(build_repository(opts, kp.secret_key));
    REQUIRE(build_repository(options(t, {}), kp.secret_key));
    opts.repo_id = "something-else";
    auto r = build_repository(opts, kp.secret_key);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("example") != std::string::npos);
}

TEST_CASE("hostile packages are refused by the publisher too", "[publish]") {
    TempDir t;
    auto kp = generate_key_pair();
    write_raw_archive(t.path / "evil.nxp", {manifest_entry(), file_entry("files/../x")});
    auto r = build_repository(options(t, {t.path / "evil.nxp"}), kp.secret_key);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::Verification);
}

TEST_CASE("same inputs and time give the same signed index bytes", "[publish]") {
    TempDir a;
    TempDir b;
    auto kp = generate_key_pair();
    REQUIRE(build_repository(options(a, {packed(a, "demo", "1.0.0")}), kp.secret_key));
    REQUIRE(build_repository(options(b, {packed(b, "demo", "1.0.0")}), kp.secret_key));
    CHECK(read_file(a.path / "repo/index.json.zst") == read_file(b.path / "repo/index.json.zst"));
    CHECK(read_file(a.path / "repo/index.json.zst.minisig") ==
          read_file(b.path / "repo/index.json.zst.minisig"));
}

TEST_CASE("index.html escapes text from packages", "[publish]") {
    TempDir t;
    auto kp = generate_key_pair();
    const fs::path src = t.path / "x";
    write_file(src / "plugin.json",
               "{\"name\": \"x\", \"version\": \"1.0.0\", \"kind\": \"library\", \"license\": "
               "\"MIT\", \"summary\": \"<script>alert('x')</script> & \\\"co\\\"\"}");
    auto bytes = pack_directory(src);
    REQUIRE(bytes);
    write_file(t.path / "x.nxp", *bytes);
    REQUIRE(build_repository(options(t, {t.path / "x.nxp"}), kp.secret_key));
    const std::string html = read_file(t.path / "repo/index.html");
    CHECK(html.find("<script>alert") == std::string::npos);
    CHECK(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;") !=
          std::string::npos);
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find("https://") == std::string::npos);
}
