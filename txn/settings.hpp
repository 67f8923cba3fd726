#pragma once
// Root settings that users set with `nxp init --set KEY=VALUE` (the settings table), and
// the package limits read from them.
#include <cstdint>
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

// "123", "64K", "512M", "4G" (binary units); `where` names the setting in errors.
Result<std::uint64_t> parse_size(std::string_view text, std::string_view where);

// extract.max_entries (default 100000, enough for a vendored node_modules) and
// extract.max_bytes (default 4G) over repo::ExtractLimits' other defaults.
Result<repo::ExtractLimits> extract_limits(const Root& root);

// resolve.narrow_min: from this many packages in all configured repositories on, a request
// loads only the packages it can reach (db/repo_graph.hpp); 0 narrows every request.
inline constexpr std::uint64_t kDefaultNarrowMin = 10000;
Result<std::uint64_t> narrow_min(const Root& root);

}  // namespace nxp::txn
