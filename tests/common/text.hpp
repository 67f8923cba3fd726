#pragma once
// A test file's whole text ("" when it cannot be read): what a test compares, not nxp's
// capped os::read_file, whose errors are themselves under test.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace nxp::test {

inline std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace nxp::test
