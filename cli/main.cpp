// nxp: the package manager for NextChat plugins. main parses the command line, runs the
// chosen command, and is the one place that prints errors and maps them to exit codes.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <set>
#include <string>
#include <string_view>

#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/help_format.hpp"
#include "cli/term.hpp"
#include "cli/typos.hpp"
#include "txn/interrupt.hpp"

namespace {

void add_globals(CLI::App& app, nxp::cli::Globals& g) {
    app.add_option("--root", g.root, "Install root (default $NXP_ROOT, else /var/lib/nxp)");
    app.add_flag("-y,--yes", g.yes, "Answer yes to questions; needed without a terminal");
    app.add_flag("--dry-run", g.dry_run, "Show what would change, change nothing");
    app.add_flag("--json", g.json, "Print one JSON document on stdout; never prompt");
    app.add_flag("-q,--quiet", g.quiet, "Print only errors");
    app.add_flag("-v,--verbose", g.verbose, "Print more detail (repeatable)");
    app.add_flag("--offline", g.offline, "Use only cached indexes and packages");
    app.add_flag("--no-wait", g.no_wait,
                 "Exit 6 instead of waiting when another nxp holds the lock");
    app.add_flag("--no-progress", g.no_progress, "Do not draw progress");
    app.add_option("--progress-fd", g.progress_fd,
                   "Write progress as JSON lines to this file descriptor")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--color", g.color, "Colour: auto, always or never (honours NO_COLOR)")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    app.add_option("--grant", g.grant, "Grant a plugin's permissions without asking (NAME or all)");
    app.add_option("--policy", g.policy,
                   "JSON file of acceptable permissions (network, filesystem, env)");
    app.add_flag("--allow-unsandboxed", g.allow_unsandboxed,
                 "Run plugin code without bubblewrap where it cannot work");
}

// Options take one value each: "nxp install --grant all uxprompts" grants all and installs
// uxprompts (CLI11 lets an option of several values take every word after it). Several values
// come from repeating the option, and where values are names, from a comma list too
// ("--grant a,b"); a file, path or free text may hold a comma, so there only repeating works.
void one_value_each(CLI::App& app) {
    static const std::set<std::string> comma_lists = {"--grant",     "--disable", "--enable",
                                                      "--allow-uid", "--revoke",  "--unset"};
    // The one exception: "nxp permissions NAME --grant [ITEM...]" grants what NAME asks for,
    // or only the items after it (sentences such as 'read-write PATH'), to the line's end.
    const bool permissions = app.get_name() == "permissions";
    for (auto* o : app.get_options([](CLI::Option* opt) { return opt->nonpositional(); })) {
        if (o->get_items_expected_max() <= 1 || (permissions && o->get_name() == "--grant"))
            continue;
        if (o->get_expected_min() == 0) {
            // "--enable [TOOL]": a value is optional (CLI11 would make the option take none).
            o->expected(0, 1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
        } else {
            o->allow_extra_args(false);
        }
        if (comma_lists.count(o->get_name())) o->delimiter(',');
    }
    for (auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        one_value_each(*sub);
}

// The one place an error reaches the user: "nxp: context: message" on stderr (a message may
// run over several lines, as an unsolvable request's explanation does) and, with --json, an
// error document, unless the command already printed its document (an unsolvable request
// prints its explanation as JSON).
void print_error(nxp::cli::Context& ctx, const nxp::Error& e) {
    ctx.clear_progress();
    std::cerr << ctx.paint("nxp: " + e.str(), "31") << '\n';
    if (ctx.g.json && !ctx.emitted()) {
        ctx.emit(
            {{"ok", false},
             {"error",
              {{"kind", nxp::kind_name(e.kind)}, {"context", e.context}, {"message", e.message}}}});
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Everything printed for people passes the terminal filter (cli/term.hpp): names,
    // summaries and messages from outside never reach the terminal as control sequences.
    nxp::cli::install_output_filter();
#ifdef NXP_FAULT_INJECTION
    const std::string version = std::string("nxp ") + NXP_VERSION + " (fault injection build)";
#else
    const std::string version = std::string("nxp ") + NXP_VERSION;
#endif
    // `nxp --version` alone is answered before the parsers of ~40 commands are built (issue
    // 20: start-up), as CLI11 answers it (the line, then a flush). Any other line, --version
    // among other words included, goes through CLI11.
    if (argc == 2 && std::string_view(argv[1]) == "--version") {
        std::cout << version << std::endl;
        return nxp::cli::kExitOk;
    }
    nxp::cli::Context ctx;

    CLI::App app{"nxp — the package manager for NextChat plugins", "nxp"};
    app.set_version_flag("--version", version);
    app.require_subcommand(1);
    app.fallthrough();
    // Set before the commands are added: each takes its parent's formatter.
    app.formatter(std::make_shared<nxp::cli::HelpFormatter>());
    add_globals(app, ctx.g);
    nxp::cli::add_init(app, ctx);
    nxp::cli::add_repo(app, ctx);
    nxp::cli::add_refresh(app, ctx);
    nxp::cli::add_search(app, ctx);
    nxp::cli::add_info(app, ctx);
    nxp::cli::add_list(app, ctx);
    nxp::cli::add_install(app, ctx);
    nxp::cli::add_remove(app, ctx);
    nxp::cli::add_update(app, ctx);
    nxp::cli::add_rollback(app, ctx);
    nxp::cli::add_history(app, ctx);
    nxp::cli::add_key(app, ctx);
    nxp::cli::add_pack(app, ctx);
    nxp::cli::add_lint(app, ctx);
    nxp::cli::add_verify(app, ctx);
    nxp::cli::add_hold(app, ctx);
    nxp::cli::add_mark(app, ctx);
    nxp::cli::add_gc(app, ctx);
    nxp::cli::add_clean(app, ctx);
    nxp::cli::add_audit(app, ctx);
    nxp::cli::add_doctor(app, ctx);
    nxp::cli::add_files(app, ctx);
    nxp::cli::add_config(app, ctx);
    nxp::cli::add_enable(app, ctx);
    nxp::cli::add_permissions(app, ctx);
    nxp::cli::add_tools(app, ctx);
    nxp::cli::add_exec(app, ctx);
    nxp::cli::add_nextchat(app, ctx);
    nxp::cli::add_serve(app, ctx);
    nxp::cli::add_new(app, ctx);
    nxp::cli::add_test(app, ctx);
    nxp::cli::add_import(app, ctx);
    nxp::cli::add_export(app, ctx);
    nxp::cli::add_apply(app, ctx);
    nxp::cli::add_lock(app, ctx);
    nxp::cli::add_bundle(app, ctx);
    nxp::cli::add_aliases(app);
    one_value_each(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // "nxp instal x": name the word and the nearest command, not "A subcommand is required".
        if (auto unknown = e.get_exit_code() == 0
                               ? std::nullopt
                               : nxp::cli::unknown_command(app, argc, argv, ctx.g.json)) {
            print_error(ctx, *unknown);
            return nxp::cli::exit_code(nxp::ErrorKind::Usage);
        }
        int rc = app.exit(e);  // CLI11 prints --help, --version and parse errors itself
        return rc == 0 ? nxp::cli::kExitOk : nxp::cli::exit_code(nxp::ErrorKind::Usage);
    }
    ctx.record_command(app);
    if (!ctx.action) {
        std::cerr << "nxp: usage: choose a command; see 'nxp --help'\n";
        return nxp::cli::exit_code(nxp::ErrorKind::Usage);
    }
    try {
        auto rc = ctx.action(ctx);
        // Ctrl-C: the transaction stopped before its switch ("interrupted; nothing was
        // changed"), or had switched already and completed; either way 130.
        if (nxp::txn::interrupt_requested()) {
            if (!rc) {
                nxp::Error e = rc.error();
                if (e.kind != nxp::ErrorKind::Cancelled)
                    e = {nxp::ErrorKind::Cancelled, "", "interrupted: " + e.str()};
                else if (e.message.starts_with("cancelled"))
                    e = {nxp::ErrorKind::Cancelled, "", "interrupted; nothing was changed"};
                print_error(ctx, e);
            } else {
                print_error(ctx, {nxp::ErrorKind::Cancelled, "",
                                  "interrupted after the change was made; it was completed "
                                  "(see 'nxp history')"});
            }
            return nxp::cli::kExitInterrupted;
        }
        if (!rc) {
            print_error(ctx, rc.error());
            return nxp::cli::exit_code(rc.error().kind);
        }
        // The change took effect but NextChat was not brought in step: said already, and
        // not success (whatever the command's own code), so a script notices.
        if (!ctx.after_commit_errors().empty()) return nxp::cli::kExitNextchatNotUpdated;
        return *rc;
    } catch (const std::exception& e) {
        std::cerr << "nxp: internal error (a bug; please report it): " << e.what() << '\n';
        return nxp::cli::exit_code(nxp::ErrorKind::Internal);
    }
}
