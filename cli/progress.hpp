#pragma once
// Download progress for people (stderr, redrawn in place: one line per active file and a
// total bar with bytes, speed and ETA) and for scripts (JSON lines on --progress-fd).
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace nxp::cli {

class ProgressRenderer {
  public:
    using Clock = std::chrono::steady_clock;

    // tty_fd < 0 draws nothing; json_fd < 0 writes no JSON lines.
    ProgressRenderer(int tty_fd, int json_fd) : tty_fd_(tty_fd), json_fd_(json_fd) {}
    ~ProgressRenderer() { clear(); }
    ProgressRenderer(const ProgressRenderer&) = delete;
    ProgressRenderer& operator=(const ProgressRenderer&) = delete;

    // `what` names a file, or is empty for the total of all files (txn::fetch_packages).
    void update(std::string_view what, std::uint64_t done, std::uint64_t total);
    // Erases the drawn lines (before other text goes to stderr, and at the end).
    void clear();

  private:
    struct Line {
        std::uint64_t done = 0;
        std::uint64_t total = 0;
    };
    void draw();
    void json_line(std::string_view what, std::uint64_t done, std::uint64_t total, bool force);

    int tty_fd_;
    int json_fd_;
    std::map<std::string, Line> active_;
    Line total_;
    Clock::time_point started_{};
    Clock::time_point last_draw_{};
    std::map<std::string, Clock::time_point> last_json_;
    int drawn_ = 0;  // lines on screen now
};

// nxp -v's trace lines: "[  0.012s] resolve: 3 jobs → 5 steps (4 ms)", the time since nxp
// started first; `took` < 0 for a detail line (-vv), which has no duration.
std::string trace_line(std::chrono::steady_clock::duration since_start, std::string_view name,
                       std::string_view text, std::chrono::steady_clock::duration took);
// "0.4 ms", "12 ms", "1.25 s", "2 min 5 s".
std::string format_duration(std::chrono::steady_clock::duration d);

// "12.5 MiB/s" style helpers, shared with the tests.
std::string format_eta(double seconds);
std::string bar(double fraction, int width);

}  // namespace nxp::cli
