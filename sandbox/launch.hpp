#pragma once
// Internal to sandbox/: turning a Profile into the process to start, with or without
// bubblewrap. Split from runner.cpp so tests can check the refusal without breaking bwrap.
#include <string>

#include "formats/error.hpp"
#include "sandbox/process.hpp"
#include "sandbox/runner.hpp"

namespace nxp::sandbox::detail {

// What run() and exec_inherit() start: bubblewrap around argv when `sandbox_works`, argv
// directly when the profile allows that, else an Invalid error naming the plugin and `why`.
Result<SpawnSpec> launch_spec(const Profile& profile, bool sandbox_works, const std::string& why,
                              bool inherit_stdio);

}  // namespace nxp::sandbox::detail
