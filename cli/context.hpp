#pragma once
// What every command shares: global options, output for people (stderr/stdout, colour)
// and for scripts (--json), the Events implementation, and exit codes.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/progress.hpp"
#include "formats/error.hpp"
#include "resolver/resolver.hpp"
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

class Context;
using Action = std::function<Result<int>(Context&)>;

class Context final : public txn::Events {
  public:
    Globals g;
    Action action;  // set by the chosen subcommand
    // Options whose values history must not keep (a config VALUE may be a secret).
    std::set<const CLI::Option*> secret_options;
    // Plugins whose extra permissions were approved by an answer during this run, so that
    // an update's hold-back question and the grant step ask only once.
    std::set<std::string> approved;

    // Events
    void message(txn::Level level, std::string_view text) override;
    bool confirm(std::string_view question) override;
    void progress(std::string_view what, std::uint64_t done, std::uint64_t total) override;

    bool interactive() const;  // stdin and stderr are terminals, and not --json
    bool color() const;
    std::string paint(std::string_view text, const char* sgr) const;

    std::filesystem::path root_dir() const;
    Result<txn::Root> open_root(txn::Access access);

    // Prints one JSON document with the schema field on stdout.
    void emit(nlohmann::json doc) const;
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
    txn::TxnOptions txn_options(const std::string& kind);

  private:
    std::string command_line_ = "nxp";
    mutable bool emitted_ = false;
    std::unique_ptr<ProgressRenderer> progress_;  // created on the first progress event
};

// Shared rendering used by several commands.
std::string human_size(std::uint64_t bytes);
std::string render_plan(const Context& ctx, const resolver::Plan& plan);
nlohmann::json plan_json(const resolver::Plan& plan);
nlohmann::json unsolvable_json(const resolver::Unsolvable& u);
// Runs a request through the shared transaction path and reports it (human or JSON).
Result<int> run_and_report(Context& ctx, txn::Root& root, const resolver::Request& request,
                           const std::string& kind, const std::vector<std::string>& purge = {});

// Command registration, one file each.
void add_init(CLI::App& app, Context& ctx);
void add_repo(CLI::App& app, Context& ctx);
void add_refresh(CLI::App& app, Context& ctx);
void add_search(CLI::App& app, Context& ctx);
void add_info(CLI::App& app, Context& ctx);
void add_list(CLI::App& app, Context& ctx);
void add_install(CLI::App& app, Context& ctx);
void add_remove(CLI::App& app, Context& ctx);
void add_update(CLI::App& app, Context& ctx);
void add_rollback(CLI::App& app, Context& ctx);
void add_history(CLI::App& app, Context& ctx);
void add_key(CLI::App& app, Context& ctx);
void add_pack(CLI::App& app, Context& ctx);
void add_lint(CLI::App& app, Context& ctx);
void add_verify(CLI::App& app, Context& ctx);
void add_hold(CLI::App& app, Context& ctx);  // hold, unhold, autoremove, why
void add_gc(CLI::App& app, Context& ctx);
void add_config(CLI::App& app, Context& ctx);
void add_enable(CLI::App& app, Context& ctx);  // enable, disable
void add_permissions(CLI::App& app, Context& ctx);
void add_exec(CLI::App& app, Context& ctx);
void add_nextchat(CLI::App& app, Context& ctx);

// Plugin support shared by the transaction hooks (cmd_permissions.cpp, cmd_nextchat.cpp).
std::string render_permissions(const resolver::Plan& plan);
Result<void> check_grants(Context& ctx, txn::Root& root, const resolver::Plan& plan);
// An update's question: may `name` have `missing` (--grant, --policy, or asked when
// interactive)? A refusal holds the upgrade back.
bool may_grant(Context& ctx, const std::string& name, const formats::Permissions& missing);
// Before the switch: the current values of ${config.KEY} paths of what `intent` changes must be
// granted (asked like check_grants); refused, the transaction aborts with nothing changed.
Result<void> check_config_grants(Context& ctx, txn::Root& root, const txn::Intent& intent);
nlohmann::json held_back_json(const std::vector<txn::HeldBack>& held);
std::string render_held_back(const std::vector<txn::HeldBack>& held);
runtime::RunPolicy run_policy(Context& ctx, txn::Root& root);
void sync_nextchat_after(Context& ctx, txn::Root& root);
void add_audit(CLI::App& app, Context& ctx);
void add_doctor(CLI::App& app, Context& ctx);
void add_files(CLI::App& app, Context& ctx);  // files, owns
void add_new(CLI::App& app, Context& ctx);
void add_import(CLI::App& app, Context& ctx);

// This binary's own path (what NextChat's config entries start).
std::string self_exe();
void add_apply(CLI::App& app, Context& ctx);  // cmd_apply.cpp
void add_lock(CLI::App& app, Context& ctx);
void add_bundle(CLI::App& app, Context& ctx);

}  // namespace nxp::cli
