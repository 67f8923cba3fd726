#include "importer/npm.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <random>

#include "formats/json_util.hpp"
#include "formats/manifest.hpp"
#include "importer/npm_source.hpp"
#include "importer/staging.hpp"
#include "sandbox/host_tools.hpp"

namespace nxp::importer {
namespace fs = std::filesystem;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

std::string string_field(const json& meta, const char* key) {
    auto it = meta.find(key);
    return it != meta.end() && it->is_string() ? it->get<std::string>() : "";
}

// The bin to run, as a path relative to the package directory.
Result<std::string> choose_bin(const json& meta, const NpmOptions& opts,
                               const std::string& package) {
    const std::string ctx = package + ": bin";
    auto it = meta.find("bin");
    std::string path;
    if (it != meta.end() && it->is_string()) {
        path = it->get<std::string>();
    } else if (it != meta.end() && it->is_object() && !it->empty()) {
        const std::string base = package.substr(package.find('/') + 1);
        std::string names;
        for (const auto& [k, v] : it->items()) names += (names.empty() ? "" : ", ") + k;
        std::string want = opts.bin;
        if (want.empty() && it->size() == 1) want = it->begin().key();
        if (want.empty() && it->contains(base)) want = base;
        if (want.empty())
            return fail(ErrorKind::Invalid, ctx,
                        "the package has several programs (" + names + "); choose one with --bin");
        auto b = it->find(want);
        if (b == it->end() || !b->is_string())
            return fail(ErrorKind::Invalid, ctx,
                        "no program \"" + want + "\"; the package has " + names);
        path = b->get<std::string>();
    } else {
        return fail(
            ErrorKind::Invalid, ctx,
            "the package declares no program (bin), so there is no MCP server command to run");
    }
    while (path.rfind("./", 0) == 0) path.erase(0, 2);
    if (path.empty() || path.front() == '/' ||
        fs::path(path).lexically_normal().string().rfind("..", 0) == 0)
        return fail(ErrorKind::Invalid, ctx, "\"" + path + "\" is not a path inside the package");
    return path;
}

// Runs argv (argv[0] looked up on PATH) with nxp's environment; the output (stdout and
// stderr) is returned, or an error carrying its last lines.
Result<std::string> run(const std::vector<std::string>& argv, const std::string& what,
                        int timeout_s) {
    const char* path_var = std::getenv("PATH");
    const std::string path =
        sandbox::find_host_tool(argv.front(), path_var ? path_var : "/usr/bin:/bin");
    if (path.empty())
        return fail(ErrorKind::NotFound, argv.front(), "not found on PATH; install npm");
    auto r = sandbox::run_host_tool(path, argv, {"npm_config_update_notifier=false"}, timeout_s,
                                    1 << 20);
    if (!r) return tl::unexpected(r.error());
    if (r->timed_out)
        return fail(ErrorKind::Network, what,
                    "npm did not finish in " + std::to_string(timeout_s) + " s");
    if (r->exit_code != 0) {
        std::string tail =
            r->output.size() > 2000 ? "…" + r->output.substr(r->output.size() - 2000) : r->output;
        return fail(ErrorKind::Network, what, "npm failed:\n" + trim(tail));
    }
    return r->output;
}

// A directory next to `out`, so the finished tree is renamed into place.
// The host node's major version (`node --version` prints "v20.19.2"); 0 when unknown.
int host_node_major() {
    const char* path_var = std::getenv("PATH");
    const std::string node = sandbox::find_host_tool("node", path_var ? path_var : "/usr/bin:/bin");
    if (node.empty()) return 0;
    auto r = sandbox::run_host_tool(node, {node, "--version"}, {}, 30, 4096);
    if (!r || r->timed_out || r->exit_code != 0) return 0;
    std::string v = trim(r->output);
    if (!v.empty() && v.front() == 'v') v.erase(0, 1);
    int major = 0;
    auto [ptr, err] = std::from_chars(v.data(), v.data() + v.size(), major);
    return err == std::errc() && ptr != v.data() ? major : 0;
}

// The npm name of an addon path from find_native_addons ("a/node_modules/@s/b" -> "@s/b").
std::string addon_package_name(const std::string& path) {
    const auto nm = path.rfind("/node_modules/");
    return nm == std::string::npos ? path : path.substr(nm + 14);
}

// `npm rebuild NAME… --build-from-source` under bwrap: the whole host read-only (/tmp too), `files`
// and a scratch home writable, no network (node-gyp takes the headers from /usr, npm_config_
// nodedir). npm runs only the named packages' install scripts.
Result<void> build_native_addons(const NpmOptions& opts, const fs::path& files,
                                 const fs::path& home, const std::vector<std::string>& addons) {
    const char* path_var = std::getenv("PATH");
    const std::string path = path_var ? path_var : "/usr/bin:/bin";
    const std::string bwrap = sandbox::find_host_tool("bwrap", path);
    const std::string npm = sandbox::find_host_tool(opts.npm, path);
    std::string names;
    for (const auto& a : addons) names += (names.empty() ? "" : ", ") + a;
    const std::string what = "native addon " + names;
    if (bwrap.empty())
        return fail(ErrorKind::NotFound, what,
                    "bwrap is not installed, so the addon cannot be built confined "
                    "(install bubblewrap, or import with --no-build-native)");
    if (npm.empty()) return fail(ErrorKind::NotFound, opts.npm, "not found on PATH; install npm");
    std::error_code ec;
    fs::create_directories(home / "cache", ec);
    const std::string f = fs::absolute(files).string(), h = fs::absolute(home).string();
    std::vector<std::string> argv = {bwrap,
                                     "--ro-bind",
                                     "/",
                                     "/",
                                     "--dev",
                                     "/dev",
                                     "--proc",
                                     "/proc",
                                     "--bind",
                                     f,
                                     f,
                                     "--bind",
                                     h,
                                     h,
                                     "--unshare-net",
                                     "--die-with-parent",
                                     "--chdir",
                                     f,
                                     "--setenv",
                                     "HOME",
                                     h,
                                     "--setenv",
                                     "npm_config_cache",
                                     h + "/cache",
                                     "--setenv",
                                     "npm_config_nodedir",
                                     "/usr",
                                     "--setenv",
                                     "npm_config_offline",
                                     "true",
                                     "--setenv",
                                     "npm_config_update_notifier",
                                     "false",
                                     "--setenv",
                                     "TMPDIR",
                                     h,
                                     "--",
                                     npm,
                                     "rebuild"};
    std::vector<std::string> seen;
    for (const auto& a : addons) {
        std::string n = addon_package_name(a);
        if (std::find(seen.begin(), seen.end(), n) != seen.end()) continue;
        seen.push_back(n);
        argv.push_back(n);
    }
    for (const char* o :
         {"--build-from-source", "--offline", "--no-audit", "--no-fund", "--loglevel=error"})
        argv.push_back(o);
    argv.push_back("--prefix");
    argv.push_back(f);
    auto r = sandbox::run_host_tool(bwrap, argv, {}, opts.timeout_s, 4 << 20);
    if (!r) return tl::unexpected(in_context(r.error(), what));
    if (r->timed_out)
        return fail(ErrorKind::Invalid, what,
                    "building it from source did not finish in " + std::to_string(opts.timeout_s) +
                        " s (import with --no-build-native to skip)");
    if (r->exit_code != 0) {
        std::string tail =
            r->output.size() > 2000 ? "…" + r->output.substr(r->output.size() - 2000) : r->output;
        return fail(ErrorKind::Invalid, what,
                    "building it from source (npm rebuild, node-gyp, offline) failed; "
                    "import with --no-build-native to skip. node-gyp's last lines:\n" +
                        trim(tail));
    }
    return {};
}

// The config keys for what the server reads: its code's and README's environment variables
// and README arguments (or a server.json's), and --env; the manifest is checked again.
Result<void> add_settings(NpmPlan& plan, const NpmOptions& opts, const fs::path& pkg_dir,
                          const std::vector<EnvSetting>& asked) {
    std::vector<std::string> code;
    std::vector<EnvSetting> documented = opts.preset_env;
    std::vector<ArgSetting> args;
    if (opts.scan) {
        code = scan_package_env(pkg_dir);
        auto hints = readme_hints(read_readme(pkg_dir), plan.package);
        documented.insert(documented.begin(), hints.env.begin(), hints.env.end());
        args = arg_settings_for(hints.args, hints.repeated);
    }
    args.insert(args.end(), opts.preset_args.begin(), opts.preset_args.end());
    plan.config_keys =
        add_config_keys(plan.manifest, merge_env_settings(code, documented, asked), args);
    if (auto ok = formats::parse_manifest(plan.manifest.dump()); !ok)
        return tl::unexpected(
            in_context(ok.error(), "plugin.json from " + plan.package + "@" + plan.version));
    return {};
}

}  // namespace

std::string plugin_name_for(std::string_view npm_name) {
    std::string out;
    for (char c : npm_name) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '@' && out.empty()) continue;
        char l = static_cast<char>(std::tolower(u));
        bool ok = std::isalnum(u) != 0 || l == '.' || l == '_' || l == '-';
        out += ok ? l : '-';
    }
    while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) out.erase(0, 1);
    if (out.size() > 64) out.resize(64);
    return out;
}

int node_major_for(std::string_view range, int fallback) {
    int best = INT_MAX;
    std::string r(range);
    std::size_t start = 0;
    while (start <= r.size()) {
        std::size_t bar = r.find("||", start);
        std::string alt =
            r.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
        // The lower bound of one alternative: the first number after >=, >, ^, ~, = or none.
        int low = -1;
        for (std::size_t i = 0; i < alt.size(); ++i) {
            if (!std::isdigit(static_cast<unsigned char>(alt[i]))) continue;
            std::size_t j = i;
            while (j > 0 && (alt[j - 1] == 'v' || alt[j - 1] == ' ')) --j;
            const char op = j > 0 ? alt[j - 1] : ' ';
            if (op != '<' && !(op == '=' && j > 1 && alt[j - 2] == '<'))
                std::from_chars(alt.data() + i, alt.data() + alt.size(), low);  // -1 on overflow
            break;
        }
        if (low >= 0) best = std::min(best, low);
        if (bar == std::string::npos) break;
        start = bar + 2;
    }
    return best == INT_MAX ? fallback : best;
}

Result<NpmPlan> plan_from_npm(const json& meta, const NpmOptions& opts) {
    if (!meta.is_object())
        return fail(ErrorKind::Invalid, opts.spec, "npm returned no package metadata");
    NpmPlan p;
    p.package = string_field(meta, "name");
    p.version = string_field(meta, "version");
    if (p.package.empty() || p.version.empty())
        return fail(ErrorKind::Invalid, opts.spec, "npm's metadata has no name or version");
    auto bin = choose_bin(meta, opts, p.package);
    if (!bin) return tl::unexpected(bin.error());
    p.bin_path = *bin;
    p.plugin_name = opts.name.empty() ? plugin_name_for(p.package) : opts.name;
    auto engines = meta.find("engines");
    if (engines != meta.end() && engines->is_object() && engines->contains("node") &&
        (*engines)["node"].is_string())
        p.node_major = node_major_for((*engines)["node"].get<std::string>(), 18);

    ojson m;
    m["name"] = p.plugin_name;
    m["version"] = p.version;
    m["kind"] = "mcp-server";
    std::string summary = trim(string_field(meta, "description"));
    m["summary"] = summary.empty() ? p.package + " from npm" : summary;
    std::string license = string_field(meta, "license");
    if (license.empty() && meta.contains("license") && meta["license"].is_object())
        license = string_field(meta["license"], "type");
    if (!license.empty()) m["license"] = license;
    if (auto home = string_field(meta, "homepage"); !home.empty()) m["homepage"] = home;
    m["requires"] = {"nextchat >= 2.15", "node-runtime >= " + std::to_string(p.node_major)};
    m["mcp"] = {{"command", "node"},
                {"args", {"${plugin_dir}/node_modules/" + p.package + "/" + p.bin_path}}};
    // Left for the publisher: what the server reaches is not in npm's metadata. `nxp lint`
    // warns until it is filled in.
    m["permissions"] = ojson::object();
    m["check"] = {{"mcp", opts.check}, {"timeout", 30}};
    for (const auto& a : opts.fixed_args) m["mcp"]["args"].push_back(a);
    ojson source = npm_source(meta);
    for (const auto& [k, v] : opts.source_extra.items()) source[k] = v;
    m["source"] = std::move(source);
    auto parsed = formats::parse_manifest(m.dump());
    if (!parsed) {
        auto e = in_context(parsed.error(), "plugin.json from " + p.package + "@" + p.version);
        if (opts.name.empty() && e.context.find("name") != std::string::npos)
            e.message += " (choose a plugin name with --name)";
        return tl::unexpected(e);
    }
    p.manifest = std::move(m);
    return p;
}

namespace {

// `npm view SPEC --json`, parsed (an object, or an array for a range); stdout is kept apart
// from npm's warnings in a file of `tmp`.
Result<json> npm_view(const NpmOptions& opts, const std::string& spec, const fs::path& tmp) {
    const fs::path view = tmp / "view.json";
    auto out =
        run({"sh", "-c", "exec \"$0\" view \"$1\" --json >\"$2\"", opts.npm, spec, view.string()},
            spec, opts.timeout_s);
    if (!out) return tl::unexpected(out.error());
    std::ifstream in(view, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::error_code ec;
    fs::remove(view, ec);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)  // npm prints nothing
        return fail(ErrorKind::NotFound, spec, "npm has no such package or version");
    // What the registry sends is outside data: too deep or not JSON is an error naming it.
    auto parsed = formats::parse_json(text, "npm view " + spec, {.reject_duplicate_keys = false});
    if (!parsed) return tl::unexpected(parsed.error());
    if (parsed->is_null() || (parsed->is_array() && parsed->empty()))
        return fail(ErrorKind::NotFound, spec, "npm has no such package or version");
    return parsed;
}

// The "source" of an earlier import (--previous): its plugin.json, read with nxp's limits.
Result<json> previous_source(const fs::path& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec) || fs::file_size(file, ec) > (16u << 20))
        return fail(ErrorKind::NotFound, file.string(), "not a plugin.json file");
    std::ifstream in(file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto doc = formats::parse_json(text, file.string());
    if (!doc) return tl::unexpected(doc.error());
    if (!doc->is_object() || !doc->contains("source") || !(*doc)["source"].is_object())
        return fail(ErrorKind::Invalid, file.string() + ": source",
                    "the earlier plugin.json records no source to compare with");
    return (*doc)["source"];
}

}  // namespace

namespace {

void find_addons_in(const fs::path& node_modules, const std::string& prefix, int depth, int& budget,
                    std::vector<std::string>& found) {
    std::error_code ec;
    auto is_dir = [&ec](const fs::path& p) {  // symlinks are not followed
        return fs::is_directory(fs::symlink_status(p, ec));
    };
    auto visit = [&](const fs::path& pkg, const std::string& name) {
        if (--budget < 0) return;
        if (fs::is_regular_file(fs::symlink_status(pkg / "binding.gyp", ec)))
            found.push_back(prefix + name);
        if (depth < 8 && is_dir(pkg / "node_modules"))
            find_addons_in(pkg / "node_modules", prefix + name + "/node_modules/", depth + 1,
                           budget, found);
    };
    for (fs::directory_iterator it(node_modules, ec), end; !ec && it != end; it.increment(ec)) {
        if (budget <= 0) return;
        const std::string n = it->path().filename().string();
        if (n.empty() || n.front() == '.' || !is_dir(it->path())) continue;
        if (n.front() == '@') {
            std::error_code ec2;
            for (fs::directory_iterator s(it->path(), ec2), e; !ec2 && s != e; s.increment(ec2)) {
                const std::string sn = s->path().filename().string();
                if (sn.empty() || sn.front() == '.' || !is_dir(s->path())) continue;
                visit(s->path(), n + "/" + sn);
                if (budget <= 0) return;
            }
        } else {
            visit(it->path(), n);
        }
    }
}

}  // namespace

std::vector<std::string> find_native_addons(const fs::path& node_modules) {
    std::vector<std::string> found;
    int budget = 10000;
    find_addons_in(node_modules, "", 0, budget, found);
    std::sort(found.begin(), found.end());
    return found;
}

Result<NpmPlan> import_npm(const NpmOptions& opts) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(opts.out, ec)) &&
        (!fs::is_directory(opts.out, ec) || !fs::is_empty(opts.out, ec)))
        return fail(ErrorKind::Invalid, opts.out.string(), "exists and is not an empty directory");
    if (opts.spec.empty() || opts.spec.front() == '-')
        return fail(ErrorKind::Usage, opts.spec, "not an npm package name");
    auto asked = parse_env_option(opts.env);
    if (!asked) return tl::unexpected(asked.error());
    Staging tmp(opts.out);
    fs::create_directories(tmp.dir / "files", ec);
    if (ec)
        return fail(ErrorKind::Io, tmp.dir.string(), "cannot create directory: " + ec.message());

    std::optional<std::int64_t> min_age;
    if (!opts.min_age.empty()) {
        auto d = parse_duration(opts.min_age, "--min-age");
        if (!d) return tl::unexpected(d.error());
        min_age = *d;
    }
    json before_source;
    if (!opts.previous.empty()) {
        auto prev = previous_source(opts.previous);
        if (!prev) return tl::unexpected(prev.error());
        before_source = std::move(*prev);
    }
    auto viewed = npm_view(opts, opts.spec, tmp.dir);
    if (!viewed) return tl::unexpected(viewed.error());
    // A range: the newest match (npm lists them oldest first).
    json meta = viewed->is_array() ? json(viewed->back()) : *viewed;
    const std::int64_t now = opts.now.value_or(static_cast<std::int64_t>(std::time(nullptr)));
    if (min_age && meta.is_object()) {
        const std::string package = string_field(meta, "name");
        auto choice = choose_by_age(meta.value("time", json()), age_candidates(*viewed, opts.spec),
                                    now, *min_age, package.empty() ? opts.spec : package);
        if (!choice) return tl::unexpected(choice.error());
        if (choice->version != string_field(meta, "version")) {
            auto again = npm_view(opts, package + "@" + choice->version, tmp.dir);
            if (!again) return tl::unexpected(again.error());
            meta = again->is_array() ? json(again->back()) : *again;
        }
    }
    auto plan = plan_from_npm(meta, opts);
    if (!plan) return tl::unexpected(plan.error());
    if (!opts.expect_version.empty() && plan->version != opts.expect_version)
        return fail(ErrorKind::Invalid, opts.spec,
                    "npm gives version " + plan->version + ", not " + opts.expect_version +
                        " as asked (the description and the registry disagree)");
    if (!before_source.is_null())
        plan->warnings = source_changes(before_source, plan->manifest["source"]);

    const fs::path files = tmp.dir / "files";
    std::vector<std::string> install = {
        opts.npm,           "install",    "--prefix",  files.string(),   "--omit=dev",
        "--ignore-scripts", "--no-audit", "--no-fund", "--no-bin-links", "--loglevel=error"};
    // The dependencies obey the cooldown too: nothing published after now - min_age.
    if (min_age) install.push_back("--before=" + iso_time(now - *min_age));
    install.push_back(plan->package + "@" + plan->version);
    auto installed = run(install, plan->package + "@" + plan->version, opts.timeout_s);
    if (!installed) return tl::unexpected(installed.error());
    const fs::path program = files / "node_modules" / plan->package / plan->bin_path;
    if (!fs::is_regular_file(program, ec))
        return fail(ErrorKind::Invalid, plan->package + ": bin",
                    "\"" + plan->bin_path + "\" is not in the installed package");
    if (auto keys = add_settings(*plan, opts, files / "node_modules" / plan->package, *asked);
        !keys)
        return tl::unexpected(keys.error());

    // Native addons: the install ran no script, so nothing is compiled yet.
    const auto addons = find_native_addons(files / "node_modules");
    if (!addons.empty() && !opts.build_native) {
        plan->native_unbuilt = addons;
    } else if (!addons.empty()) {
        const int major = host_node_major();
        if (major <= 0)
            return fail(ErrorKind::NotFound, "node",
                        "cannot tell the host node's version, needed to build native addons "
                        "(import with --no-build-native to skip)");
        if (auto built = build_native_addons(opts, files, tmp.dir / "build-home", addons); !built)
            return tl::unexpected(built.error());
        fs::remove_all(tmp.dir / "build-home", ec);
        plan->native_built = addons;
        // A compiled addon loads only in the node major (ABI) it was built for.
        auto& req = plan->manifest["requires"];
        for (auto& r : req)
            if (r.is_string() && r.get<std::string>().rfind("node-runtime", 0) == 0)
                r = "node-runtime ^" + std::to_string(major);
        if (auto ok = formats::parse_manifest(plan->manifest.dump()); !ok)
            return tl::unexpected(
                in_context(ok.error(), "plugin.json from " + plan->package + "@" + plan->version));
    }

    if (auto ok = finish_plugin_dir(tmp, plan->manifest, opts.out); !ok)
        return tl::unexpected(ok.error());
    return plan;
}

}  // namespace nxp::importer
