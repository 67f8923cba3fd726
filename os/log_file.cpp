#include "os/log_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <system_error>

namespace nxp::os {

bool append_log_line(const std::filesystem::path& file, std::string_view line,
                     std::uint64_t max_bytes) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    struct stat st;
    if (::lstat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<std::uint64_t>(st.st_size) >= max_bytes)
        std::rename(file.c_str(), (file.string() + ".1").c_str());
    int fd =
        ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
               0600);  // O_NONBLOCK: a FIFO planted there fails instead of blocking
    if (fd < 0) return false;
    ssize_t n = ::write(fd, line.data(), line.size());
    ::close(fd);
    return n == static_cast<ssize_t>(line.size());
}

}  // namespace nxp::os
