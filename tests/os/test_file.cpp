// os/file.hpp: the one capped read_file, the one atomic write, the one Fd.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "os/fd.hpp"
#include "os/file.hpp"
#include "tests/common/temp_dir.hpp"

namespace fs = std::filesystem;
using nxp::ErrorKind;
using nxp::test::TempDir;

namespace {

void put(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

std::string get(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Names in `dir` other than `keep`: a failed write must leave no temporary behind.
std::vector<std::string> others(const fs::path& dir, const std::string& keep) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename() != keep) out.push_back(e.path().filename().string());
    return out;
}

// While alive, files may grow to at most `bytes` and a write past it fails with EFBIG
// (SIGXFSZ ignored): a disk that fills up half-way through a write.
class FileSizeLimit {
  public:
    explicit FileSizeLimit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &old_);
        old_handler_ = signal(SIGXFSZ, SIG_IGN);
        rlimit lim = old_;
        lim.rlim_cur = bytes;
        REQUIRE(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    }
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &old_);
        signal(SIGXFSZ, old_handler_);
    }
    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;

  private:
    rlimit old_{};
    sighandler_t old_handler_;
};

}  // namespace

TEST_CASE("read_file reads up to its cap and names the file in every error") {
    TempDir t;
    const fs::path f = t.path / "f.txt";
    put(f, std::string(100, 'x'));
    CHECK(*nxp::os::read_file(f, 100) == std::string(100, 'x'));
    CHECK(nxp::os::read_file(f)->size() == 100);

    auto over = nxp::os::read_file(f, 99);
    REQUIRE_FALSE(over);
    CHECK(over.error().kind == ErrorKind::Invalid);
    CHECK(over.error().str() == f.string() + ": file is 100 bytes, more than the limit of 99");

    put(t.path / "empty", "");
    CHECK(nxp::os::read_file(t.path / "empty", 0)->empty());

    auto missing = nxp::os::read_file(t.path / "nope", 10);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::NotFound);
    CHECK(missing.error().str() ==
          (t.path / "nope").string() + ": cannot read: No such file or directory");

    auto dir = nxp::os::read_file(t.path, 10);
    REQUIRE_FALSE(dir);
    CHECK(dir.error().context == t.path.string());

    // A FIFO is refused at once, never waited on for a writer.
    REQUIRE(mkfifo((t.path / "fifo").c_str(), 0600) == 0);
    auto fifo = nxp::os::read_file(t.path / "fifo", 10);
    REQUIRE_FALSE(fifo);
    CHECK(fifo.error().context == (t.path / "fifo").string());
    CHECK(fifo.error().message == "cannot read: not a regular file");

    // Symlinks to a regular file are followed (paths nxp was given).
    fs::create_symlink(f, t.path / "link");
    CHECK(nxp::os::read_file(t.path / "link", 100)->size() == 100);
}

TEST_CASE("write_file_atomic replaces a file with the new bytes and mode") {
    TempDir t;
    const fs::path f = t.path / "out.json";
    REQUIRE(nxp::os::write_file_atomic(f, "first", 0600));
    CHECK(get(f) == "first");
    CHECK((fs::status(f).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
    REQUIRE(nxp::os::write_file_atomic(f, "second, longer"));
    CHECK(get(f) == "second, longer");
    CHECK((fs::status(f).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
           fs::perms::others_read));
    CHECK(others(t.path, "out.json").empty());
    // A relative name in the working directory (its directory is ".").
    const fs::path cwd = fs::current_path();
    fs::current_path(t.path);
    CHECK(nxp::os::write_file_atomic("rel.txt", "r"));
    fs::current_path(cwd);
    CHECK(get(t.path / "rel.txt") == "r");
}

TEST_CASE("write_file_atomic: a write failing half-way leaves the old file whole") {
    TempDir t;
    const fs::path f = t.path / "state.json";
    const std::string old_text(1000, 'o');
    REQUIRE(nxp::os::write_file_atomic(f, old_text));
    {
        FileSizeLimit limit(4096);  // the new text cannot be written whole
        auto r = nxp::os::write_file_atomic(f, std::string(100000, 'n'));
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::Io);
        // Names the temporary it was writing, beside the file, and why.
        CHECK(r.error().context.rfind(f.string() + ".tmp-", 0) == 0);
        CHECK(r.error().message == "write failed: File too large");
    }
    CHECK(get(f) == old_text);
    CHECK(others(t.path, "state.json").empty());
    // And the next write, with room again, succeeds.
    REQUIRE(nxp::os::write_file_atomic(f, std::string(100000, 'n')));
    CHECK(get(f) == std::string(100000, 'n'));
}

TEST_CASE("write_file_atomic: a failing rename or create leaves what was there") {
    TempDir t;
    // The destination is a non-empty directory: rename(2) fails, nothing changes.
    fs::create_directory(t.path / "busy");
    put(t.path / "busy" / "inside", "keep");
    auto r = nxp::os::write_file_atomic(t.path / "busy", "new");
    REQUIRE_FALSE(r);
    CHECK(r.error().context == (t.path / "busy").string());
    CHECK(r.error().message.rfind("cannot rename into place: ", 0) == 0);
    CHECK(get(t.path / "busy" / "inside") == "keep");
    CHECK(others(t.path, "busy").empty());

    // A missing directory: the temporary cannot be created, and the error says where.
    auto nodir = nxp::os::write_file_atomic(t.path / "missing" / "f", "x");
    REQUIRE_FALSE(nodir);
    CHECK(nodir.error().context.rfind((t.path / "missing" / "f").string() + ".tmp-", 0) == 0);
    CHECK(nodir.error().message == "cannot create: No such file or directory");
}

TEST_CASE("switch_symlink points a link at its new target in one step") {
    TempDir t;
    const fs::path link = t.path / "current";
    REQUIRE(nxp::os::switch_symlink(link, "generations/1"));
    CHECK(fs::read_symlink(link) == "generations/1");
    REQUIRE(nxp::os::switch_symlink(link, "generations/2"));
    CHECK(fs::read_symlink(link) == "generations/2");
    CHECK(others(t.path, "current").empty());
}

TEST_CASE("Fd closes what it owns, once, and moves ownership") {
    TempDir t;
    const fs::path f = t.path / "f";
    put(f, "x");
    int raw = -1;
    {
        nxp::os::Fd fd(::open(f.c_str(), O_RDONLY | O_CLOEXEC));
        REQUIRE(fd.valid());
        raw = fd.get();
        nxp::os::Fd moved(std::move(fd));
        CHECK_FALSE(fd.valid());
        CHECK(moved.get() == raw);
        nxp::os::Fd assigned;
        assigned = std::move(moved);
        CHECK(assigned.get() == raw);
        CHECK(fcntl(raw, F_GETFD) != -1);
    }
    CHECK(fcntl(raw, F_GETFD) == -1);  // closed at the end of the scope
    nxp::os::Fd fd(::open(f.c_str(), O_RDONLY | O_CLOEXEC));
    const int kept = fd.release();
    CHECK_FALSE(fd.valid());
    CHECK(fcntl(kept, F_GETFD) != -1);  // released: still open
    fd.reset(kept);
    fd.reset();
    CHECK(fcntl(kept, F_GETFD) == -1);
}
