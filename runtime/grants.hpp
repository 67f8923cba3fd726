#pragma once
// Permissions as granted (DESIGN.md §3): what a plugin asks for that needs a grant, what a
// grant covers, the stored grants, and the operator's policy file.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "formats/manifest.hpp"
#include "runtime/config.hpp"

namespace nxp::runtime {

// What a plugin asks for that needs a grant: everything but access to its own tree and state
// directory, which it always has (paths beginning with ${plugin_dir} or ${state_dir}, which
// the manifest parser keeps free of other placeholders and "..").
formats::Permissions needed_permissions(const formats::Permissions& requested);
// The host paths a manifest's ${config.KEY} filesystem permissions expand to with `config`,
// as absolute filesystem entries. A grant of "${config.root}" covers only the values granted
// this way: the grant keeps the expanded path beside the placeholder, so a changed value is
// asked for again and, until granted, not bound. An expansion that is not an absolute path
// without ".." is left out and described in `problems`.
formats::Permissions config_paths(const formats::Manifest& m, const PluginConfig& config,
                                  std::vector<std::string>* problems = nullptr);
// `a` with every entry of `b` it lacks added (a grant widened by what is asked for).
formats::Permissions merged_permissions(formats::Permissions a, const formats::Permissions& b);
// The part of `needed` that `granted` does not cover.
formats::Permissions ungranted(const formats::Permissions& needed,
                               const formats::Permissions& granted);
// "network api.example.org; read-write /data; env TOKEN (its value passed from nxp's
// environment)" (empty for none); a variable NextChat keeps its own secrets in is marked so.
std::string describe_permissions(const formats::Permissions& p);
// Whether `name` is one of the variables NextChat reads its access code or a model provider's
// key from (OPENAI_API_KEY, CODE, …).
bool nextchat_secret(std::string_view name);

// The grant stored for `package` (empty when none).
Result<formats::Permissions> granted_permissions(const db::Database& db,
                                                 const std::string& package);
Result<void> store_grant(db::Database& db, const std::string& package,
                         const formats::Permissions& permissions, std::int64_t now);

// A policy file (--policy): which permissions are acceptable without asking.
// {"network": ["host", "*"], "filesystem": [{"path": "/data", "access": "read-write"}],
//  "env": ["NAME"]}; a filesystem entry covers the paths below it. "*" means any host; for
// env it is refused (each variable passes a value from nxp's environment: name them).
Result<formats::Permissions> parse_policy(std::string_view json_text, const std::string& file);
formats::Permissions outside_policy(const formats::Permissions& needed,
                                    const formats::Permissions& policy);

// A path in the plugin's own directories: ${plugin_dir} or ${state_dir}, then a fixed path.
bool own_path(const std::string& path);
// Why an expanded ${config.KEY} path cannot be bound (empty when it can).
std::string host_path_problem(const std::string& path);
bool names_config(const std::string& path);
// Whether grant `have` covers `want` (`prefix`: also the paths below it, as a policy does).
bool covers(const formats::FsPermission& have, const formats::FsPermission& want, bool prefix);

}  // namespace nxp::runtime
