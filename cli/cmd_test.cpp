// nxp test DIR|FILE.nxp: what a plugin's author runs before publishing. Lints and packs it,
// signs a one-package repository with a throwaway key, installs it into a throwaway root (as
// an operator would, with --yes and the permissions it declares), which runs its hooks and its
// MCP health check, and prints the tools it answers with. Everything lives in one temporary
// directory, removed at the end whatever happened: the steps run in a child process and the
// parent removes the directory once the child is gone (an error, a crash or Ctrl-C alike).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/table.hpp"
#include "formats/constraint.hpp"
#include "formats/display.hpp"
#include "formats/mcp_tools.hpp"
#include "os/file.hpp"
#include "repo/archive.hpp"
#include "repo/keys.hpp"
#include "repo/publish.hpp"
#include "txn/admin.hpp"

namespace nxp::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct TestArgs {
    std::string target;
    std::vector<std::string> with;  // more packages for the throwaway repository
    std::string nextchat_version;   // default: one the plugin's requirement accepts
    bool keep = false;              // keep the temporary directory (for a look inside)
};

// What the steps report: every message of the install kept, so hooks' output and health
// checks can be shown with their step whatever -v says; the rest goes on to the Context.
class Recorder final : public Events {
  public:
    explicit Recorder(Context& c) : c_(c) {}
    void message(Level level, std::string_view text) override {
        // A hook's output is the debug message right after its phase.
        if (level == Level::Debug && after_hook_ && !hooks.empty()) hooks.back().second = text;
        after_hook_ = false;
        if (level == Level::Warning) warnings.emplace_back(text);
        c_.message(level, text);
    }
    bool confirm(std::string_view q) override { return c_.confirm(q); }
    Answer question(const Question& q) override { return c_.question(q); }
    void preview(const Preview& p) override { c_.preview(p); }
    void progress(std::string_view what, std::uint64_t done, std::uint64_t total) override {
        c_.progress(what, done, total);
    }
    void phase(std::string_view name, std::string_view text,
               std::chrono::steady_clock::duration took) override {
        if (name == "hook") hooks.emplace_back(std::string(text), "");
        if (name == "health") health = text;
        after_hook_ = name == "hook";
        c_.phase(name, text, took);
    }
    void detail(std::string_view name, std::string_view text) override { c_.detail(name, text); }
    int tracing() const override { return c_.tracing(); }
    void after_commit_error(const Error& e) override { warnings.push_back(e.str()); }

    std::vector<std::string> warnings;
    std::vector<std::pair<std::string, std::string>> hooks;  // what ran, its output
    std::string health;                                      // the health check's phase text

  private:
    Context& c_;
    bool after_hook_ = false;
};

// One step's outcome, shown as it happens ("lint: ok (no problems)") and kept for --json.
class Steps {
  public:
    explicit Steps(Context& c) : c_(c) {}
    void ok(const std::string& step, const std::string& text, json data = json::object()) {
        data["step"] = step;
        data["ok"] = true;
        data["detail"] = text;
        done_.push_back(std::move(data));
        if (!c_.g.json) say(step + ": ok" + (text.empty() ? "" : " (" + text + ")"));
    }
    int failed(const std::string& step, const Error& e) {
        done_.push_back(
            {{"step", step},
             {"ok", false},
             {"error", {{"kind", std::string(kind_name(e.kind))}, {"message", e.str()}}}});
        if (!c_.g.json) say(c_.paint(step + ": FAILED: " + e.str(), "31"));
        failed_ = step;
        return exit_code(e.kind);
    }
    void say(const std::string& line) const { std::cout << line << std::endl; }
    const json& done() const { return done_; }
    const std::string& failed_step() const { return failed_; }

  private:
    Context& c_;
    json done_ = json::array();
    std::string failed_;
};

// The version of the throwaway root's NextChat: given, else the first of the versions the
// plugin's `nextchat` requirement names (and a recent one) that it accepts.
std::string pick_nextchat_version(const formats::Manifest& m, const std::string& given) {
    if (!given.empty()) return given;
    std::vector<std::string> candidates;
    for (const auto& spec : m.requires_) {
        for (const auto& alt : spec.alternatives) {
            if (alt.name != "nextchat") continue;
            std::string text = alt.str();
            for (std::size_t i = 0; i < text.size();) {
                auto start = text.find_first_of("0123456789", i);
                if (start == std::string::npos) break;
                auto end = text.find_first_not_of("0123456789.", start);
                std::string v = text.substr(start, end == std::string::npos ? end : end - start);
                while (!v.empty() && v.back() == '.') v.pop_back();
                int parts = 0;
                if (auto pv = formats::parse_partial_version(v, &parts)) {
                    candidates.push_back(pv->str());
                    auto next = *pv;
                    next.patch += 1;
                    candidates.push_back(next.str());
                }
                i = end == std::string::npos ? text.size() : end;
            }
            for (const auto& c : {"2.16.0", "2.15.8", "3.0.0"}) candidates.emplace_back(c);
            for (const auto& c : candidates) {
                auto v = formats::parse_version(c);
                if (v && alt.constraint.matches(*v)) return c;
            }
        }
    }
    return "2.16.0";
}

// The package to test: packed from DIR into `pkgs`, or FILE.nxp copied there.
Result<std::pair<fs::path, formats::Manifest>> package_of(const fs::path& target,
                                                          const fs::path& pkgs, Steps* steps) {
    std::error_code ec;
    fs::create_directories(pkgs, ec);
    if (ec) return fail(ErrorKind::Io, pkgs.string(), "cannot create directory: " + ec.message());
    std::string bytes;
    if (fs::is_directory(target, ec)) {
        auto packed = repo::pack_directory(target);
        if (!packed) return tl::unexpected(packed.error());
        bytes = std::move(*packed);
    } else {
        auto read = os::read_file(target, 4ULL << 30);
        if (!read) return tl::unexpected(read.error());
        bytes = std::move(*read);
    }
    const fs::path tmp = pkgs / "incoming.nxp";
    if (auto r = os::write_file_atomic(tmp, bytes, 0644); !r) return tl::unexpected(r.error());
    auto m = repo::read_package_manifest(tmp);
    if (!m) return tl::unexpected(m.error());
    const fs::path out = pkgs / (m->name + "-" + m->version.str() + ".nxp");
    fs::rename(tmp, out, ec);
    if (ec) return fail(ErrorKind::Io, out.string(), ec.message());
    if (steps)
        steps->ok("pack",
                  m->name + " " + m->version.str() + ", " + formats::human_size(bytes.size()) +
                      (fs::is_directory(target, ec) ? "" : ", as given"),
                  {{"name", m->name}, {"version", m->version.str()}, {"size", bytes.size()}});
    return std::make_pair(out, std::move(*m));
}

// The steps, in the child. Returns the exit status.
int run_steps(Context& c, const TestArgs& a, const fs::path& tmp, json& doc) {
    Steps steps(c);
    Recorder events(c);
    auto finish = [&](int rc) {
        doc["steps"] = steps.done();
        doc["ok"] = rc == 0;
        if (rc != 0) doc["failed_step"] = steps.failed_step();
        return rc;
    };
    const fs::path target(a.target);

    // 1. lint: every finding, errors stop here.
    auto findings = repo::lint(target);
    if (!findings) return finish(steps.failed("lint", findings.error()));
    const LintReport linted = report_lint(c, *findings);
    const int errors = linted.errors, warnings = linted.warnings;
    const json& found = linted.json;
    if (errors > 0)
        return finish(steps.failed(
            "lint", Error{ErrorKind::Invalid, a.target,
                          std::to_string(errors) + " error(s); see nxp lint " + a.target}));
    steps.ok("lint", warnings == 0 ? "no problems" : std::to_string(warnings) + " warning(s)",
             {{"findings", found}});

    // 2. pack (a directory) or take the file as it is.
    auto pkg = package_of(target, tmp / "packages", &steps);
    if (!pkg) return finish(steps.failed("pack", pkg.error()));
    std::vector<fs::path> with;
    for (const auto& w : a.with) {
        auto other = package_of(w, tmp / "with", nullptr);
        if (!other) return finish(steps.failed("pack", in_context(other.error(), "--with " + w)));
        with.push_back(other->first);
    }
    const formats::Manifest& m = pkg->second;

    // 3. a throwaway key and a one-package repository signed with it.
    auto kp = repo::generate_key_pair();
    repo::BuildOptions build;
    build.repo_dir = tmp / "repo";
    build.repo_id = "nxp-test";
    build.expires_days = 1;
    build.packages.push_back(pkg->first);
    for (const auto& w : with) build.packages.push_back(w);
    auto index = repo::build_repository(build, kp.secret_key);
    if (!index) return finish(steps.failed("repository", index.error()));
    steps.ok("repository",
             std::to_string(index->packages.size()) + " package(s), signed with throwaway key " +
                 formats::key_id_hex(kp.public_key.key_id),
             {{"dir", build.repo_dir.string()}, {"packages", index->packages.size()}});

    // 4. a throwaway root with that repository.
    txn::InitOptions init;
    init.nextchat_version = pick_nextchat_version(m, a.nextchat_version);
    auto root = txn::init_root(tmp / "root", init, events);
    if (!root) return finish(steps.failed("root", root.error()));
    db::RepoRow row;
    row.name = "nxp-test";
    row.url = "file://" + fs::absolute(build.repo_dir).string();
    row.keys.push_back(formats::public_key_base64(kp.public_key));
    auto added = txn::add_repository(root->root, row, false, txn::now_or_clock(0), c.user());
    if (!added) return finish(steps.failed("root", added.error()));
    steps.ok("root", root->root.dir().string() + ", NextChat " + init.nextchat_version,
             {{"dir", root->root.dir().string()}, {"nextchat_version", init.nextchat_version}});

    // 5. install with --yes and the permissions the plugin declares: hooks, health check.
    auto opts = c.txn_options(txn::TxnKind::Install, root->root);
    if (!opts) return finish(steps.failed("install", opts.error()));
    opts->yes = true;
    opts->dry_run = false;
    opts->grant = {"all"};
    opts->nxp_exe = self_exe();
    resolver::Request request;
    auto dep = formats::parse_dep(m.name + " = " + m.version.str());
    if (!dep) return finish(steps.failed("install", dep.error()));
    request.jobs.push_back({resolver::JobKind::Install, *dep});
    auto report = txn::run_request(root->root, request, *opts, events);
    if (report && report->unsolvable)
        return finish(steps.failed(
            "install", Error{ErrorKind::Unsolvable, m.name, report->unsolvable->str()}));
    // A hook or health check that fails aborts the install after staging: the steps before
    // it are shown as done, the failing one is named.
    std::string failing = "install";
    if (!report) {
        const std::string s = report.error().str();
        if (s.find(" hook (") != std::string::npos) failing = "hooks";
        if (s.find("MCP health check") != std::string::npos) failing = "health";
        if (failing == "install") return finish(steps.failed("install", report.error()));
    }
    const std::string granted =
        m.permissions.empty() ? "no permissions asked for" : "its permissions granted";
    steps.ok("install",
             m.name + " " + m.version.str() + ", " + granted +
                 (report ? ""
                         : "; staged, then stopped by its " +
                               std::string(failing == "hooks" ? "hook" : "MCP health check")),
             report ? json{{"generation", report->to_generation}} : json::object());
    auto show_hooks = [&](bool passed) {
        json hooks = json::array();
        std::string hook_text;
        for (const auto& [text, output] : events.hooks) {
            hooks.push_back({{"hook", text}, {"output", output}});
            hook_text += (hook_text.empty() ? "" : "; ") + text;
        }
        if (passed)
            steps.ok("hooks", hooks.empty() ? "none declared" : hook_text, {{"hooks", hooks}});
        if (c.g.json) return;
        for (const auto& [text, output] : events.hooks) {
            std::size_t start = 0;
            while (start < output.size()) {
                auto nl = output.find('\n', start);
                if (nl == std::string::npos) nl = output.size();
                steps.say("  | " + output.substr(start, nl - start));
                start = nl + 1;
            }
        }
    };
    show_hooks(failing != "hooks");
    if (!report) return finish(steps.failed(failing, report.error()));

    // 6. the tools the health check recorded.
    json tools = json::array();
    const std::string& health = events.health;
    auto recorded = root->root.db().tools(m.name, m.version.str());
    if (!recorded) return finish(steps.failed("health", recorded.error()));
    if (*recorded) {
        auto parsed = formats::parse_recorded_tools(**recorded, m.name + ": recorded tools");
        if (!parsed) return finish(steps.failed("health", parsed.error()));
        for (const auto& t : parsed->tools) {
            json d = t.canonical.empty() ? json(nullptr) : json::parse(t.canonical, nullptr, false);
            json desc = d.is_object() && d.contains("description") ? d["description"] : json("");
            tools.push_back({{"name", t.name}, {"description", desc}});
        }
    }
    if (m.mcp && health.empty()) {
        std::string why = "the MCP server was not started";
        for (const auto& w : events.warnings) why += "; " + w;
        return finish(steps.failed("health", Error{ErrorKind::Invalid, m.name, why}));
    }
    steps.ok("health", m.mcp ? health : "not an MCP server", {{"tools", tools}});
    doc["name"] = m.name;
    doc["version"] = m.version.str();
    doc["tools"] = tools;
    if (!c.g.json && !tools.empty()) {
        Table t({"TOOL", "DESCRIPTION"});
        for (const auto& tool : tools) {
            std::string desc =
                tool["description"].is_string() ? tool["description"].get<std::string>() : "";
            if (auto nl = desc.find('\n'); nl != std::string::npos) desc = desc.substr(0, nl);
            t.add({tool["name"].get<std::string>(), desc});
        }
        steps.say("Tools of " + m.name + ":");
        steps.say(t.render());
    }
    return finish(0);
}

// The parent: forwards nothing, waits for the child, removes the temporary directory.
volatile sig_atomic_t g_signal = 0;
extern "C" void remember_signal(int sig) { g_signal = sig; }

Result<int> test_plugin(Context& c, const TestArgs& a) {
    std::error_code ec;
    if (!fs::exists(a.target, ec))
        return fail(ErrorKind::NotFound, a.target, "no such plugin directory or package file");
    std::string tmpl = (fs::temp_directory_path() / "nxp-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
        return fail(ErrorKind::Io, tmpl, std::string("cannot create: ") + std::strerror(errno));
    const fs::path tmp = tmpl;
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) {
        fs::remove_all(tmp, ec);
        return fail(ErrorKind::Io, "pipe", std::strerror(errno));
    }
    std::cout.flush();
    std::cerr.flush();
    const pid_t child = ::fork();
    if (child < 0) {
        fs::remove_all(tmp, ec);
        return fail(ErrorKind::Io, "fork", std::strerror(errno));
    }
    if (child == 0) {
        ::close(pipefd[0]);
        json doc{{"command", "test"}, {"target", a.target}, {"dir", tmp.string()}};
        int rc = run_steps(c, a, tmp, doc);
        const std::string text = doc.dump();
        std::size_t done = 0;
        while (done < text.size()) {
            ssize_t n = ::write(pipefd[1], text.data() + done, text.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        std::cout.flush();
        std::cerr.flush();
        ::_exit(rc);
    }
    ::close(pipefd[1]);
    // Ctrl-C reaches the child too (same process group): the parent waits for it to end.
    struct sigaction sa {
    }, old_int{}, old_term{};
    sa.sa_handler = remember_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int);
    ::sigaction(SIGTERM, &sa, &old_term);
    std::string text;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(pipefd[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            if (g_signal == SIGTERM) ::kill(child, SIGTERM);
            continue;
        }
        if (n <= 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(pipefd[0]);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
        if (g_signal == SIGTERM) ::kill(child, SIGTERM);
    }
    if (!a.keep) fs::remove_all(tmp, ec);
    const bool cleaned = !a.keep && !fs::exists(tmp);
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGTERM, &old_term, nullptr);

    int rc = 1;
    if (WIFEXITED(status)) rc = WEXITSTATUS(status);
    const bool interrupted = g_signal != 0 || (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
    if (interrupted) rc = kExitInterrupted;
    json doc = json::parse(text, nullptr, false);
    if (!doc.is_object()) doc = {{"command", "test"}, {"target", a.target}, {"ok", false}};
    if (interrupted) doc["ok"] = false, doc["interrupted"] = true;
    doc["cleaned_up"] = cleaned;
    if (a.keep) doc["kept"] = tmp.string();
    const std::string where = a.keep ? "kept " + tmp.string() : "removed " + tmp.string();
    if (c.g.json) {
        c.emit(doc);
    } else {
        if (interrupted) std::cout << "interrupted\n";
        std::cout << "cleanup: "
                  << (cleaned || a.keep ? "ok (" + where + ")" : "FAILED (" + where + ")") << '\n'
                  << (rc == 0
                          ? a.target + ": the plugin installs and works."
                          : a.target + ": failed at " +
                                (doc.contains("failed_step") ? doc["failed_step"].get<std::string>()
                                                             : std::string("an unknown step")))
                  << std::endl;
    }
    return rc;
}

}  // namespace

void add_test(CLI::App& app, Context& ctx) {
    auto a = std::make_shared<TestArgs>();
    auto* cmd = app.add_subcommand(
        "test", "Lint, pack and install a plugin into a throwaway root; show its tools");
    cmd->add_option("target", a->target, "Plugin directory or .nxp file")->required();
    cmd->add_option("--with", a->with,
                    "Another plugin directory or .nxp for the throwaway repository (a dependency)")
        ->allow_extra_args(false);
    cmd->add_option("--nextchat-version", a->nextchat_version,
                    "NextChat version of the throwaway root (default: one the plugin accepts)");
    cmd->add_flag("--keep", a->keep, "Keep the temporary directory and say where it is");
    cmd->callback([&ctx, a] { ctx.action = [a](Context& c) { return test_plugin(c, *a); }; });
}

}  // namespace nxp::cli
