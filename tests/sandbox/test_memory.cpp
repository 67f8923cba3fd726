// The sandbox's memory limit is a memory cgroup (memory.max), not an address-space limit:
// code that reserves far more virtual memory than it uses (Node's fetch(), WebAssembly) runs,
// and code that really uses more than the limit, in its heap or in the private /tmp, is
// stopped and reported as such.
#include <sys/stat.h>

#include "sandbox/cgroup.hpp"
#include "tests/sandbox/helpers.hpp"

namespace nxp::sandbox::test {

namespace {

// Where no memory controller is writable the limit cannot be enforced: reported as skipped.
bool require_memory_cgroup() {
    if (!require_sandbox()) return false;
    if (detail::SandboxCgroup::create(0, 64ull << 20).memory_active()) return true;
    nxp::test::skip("no writable memory cgroup here: the memory limit cannot be enforced");
    return false;
}

bool have_node() {
    struct stat st;
    return stat("/usr/bin/node", &st) == 0;
}

}  // namespace

TEST_CASE("reserving address space is not using memory", "[sandbox][memory]") {
    if (!require_sandbox()) return;
    if (!have_node()) {
        nxp::test::skip("no /usr/bin/node");
        return;
    }
    // WebAssembly memory reserves about 10 GiB of address space for its guard regions, which
    // an address-space limit of 2 GiB refuses with "Cannot allocate Wasm memory".
    Plugin plugin;
    plugin.profile.max_memory = 256ull << 20;
    plugin.profile.argv = {"/usr/bin/node", "-e",
                           "const m = new WebAssembly.Memory({initial: 16, maximum: 65536});"
                           "new Uint8Array(m.buffer)[0] = 7; console.log('wasm ok')"};
    auto r = run(plugin.profile);
    REQUIRE(r);
    INFO(r->describe() << "\n" << r->output);
    CHECK(r->exit_code == 0);
    CHECK(r->output.find("wasm ok") != std::string::npos);
}

TEST_CASE("using more memory than the limit stops the run", "[sandbox][memory]") {
    if (!require_memory_cgroup()) return;
    Plugin plugin;
    plugin.profile.max_memory = 96ull << 20;
    plugin.profile.timeout_s = 30;
    SECTION("in the heap") {
        // 16 MiB blocks, each written, kept forever.
        plugin.profile.argv = {"/usr/bin/node", "-e",
                               "const a = []; for (;;) a.push(Buffer.alloc(16 << 20, 1));"};
        if (!have_node()) {
            nxp::test::skip("no /usr/bin/node");
            return;
        }
        auto r = run(plugin.profile);
        REQUIRE(r);
        INFO(r->describe() << "\n" << r->output.substr(0, 2000));
        CHECK(r->out_of_memory);
        CHECK_FALSE(r->timed_out);
        CHECK(r->describe().find("memory limit") != std::string::npos);
    }
    SECTION("in the private /tmp, which is memory too") {
        plugin.profile.max_tmp = 512ull << 20;
        auto r = plugin.run_script(
            "head -c 300000000 /dev/zero > /tmp/big; echo \"size $(wc -c < /tmp/big)\"");
        REQUIRE(r);
        INFO(r->describe() << "\n" << r->output.substr(0, 2000));
        // The writer is killed, or the write fails: 300 MB never lands in a 96 MiB limit.
        CHECK(r->output.find("size 300000000") == std::string::npos);
    }
}

TEST_CASE("a run within the limit is unaffected", "[sandbox][memory]") {
    if (!require_memory_cgroup()) return;
    Plugin plugin;
    plugin.profile.max_memory = 128ull << 20;
    auto r = plugin.run_script("head -c 20000000 /dev/zero > /tmp/small; wc -c < /tmp/small");
    REQUIRE(r);
    INFO(r->describe() << "\n" << r->output);
    CHECK(r->exit_code == 0);
    CHECK(r->output == "20000000\n");
    CHECK_FALSE(r->out_of_memory);
}

}  // namespace nxp::sandbox::test
