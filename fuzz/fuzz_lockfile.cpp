// Lockfiles (formats/lockfile): handed between machines, and inside bundles.
#include "formats/lockfile.hpp"
#include "fuzz/fuzz_util.hpp"

using namespace nxp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto lock = formats::parse_lockfile(fuzz::as_text(data, size));
    fuzz::require_message(lock, "parse_lockfile");
    if (!lock) return 0;
    auto text = formats::write_lockfile(*lock);
    auto again = formats::parse_lockfile(text);
    fuzz::require(again.has_value(), "write_lockfile output does not parse: " +
                                         (again ? std::string() : again.error().str()));
    fuzz::require(formats::write_lockfile(*again) == text, "write_lockfile is not canonical");
    return 0;
}
