#pragma once
// What every command shares: global options, output for people (stderr/stdout, colour)
// and for scripts (--json), and the Events implementation (messages, progress, the plan
// or diff shown before a change, questions answered on the terminal). Rendering is in
// cli/render.hpp, command registration in cli/commands.hpp.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/render.hpp"
#include "formats/error.hpp"
#include "txn/events.hpp"
#include "txn/plugins.hpp"
#include "txn/root.hpp"
#include "txn/transaction.hpp"

namespace nxp::cli {

constexpr int kJsonSchema = 1;

struct Globals {
    std::string root;
    bool yes = false;
    bool dry_run = false;
    bool json = false;
    bool quiet = false;
    int verbose = 0;
    bool offline = false;
    bool no_wait = false;
    bool no_progress = false;
    int progress_fd = -1;  // JSON progress lines go here (for --json callers)
    std::string color = "auto";
    std::vector<std::string> grant;  // --grant NAME|all: permissions granted without asking
    std::string policy;              // --policy FILE: which permissions are acceptable
    bool allow_unsandboxed = false;  // run plugin code even where bubblewrap cannot
};

class Context final : public txn::Events {
  public:
    Globals g;
    Action action;  // set by the chosen subcommand
    // Options whose values history must not keep (a config VALUE may be a secret).
    std::set<const CLI::Option*> secret_options;

    // Events
    void message(txn::Level level, std::string_view text) override;
    bool confirm(std::string_view question) override;
    // Without a terminal (or with --json) nothing can be asked: CannotAsk. --yes answers a
    // grant question on a terminal; Proceed is not asked with --yes (txn decides).
    txn::Answer question(const txn::Question& q) override;
    // On a terminal without --yes: the prompt, the options numbered from 1, and a number read
    // back (anything else declines).
    std::optional<std::size_t> choose(std::string_view prompt,
                                      const std::vector<std::string>& options) override;
    // The plan (txn::PlanPreview) or apply diff (deploy::DiffPreview) on stderr, unless --json.
    void preview(const Preview& what) override;
    void progress(std::string_view what, std::uint64_t done, std::uint64_t total) override;
    // -v: "[  0.012s] NAME: TEXT (4 ms)" on stderr; -vv adds detail lines.
    void phase(std::string_view name, std::string_view text,
               std::chrono::steady_clock::duration took) override;
    void detail(std::string_view name, std::string_view text) override;
    int tracing() const override { return g.verbose; }
    // Printed at once as an error; main then exits kExitNextchatNotUpdated, and the
    // command's JSON document carries them as "after_commit_errors".
    void after_commit_error(const Error& e) override;
    const std::vector<Error>& after_commit_errors() const { return after_commit_errors_; }
    // Erases the progress lines drawn on stderr (before an error or the interrupt message).
    void clear_progress();

    bool interactive() const;  // stdin and stderr are terminals, and not --json
    bool color() const;
    std::string paint(std::string_view text, const char* sgr) const;

    std::filesystem::path root_dir() const;
    Result<txn::Root> open_root(txn::Access access);

    // Prints one JSON document with the schema field on stdout.
    void emit(nlohmann::json doc) const;
    // Prints a document the command wrote as text itself, byte for byte what emit would print
    // for it (list's fast path); with after-commit errors to add it goes through emit.
    void emit_text(const std::string& doc) const;
    // Whether the command printed its JSON document (main then adds no error document).
    bool emitted() const { return emitted_; }
    // Human text on stdout, unless --json or -q.
    void out(std::string_view text) const;

    // The command as CLI11 parsed it, for history: `nxp`, the global options, the
    // subcommand path with its options and positionals, values of secret_options as ••••
    // and credentials in URLs redacted. Built from the parse, never from re-tokenised argv,
    // so the position of an option or a value starting with '-' cannot unmask anything.
    void record_command(const CLI::App& app);
    const std::string& command_line() const { return command_line_; }
    std::string user() const;
    // The global options as the transaction's data: --dry-run, --offline, --yes, --grant,
    // the --policy file read, the run policy (settings of `root`, --allow-unsandboxed), this
    // binary for NextChat, and who runs what.
    Result<txn::TxnOptions> txn_options(txn::TxnKind kind, const txn::Root& root);

  private:
    std::string command_line_ = "nxp";
    mutable bool emitted_ = false;
    std::vector<Error> after_commit_errors_;
    bool quiet_cannot_ask_ = false;               // an apply diff in --json: refused without a note
    std::unique_ptr<ProgressRenderer> progress_;  // created on the first progress event
};

// This binary's own path (what NextChat's config entries start).
std::string self_exe();

}  // namespace nxp::cli
