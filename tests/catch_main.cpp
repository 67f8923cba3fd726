// main() of every Catch2 test binary: Catch2's own, except that a run in which a test called
// nxp::test::skip (tests/common/skip.hpp) and nothing failed exits 77, Meson's SKIP.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "tests/common/skip.hpp"

namespace {

std::mutex skipped_mutex;
std::vector<std::string> skipped;

}  // namespace

void nxp::test::skip(const std::string& why) {
    WARN("SKIP: " << why);
    std::lock_guard<std::mutex> lock(skipped_mutex);
    skipped.push_back(why);
}

int main(int argc, char* argv[]) {
    int rc = Catch::Session().run(argc, argv);
    if (rc != 0 || skipped.empty()) return rc;
    for (const auto& why : skipped) std::fprintf(stderr, "SKIP: %s\n", why.c_str());
    std::fprintf(stderr, "%zu test(s) could not test here: reported as skipped (exit 77)\n",
                 skipped.size());
    return 77;
}
