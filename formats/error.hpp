#pragma once
// Errors are values: every fallible function returns Result<T>. The kind decides the exit
// code (cli/exit_codes.hpp); the context names the file, field or URL at fault.
#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace nxp {

enum class ErrorKind {
    Usage,         // bad command line; exit 2
    Invalid,       // bad input data (manifest, index, config, archive); exit 1
    Io,            // filesystem or database failure; exit 1
    NotFound,      // a named package, repository or file does not exist; exit 1
    Unsolvable,    // the resolver found no solution; exit 3
    Verification,  // signature, size or hash mismatch, revoked, rollback attack; exit 4
    Network,       // a transfer failed; exit 5
    Locked,        // another nxp holds the lock; exit 6
    Cancelled,     // the user said no, or a non-interactive run lacks --yes; exit 1
    Internal,      // a bug; exit 1
};

// The kind's name in JSON error documents ("not-found"); one case per kind, so a new kind
// without a name does not compile quietly (-Wswitch).
constexpr std::string_view kind_name(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Usage:
            return "usage";
        case ErrorKind::Invalid:
            return "invalid";
        case ErrorKind::Io:
            return "io";
        case ErrorKind::NotFound:
            return "not-found";
        case ErrorKind::Unsolvable:
            return "unsolvable";
        case ErrorKind::Verification:
            return "verification";
        case ErrorKind::Network:
            return "network";
        case ErrorKind::Locked:
            return "locked";
        case ErrorKind::Cancelled:
            return "cancelled";
        case ErrorKind::Internal:
            return "internal";
    }
    return "internal";
}

struct Error {
    ErrorKind kind = ErrorKind::Internal;
    std::string context;  // what is at fault: "plugin.json: config.timeout.maximum", a URL, a path
    std::string message;  // why, in plain words

    // "context: message", or the message alone.
    std::string str() const { return context.empty() ? message : context + ": " + message; }
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(ErrorKind kind, std::string context, std::string message) {
    return tl::unexpected(Error{kind, std::move(context), std::move(message)});
}

// Prefixes an outer context: "index.json" + "packages[3].name" -> "index.json: packages[3].name".
inline Error in_context(Error e, std::string_view outer) {
    if (outer.empty()) return e;
    e.context = e.context.empty() ? std::string(outer) : std::string(outer) + ": " + e.context;
    return e;
}

}  // namespace nxp
