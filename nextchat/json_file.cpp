#include "nextchat/json_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "formats/json_util.hpp"

namespace nxp::nextchat::detail {

namespace {

// Closes a descriptor and, unless released, removes the temporary file it was writing.
class TempFile {
  public:
    TempFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        if (fd_ >= 0) close(fd_);
        if (!kept_) unlink(path_.c_str());
    }
    int fd() const { return fd_; }
    const std::string& path() const { return path_; }
    bool close_fd() {
        int fd = fd_;
        fd_ = -1;
        return close(fd) == 0;
    }
    void keep() { kept_ = true; }

  private:
    int fd_;
    std::string path_;
    bool kept_ = false;
};

std::string errno_text() { return std::strerror(errno); }

bool write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

void sync_directory(const std::filesystem::path& dir) {
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    fsync(fd);  // best effort: some filesystems refuse fsync on directories
    close(fd);
}

}  // namespace

Result<std::optional<Json>> read_json_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) return std::optional<Json>();
        return fail(ErrorKind::Io, path.string(), "cannot read: " + errno_text());
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return fail(ErrorKind::Io, path.string(), "cannot read");
    // Whoever can write the NextChat directory writes these files: the one depth-limited
    // parser (a deep file would crash every later transaction). A key given twice keeps its
    // last value, as NextChat's JSON.parse does.
    auto json = formats::parse_ordered_json(text.str(), path.string(),
                                            {.reject_duplicate_keys = false});
    if (!json) return tl::unexpected(json.error());
    return std::optional<Json>(std::move(*json));
}

Result<void> write_json_atomically(const std::filesystem::path& path, const Json& value) {
    std::string text = value.dump(2);
    text.push_back('\n');
    struct stat old {};
    bool had_file = stat(path.c_str(), &old) == 0;

    std::string tmpl = path.string() + ".nxp-XXXXXX";
    int fd = mkstemp(tmpl.data());
    if (fd < 0) return fail(ErrorKind::Io, path.parent_path().string(), errno_text());
    TempFile tmp(fd, tmpl);
    mode_t mode = had_file ? (old.st_mode & 07777) : 0644;
    if (fchmod(tmp.fd(), mode) != 0) return fail(ErrorKind::Io, tmp.path(), errno_text());
    if (had_file && (old.st_uid != geteuid() || old.st_gid != getegid())) {
        // NextChat (often another user in a container) must still be able to edit it.
        if (fchown(tmp.fd(), old.st_uid, old.st_gid) != 0) {
            return fail(ErrorKind::Io, tmp.path(), "cannot keep the owner: " + errno_text());
        }
    }
    if (!write_all(tmp.fd(), text) || fsync(tmp.fd()) != 0 || !tmp.close_fd()) {
        return fail(ErrorKind::Io, tmp.path(), errno_text());
    }
    if (rename(tmp.path().c_str(), path.c_str()) != 0) {
        return fail(ErrorKind::Io, path.string(), "cannot replace: " + errno_text());
    }
    tmp.keep();
    sync_directory(path.parent_path());
    return {};
}

}  // namespace nxp::nextchat::detail
