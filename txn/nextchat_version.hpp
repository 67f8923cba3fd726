#pragma once
// The NextChat version a root records (settings nextchat.version and nextchat.version_source),
// which txn::host_info turns into the `nextchat` virtual package that plugins require.
//
// The source is "explicit" (`nxp init --nextchat-version V`, `nxp nextchat set DIR
// --nextchat-version V`), which detection never overwrites, or the file under the NextChat
// directory the version was detected in (nextchat/version.hpp), which is detected again before
// each transaction resolves and by `nxp nextchat status`: NextChat upgraded in place is seen.
#include <filesystem>
#include <optional>
#include <string>

#include "db/database.hpp"
#include "resolver/resolver.hpp"
#include "txn/events.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

inline constexpr const char* kExplicitVersion = "explicit";

struct NextchatVersion {
    std::string version;  // "" when unknown
    std::string source;   // "explicit", a file relative to `dir`, or "" when unknown
    std::string dir;      // setting nextchat.dir ("" when none)
    // Recorded by an nxp before version_source existed, with a directory: given or detected,
    // nobody knows. Detection that agrees adopts it; one that differs keeps it, with a warning.
    bool legacy = false;
};

// What the database records.
Result<NextchatVersion> recorded_nextchat_version(const db::Database& db);

// The command that sets the version, naming `dir` when known:
// "nxp nextchat set DIR --nextchat-version V".
std::string nextchat_version_command(const std::string& dir);

// "the NextChat version is unknown (no …); plugins that require nextchat cannot be
// installed: set it with 'nxp nextchat set DIR --nextchat-version V'".
std::string unknown_nextchat_version(const std::string& dir);

// `nxp init --nextchat DIR` and `nxp nextchat set DIR`: `explicit_version` (checked, stored as
// given) when not empty; "detect" forgets an explicit version and detects it; else the version
// detected in `dir` — except that an explicit version recorded for the same `dir` is kept.
// A version that cannot be detected is recorded unknown; an unreadable file is an error.
Result<NextchatVersion> record_nextchat_version(db::Database& db, const std::filesystem::path& dir,
                                                const std::string& explicit_version);

// What detection finds now, without recording it: the recorded version when it is explicit or
// no NextChat directory is set. `problem` is set when detection failed (the recorded version
// stays) or found nothing while a version is recorded.
struct VersionCheck {
    NextchatVersion recorded;
    NextchatVersion now;  // what the next transaction records
    std::string problem;  // "" or a sentence
};
Result<VersionCheck> check_nextchat_version(const db::Database& db);

// Before a transaction resolves: detects again and records the version when it changed, with an
// info message "NextChat is now 2.17.0 (was 2.16.0, from DIR/src-tauri/tauri.conf.json)". A
// detection that fails or finds nothing keeps the recorded version, with a warning. With
// `record` false (--dry-run changes nothing) the version is only returned, for
// provide_nextchat_version.
Result<NextchatVersion> redetect_nextchat_version(Root& root, Events& events, bool record = true);

// The `nextchat` virtual package of `u` at `v` (replacing what the database said), or none with
// the hint that the version is unknown and how to set it.
void provide_nextchat_version(resolver::Universe& u, const NextchatVersion& v);

// "the NextChat version is unknown; set it with 'nxp nextchat set DIR --nextchat-version V'":
// added to the resolver's "nothing provides nextchat …".
std::string nextchat_unknown_hint(const std::string& dir);

}  // namespace nxp::txn
