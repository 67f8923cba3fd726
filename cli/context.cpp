#include "cli/context.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/term.hpp"

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

bool Context::confirm(std::string_view question) {
    if (g.yes) return true;
    if (!interactive()) return false;
    std::cerr << question << " [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return answer == "y" || answer == "Y" || answer == "yes";
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

Result<txn::Root> Context::open_root(txn::Access access) {
    return txn::Root::open(root_dir(), {access, g.no_wait}, *this);
}

void Context::emit(json doc) const {
    doc["schema"] = kJsonSchema;
    emitted_ = true;
    // JSON escaping keeps control characters off the terminal; bytes that are not UTF-8
    // (a hostile name) become U+FFFD instead of an exception.
    write_json_stdout(doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
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

txn::TxnOptions Context::txn_options(const std::string& kind) {
    txn::TxnOptions o;
    o.dry_run = g.dry_run;
    o.offline = g.offline;
    o.kind = kind;
    o.command_line = command_line();
    o.user = user();
    o.confirm = [this](const resolver::Plan& plan) {
        if (!g.json) std::cerr << render_plan(*this, plan);
        if (!g.json) std::cerr << render_permissions(plan);
        if (g.yes) return true;
        if (!interactive()) {
            std::cerr << "nxp: not asking without a terminal; run again with --yes to proceed\n";
            return false;
        }
        return confirm("Proceed?");
    };
    o.check_plan = [this](txn::Root& root, const resolver::Plan& plan) {
        return check_grants(*this, root, plan);
    };
    if (kind == "update") {
        o.may_grant = [this](const std::string& name, const formats::Permissions& missing) {
            return may_grant(*this, name, missing);
        };
    }
    o.before_switch = [this](txn::Root& root, const txn::Intent& intent,
                             const txn::TxnReport& report) -> Result<void> {
        if (auto r = check_config_grants(*this, root, intent); !r) return r;
        return txn::run_plugin_code(root, intent, report, run_policy(*this, root), *this);
    };
    o.after_commit = [this](txn::Root& root, const txn::Intent&, const txn::TxnReport&) {
        sync_nextchat_after(*this, root);
    };
    return o;
}

std::string self_exe() {
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("nxp") : p.string();
}

std::string human_size(std::uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

std::string render_plan(const Context& ctx, const resolver::Plan& plan) {
    std::size_t width = 4;
    for (const auto& s : plan.steps) width = std::max(width, s.name.size());
    std::uint64_t download = 0;
    std::string text = "Plan:\n";
    for (const auto& s : plan.steps) {
        std::string action(resolver::step_kind_name(s.kind));
        std::string line = "  " + action +
                           std::string(10 - std::min<std::size_t>(action.size(), 9), ' ') + s.name +
                           std::string(width + 2 - s.name.size(), ' ');
        if (s.from && s.to)
            line += s.from->str() + " -> " + s.to->str();
        else if (s.to)
            line += s.to->str();
        else if (s.from)
            line += s.from->str();
        if (!s.repo.empty()) line += "  [" + s.repo + "]";
        if (s.kind != resolver::StepKind::Remove && !s.explicit_) line += "  (dependency)";
        if (!s.replaced_by.empty()) line += "  (replaced by " + s.replaced_by + ")";
        const char* sgr = s.kind == resolver::StepKind::Remove ? "31" : "32";
        text += ctx.paint(line, sgr) + "\n";
        if (s.entry) download += s.entry->size;
    }
    for (const auto& name : plan.marked_explicit)
        text += "  keep      " + name + "  (now explicitly installed)\n";
    text += std::to_string(plan.steps.size()) + " change(s), up to " + human_size(download) +
            " to download.\n";
    return text;
}

json plan_json(const resolver::Plan& plan) {
    json steps = json::array();
    for (const auto& s : plan.steps) {
        json j{{"action", resolver::step_kind_name(s.kind)}, {"name", s.name}};
        j["from"] = s.from ? json(s.from->str()) : json(nullptr);
        j["to"] = s.to ? json(s.to->str()) : json(nullptr);
        if (!s.repo.empty()) j["repo"] = s.repo;
        if (s.kind != resolver::StepKind::Remove)
            j["reason"] = s.explicit_ ? "explicit" : "dependency";
        if (s.entry) {
            j["size"] = s.entry->size;
            j["sha256"] = s.entry->sha256;
        }
        if (!s.replaced_by.empty()) j["replaced_by"] = s.replaced_by;
        steps.push_back(std::move(j));
    }
    return steps;
}

json unsolvable_json(const resolver::Unsolvable& u) {
    json problems = json::array();
    for (const auto& p : u.problems) {
        json sol = json::array();
        for (const auto& s : p.solutions) sol.push_back(s.text);
        problems.push_back({{"problem", p.text}, {"details", p.details}, {"solutions", sol}});
    }
    return problems;
}

Result<int> run_and_report(Context& ctx, txn::Root& root, const resolver::Request& request,
                           const std::string& kind, const std::vector<std::string>& purge) {
    auto opts = ctx.txn_options(kind);
    opts.purge = purge;
    auto report = txn::run_request(root, request, opts, ctx);
    if (!report) return tl::unexpected(report.error());
    if (report->unsolvable) {
        if (ctx.g.json)
            ctx.emit({{"command", kind},
                      {"ok", false},
                      {"unsolvable", unsolvable_json(*report->unsolvable)}});
        std::cerr << "nxp: the request cannot be satisfied:\n" << report->unsolvable->str();
        return 3;
    }
    if (ctx.g.json) {
        ctx.emit(
            {{"command", kind},
             {"ok", true},
             {"held_back", held_back_json(report->held_back)},
             {"dry_run", ctx.g.dry_run},
             {"applied", report->applied},
             {"plan", plan_json(report->plan)},
             {"marked_explicit", report->plan.marked_explicit},
             {"transaction", report->txn_id},
             {"generation", report->applied ? report->to_generation : report->from_generation}});
        return 0;
    }
    if (!report->held_back.empty()) std::cerr << render_held_back(report->held_back);
    if (report->plan.empty() && report->plan.marked_explicit.empty()) {
        ctx.out("Nothing to do.");
    } else if (!report->applied) {
        ctx.out(render_plan(ctx, report->plan) + "Dry run: nothing was changed.");
    } else {
        ctx.message(txn::Level::Info, "Done: generation " + std::to_string(report->to_generation) +
                                          " is current (" +
                                          std::to_string(report->plan.steps.size()) +
                                          " change(s), " + human_size(report->download_bytes) +
                                          " downloaded; undo with 'nxp rollback').");
    }
    return 0;
}

}  // namespace nxp::cli
