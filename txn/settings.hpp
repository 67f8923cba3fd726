#pragma once
// Root settings that users set with `nxp init --set KEY=VALUE` (the settings table), and
// the package limits read from them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"
#include "repo/archive.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

// The keys `init --set` accepts: repo.max_age, extract.max_entries, extract.max_bytes,
// download.parallel, gc.keep, resolve.narrow_min.
const std::vector<std::string>& settable_keys();

// Checks a value before it is stored; the error names the setting and the expected form.
Result<void> check_setting(std::string_view key, std::string_view value);

// extract.max_entries (default 100000, enough for a vendored node_modules) and
// extract.max_bytes (default 4G) over repo::ExtractLimits' other defaults.
Result<repo::ExtractLimits> extract_limits(const Root& root);

// resolve.narrow_min: from this many packages in all configured repositories on, a request
// loads only the packages it can reach (db/repo_graph.hpp); 0 narrows every request.
inline constexpr std::uint64_t kDefaultNarrowMin = 10000;
Result<std::uint64_t> narrow_min(const Root& root);

// gc.keep: generations `nxp gc` keeps besides the current one (default 5).
Result<std::uint64_t> gc_keep(const Root& root);

// download.parallel, else NXP_PARALLEL_DOWNLOADS, else 8: downloads at once. A value that is
// not a whole number from 1 to 64 is passed over (the next source decides).
unsigned download_parallel(const Root& root);

// hooks.timeout, overridden by NXP_HOOK_TIMEOUT: the seconds a hook or health check may run
// (at least 1); nullopt when neither is set. Anything but a whole number up to 86400 is an
// error naming the setting or the variable.
Result<std::optional<int>> hook_timeout(const Root& root);

}  // namespace nxp::txn
