// OCI registries as repositories (issue 19 item 6): references, challenges, manifests,
// credentials and the URL schemes repositories may use.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "repo/fetch.hpp"
#include "repo/oci.hpp"

using namespace nxp;
using namespace nxp::repo;

namespace {
const std::string kHex(64, 'a');
const std::string kHex2(64, 'b');
}  // namespace

TEST_CASE("oci:// references: host, port, path, tag, plain HTTP only on loopback") {
    auto r = oci::parse_reference("oci://ghcr.io/acme/plugins");
    REQUIRE(r);
    CHECK(r->host == "ghcr.io");
    CHECK(r->repository == "acme/plugins");
    CHECK(r->tag == "latest");
    CHECK_FALSE(r->plain_http);
    CHECK(r->manifest_url() == "https://ghcr.io/v2/acme/plugins/manifests/latest");
    CHECK(r->blob_url("sha256:" + kHex) == "https://ghcr.io/v2/acme/plugins/blobs/sha256:" + kHex);

    r = oci::parse_reference("oci://127.0.0.1:5000/nxp/demo:v2");
    REQUIRE(r);
    CHECK(r->host == "127.0.0.1:5000");
    CHECK(r->tag == "v2");
    CHECK(r->plain_http);
    CHECK(r->endpoint() == "http://127.0.0.1:5000");
    CHECK(r->str() == "oci://127.0.0.1:5000/nxp/demo:v2");

    for (const char* loop :
         {"oci://localhost/a", "oci://LOCALHOST:80/a", "oci://127.9.9.9/a", "oci://[::1]:5000/a"}) {
        auto l = oci::parse_reference(loop);
        REQUIRE(l);
        CHECK(l->plain_http);
    }
    for (const char* remote :
         {"oci://128.0.0.1/a", "oci://127.0.0.1.evil.com/a", "oci://localhost.evil.com/a",
          "oci://[::2]/a", "oci://1270.0.0.1/a"}) {
        auto l = oci::parse_reference(remote);
        REQUIRE(l);
        CHECK_FALSE(l->plain_http);
    }
    // The "#file" suffix join adds is not part of the reference.
    r = oci::parse_reference(oci::join("oci://h.example/a/b:t", "keys/2.json"));
    REQUIRE(r);
    CHECK(r->repository == "a/b");
    CHECK(r->tag == "t");
    CHECK(oci::join("oci://h.example/a/b:t", "/index.json.zst") ==
          "oci://h.example/a/b:t#index.json.zst");
    CHECK(join_url("oci://h.example/a", "index.json.zst") == "oci://h.example/a#index.json.zst");
}

TEST_CASE("bad oci:// references are usage errors") {
    for (const char* bad :
         {"oci://", "oci://host", "oci://host/", "oci:///path", "oci://host/Upper",
          "oci://host/a//b", "oci://host/../x", "oci://host/a:", "oci://host/a:bad tag",
          "oci://u:p@host/a", "oci://host:port/a", "oci://host/a@sha256:00", "oci://[zz]/a",
          "oci://host/-a"}) {
        INFO(bad);
        auto r = oci::parse_reference(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Usage);
        CHECK(r.error().message.find("oci://HOST[:PORT]/PATH[:TAG]") != std::string::npos);
    }
}

TEST_CASE("repository URLs: file, http, https and oci; anything else is a usage error") {
    for (const char* ok :
         {"file:///srv/repo", "http://h/r", "https://h/r", "HTTPS://h/r", "oci://h.example/r"})
        CHECK(check_repository_url(ok));
    for (const char* bad : {"ftp://h/r", "s3://bucket/r", "oci:/x", "/srv/repo", "gopher://x",
                            "file://", "oci://h"}) {
        INFO(bad);
        auto r = check_repository_url(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Usage);
    }
    auto r = check_repository_url("s3://bucket/r");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("'s3'") != std::string::npos);
    CHECK(r.error().message.find("file://, http://, https:// and oci://") != std::string::npos);
}

TEST_CASE("WWW-Authenticate challenges") {
    auto c = oci::parse_challenges(
        R"(Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push")");
    REQUIRE(c.size() == 1);
    CHECK(c[0].scheme == "bearer");
    CHECK(c[0].params.at("realm") == "https://auth.example.com/token");
    CHECK(c[0].params.at("service") == "registry.example.com");
    CHECK(c[0].params.at("scope") == "repository:a/b:pull,push");  // a comma inside quotes

    c = oci::parse_challenges(R"(Basic realm="Registry Realm")");
    REQUIRE(c.size() == 1);
    CHECK(c[0].scheme == "basic");
    CHECK(c[0].params.at("realm") == "Registry Realm");

    // Two challenges in one header, unquoted values, odd case and spacing, an escaped quote.
    c = oci::parse_challenges(
        R"(BASIC realm=plain , bearer  Realm = "https://t/x\"y" , Service=s)");
    REQUIRE(c.size() == 2);
    CHECK(c[0].scheme == "basic");
    CHECK(c[0].params.at("realm") == "plain");
    CHECK(c[1].scheme == "bearer");
    CHECK(c[1].params.at("realm") == "https://t/x\"y");
    CHECK(c[1].params.at("service") == "s");

    // Garbage never crashes; an unterminated quote ends the value.
    CHECK(oci::parse_challenges("").empty());
    for (const char* junk :
         {",,,", "=", "Bearer realm=\"unterminated", "Bearer ===,,=\"", "\"\"\"", "Bearer realm"})
        (void)oci::parse_challenges(junk);
    std::string many;
    for (int i = 0; i < 1000; ++i) many += "Basic realm=x, ";
    CHECK(oci::parse_challenges(many).size() <= 16);
}

TEST_CASE("artifact manifests: the layout nxp writes parses back") {
    std::vector<oci::Descriptor> layers{
        {"application/vnd.nxp.index.v1+zstd", "sha256:" + kHex, 123, "index.json.zst"},
        {"application/vnd.nxp.package.v1", "sha256:" + kHex2, 4567, "packages/a-1.0.0.nxp"}};
    const std::string text = oci::make_manifest(layers);
    auto m = oci::parse_manifest(text, "m");
    REQUIRE(m);
    CHECK(m->artifact_type == "application/vnd.nxp.repository.v1");
    CHECK(m->config.media_type == "application/vnd.oci.empty.v1+json");
    CHECK(m->config.size == 2);
    REQUIRE(m->layers.size() == 2);
    REQUIRE(m->layer("index.json.zst"));
    CHECK(m->layer("index.json.zst")->size == 123);
    CHECK(m->layer("packages/a-1.0.0.nxp")->digest == "sha256:" + kHex2);
    CHECK(m->layer("index.json.zst.minisig") == nullptr);
}

TEST_CASE("hostile manifests are refused naming the field") {
    const std::string cfg =
        R"("config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:)" + kHex +
        R"(","size":2})";
    auto layer = [](const std::string& digest, const std::string& size, const std::string& title) {
        return R"({"mediaType":"x","digest":")" + digest + R"(","size":)" + size +
               R"(,"annotations":{"org.opencontainers.image.title":")" + title + R"("}})";
    };
    const std::string good = layer("sha256:" + kHex, "1", "index.json.zst");
    struct Case {
        std::string text, field;
    };
    std::vector<Case> cases{
        {"[]", ""},
        {"not json", ""},
        {R"({"schemaVersion":1,)" + cfg + R"(,"layers":[]})", "schemaVersion"},
        {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)" + cfg +
             R"(,"layers":[]})",
         "mediaType"},
        {R"({"schemaVersion":2,"artifactType":"application/vnd.cncf.helm.config.v1+json",)" + cfg +
             R"(,"layers":[]})",
         "artifactType"},
        {R"({"schemaVersion":2,"layers":[]})", "config"},
        {R"({"schemaVersion":2,)" + cfg + "}", "layers"},
        {R"({"schemaVersion":2,)" + cfg + ",\"layers\":[" +
             layer("sha256:../../../etc/passwd", "1", "index.json.zst") + "]}",
         "layers[0].digest"},
        {R"({"schemaVersion":2,)" + cfg + ",\"layers\":[" + layer("sha512:" + kHex, "1", "x") +
             "]}",
         "layers[0].digest"},
        {R"({"schemaVersion":2,)" + cfg + ",\"layers\":[" +
             layer("sha256:" + std::string(64, 'A'), "1", "x") + "]}",
         "layers[0].digest"},
        {R"({"schemaVersion":2,)" + cfg + ",\"layers\":[" + layer("sha256:" + kHex, "-1", "x") +
             "]}",
         "layers[0].size"},
        {R"({"schemaVersion":2,)" + cfg + ",\"layers\":[" + layer("sha256:" + kHex, "1.5", "x") +
             "]}",
         "layers[0].size"},
        {R"({"schemaVersion":2,)" + cfg + ",\"layers\":[" + good + "," + good + "]}",
         "layers[1].annotations"},
        {R"({"schemaVersion":2,)" + cfg + R"(,"layers":[{"mediaType":"x","digest":"sha256:)" +
             kHex + R"(","size":1,"annotations":[]}]})",
         "layers[0].annotations"},
        {R"({"schemaVersion":2,)" + cfg + R"(,"layers":[7]})", "layers[0]"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        auto m = oci::parse_manifest(c.text, "oci://r/x:latest");
        REQUIRE_FALSE(m);
        CHECK(m.error().kind == ErrorKind::Invalid);
        CHECK(m.error().context.find("oci://r/x:latest") == 0);
        if (!c.field.empty()) CHECK(m.error().context.find(c.field) != std::string::npos);
    }
    // A size far above any cap parses: the fetch refuses it before reading.
    auto big = oci::parse_manifest(R"({"schemaVersion":2,)" + cfg + ",\"layers\":[" +
                                       layer("sha256:" + kHex, "18446744073709551615", "i") + "]}",
                                   "m");
    REQUIRE(big);
    CHECK(big->layers[0].size == 18446744073709551615ULL);
}

TEST_CASE("credentials: the environment first, then Docker's config.json for the host") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("nxp-oci-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    {
        std::ofstream(dir / "config.json")
            << R"({"auths":{"https://reg.example:5000/v1/":{"auth":"dXNlcjpwYTpzcw=="},)"
            << R"("other.example":{"auth":"!!!"},"third.example":{"auth":"bm9jb2xvbg=="}}})";
    }
    ::unsetenv("NXP_OCI_USERNAME");
    ::unsetenv("NXP_OCI_PASSWORD");
    ::setenv("DOCKER_CONFIG", dir.c_str(), 1);
    auto c = oci::credentials_for("reg.example:5000");
    REQUIRE(c);
    CHECK(c->username == "user");
    CHECK(c->password == "pa:ss");  // split at the first colon
    CHECK_FALSE(oci::credentials_for("reg.example"));
    CHECK_FALSE(oci::credentials_for("other.example"));  // not base64
    CHECK_FALSE(oci::credentials_for("third.example"));  // no colon
    ::setenv("NXP_OCI_USERNAME", "envuser", 1);
    ::setenv("NXP_OCI_PASSWORD", "envpw", 1);
    c = oci::credentials_for("reg.example:5000");
    REQUIRE(c);
    CHECK(c->username == "envuser");
    CHECK(c->password == "envpw");
    ::unsetenv("NXP_OCI_USERNAME");
    ::unsetenv("NXP_OCI_PASSWORD");
    std::ofstream(dir / "config.json") << "not json";
    CHECK_FALSE(oci::credentials_for("reg.example:5000"));
    ::unsetenv("DOCKER_CONFIG");
    fs::remove_all(dir);
}
