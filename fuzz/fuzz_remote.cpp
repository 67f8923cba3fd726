// What a remote MCP server sends nxp's bridge (runtime/sse, issue 16 item 3) and the URL a
// publisher writes in mcp.remote (formats/manifest_remote.cpp). Beyond not crashing:
// - an event stream gives the same events whatever pieces it arrives in (curl hands the
//   bridge arbitrary chunks), no event is larger than the limit, the events are never more
//   than the input, and a stream that passed the limit stays ended;
// - an accepted URL has a host without user information, a network entry the grant grammar
//   accepts, and a target beginning with "/".
#include <vector>

#include "formats/manifest.hpp"
#include "fuzz/fuzz_util.hpp"
#include "runtime/sse.hpp"

using namespace nxp;

namespace {

constexpr std::size_t kMax = 4096;

struct Parsed {
    std::vector<runtime::SseEvent> events;
    bool ok = true;
};

Parsed parse(std::string_view text, std::size_t piece) {
    runtime::SseParser p(kMax);
    Parsed out;
    for (std::size_t i = 0; i < text.size() && out.ok; i += piece)
        out.ok = p.feed(text.substr(i, piece), out.events);
    if (!out.ok) fuzz::require(!p.feed("data: x\n\n", out.events), "an ended stream went on");
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto text = fuzz::as_text(data, size);
    const Parsed whole = parse(text, text.size() + 1);
    const std::size_t piece = size == 0 ? 1 : 1 + data[0] % 7;
    const Parsed pieces = parse(text, piece);
    fuzz::require(whole.ok == pieces.ok, "the limit depends on how the stream was cut");
    if (whole.ok) {
        fuzz::require(whole.events.size() == pieces.events.size(),
                      "the events depend on how the stream was cut");
        std::size_t total = 0;
        for (std::size_t i = 0; i < whole.events.size(); ++i) {
            const auto& a = whole.events[i];
            const auto& b = pieces.events[i];
            fuzz::require(a.type == b.type && a.data == b.data && a.id == b.id,
                          "an event depends on how the stream was cut");
            fuzz::require(a.data.size() <= kMax, "an event passed the limit");
            total += a.data.size();
        }
        fuzz::require(total <= size, "the events hold more than the stream");
    }
    auto url = formats::parse_remote_url(text);
    fuzz::require_message(url, "parse_remote_url");
    if (url) {
        fuzz::require(url->host.find('@') == std::string::npos, "a host with user information");
        fuzz::require(formats::split_network_entry(url->network_entry).has_value(),
                      "a network entry the grant grammar refuses");
        fuzz::require(!url->target.empty() && url->target.front() == '/', "a target without /");
    }
    return 0;
}
