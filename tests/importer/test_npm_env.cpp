// What settings an imported server reads: environment variables in its own code and README,
// arguments in its README's client config, --env; and the config keys made of them.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "formats/manifest.hpp"
#include "importer/npm_env.hpp"

using namespace nxp::importer;
using ojson = nlohmann::ordered_json;
using Names = std::vector<std::string>;
namespace fs = std::filesystem;

namespace {

// Every pattern a server's code uses to read its environment, and some that are not reads.
constexpr const char* kCode = R"JS(
const key = process.env.BRAVE_API_KEY;
const url = process.env["GITLAB_API_URL"] || "https://gitlab.com";
const team = process.env['SLACK_TEAM_ID'];
const tpl = process.env[`TEMPLATE_NAME`];
const opt = process.env?.OPTIONAL_CHAIN;
const { AWS_REGION, AWS_SECRET_ACCESS_KEY: secret, MAX_RESULTS = "10", ...rest } = process.env;
const {
  MULTI_LINE_A,
  MULTI_LINE_B
} = process.env;
if (process.env.NODE_ENV === "production" && process.env.DEBUG) {}
const p = process.env.PORT || 3000;
const h = process.env.HOME + process.env.PATH;
process.env.npm_config_cache; process.env.lowercase_name;
myprocess.env.NOT_A_READ; process.envious; a.process.env.ALSO_NOT;
const dyn = process.env[name];
)JS";

EnvSetting setting(std::string name, std::optional<bool> required = {},
                   std::string description = "") {
    EnvSetting e;
    e.name = std::move(name);
    e.required = required;
    e.description = std::move(description);
    e.origin = "README";
    return e;
}

ojson base_manifest() {
    return ojson::parse(R"({"name": "x", "version": "1.0.0", "kind": "mcp-server",
        "mcp": {"command": "node", "args": ["${plugin_dir}/node_modules/x/index.js"]}})");
}

}  // namespace

TEST_CASE("environment variables read in code: every pattern") {
    auto names = env_names_in_code(kCode);
    for (const char* want : {"BRAVE_API_KEY", "GITLAB_API_URL", "SLACK_TEAM_ID", "TEMPLATE_NAME",
                             "OPTIONAL_CHAIN", "AWS_REGION", "AWS_SECRET_ACCESS_KEY", "MAX_RESULTS",
                             "MULTI_LINE_A", "MULTI_LINE_B", "NODE_ENV", "DEBUG", "PORT"})
        CHECK(std::find(names.begin(), names.end(), want) != names.end());
    for (const char* not_read :
         {"NOT_A_READ", "ALSO_NOT", "lowercase_name", "npm_config_cache", "rest", "secret"})
        CHECK(std::find(names.begin(), names.end(), not_read) == names.end());
    CHECK(std::is_sorted(names.begin(), names.end()));
}

TEST_CASE("generic and system names are skipped; documented generic ones are kept") {
    for (const char* n : {"PATH", "HOME", "NODE_ENV", "NODE_OPTIONS", "TERM", "CI", "LC_ALL",
                          "XDG_CONFIG_HOME", "TMPDIR", "NPM_CONFIG_CACHE"})
        CHECK(is_system_env_name(n));
    for (const char* n : {"PORT", "DEBUG", "HTTP_PROXY", "LOG_LEVEL"}) {
        CHECK(is_generic_env_name(n));
        CHECK_FALSE(is_system_env_name(n));
    }
    CHECK_FALSE(is_generic_env_name("BRAVE_API_KEY"));
    auto merged = merge_env_settings(env_names_in_code(kCode), {}, {});
    Names got;
    for (const auto& e : merged) got.push_back(e.name);
    CHECK(std::find(got.begin(), got.end(), "PORT") == got.end());
    CHECK(std::find(got.begin(), got.end(), "NODE_ENV") == got.end());
    CHECK(std::find(got.begin(), got.end(), "HOME") == got.end());
    CHECK(std::find(got.begin(), got.end(), "BRAVE_API_KEY") != got.end());
    // PORT documented in a README is a setting; PATH never is.
    merged = merge_env_settings({"PORT"}, {setting("PORT"), setting("PATH")}, {});
    REQUIRE(merged.size() == 1);
    CHECK(merged[0].name == "PORT");
}

TEST_CASE("secret names") {
    for (const char* n : {"BRAVE_API_KEY", "GITHUB_PERSONAL_ACCESS_TOKEN", "CLIENT_SECRET",
                          "DB_PASSWORD", "SMTP_PASS", "GDRIVE_CREDENTIALS_PATH", "AUTH_HEADER"})
        CHECK(is_secret_env_name(n));
    for (const char* n : {"GITLAB_API_URL", "SLACK_TEAM_ID", "AWS_REGION"})
        CHECK_FALSE(is_secret_env_name(n));
}

TEST_CASE("a README's client config: env blocks and argument placeholders") {
    const std::string readme = R"MD(
# Server
- `EXAMPLE_API_KEY`: your API key (required)
- `EXAMPLE_REGION`: the region to use
- `MEMORY_FILE_PATH`: path to the file (default: memory.json)
- `OTHER_TOKEN`: optional token for higher limits

```json
{ "mcpServers": { "ex": { "command": "npx",
  "args": ["-y", "@ex/server", "postgresql://localhost/mydb"],
  "env": { "EXAMPLE_API_KEY": "<YOUR_KEY>", "EXAMPLE_REGION": "eu", "MEMORY_FILE_PATH": "/x",
           "OTHER_TOKEN": "t", "PATH": "/usr/bin", "lower": "x" } } } }
```
Docker: `"args": ["run", "-i", "--rm", "-e", "EXAMPLE_API_KEY", "mcp/ex"]`
With a flag: "args": ["-y", "@ex/server@1.2", "--verbose", "1", "postgresql://h/db"]
)MD";
    auto h = readme_hints(readme, "@ex/server");
    REQUIRE(h.env.size() == 4);
    CHECK(h.env[0].name == "EXAMPLE_API_KEY");
    CHECK(h.env[0].required == true);
    CHECK(h.env[0].description.find("your API key") != std::string::npos);
    CHECK(h.env[1].name == "EXAMPLE_REGION");
    CHECK(h.env[1].required == false);  // not called required, not a secret
    CHECK(h.env[2].name == "MEMORY_FILE_PATH");
    CHECK(h.env[2].required == false);  // has a default
    CHECK(h.env[3].name == "OTHER_TOKEN");
    CHECK(h.env[3].required == false);  // a secret, but called optional
    REQUIRE(h.args == Names{"postgresql://localhost/mydb"});

    auto args = arg_settings_for(h.args);
    REQUIRE(args.size() == 1);
    CHECK(args[0].key == "database_url");
    CHECK_FALSE(args[0].spread);
    // An example without the argument: it is not required.
    auto none = readme_hints(R"("args": ["-y", "@ex/server"] "args": ["-y", "@ex/server", "/d"])",
                             "@ex/server");
    CHECK(none.args.empty());
    // Several directories: one array spread on the command line.
    auto dirs = arg_settings_for({"/Users/username/Desktop", "/path/to/other/allowed/dir"});
    REQUIRE(dirs.size() == 1);
    CHECK(dirs[0].key == "directories");
    CHECK(dirs[0].spread);
    CHECK(arg_settings_for({"https://example.com"})[0].key == "url");
    CHECK(arg_settings_for({"~/notes"})[0].key == "directory");
    // One editor variable in one example, two paths in another: one array of directories.
    auto editor = readme_hints(R"("args": ["-y", "@ex/fs", "/Users/u/Desktop", "/path/to/dir"]
                                  "args": ["-y", "@ex/fs", "${workspaceFolder}"])",
                               "@ex/fs");
    CHECK(editor.args == Names{"${workspaceFolder}"});
    CHECK(editor.repeated);
    auto spread = arg_settings_for(editor.args, editor.repeated);
    REQUIRE(spread.size() == 1);
    CHECK(spread[0].key == "directories");
    CHECK(spread[0].spread);
    CHECK(arg_settings_for({"some-value"})[0].key == "arg1");
}

TEST_CASE("--env values") {
    auto e = parse_env_option({"A_KEY=required,PLAIN", "TOKENISH=plain+optional", "S=secret"});
    REQUIRE(e);
    REQUIRE(e->size() == 4);
    CHECK((*e)[0].name == "A_KEY");
    CHECK((*e)[0].required == true);
    CHECK_FALSE((*e)[1].secret.has_value());
    CHECK((*e)[2].secret == false);
    CHECK((*e)[2].required == false);
    CHECK((*e)[3].secret == true);
    for (const char* bad : {"lower", "A=sekret", "1ABC", "A B", "PATH", "HOME=secret", "A=\x01"}) {
        auto r = parse_env_option({bad});
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == nxp::ErrorKind::Usage);
        CHECK(r.error().context.find("--env") != std::string::npos);
    }
}

TEST_CASE("config keys in the manifest, and the manifest still valid") {
    auto m = base_manifest();
    std::vector<EnvSetting> env = merge_env_settings(
        {"BRAVE_API_KEY", "GITLAB_API_URL", "PORT"},
        {setting("GITLAB_API_URL", {}, "GitLab's API")}, {setting("BRAVE_API_KEY", true)});
    std::vector<ArgSetting> args = arg_settings_for({"postgresql://localhost/db"});
    ArgSetting named;
    named.key = "mode";
    named.description = "the mode";
    named.flag = "--mode";
    args.push_back(named);
    auto keys = add_config_keys(m, env, args);
    CHECK(keys == Names{"brave_api_key", "gitlab_api_url", "database_url", "mode"});
    const auto& c = m["config"];
    CHECK(c["brave_api_key"] ==
          ojson::parse(R"({"type":"string","secret":true,"required":true,"env":"BRAVE_API_KEY"})"));
    CHECK(c["gitlab_api_url"] ==
          ojson::parse(R"({"type":"string","description":"GitLab's API","env":"GITLAB_API_URL"})"));
    CHECK(c["database_url"]["arg"] == "single");
    CHECK(c["database_url"]["position"] == 1);
    CHECK(m["mcp"]["args"][1] == "--mode");
    CHECK(c["mode"]["position"] == 3);  // [script, db, --mode, VALUE]
    auto parsed = nxp::formats::parse_manifest(m.dump());
    REQUIRE(parsed);
    CHECK(parsed->config.at("brave_api_key").secret);
    // permissions.env is not widened: a key's env reaches the server by itself.
    CHECK_FALSE(m.contains("permissions"));

    // A key name already taken gets a suffix; a variable another key passes is left alone.
    auto m2 = base_manifest();
    m2["config"] = {{"token", {{"type", "string"}, {"env", "OTHER"}}}};
    auto keys2 = add_config_keys(m2, {setting("TOKEN"), setting("OTHER")}, {});
    CHECK(keys2 == Names{"token_2"});
    REQUIRE(nxp::formats::parse_manifest(m2.dump()));
}

TEST_CASE("a package's own files are scanned, not node_modules or symlinks") {
    const fs::path dir = fs::temp_directory_path() / ("nxp-env-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "dist" / "node_modules" / "dep");
    std::ofstream(dir / "dist" / "index.js") << kCode;
    std::ofstream(dir / "dist" / "types.ts") << "const t = process.env.TS_ONLY_VAR;";
    std::ofstream(dir / "dist" / "node_modules" / "dep" / "x.js") << "process.env.FROM_DEP;";
    std::ofstream(dir / "notes.txt") << "process.env.NOT_CODE";
    std::ofstream(dir / "outside.js") << "process.env.OUTSIDE_LINK";
    fs::create_directories(dir / "elsewhere");
    fs::rename(dir / "outside.js", dir / "elsewhere" / "o.js");
    fs::create_symlink(dir / "elsewhere" / "o.js", dir / "dist" / "link.js");
    std::ofstream(dir / "README.md") << "hello";
    auto names = scan_package_env(dir / "dist");
    CHECK(std::find(names.begin(), names.end(), "BRAVE_API_KEY") != names.end());
    CHECK(std::find(names.begin(), names.end(), "TS_ONLY_VAR") != names.end());
    CHECK(std::find(names.begin(), names.end(), "FROM_DEP") == names.end());
    CHECK(std::find(names.begin(), names.end(), "OUTSIDE_LINK") == names.end());
    CHECK(read_readme(dir) == "hello");
    CHECK(read_readme(dir / "dist").empty());
    fs::remove_all(dir);
}
