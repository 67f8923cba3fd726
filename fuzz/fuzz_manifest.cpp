// plugin.json (formats/manifest): a package's manifest is the first thing nxp reads of it.
#include "formats/index.hpp"
#include "formats/manifest.hpp"
#include "fuzz/fuzz_util.hpp"

using namespace nxp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto m = formats::parse_manifest(fuzz::as_text(data, size));
    fuzz::require_message(m, "parse_manifest");
    if (!m) return 0;
    // What a repository build does with a manifest it accepted must not fail either.
    formats::Index index;
    index.repo = "fuzz";
    index.packages.push_back(formats::entry_from_manifest(*m));
    auto& e = index.packages.back();
    e.path = "packages/x.nxp";
    e.sha256 = std::string(64, 'a');
    auto reread = formats::parse_index(formats::write_index(index));
    fuzz::require(reread.has_value(),
                  "an index written from an accepted manifest does not parse: " +
                      (reread ? std::string() : reread.error().str()));
    (void)formats::dep_strings(m->requires_);
    return 0;
}
