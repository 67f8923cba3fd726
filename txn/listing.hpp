#pragma once
// `nxp list` filters (issue 18, pacman -Qe/-Qd/-Qdt/-Qu, dnf list --available): what the
// current generation's plugins are to the resolver, computed by the code that acts on it
// (autoremove's resolve, update --check), never by a copy of its rules.
#include <cstdint>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "txn/events.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

// Orphans: the installed dependencies nothing installed needs, exactly what `nxp autoremove`
// would remove now (the resolver's Autoremove job on the installed set; held plugins are
// never orphans). Needs no index. Sorted by name.
Result<std::vector<std::string>> orphan_names(const Root& root);

// An installed plugin that `nxp update` would move to a newer version.
struct Upgradable {
    std::string name, from, to, repo;
};
// What `nxp update --check --offline` reports as upgrades: resolved against the cached
// indexes (no network; an index never fetched is an error naming 'nxp refresh'). Held
// plugins stay where they are, so they are not listed. An update that cannot be resolved is
// ErrorKind::Unsolvable with the resolver's explanation. Sorted by name.
Result<std::vector<Upgradable>> upgradable_plugins(Root& root, std::int64_t now, Events& events);

// One plugin a repository offers: its newest version there.
struct AvailablePlugin {
    std::string name, version, kind, repo, summary;
};
// Every plugin every configured repository offers (newest version per name and repository),
// from the cached indexes unless `offline` is false and one needs fetching. Sorted by name,
// then repository.
Result<std::vector<AvailablePlugin>> available_plugins(Root& root, std::int64_t now, bool offline,
                                                       Events& events);

}  // namespace nxp::txn
