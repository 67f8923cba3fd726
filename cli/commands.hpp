#pragma once
// Command registration: each command file adds its subcommands (Flags + run + add_X) and
// sets Context::action when chosen.
#include <CLI/CLI.hpp>
#include <functional>

#include "formats/error.hpp"

namespace nxp::cli {

class Context;
using Action = std::function<Result<int>(Context&)>;

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
void add_clean(CLI::App& app, Context& ctx);  // cmd_clean.cpp
void add_config(CLI::App& app, Context& ctx);
void add_enable(CLI::App& app, Context& ctx);  // enable, disable
void add_permissions(CLI::App& app, Context& ctx);
void add_exec(CLI::App& app, Context& ctx);
void add_nextchat(CLI::App& app, Context& ctx);
void add_audit(CLI::App& app, Context& ctx);
void add_doctor(CLI::App& app, Context& ctx);
void add_files(CLI::App& app, Context& ctx);  // files, owns
void add_new(CLI::App& app, Context& ctx);
void add_test(CLI::App& app, Context& ctx);  // cmd_test.cpp
void add_import(CLI::App& app, Context& ctx);
void add_export(CLI::App& app, Context& ctx);  // cmd_export.cpp: export mcpb
void add_apply(CLI::App& app, Context& ctx);   // cmd_apply.cpp
void add_lock(CLI::App& app, Context& ctx);
void add_bundle(CLI::App& app, Context& ctx);
void add_tools(CLI::App& app, Context& ctx);  // cmd_tools.cpp
void add_serve(CLI::App& app, Context& ctx);  // cmd_serve.cpp
void add_mark(CLI::App& app, Context& ctx);   // cmd_mark.cpp

}  // namespace nxp::cli
