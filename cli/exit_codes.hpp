#pragma once
// nxp's exit codes (nxp(1) EXIT STATUS): the one mapping from an error's kind, and the codes a
// command returns on success.
#include "formats/error.hpp"

namespace nxp::cli {

constexpr int kExitOk = 0;
constexpr int kExitUpdatesAvailable = 10;  // update --check: something could be updated
// The change took effect, but NextChat's files could not be written to match it
// (Events::after_commit_error): the plugins' state is consistent, NextChat is not.
constexpr int kExitNextchatNotUpdated = 7;
// Interrupted by Ctrl-C (SIGINT), as shells report 128 + 2.
constexpr int kExitInterrupted = 130;

constexpr int exit_code(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Usage:
            return 2;
        case ErrorKind::Unsolvable:
            return 3;
        case ErrorKind::Verification:
            return 4;
        case ErrorKind::Network:
            return 5;
        case ErrorKind::Locked:
            return 6;
        case ErrorKind::Invalid:
        case ErrorKind::Io:
        case ErrorKind::NotFound:
        case ErrorKind::Cancelled:
        case ErrorKind::Internal:
            return 1;
    }
    return 1;
}

}  // namespace nxp::cli
