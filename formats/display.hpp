#pragma once
// How sizes and times are shown to people: in the terminal, in messages, in the repository's
// index.html. Pure text, one place, so every command shows "1.5 MiB" and dates the same way.
#include <cstdint>
#include <string>

namespace nxp::formats {

// Binary units with one decimal: "0 B", "1023 B", "1.0 KiB", "1.5 MiB", up to TiB.
std::string human_size(std::uint64_t bytes);

// Seconds since the epoch as a UTC date and time, "2024-05-01 13:45:07" (with_seconds) or
// "2024-05-01 13:45"; callers add " UTC" where the reader needs to be told.
std::string utc_date_time(std::int64_t t, bool with_seconds = true);
// The same instant in RFC 3339 form, "2024-05-01T13:45:07Z", for logs and --json.
std::string utc_timestamp(std::int64_t t);

}  // namespace nxp::formats
