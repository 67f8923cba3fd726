#pragma once
// Server-sent events (the WHATWG event-stream format) read incrementally, as the MCP HTTP
// transports carry them. Pure: runtime/remote_session feeds it what curl receives; tests
// and fuzzers feed it bytes directly.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nxp::runtime {

struct SseEvent {
    std::string type = "message";  // the "event:" field, "message" without one
    std::string data;              // "data:" lines joined by '\n'
    std::string id;                // the last event id in effect when it was dispatched
};

class SseParser {
  public:
    // `max_event`: bytes of one event's data (and of one line); more ends the stream.
    explicit SseParser(std::size_t max_event = 16u << 20) : max_(max_event) {}

    // Appends the events `chunk` completes to `out`. False once an event or a line passed
    // max_event (nothing more is parsed).
    bool feed(std::string_view chunk, std::vector<SseEvent>& out);

    const std::string& last_event_id() const { return last_id_; }
    // The "retry:" the server asked for, in milliseconds (0: none).
    long retry_ms() const { return retry_ms_; }

  private:
    void line(std::string_view l, std::vector<SseEvent>& out);

    std::size_t max_;
    std::string pending_;  // an incomplete line
    bool after_cr_ = false;
    bool started_ = false;  // a leading byte-order mark was looked for
    bool overflow_ = false;
    std::string type_, data_, last_id_;
    bool has_data_ = false;
    long retry_ms_ = 0;
};

}  // namespace nxp::runtime
