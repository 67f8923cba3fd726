#pragma once
// How a sealed secret config value is stored (issue 15): the JSON string
// "nxp-sealed:1:BASE64", BASE64 being a libsodium secretbox (24-byte nonce, then the
// ciphertext with its tag) of {"p": PLUGIN, "k": KEY, "v": VALUE}. Sealing and opening are
// runtime/secrets.hpp's; this is only the text, so that db/ can tell a sealed value apart.
#include <string>
#include <string_view>

namespace nxp::formats {

inline constexpr std::string_view kSealedPrefix = "nxp-sealed:1:";

// Whether a stored value_json is a sealed value.
inline bool is_sealed_value(std::string_view value_json) {
    return value_json.size() > kSealedPrefix.size() + 2 && value_json.front() == '"' &&
           value_json.back() == '"' && value_json.substr(1, kSealedPrefix.size()) == kSealedPrefix;
}

}  // namespace nxp::formats
