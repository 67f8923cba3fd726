// index.json of a repository (formats/index, simdjson): fetched from the network and parsed
// before its entries are trusted for anything.
#include "formats/index.hpp"
#include "fuzz/fuzz_util.hpp"

using namespace nxp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto index = formats::parse_index(fuzz::as_text(data, size));
    fuzz::require_message(index, "parse_index");
    if (!index) return 0;
    // `repo build` rewrites what it read: the canonical text must parse to the same index.
    auto text = formats::write_index(*index);
    auto again = formats::parse_index(text);
    fuzz::require(again.has_value(), "write_index output does not parse: " +
                                         (again ? std::string() : again.error().str()));
    fuzz::require(again->packages.size() == index->packages.size() &&
                      again->revoked == index->revoked && again->version == index->version,
                  "write_index changed the index");
    fuzz::require(formats::write_index(*again) == text, "write_index is not canonical");
    return 0;
}
