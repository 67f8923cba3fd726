#pragma once
// Reading a plugin's egress decisions (`nxp permissions NAME --log`): the sandbox appends one
// JSON object a line to ROOT/log/egress/NAME.jsonl (runtime::egress_log_path), moving a full
// file to NAME.jsonl.1. Members nxp does not know are ignored; a line that is not a decision
// (not JSON, too long, too deep, a wrong type) is counted and passed over, never an error.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"

namespace nxp::txn {

// {"time":"2026-12-05T04:50:00Z","decision":"allow"|"deny","host":…,"address":…,"port":N,
//  "via":"dns"|"connect","reason":…}
struct EgressEntry {
    std::string time;  // as logged: YYYY-MM-DDTHH:MM:SSZ
    bool allow = false;
    std::string host;     // the name asked for or connected to, or the address's text
    std::string address;  // "" when a name was refused
    int port = 0;         // 0 for a DNS answer
    std::string via;      // "dns" or "connect"
    std::string reason;
};

// One line of the log, or nullopt when it is not a decision.
std::optional<EgressEntry> parse_egress_line(std::string_view line);

struct EgressFilter {
    std::string since;  // YYYY-MM-DDTHH:MM:SSZ; entries before it are left out ("" = all)
    bool denied_only = false;
};
// --since as given: an ISO date or time ("2026-12-05", "2026-12-05T04:50", "…:00Z") or a
// time back from `now` ("30m", "12h", "7d"), as the log writes times. A Usage error names
// --since and the forms it takes.
Result<std::string> parse_since(std::string_view text, std::int64_t now);

struct EgressLog {
    bool found = false;                // NAME.jsonl or NAME.jsonl.1 exists
    std::vector<EgressEntry> entries;  // oldest first: NAME.jsonl.1, then NAME.jsonl
    std::size_t skipped = 0;           // lines that are not decisions
};
// The log at `file` (and `file`.1, read first) with `filter` applied. Errors name the file
// (one that cannot be read, or is larger than 64 MiB).
Result<EgressLog> read_egress_log(const std::filesystem::path& file, const EgressFilter& filter);

}  // namespace nxp::txn
