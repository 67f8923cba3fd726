// The resolver behind the stubs cli/lazy_stubs.py writes (issue 20 item 2): libcurl,
// libarchive and libsolv with their ~35 dependencies are loaded on the first call of one of
// their functions, not at every start of nxp. A stub whose slot is empty calls
// nxp_lazy_resolve, which dlopen()s the library by its SONAME (once), looks the function up
// with the symbol version a normal link would have bound, fills the slot and returns the
// address; the stub then jumps there with the caller's arguments.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace nxp::cli::lazy {

// Laid out by cli/lazy_stubs.py (one per library, in the stubs' .data). Each function has
// two offsets into `strings`: its name and its symbol version ("" when unversioned).
struct LazyLibrary {
    const char* strings;
    const char* soname;
    const std::uint32_t* names;
    void** slots;
    unsigned long count;
    void* handle;
};

}  // namespace nxp::cli::lazy

namespace {

using nxp::cli::lazy::LazyLibrary;

// Without the library nxp cannot go on (a normal link would not even have started): said on
// stderr, exit 127 as the shell's for a program that cannot run.
[[noreturn]] void cannot_load(const LazyLibrary& lib, const char* what) {
    const char* err = ::dlerror();
    std::string msg = std::string("nxp: cannot load ") + lib.soname + ": " + what +
                      (err != nullptr ? std::string(" (") + err + ")" : std::string()) + "\n";
    (void)!::write(STDERR_FILENO, msg.data(), msg.size());
    ::_exit(127);
}

std::mutex& lock() {
    static std::mutex m;
    return m;
}

}  // namespace

extern "C" __attribute__((visibility("hidden"))) void* nxp_lazy_resolve(LazyLibrary* lib,
                                                                        unsigned index) {
    std::lock_guard<std::mutex> guard(lock());
    void* slot = __atomic_load_n(&lib->slots[index], __ATOMIC_ACQUIRE);
    if (slot != nullptr) return slot;
    if (lib->handle == nullptr) {
        lib->handle = ::dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
        if (lib->handle == nullptr) cannot_load(*lib, "dlopen failed");
    }
    if (index >= lib->count) cannot_load(*lib, "no such function");
    const char* name = lib->strings + lib->names[2 * index];
    const char* version = lib->strings + lib->names[2 * index + 1];
    void* fn = *version != '\0' ? ::dlvsym(lib->handle, name, version) : ::dlsym(lib->handle, name);
    if (fn == nullptr) cannot_load(*lib, name);
    __atomic_store_n(&lib->slots[index], fn, __ATOMIC_RELEASE);
    return fn;
}
