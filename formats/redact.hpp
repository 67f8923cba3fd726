#pragma once
// Text that may carry credentials, made fit for history, the audit log and output.
#include <string>
#include <string_view>

namespace nxp::formats {

// `value` with the password (or the token, when there is only a user part) of every
// scheme://USER:PASSWORD@host in it replaced by ••••.
std::string redact_url_credentials(std::string_view value);

}  // namespace nxp::formats
