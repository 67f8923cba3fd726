#pragma once
// Changes to a root that make no generation: holds, repositories and the root's settings.
// Each writes the database with its audit entry and returns what the caller shows; the CLI
// parses and renders, and writes nothing itself.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "txn/events.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

// Holds `names` at their installed versions (held) or lets them change again; audited as
// `user`, one entry per name. Only installed plugins can be held (ErrorKind::NotFound names
// the first that is not, and nothing is changed).
Result<void> set_holds(Root& root, const std::vector<std::string>& names, bool held,
                       const std::string& user);

struct RepoAdded {
    std::string shown_url;  // the URL without its credentials, as logs and screens show it
    std::size_t packages = 0;
    std::uint64_t index_version = 0;  // 0 when added offline
};
// Adds the repository `row` and, unless `offline`, fetches and verifies its index at once so
// that a wrong URL or key is reported now; when that fails the row is removed again and the
// error returned. Audited as `user` with the URL's credentials redacted.
Result<RepoAdded> add_repository(Root& root, const db::RepoRow& row, bool offline, std::int64_t now,
                                 const std::string& user);

// Removes the repository and its cached index; installed plugins from it stay installed.
Result<void> remove_repository(Root& root, const std::string& name, const std::string& user);

struct InitOptions {
    std::filesystem::path nextchat_dir;  // empty: no NextChat to keep in step
    std::string nextchat_version;        // empty: detected from nextchat_dir, if any
    std::vector<std::pair<std::string, std::string>> settings;  // KEY, VALUE (check_setting)
};
struct Initialised {
    Root root;
    std::int64_t generation = 0;  // the current generation
};
// Creates the root (idempotent) and records the NextChat directory, its version and the
// settings. Every setting and the version are checked before anything is created.
Result<Initialised> init_root(const std::filesystem::path& dir, const InitOptions& opts,
                              Events& events);

}  // namespace nxp::txn
