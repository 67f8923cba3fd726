#include "cli/context.hpp"

#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/apply_render.hpp"
#include "cli/render.hpp"
#include "cli/term.hpp"
#include "deploy/apply.hpp"
#include "sandbox/host_tools.hpp"
#include "txn/interrupt.hpp"

namespace nxp::cli {
namespace fs = std::filesystem;
using nlohmann::json;

void Context::message(txn::Level level, std::string_view text) {
    if (level == txn::Level::Debug && g.verbose == 0) return;
    if (level == txn::Level::Info && g.quiet) return;
    const char* prefix = level == txn::Level::Warning ? "warning: " : "";
    std::string line = std::string(prefix) + std::string(text);
    if (level == txn::Level::Warning) line = paint(line, "33");
    if (progress_) progress_->clear();  // redrawn on the next update
    std::cerr << line << '\n';
}

namespace {
// When nxp started, for the trace's timestamps (static initialisation runs before main).
const auto kStarted = std::chrono::steady_clock::now();
}  // namespace

void Context::phase(std::string_view name, std::string_view text,
                    std::chrono::steady_clock::duration took) {
    if (g.verbose < 1) return;
    if (progress_) progress_->clear();
    std::cerr << trace_line(std::chrono::steady_clock::now() - kStarted, name, text, took) << '\n';
}

void Context::detail(std::string_view name, std::string_view text) {
    if (g.verbose < 2) return;
    if (progress_) progress_->clear();
    std::cerr << trace_line(std::chrono::steady_clock::now() - kStarted, name, text,
                            std::chrono::steady_clock::duration(-1))
              << '\n';
}

void Context::after_commit_error(const Error& e) {
    after_commit_errors_.push_back(e);
    if (progress_) progress_->clear();
    std::cerr << paint("nxp: " + e.str(), "31") << '\n';
}

void Context::progress(std::string_view what, std::uint64_t done, std::uint64_t total) {
    if (!progress_) {
        // Bars only for a person watching stderr; JSON lines only where asked for.
        const bool tty = !g.json && !g.quiet && !g.no_progress && ::isatty(STDERR_FILENO);
        progress_ = std::make_unique<ProgressRenderer>(tty ? STDERR_FILENO : -1, g.progress_fd);
    }
    progress_->update(what, done, total);
}

bool Context::interactive() const {
    return !g.json && ::isatty(STDIN_FILENO) && ::isatty(STDERR_FILENO);
}

namespace {

// Waits until a line can be read from stdin; false when Ctrl-C came first (also when it came
// just before the read began, which a blocking read would not notice).
bool await_answer() {
    while (!txn::interrupt_requested()) {
        pollfd p{STDIN_FILENO, POLLIN, 0};
        if (::poll(&p, 1, 100) != 0) return !txn::interrupt_requested();
    }
    return false;
}

}  // namespace

bool Context::confirm(std::string_view question) {
    if (g.yes) return true;
    if (!interactive()) return false;
    std::cerr << question << " [y/N] " << std::flush;
    std::string answer;
    if (!await_answer() || !std::getline(std::cin, answer)) return false;
    return answer == "y" || answer == "Y" || answer == "yes";
}

txn::Answer Context::question(const txn::Question& q) {
    if (!interactive()) {
        if (q.type == txn::Question::Type::Proceed && !quiet_cannot_ask_)
            std::cerr << "nxp: not asking without a terminal; run again with --yes to proceed\n";
        if (q.type == txn::Question::Type::ProceedAndGrant)
            std::cerr << "nxp: not asking without a terminal; run again with --yes and "
                      << grant_flags(q.plugin)
                      << " (or --grant all, or --policy FILE) to proceed\n";
        return txn::Answer::CannotAsk;
    }
    return confirm(q.text) ? txn::Answer::Yes : txn::Answer::No;
}

std::optional<std::size_t> Context::choose(std::string_view prompt,
                                           const std::vector<std::string>& options) {
    if (g.yes || !interactive() || options.empty()) return std::nullopt;
    std::cerr << prompt;
    for (std::size_t i = 0; i < options.size(); ++i)
        std::cerr << "  " << i + 1 << ") " << options[i] << '\n';
    std::cerr << "Choose a solution [1-" << options.size()
              << "] (Enter: none, cancel): " << std::flush;
    std::string answer;
    if (!await_answer() || !std::getline(std::cin, answer)) return std::nullopt;
    std::size_t n = 0;
    for (char ch : answer) {
        if (ch < '0' || ch > '9' || n > options.size()) return std::nullopt;
        n = n * 10 + static_cast<std::size_t>(ch - '0');
    }
    if (n < 1 || n > options.size()) return std::nullopt;
    return n - 1;
}

void Context::preview(const Preview& what) {
    if (const auto* p = dynamic_cast<const txn::PlanPreview*>(&what)) {
        if (!g.json) std::cerr << render_plan(*this, p->plan) << render_grants(p->grants);
    } else if (const auto* t = dynamic_cast<const txn::ToolChangesPreview*>(&what)) {
        if (!g.json) std::cerr << render_tool_changes(t->changes);
    } else if (const auto* d = dynamic_cast<const deploy::DiffPreview*>(&what)) {
        // nxp apply --json has always refused without --yes silently.
        quiet_cannot_ask_ = g.json;
        if (!g.json) std::cerr << render_diff(*this, d->diff);
    }
}

bool Context::color() const {
    if (g.color == "always") return true;
    if (g.color == "never" || g.json) return false;
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color != nullptr && *no_color != '\0') return false;
    return ::isatty(STDERR_FILENO) && ::isatty(STDOUT_FILENO);
}

std::string Context::paint(std::string_view text, const char* sgr) const {
    if (!color()) return std::string(text);
    return style(text, sgr);  // a colour the output filter trusts (cli/term.hpp)
}

fs::path Context::root_dir() const {
    if (!g.root.empty()) return g.root;
    if (const char* env = std::getenv("NXP_ROOT"); env != nullptr && *env != '\0') return env;
    return "/var/lib/nxp";
}

namespace {

// The first SIGINT asks the transaction to stop at its next safe point (txn/interrupt.hpp);
// a second one ends the process at once, which the journal makes safe too.
extern "C" void on_interrupt(int sig) {
    if (txn::interrupt_requested()) {
        ::signal(sig, SIG_DFL);
        ::raise(sig);
        return;
    }
    txn::request_interrupt();
}

}  // namespace

Result<txn::Root> Context::open_root(txn::Access access) {
    auto root = txn::Root::open(root_dir(), {access, g.no_wait}, *this);
    // Holding the lock: Ctrl-C from now on stops the transaction cleanly (no SA_RESTART, so
    // a question being asked returns at once).
    if (root && access == txn::Access::Write) {
        struct sigaction sa {};
        sa.sa_handler = on_interrupt;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, nullptr);
    }
    // Host facts (node's version, whether bubblewrap works) are remembered in its cache.
    if (root) sandbox::set_host_memo_dir(root->cache_dir());
    return root;
}

void Context::clear_progress() {
    if (progress_) progress_->clear();
}

void Context::emit(json doc) const {
    doc["schema"] = kJsonSchema;
    if (!after_commit_errors_.empty()) {
        json errors = json::array();
        for (const auto& e : after_commit_errors_)
            errors.push_back(
                {{"kind", kind_name(e.kind)}, {"context", e.context}, {"message", e.message}});
        doc["after_commit_errors"] = std::move(errors);
    }
    emitted_ = true;
    // JSON escaping keeps control characters off the terminal; bytes that are not UTF-8
    // (a hostile name) become U+FFFD instead of an exception.
    write_json_stdout(doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

void Context::emit_text(const std::string& doc) const {
    if (!after_commit_errors_.empty()) return emit(json::parse(doc));
    emitted_ = true;
    write_json_stdout(doc);
}

void Context::out(std::string_view text) const {
    if (g.json || g.quiet) return;
    std::cout << text;
    if (!text.empty() && text.back() != '\n') std::cout << '\n';
}

namespace {

constexpr const char* kMasked = "••••";

// A word as a POSIX shell reads it back: bare when that is unambiguous, else single-quoted.
std::string shell_word(const std::string& w) {
    static constexpr std::string_view kBare =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@%+=:,./_-";
    if (!w.empty() && w.find_first_not_of(kBare) == std::string::npos) return w;
    std::string q = "'";
    for (char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

bool flag_off(const std::string& r) {
    return r == "false" || r == "0" || r == "off" || r == "no" || r == "-1";
}

void describe(const CLI::App& app, const std::set<const CLI::Option*>& secret,
              std::vector<std::string>& words) {
    std::vector<std::string> positionals;
    for (const CLI::Option* opt : app.get_options()) {
        if (opt->count() == 0) continue;
        const bool masked = secret.count(opt) > 0;
        auto value = [&](const std::string& r) {
            return masked ? std::string(kMasked) : shell_word(redact_url_credentials(r));
        };
        if (!opt->nonpositional()) {
            for (const auto& r : opt->results()) positionals.push_back(value(r));
        } else if (opt->get_expected_max() == 0) {  // a flag: once per use
            for (const auto& r : opt->results())
                words.push_back(flag_off(r) ? opt->get_name() + "=false" : opt->get_name());
        } else {
            for (const auto& r : opt->results()) {
                words.push_back(opt->get_name());
                words.push_back(value(r));
            }
        }
    }
    const auto subs = app.get_subcommands();
    // Positionals after `--` when one could be read as an option.
    if (subs.empty() && std::any_of(positionals.begin(), positionals.end(),
                                    [](const auto& p) { return p.starts_with("-"); }))
        words.emplace_back("--");
    words.insert(words.end(), positionals.begin(), positionals.end());
    for (const CLI::App* sub : subs) {
        words.push_back(sub->get_name());
        describe(*sub, secret, words);
    }
}

}  // namespace

void Context::record_command(const CLI::App& app) {
    std::vector<std::string> words{"nxp"};
    describe(app, secret_options, words);
    command_line_.clear();
    for (const auto& w : words) command_line_ += (command_line_.empty() ? "" : " ") + w;
}

std::string Context::user() const {
    if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr) return pw->pw_name;
    return std::to_string(::getuid());
}

Result<txn::TxnOptions> Context::txn_options(txn::TxnKind kind, const txn::Root& root) {
    txn::TxnOptions o;
    o.kind = kind;
    o.dry_run = g.dry_run;
    o.offline = g.offline;
    o.yes = g.yes;
    o.grant = g.grant;
    auto policy = txn::read_policy(g.policy);
    if (!policy) return tl::unexpected(policy.error());
    o.policy = std::move(*policy);
    auto run = txn::run_policy(root, g.allow_unsandboxed);
    if (!run) return tl::unexpected(run.error());
    o.run = *run;
    o.hold_back_ungranted = kind == txn::TxnKind::Update;
    o.nxp_exe = self_exe();
    o.command_line = command_line();
    o.user = user();
    return o;
}

std::string self_exe() {
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("nxp") : p.string();
}

}  // namespace nxp::cli
