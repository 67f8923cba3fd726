#include "formats/number.hpp"

#include <charconv>

#include "formats/text_util.hpp"

namespace nxp::formats {

std::optional<std::uint64_t> parse_uint(std::string_view text, std::uint64_t max) {
    if (text.empty()) return std::nullopt;
    for (char c : text)
        if (!detail::is_digit(c)) return std::nullopt;
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n > max) return std::nullopt;
    return n;
}

Result<std::uint64_t> parse_count(std::string_view text, std::string_view where, std::uint64_t min,
                                  std::uint64_t max) {
    auto n = parse_uint(text, max);
    if (!n || *n < min)
        return fail(ErrorKind::Invalid, std::string(where),
                    "expected a whole number from " + std::to_string(min) + " to " +
                        std::to_string(max) + ", not " + detail::quote(text));
    return *n;
}

Result<std::uint64_t> parse_size(std::string_view text, std::string_view where) {
    std::uint64_t unit = 1;
    if (!text.empty()) {
        switch (text.back()) {
            case 'K':
                unit = 1ULL << 10;
                break;
            case 'M':
                unit = 1ULL << 20;
                break;
            case 'G':
                unit = 1ULL << 30;
                break;
            default:
                break;
        }
    }
    const std::string_view digits = unit == 1 ? text : text.substr(0, text.size() - 1);
    auto n = parse_uint(digits, 1ULL << 40);
    if (!n || *n < 1 || *n > UINT64_MAX / unit)
        return fail(ErrorKind::Invalid, std::string(where),
                    "expected a size in bytes, or N with K, M or G, not " + detail::quote(text));
    return *n * unit;
}

}  // namespace nxp::formats
