#include "txn/fsutil.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "os/fd.hpp"
#include "txn/interrupt.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;
using os::Fd;

namespace {

Error io_error(const fs::path& p, std::string_view what) {
    return Error{ErrorKind::Io, p.string(), std::string(what) + ": " + std::strerror(errno)};
}

}  // namespace

Result<void> sync_filesystem(const fs::path& p) {
    Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return tl::unexpected(io_error(p, "cannot open for syncfs"));
    if (::syncfs(fd.get()) != 0) return tl::unexpected(io_error(p, "syncfs failed"));
    return {};
}

void crash_point([[maybe_unused]] std::string_view step) {
#ifdef NXP_FAULT_INJECTION
    const char* at = std::getenv("NXP_CRASH_AT");
    if (at != nullptr && step == at) ::kill(::getpid(), SIGKILL);
    // NXP_PAUSE_AT=STEP: says so on stderr and waits there (30 s at most) until interrupted,
    // so a test can send SIGINT at a known step.
    const char* pause = std::getenv("NXP_PAUSE_AT");
    if (pause != nullptr && step == pause) {
        const std::string note = "nxp: fault injection: paused at " + std::string(step) + "\n";
        (void)!::write(STDERR_FILENO, note.data(), note.size());
        for (int i = 0; i < 600 && !interrupt_requested(); ++i) ::usleep(50000);
    }
#endif
}

}  // namespace nxp::txn
