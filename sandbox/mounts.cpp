// The directories a sandbox binds, opened by nxp before bubblewrap starts and handed to it as
// file descriptors (--bind-fd): what is checked is exactly what is mounted, with no window for
// a plugin to swap a path between the check and the bind.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sandbox/launch.hpp"

namespace nxp::sandbox::detail {

namespace {

namespace fs = std::filesystem;

enum class Kind { PluginDir, StateDir, Grant };

struct Wanted {
    fs::path path;  // lexically normal, absolute
    bool writable = false;
    Kind kind = Kind::Grant;
};

std::size_t depth(const fs::path& p) {
    return static_cast<std::size_t>(std::distance(p.begin(), p.end()));
}

// Whether `p` is `base` or below it, component-wise; `rel` receives the rest.
bool below(const fs::path& p, const fs::path& base, fs::path& rel) {
    auto [b, pi] = std::mismatch(base.begin(), base.end(), p.begin(), p.end());
    if (b != base.end()) return false;
    rel.clear();
    for (; pi != p.end(); ++pi) rel /= *pi;
    return true;
}

Result<fs::path> checked_path(const fs::path& p, const std::string& who) {
    fs::path n = p.lexically_normal();
    if (n.empty() || !n.is_absolute())
        return fail(ErrorKind::Invalid, who + ": " + p.string(), "not an absolute path; not bound");
    for (const auto& part : n)
        if (part == "..")
            return fail(ErrorKind::Invalid, who + ": " + p.string(), "holds \"..\"; not bound");
    if (n.string().size() > 1 && n.string().back() == '/') n = n.parent_path();
    return n;
}

const char* kind_name(Kind k) {
    return k == Kind::PluginDir  ? "plugin directory"
           : k == Kind::StateDir ? "state directory"
                                 : "bound path";
}

// A host path the operator granted (or nxp built): intermediate symlinks are the host's
// layout and followed, but the path itself must not be a symlink (it could be re-pointed by
// whoever can write its parent).
Result<os::Fd> open_host(const Wanted& w, const std::string& shown) {
    os::Fd fd(::open(w.path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) {
        int err = errno;
        if (err == ENOENT) return fail(ErrorKind::NotFound, shown, "no such file or directory");
        return fail(ErrorKind::Io, shown, std::strerror(err));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return fail(ErrorKind::Io, shown, std::strerror(errno));
    if (S_ISLNK(st.st_mode))
        return fail(ErrorKind::Verification, shown,
                    "is a symbolic link; not bound (grant the path it points to)");
    return fd;
}

// Where an open descriptor is on the host.
Result<fs::path> real_path(int fd, const std::string& shown) {
    std::error_code ec;
    fs::path p = fs::read_symlink("/proc/self/fd/" + std::to_string(fd), ec);
    if (ec || !p.is_absolute()) return fail(ErrorKind::Io, shown, "cannot tell where it is");
    return p;
}

// Where a path opened beneath `base` is inside the sandbox: bubblewrap checks that what it
// mounted at the destination is the descriptor's file without following a symlink there, so
// a link that stays inside is replaced by the path it resolved to.
Result<fs::path> dest_beneath(const OpenMount& base, int fd, const std::string& shown) {
    auto base_real = real_path(base.fd.get(), shown);
    auto real = real_path(fd, shown);
    if (!base_real || !real) return tl::unexpected(base_real ? real.error() : base_real.error());
    fs::path rel;
    if (!below(*real, *base_real, rel))
        return fail(ErrorKind::Verification, shown, "leads outside " + base.dest.string());
    return (base.dest / rel).lexically_normal();
}

}  // namespace

Result<std::vector<OpenMount>> open_mounts(const Profile& p) {
    std::vector<Wanted> wanted;
    auto add = [&](const fs::path& path, bool writable, Kind kind) -> Result<void> {
        auto n = checked_path(path, p.name);
        if (!n) return tl::unexpected(n.error());
        wanted.push_back({*n, writable, kind});
        return {};
    };
    if (auto r = add(p.plugin_dir, false, Kind::PluginDir); !r) return tl::unexpected(r.error());
    if (auto r = add(p.state_dir, true, Kind::StateDir); !r) return tl::unexpected(r.error());
    for (const auto& b : p.binds)
        if (auto r = add(b.path, b.writable, Kind::Grant); !r) return tl::unexpected(r.error());
    // Parents first: a path below another is resolved beneath it, and mounted over it.
    std::stable_sort(wanted.begin(), wanted.end(), [](const Wanted& a, const Wanted& b) {
        return depth(a.path) < depth(b.path);
    });

    std::vector<OpenMount> out;
    fs::path plugin_dir;
    for (const auto& w : wanted)
        if (w.kind == Kind::PluginDir) plugin_dir = w.path;
    for (const auto& w : wanted) {
        const std::string shown = p.name + ": " + w.path.string();
        // The closest directory the plugin owns or may write that this path lies in: the
        // path must resolve beneath it whatever symlinks or ".." the plugin planted there.
        const OpenMount* base = nullptr;
        fs::path rel;
        for (const auto& m : out) {
            fs::path r;
            if (!m.base || !below(w.path, m.dest, r)) continue;
            if (!base || depth(m.dest) > depth(base->dest)) {
                base = &m;
                rel = r;
            }
        }
        Result<os::Fd> fd = base ? os::open_beneath(base->fd.get(), rel.string(), O_PATH, shown)
                                 : open_host(w, shown);
        if (!fd) {
            const ErrorKind kind = fd.error().kind;
            // A granted path missing on this host is simply not there (as --bind-try).
            if (kind == ErrorKind::NotFound && w.kind == Kind::Grant) continue;
            if (kind == ErrorKind::Verification && base)
                return fail(kind, shown,
                            "leads outside " + base->dest.string() +
                                " (through a symbolic link, \"..\" or an absolute path); "
                                "refused to bind it");
            return fail(kind, shown, std::string(kind_name(w.kind)) + ": " + fd.error().message);
        }
        fs::path dest = w.path;
        if (base) {
            auto d = dest_beneath(*base, fd->get(), shown);
            if (!d) return tl::unexpected(d.error());
            dest = std::move(*d);
        }
        fs::path r;
        // The plugin's tree is never writable, whatever a grant says.
        const bool writable = w.writable && !below(dest, plugin_dir, r);
        const bool can_hold = w.kind != Kind::Grant || writable;
        out.push_back({std::move(dest), writable, can_hold, std::move(*fd)});
    }
    return out;
}

}  // namespace nxp::sandbox::detail
