#pragma once
// Shared by the libFuzzer targets: an invariant that does not hold is a finding, reported
// the way a sanitizer reports one (message on stderr, then abort so libFuzzer keeps the input).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace nxp::fuzz {

inline void require(bool ok, std::string_view what) {
    if (ok) return;
    std::fprintf(stderr, "fuzz invariant broken: %.*s\n", static_cast<int>(what.size()),
                 what.data());
    std::abort();
}

// Whether `s` holds a C0 control character or DEL: text nxp shows must have them escaped.
inline bool has_control(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return true;
    return false;
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Every error a parser returns must say what is wrong: an empty message is a finding.
// NXP_FUZZ_VERBOSE=1 prints each refusal: to see what a seed or a regression input reaches.
template <class R>
void require_message(const R& r, std::string_view parser) {
    if (r) return;
    require(!r.error().str().empty(), std::string(parser) + ": error without a message");
    if (std::getenv("NXP_FUZZ_VERBOSE") != nullptr)
        std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(parser.size()), parser.data(),
                     r.error().str().c_str());
}

}  // namespace nxp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
