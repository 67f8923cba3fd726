// formats/display.hpp: the one human_size and the one UTC date formatter.
#include <catch2/catch.hpp>

#include "formats/display.hpp"

using nxp::formats::human_size;
using nxp::formats::utc_date_time;

TEST_CASE("human_size: bytes, then binary units with one decimal, up to TiB") {
    CHECK(human_size(0) == "0 B");
    CHECK(human_size(1) == "1 B");
    CHECK(human_size(1023) == "1023 B");
    CHECK(human_size(1024) == "1.0 KiB");
    CHECK(human_size(1536) == "1.5 KiB");
    CHECK(human_size((1ULL << 20) - 1) == "1024.0 KiB");  // rounds, never switches unit early
    CHECK(human_size(1ULL << 20) == "1.0 MiB");
    CHECK(human_size(5ULL << 30) == "5.0 GiB");
    CHECK(human_size(1ULL << 40) == "1.0 TiB");
    CHECK(human_size(2048ULL << 40) == "2048.0 TiB");  // no unit past TiB
}

TEST_CASE("utc_date_time: UTC whatever the local zone, with or without seconds") {
    CHECK(utc_date_time(0) == "1970-01-01 00:00:00");
    CHECK(utc_date_time(0, false) == "1970-01-01 00:00");
    CHECK(utc_date_time(1700000000) == "2023-11-14 22:13:20");
    CHECK(utc_date_time(1700000000, false) == "2023-11-14 22:13");
    CHECK(utc_date_time(951782400) == "2000-02-29 00:00:00");  // leap day
    CHECK(utc_date_time(-1) == "1969-12-31 23:59:59");
}
