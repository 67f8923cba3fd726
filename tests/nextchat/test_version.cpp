// The NextChat version nxp detects feeds the `nextchat` virtual package: it must be right,
// lenient about how people write it, and clear when it cannot be read.
#include <sys/stat.h>

#include "nextchat/mcp_config.hpp"
#include "nextchat/version.hpp"
#include "tests/nextchat/fixture.hpp"

using namespace nxp::nextchat;
using namespace nxp::nextchat::test;

namespace {

std::string detected(const fs::path& dir) {
    auto v = detect_version(dir);
    if (!v) return "error: " + v.error().str();
    return v->has_value() ? (*v)->str() : "none";
}

void set_tauri_version(const NextChatCopy& nc, const std::string& version) {
    auto path = nc.dir() / "src-tauri" / "tauri.conf.json";
    Json conf = read_json(path);
    conf["package"]["version"] = version;
    write_text(path, conf.dump(2));
}

}  // namespace

TEST_CASE("the version comes from src-tauri/tauri.conf.json", "[nextchat]") {
    NextChatCopy nc;
    auto v = detect_version(nc.dir());
    REQUIRE(v);
    REQUIRE(v->has_value());
    CHECK((*v)->major == 2);
    CHECK((*v)->minor == 16);
    CHECK((*v)->patch == 0);
}

TEST_CASE("versions written loosely are accepted", "[nextchat]") {
    NextChatCopy nc;
    set_tauri_version(nc, "v2.15.8");
    CHECK(detected(nc.dir()) == "2.15.8");
    set_tauri_version(nc, " 2.16 ");
    CHECK(detected(nc.dir()) == "2.16.0");
    set_tauri_version(nc, "2.17.0-beta.1");
    CHECK(detected(nc.dir()) == "2.17.0-beta.1");
}

TEST_CASE("package.json is the fallback; no version at all is not an error", "[nextchat]") {
    NextChatCopy nc;
    fs::remove(nc.dir() / "src-tauri" / "tauri.conf.json");
    CHECK(detected(nc.dir()) == "none");  // the real package.json names no version
    write_text(nc.dir() / "package.json", R"({"name": "nextchat", "version": "2.14.2"})");
    CHECK(detected(nc.dir()) == "2.14.2");

    write_text(nc.dir() / "src-tauri" / "tauri.conf.json", R"({"version": "2.16.1"})");
    CHECK(detected(nc.dir()) == "2.16.1");  // Tauri 2 keeps it at the top level
}

TEST_CASE("an unreadable version is reported with its file and field", "[nextchat]") {
    NextChatCopy nc;
    auto conf = (nc.dir() / "src-tauri" / "tauri.conf.json").string();
    set_tauri_version(nc, "latest");
    auto bad = detect_version(nc.dir());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().kind == nxp::ErrorKind::Invalid);
    CHECK(bad.error().context == conf + ": package.version");
    CHECK(bad.error().message.rfind("\"latest\" is not a version", 0) == 0);

    write_text(conf, R"({"package": {"version": 216}})");
    CHECK(detected(nc.dir()) == "error: " + conf + ": package.version: expected a version string");

    write_text(conf, "{ \"package\": ");
    auto broken = detect_version(nc.dir());
    REQUIRE_FALSE(broken);
    CHECK(broken.error().kind == nxp::ErrorKind::Invalid);
    CHECK(broken.error().context == conf);
}

// --- every layout NextChat ships in (nextchat/version.hpp) ----------------------------------

namespace {

// A private copy of fixtures/nextchat-docker: the official image's /app (server.js,
// package.json without a version, .next/server and .next/static, no src-tauri/).
class DockerCopy {
  public:
    DockerCopy() {
        std::string tmpl = (fs::temp_directory_path() / "nxp-version-test-XXXXXX").string();
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        root_ = tmpl;
        fs::copy(fixture_source().parent_path() / "nextchat-docker", dir(),
                 fs::copy_options::recursive);
    }
    DockerCopy(const DockerCopy&) = delete;
    DockerCopy& operator=(const DockerCopy&) = delete;
    ~DockerCopy() {
        std::error_code ec;
        fs::permissions(root_, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(root_, ec);
    }
    fs::path dir() const { return root_ / "app"; }
    fs::path outside() const { return root_ / "elsewhere"; }
    fs::path at(const std::string& rel) const { return dir() / rel; }

  private:
    fs::path root_;
};

// "VERSION from SOURCE", "none" or "error: …".
std::string found(const fs::path& dir, const VersionScanLimits& limits = {}) {
    auto v = detect_nextchat_version(dir, limits);
    if (!v) return "error: " + v.error().str();
    return v->has_value() ? (*v)->version.str() + " from " + (*v)->source : "none";
}

const char* const kPage = ".next/server/app/index.html";
const char* const kRsc = ".next/server/app/index.rsc";
const char* const kServerChunk = ".next/server/app/page.js";
const char* const kClientChunk = ".next/static/chunks/app/page-0f1e2d3c4b5a6978.js";

std::string meta(const std::string& v) {
    return "<html><head><meta name=\"config\" content=\"{&quot;version&quot;:&quot;" + v +
           "&quot;,&quot;buildMode&quot;:&quot;standalone&quot;}\"/></head></html>";
}

// The chunk holding app/config/build.ts, with the tauri config as webpack emits it.
std::string chunk(const std::string& config) {
    return "var r=n(7437),o=" + config +
           ",i=n(257);let u=()=>{if(void 0===i)throw Error(\"[Server Config] you are importing a "
           "nodejs-only module outside of nodejs\");return{version:\"v\"+o.DR.i}};";
}

}  // namespace

TEST_CASE("Tauri 1 and Tauri 2 configs name their file as the source", "[nextchat][version]") {
    NextChatCopy nc;
    CHECK(found(nc.dir()) == "2.16.0 from src-tauri/tauri.conf.json");
    auto conf = nc.dir() / "src-tauri" / "tauri.conf.json";
    write_text(conf, R"({"productName": "NextChat", "version": "2.17.1", "identifier": "x"})");
    CHECK(found(nc.dir()) == "2.17.1 from src-tauri/tauri.conf.json");
    // Tauri 2 may name a package.json to take the version from, relative to src-tauri/.
    write_text(conf, R"({"version": "../package.json"})");
    write_text(nc.dir() / "package.json", R"({"name": "nextchat", "version": "2.17.2"})");
    CHECK(found(nc.dir()) == "2.17.2 from package.json");
    write_text(conf, R"({"version": "../../../etc/package.json"})");
    CHECK(found(nc.dir()).find("is outside the NextChat directory") != std::string::npos);
}

TEST_CASE("package.json names the version when there is no Tauri config", "[nextchat][version]") {
    DockerCopy d;
    fs::remove_all(d.at(".next"));
    CHECK(found(d.dir()) == "none");  // NextChat's package.json names no version
    write_text(d.at("package.json"), R"({"name": "nextchat", "version": "v2.15.8"})");
    CHECK(found(d.dir()) == "2.15.8 from package.json");
}

TEST_CASE("the Docker image: the version compiled into the Next.js build", "[nextchat][version]") {
    DockerCopy d;
    CHECK(found(d.dir()) == "2.16.0 from .next/server/app/index.html");
    write_text(d.at(kPage), meta("v2.17.0"));
    CHECK(found(d.dir()) == "2.17.0 from .next/server/app/index.html");
    fs::remove(d.at(kPage));
    CHECK(found(d.dir()) == "2.16.0 from .next/server/app/index.rsc");
    fs::remove(d.at(kRsc));
    CHECK(found(d.dir()) == "2.16.0 from .next/server/app/page.js");
    fs::remove_all(d.at(".next/server"));
    CHECK(found(d.dir()) == "2.16.0 from " + std::string(kClientChunk));

    // The bundled forms: mangled keys in JSON.parse, unmangled, a short object literal, the
    // whole config; only in the chunk of app/config/build.ts unless the config is whole.
    write_text(d.at(kClientChunk), chunk("JSON.parse('{\"package\":{\"version\":\"2.16.3\"}}')"));
    CHECK(found(d.dir()) == "2.16.3 from " + std::string(kClientChunk));
    write_text(d.at(kClientChunk), chunk("{a:{b:\"2.16.4\"}}"));
    CHECK(found(d.dir()) == "2.16.4 from " + std::string(kClientChunk));
    write_text(d.at(kClientChunk), "x=JSON.parse('{\"DR\":{\"i\":\"2.16.5\"}}')");
    CHECK(found(d.dir()) == "none");  // some other module's JSON: not NextChat's build config
    write_text(d.at(kClientChunk),
               chunk("JSON.parse('{\"DR\":{\"i\":\"2.16.0\"}}'),q={x:{y:\"1.2.3\"}}"));
    CHECK(found(d.dir()) == "none");  // two candidates that differ: neither is trusted
    write_text(
        d.at(kClientChunk),
        R"(e.exports=JSON.parse('{"package":{"productName":"NextChat","version":"2.15.1"}}'))");
    CHECK(found(d.dir()) == "2.15.1 from " + std::string(kClientChunk));

    fs::remove_all(d.at(".next"));
    CHECK(found(d.dir()) == "none");
}

TEST_CASE("the build output's own symlinks are never followed", "[nextchat][version][hostile]") {
    DockerCopy d;
    write_text(d.outside() / "index.html", meta("v9.9.9"));
    write_text(d.outside() / "chunk.js", chunk("JSON.parse('{\"DR\":{\"i\":\"9.9.9\"}}')"));
    fs::remove(d.at(kPage));
    fs::create_symlink(d.outside() / "index.html", d.at(kPage));
    CHECK(found(d.dir()) == "2.16.0 from .next/server/app/index.rsc");
    fs::remove(d.at(kRsc));
    fs::remove(d.at(kServerChunk));
    fs::create_symlink(d.outside() / "chunk.js", d.at(kServerChunk));
    fs::remove(d.at(kClientChunk));
    fs::create_symlink("../../../../../elsewhere/chunk.js", d.at(kClientChunk));
    CHECK(found(d.dir()) == "none");

    // A directory symlink out, and a loop: never entered.
    fs::create_directories(d.outside() / "built" / "app");
    write_text(d.outside() / "built" / "app" / "index.html", meta("v9.9.9"));
    fs::create_directory_symlink(d.outside() / "built", d.at(".next/server/elsewhere"));
    fs::create_directory_symlink("..", d.at(".next/server/app/loop"));
    CHECK(found(d.dir()) == "none");
    fs::remove_all(d.at(".next"));
    fs::create_directory_symlink(d.outside() / "built", d.at(".next"));
    CHECK(found(d.dir()) == "none");
}

TEST_CASE("a config file symlinked out of the directory is refused",
          "[nextchat][version][hostile]") {
    DockerCopy d;
    write_text(d.outside() / "package.json", R"({"version": "9.9.9"})");
    fs::remove(d.at("package.json"));
    fs::create_symlink(d.outside() / "package.json", d.at("package.json"));
    auto v = detect_nextchat_version(d.dir());
    REQUIRE_FALSE(v);
    CHECK(v.error().kind == nxp::ErrorKind::Verification);
    CHECK(v.error().context == d.at("package.json").string());

    fs::create_directories(d.at("src-tauri"));
    fs::create_symlink("../../elsewhere/package.json", d.at("src-tauri/tauri.conf.json"));
    CHECK(found(d.dir()).find("error: " + d.at("src-tauri/tauri.conf.json").string()) == 0);
}

TEST_CASE("FIFOs are never read: detection does not hang", "[nextchat][version][hostile]") {
    DockerCopy d;
    fs::remove(d.at(kPage));
    REQUIRE(mkfifo(d.at(kPage).c_str(), 0644) == 0);
    REQUIRE(mkfifo(d.at(".next/server/app/other.rsc").c_str(), 0644) == 0);
    CHECK(found(d.dir()) == "2.16.0 from .next/server/app/index.rsc");
    fs::remove(d.at("package.json"));
    REQUIRE(mkfifo(d.at("package.json").c_str(), 0644) == 0);
    CHECK(found(d.dir()).rfind("error: " + d.at("package.json").string(), 0) == 0);
    fs::create_directories(d.at("src-tauri"));
    REQUIRE(mkfifo(d.at("src-tauri/tauri.conf.json").c_str(), 0644) == 0);
    CHECK(found(d.dir()).rfind("error: " + d.at("src-tauri/tauri.conf.json").string(), 0) == 0);
}

TEST_CASE("the scan is bounded: file size, bytes, entries, depth", "[nextchat][version][hostile]") {
    DockerCopy d;
    fs::remove(d.at(kRsc));
    fs::remove(d.at(kServerChunk));
    fs::remove_all(d.at(".next/static"));
    VersionScanLimits small;
    small.max_file_bytes = 4096;
    // A page padded past the limit is skipped; under the default limit it is read.
    write_text(d.at(kPage), std::string(8192, ' ') + meta("v2.16.0"));
    CHECK(found(d.dir(), small) == "none");
    CHECK(found(d.dir()) == "2.16.0 from .next/server/app/index.html");

    small = {};
    small.max_total_bytes = 1000;  // the decoys come first (files in name order) and use it up
    for (int i = 0; i < 20; ++i)
        write_text(d.at(".next/server/app/a" + std::to_string(100 + i) + ".html"),
                   std::string(100, 'x'));
    CHECK(found(d.dir(), small) == "none");
    small.max_total_bytes = 1ULL << 20;
    CHECK(found(d.dir(), small) == "2.16.0 from .next/server/app/index.html");
    small.max_entries = 0;
    CHECK(found(d.dir(), small) == "none");

    // Deep directories: the page at depth 40 is beyond the bound and the walk ends.
    fs::remove(d.at(kPage));
    fs::path deep = d.at(".next/server/app");
    for (int i = 0; i < 40; ++i) deep /= "d";
    write_text(deep / "index.html", meta("v2.16.0"));
    CHECK(found(d.dir()) == "none");

    // Many entries, one page among them: found, and quickly.
    fs::remove_all(d.at(".next/server/app/d"));
    for (int i = 0; i < 3000; ++i)
        write_text(d.at(".next/server/app/p" + std::to_string(i) + ".html"), "<html></html>");
    write_text(d.at(".next/server/app/p1500.html"), meta("v2.16.7"));
    CHECK(found(d.dir()) == "2.16.7 from .next/server/app/p1500.html");
}
