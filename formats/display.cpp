#include "formats/display.hpp"

#include <cstdio>
#include <ctime>

namespace nxp::formats {

std::string human_size(std::uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

namespace {

std::string utc_format(std::int64_t t, const char* format) {
    const auto tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);  // leaves tm zeroed for a year it cannot represent
    char buf[64];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

}  // namespace

std::string utc_date_time(std::int64_t t, bool with_seconds) {
    return utc_format(t, with_seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M");
}

std::string utc_timestamp(std::int64_t t) { return utc_format(t, "%Y-%m-%dT%H:%M:%SZ"); }

}  // namespace nxp::formats
