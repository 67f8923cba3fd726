// Desired-state files of `nxp apply` (formats/desired).
#include "formats/desired.hpp"
#include "fuzz/fuzz_util.hpp"

using namespace nxp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto desired = formats::parse_desired(fuzz::as_text(data, size));
    fuzz::require_message(desired, "parse_desired");
    return 0;
}
