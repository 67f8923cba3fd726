// What a plugin's code is given (issue 15 items 3 and 5): ${deps.NAME}, ${state_dir} and
// ${plugin_dir} in mcp.command, mcp.args and config values; granted permissions.env variables
// from nxp's environment and nothing else; the libraries' trees bound read-only; the grant
// question naming the variables; no env wildcard in a policy.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "runtime/grants.hpp"
#include "runtime/libraries.hpp"
#include "runtime/plugin.hpp"

using namespace nxp;
using runtime::Plugin;

namespace {

constexpr const char* kManifest = R"({
  "name": "memo", "version": "1.0.0", "kind": "mcp-server", "summary": "s",
  "requires": ["mcp-common ^1"],
  "mcp": { "command": "${deps.mcp-common}/bin/run",
           "args": ["${plugin_dir}/server.js", "--lib=${deps.mcp-common}", "${deps.nosuch}",
                    "--file=${config.file}", "${state_dir}"] },
  "config": {
    "file": { "type": "string", "default": "${state_dir}/memory.json", "env": "MEMORY_FILE_PATH" },
    "names": { "type": "array", "default": ["${plugin_dir}/a", "b"], "arg": "spread" },
    "token": { "type": "string", "secret": true, "env": "MEMO_TOKEN" },
    "override": { "type": "string", "default": "configured", "env": "FOO_TOKEN" }
  },
  "permissions": { "env": ["FOO_TOKEN", "BAR_TOKEN", "BAZ_TOKEN", "PATH", "HOME", "NXP_DEP_X"] }
})";

Plugin memo() {
    Plugin p;
    p.name = "memo";
    p.plugin_dir = "/r/store/memo-1.0.0-abc";
    p.state_dir = "/r/state/memo";
    auto m = formats::parse_manifest(kManifest);
    REQUIRE(m);
    p.manifest = *m;
    p.config = runtime::effective_config(p.manifest, {}, "memo");
    p.deps = {{"mcp-common", "/r/store/mcp-common-1.1.0-def"}};
    return p;
}

}  // namespace

TEST_CASE("${deps.NAME}, ${plugin_dir} and ${state_dir} in command, args and config values") {
    Plugin p = memo();
    auto argv = runtime::mcp_argv(p);
    REQUIRE(argv.size() == 8);
    CHECK(argv[0] == "/r/store/mcp-common-1.1.0-def/bin/run");
    CHECK(argv[1] == "/r/store/memo-1.0.0-abc/server.js");
    CHECK(argv[2] == "--lib=/r/store/mcp-common-1.1.0-def");
    CHECK(argv[3] == "${deps.nosuch}");  // a library not required: kept as written
    CHECK(argv[4] == "--file=/r/state/memo/memory.json");
    CHECK(argv[5] == "/r/state/memo");
    CHECK(argv[6] == "/r/store/memo-1.0.0-abc/a");  // a spread array's element
    CHECK(argv[7] == "b");

    auto prof = runtime::plugin_profile(p, false);
    CHECK(prof.env.at("MEMORY_FILE_PATH") == "/r/state/memo/memory.json");
}

TEST_CASE("a set value is expanded unless secret, and never recursively") {
    Plugin p = memo();
    p.config.values["file"] = "${deps.mcp-common}/x ${config.token}";
    p.config.values["token"] = "s3cr${state_dir}t";
    p.plugin_dir = "/r/${state_dir}";
    auto prof = runtime::plugin_profile(p, false);
    CHECK(prof.env.at("MEMORY_FILE_PATH") == "/r/store/mcp-common-1.1.0-def/x ${config.token}");
    CHECK(prof.env.at("MEMO_TOKEN") == "s3cr${state_dir}t");
    CHECK(runtime::substitute_paths("${plugin_dir}|${state_dir", p) ==
          "/r/${state_dir}|${state_dir");
}

TEST_CASE("the libraries' trees are bound read-only and named by NXP_DEP_NAME") {
    Plugin p = memo();
    p.deps["virt"] = "/r/store/mcp-common-1.1.0-def";  // the same tree by a provided name
    p.deps["lib.b"] = "/r/store/lib-b";
    p.deps["lib-b"] = "/r/store/lib-b-other";
    auto prof = runtime::plugin_profile(p, false);
    int bound = 0;
    for (const auto& b : prof.binds) {
        if (b.path.string().starts_with("/r/store/")) {
            ++bound;
            CHECK_FALSE(b.writable);
        }
    }
    CHECK(bound == 3);  // one bind per tree
    CHECK(prof.env.at("NXP_DEP_MCP_COMMON") == "/r/store/mcp-common-1.1.0-def");
    CHECK(prof.env.at("NXP_DEP_VIRT") == "/r/store/mcp-common-1.1.0-def");
    CHECK(prof.env.at("NXP_DEP_LIB_B") == "/r/store/lib-b-other");  // "lib-b" < "lib.b"
    CHECK(runtime::dep_env_name("a.b-c_9") == "NXP_DEP_A_B_C_9");
}

TEST_CASE("permissions.env: granted variables pass their values from nxp's environment") {
    ::setenv("FOO_TOKEN", "foo-from-nxp", 1);
    ::setenv("BAR_TOKEN", "bar-${state_dir}", 1);
    ::unsetenv("BAZ_TOKEN");
    ::setenv("UNASKED_TOKEN", "never", 1);
    ::setenv("NXP_DEP_X", "/etc", 1);
    Plugin p = memo();
    formats::Permissions granted;
    granted.env = {"FOO_TOKEN", "BAR_TOKEN", "BAZ_TOKEN",    "PATH",
                   "HOME",      "NXP_DEP_X", "UNASKED_TOKEN"};

    SECTION("granted and set: passed, placeholders replaced; a configured variable wins") {
        p.passed_env = runtime::passed_environment(p.manifest, granted);
        CHECK(p.passed_env.count("UNASKED_TOKEN") == 0);  // granted but not asked for
        CHECK(p.passed_env.count("BAZ_TOKEN") == 0);      // unset
        auto prof = runtime::plugin_profile(p, false);
        CHECK(prof.env.at("BAR_TOKEN") == "bar-/r/state/memo");
        CHECK(prof.env.at("FOO_TOKEN") == "configured");
        p.manifest.config.erase("override");
        p.config.values.erase("override");
        prof = runtime::plugin_profile(p, false);
        CHECK(prof.env.at("FOO_TOKEN") == "foo-from-nxp");
        CHECK(prof.env.count("BAZ_TOKEN") == 0);
        CHECK(prof.env.count("UNASKED_TOKEN") == 0);
        // The sandbox's own variables are never taken from nxp's environment.
        CHECK(prof.env.count("PATH") == 0);
        CHECK(prof.env.count("HOME") == 0);
        CHECK(prof.env.count("NXP_DEP_X") == 0);
    }
    SECTION("not granted: nothing of nxp's environment") {
        p.manifest.config.erase("override");
        p.config.values.erase("override");
        p.passed_env = runtime::passed_environment(p.manifest, formats::Permissions{});
        CHECK(p.passed_env.empty());
        auto prof = runtime::plugin_profile(p, false);
        for (const char* name : {"FOO_TOKEN", "BAR_TOKEN", "UNASKED_TOKEN"})
            CHECK(prof.env.count(name) == 0);
        for (const auto& [name, value] : prof.env) CHECK(value != "foo-from-nxp");
    }
}

TEST_CASE("the grant question names each variable and where its value comes from") {
    formats::Permissions p;
    p.env = {"FOO_TOKEN"};
    CHECK(runtime::describe_permissions(p) ==
          "env FOO_TOKEN (its value passed from nxp's environment)");
    p.env = {"FOO_TOKEN", "OPENAI_API_KEY"};
    CHECK(runtime::describe_permissions(p) ==
          "env FOO_TOKEN, OPENAI_API_KEY (NextChat's own secret) (their values passed from "
          "nxp's environment)");
    CHECK(runtime::nextchat_secret("CODE"));
    CHECK_FALSE(runtime::nextchat_secret("FOO_TOKEN"));
}

TEST_CASE("a policy names each variable: \"*\" for env is refused, for network accepted") {
    for (const char* text : {R"({"env": ["*"]})", R"({"env": ["FOO", "*"]})",
                             R"({"network": ["*"], "env": ["*", "BAR"]})"}) {
        auto p = runtime::parse_policy(text, "/etc/nxp/policy.json");
        REQUIRE_FALSE(p);
        CHECK(p.error().str().find("/etc/nxp/policy.json: env") != std::string::npos);
        CHECK(p.error().str().find("name each variable") != std::string::npos);
    }
    auto ok = runtime::parse_policy(R"({"network": ["*"], "env": ["FOO"]})", "p.json");
    REQUIRE(ok);
    formats::Permissions needed;
    needed.env = {"FOO", "OPENAI_API_KEY"};
    needed.network = {"api.example.org"};
    auto outside = runtime::outside_policy(needed, *ok);
    CHECK(outside.env == std::vector<std::string>{"OPENAI_API_KEY"});
    CHECK(outside.network.empty());
}
