#pragma once
// Append-only JSON-lines logs nxp keeps beside a plugin (egress decisions, tool events): one
// rotation for all of them.
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace nxp::os {

// Appends `line` (which ends in '\n') to `file` in one write, so that lines of concurrent
// writers never interleave: parent directories created, the file created 0600 and never
// opened through a symlink; a file already max_bytes long is first moved to FILE.1 (the
// previous FILE.1 is dropped). Best effort, for logs that must not stop what they record:
// false when the line could not be written.
bool append_log_line(const std::filesystem::path& file, std::string_view line,
                     std::uint64_t max_bytes = 1 << 20);

}  // namespace nxp::os
