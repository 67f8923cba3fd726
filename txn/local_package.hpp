#pragma once
// Package files named on the command line (`nxp install ./x.nxp`, like apk add ./x.apk and
// dnf install ./x.rpm). A file whose sha256 an accepted signed index lists is that
// repository's package: it installs exactly as if downloaded from there (same checks, same
// repository recorded). Any other file is untrusted: it installs only when the operator
// says --allow-untrusted, from the pseudo-repository "@commandline" (dnf's name), which is
// what marks it untrusted in list, info and history from then on. Either way the archive
// goes through every check a downloaded one does, and its dependencies come from the
// configured repositories through the resolver.
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"
#include "formats/index.hpp"
#include "resolver/resolver.hpp"
#include "txn/events.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

struct RepoIndex;

// The repository recorded for a package installed from an untrusted file. Not a valid
// repository name, so no configured repository can take it.
inline constexpr std::string_view kCommandLineRepo = "@commandline";
inline bool is_untrusted_repo(std::string_view repo) { return repo == kCommandLineRepo; }

// Whether an install argument names a package file rather than a plugin: it contains a '/',
// or it ends in ".nxp" and such a file exists.
bool names_package_file(const std::string& arg);

struct LocalPackage {
    std::string file;           // as given on the command line
    formats::IndexEntry entry;  // the signed entry, or one made from the archive's manifest
    std::string repo;           // the repository whose index lists it, or kCommandLineRepo
    bool trusted() const { return !is_untrusted_repo(repo); }
};

// Reads each file once, hashing it as it is copied into ROOT/cache/packages (what is checked
// and installed is that copy, whatever later happens to the file), then looks its sha256 up
// in the accepted indexes `repos` (their entries: IndexUse::Entries). A revoked sha256 is
// refused even with `allow_untrusted`. An unlisted file without `allow_untrusted` is refused
// (ErrorKind::Verification, naming the file and the flag); with it, the archive is extracted
// once into a temporary directory under every rule and limit of an install (a corrupt or
// hostile archive is refused here, naming the file), and its manifest becomes its entry.
Result<std::vector<LocalPackage>> take_local_packages(Root& root,
                                                      const std::vector<std::string>& files,
                                                      const std::vector<RepoIndex>& repos,
                                                      bool allow_untrusted);

// The untrusted ones, as available packages of "@commandline", preferred over any
// repository's package of the same name and version.
void add_local_packages(resolver::Universe& universe, const std::vector<LocalPackage>& local);

// Each file the plan installs must be exactly that file: a step for its name that takes
// another archive (a repository's package of the same name and version with other bytes)
// is refused, naming both.
Result<void> check_local_plan(const resolver::Plan& plan, const std::vector<LocalPackage>& local);

}  // namespace nxp::txn
