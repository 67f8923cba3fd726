#pragma once
// Text that may carry credentials, made fit for history, the audit log and output.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace nxp::formats {

// What a secret shows instead of itself.
inline constexpr std::string_view kMasked = "••••";

// `value` with the password (or the token, when there is only a user part) of every
// scheme://USER:PASSWORD@host in it replaced by ••••.
std::string redact_url_credentials(std::string_view value);

// The one redaction of secret values (issue 15): every occurrence in `text` of each of
// `secrets` at least kMinRedacted bytes long becomes ••••, longest first; so does a piece of
// one cut off at either end of `text` (captured output is capped, a tail is shown), when
// that piece is at least kMinRedacted bytes long.
inline constexpr std::size_t kMinRedacted = 4;
std::string redact_secrets(std::string_view text, const std::vector<std::string>& secrets);

// The texts a secret config value can appear as: as an environment variable holds it, each
// element of an array, and JSON-escaped (as --json would print it).
std::vector<std::string> secret_texts(const nlohmann::json& value);

}  // namespace nxp::formats
