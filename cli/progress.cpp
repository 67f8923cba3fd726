#include "cli/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/term.hpp"
#include "formats/display.hpp"

namespace nxp::cli {
namespace {

constexpr auto kRedraw = std::chrono::milliseconds(100);

void write_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n <= 0) return;  // progress is best effort: never fail a transaction over it
        off += static_cast<std::size_t>(n);
    }
}

std::string percent(std::uint64_t done, std::uint64_t total) {
    const int p = total == 0 ? 100 : static_cast<int>(done * 100 / total);
    char buf[16];  // room for any int, so the compiler can see nothing is cut
    std::snprintf(buf, sizeof buf, "%3d%%", std::min(p, 100));
    return buf;
}

// At most `max` bytes of `text`, not cutting a UTF-8 sequence in two.
std::string clip(const std::string& text, std::size_t max) {
    if (text.size() <= max) return text;
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
    return text.substr(0, end);
}

}  // namespace

std::string format_eta(double seconds) {
    if (seconds < 0 || seconds > 99 * 3600) return "--:--";
    const long s = std::lround(seconds);
    char buf[64];  // room for any long, so the compiler can see nothing is cut
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
    return buf;
}

std::string bar(double fraction, int width) {
    const int full = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * width);
    return "[" + std::string(full, '#') + std::string(width - full, '-') + "]";
}

void ProgressRenderer::update(std::string_view what, std::uint64_t done, std::uint64_t total) {
    const auto now = Clock::now();
    if (started_ == Clock::time_point{}) started_ = now;
    const bool finished = done >= total;
    json_line(what, done, total, finished);
    if (what.empty()) {
        total_ = {done, total};
        if (finished) {
            active_.clear();
            clear();
            return;
        }
    } else if (finished) {
        active_.erase(std::string(what));
    } else {
        active_[std::string(what)] = {done, total};
    }
    // Each file's update is followed by the total's: draw on that one, with both known.
    if (tty_fd_ >= 0 && what.empty() && now - last_draw_ >= kRedraw) {
        last_draw_ = now;
        draw();
    }
}

void ProgressRenderer::draw() {
    std::string s;
    if (drawn_ > 0) s += "\r\033[" + std::to_string(drawn_) + "A";  // back to the first line
    s += "\r\033[J";                                                // and clear downwards
    int lines = 0;
    for (const auto& [raw_name, line] : active_) {
        // Written straight to the terminal, past the output filter: made safe here.
        const std::string name = clip(terminal_safe(raw_name, /*one_line=*/true), 40);
        s += "  " + name + std::string(42 - std::min<std::size_t>(name.size(), 40), ' ') +
             formats::human_size(line.done) + " / " + formats::human_size(line.total) + "  " +
             percent(line.done, line.total) + "\n";
        ++lines;
    }
    const double secs = std::chrono::duration<double>(Clock::now() - started_).count();
    const double speed = secs > 0.05 ? static_cast<double>(total_.done) / secs : 0;
    const double eta = speed > 0 ? static_cast<double>(total_.total - total_.done) / speed : -1;
    const double fraction =
        total_.total == 0 ? 1.0
                          : static_cast<double>(total_.done) / static_cast<double>(total_.total);
    s += "Total " + bar(fraction, 24) + " " + formats::human_size(total_.done) + " / " +
         formats::human_size(total_.total) + "  " +
         formats::human_size(static_cast<std::uint64_t>(speed)) + "/s  ETA " + format_eta(eta) +
         "\n";
    ++lines;
    drawn_ = lines;
    write_all(tty_fd_, s);
}

void ProgressRenderer::clear() {
    if (tty_fd_ < 0 || drawn_ == 0) return;
    write_all(tty_fd_, "\r\033[" + std::to_string(drawn_) + "A\r\033[J");
    drawn_ = 0;
}

void ProgressRenderer::json_line(std::string_view what, std::uint64_t done, std::uint64_t total,
                                 bool force) {
    if (json_fd_ < 0) return;
    const auto now = Clock::now();
    auto& last = last_json_[std::string(what)];
    if (!force && now - last < kRedraw) return;
    last = now;
    nlohmann::json j{{"type", "progress"}, {"done", done}, {"total", total}};
    if (what.empty())
        j["scope"] = "total";
    else {
        j["scope"] = "file";
        j["file"] = std::string(what);
    }
    write_all(json_fd_, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

std::string format_duration(std::chrono::steady_clock::duration d) {
    const double ms = std::chrono::duration<double, std::milli>(d).count();
    char buf[48];
    if (ms < 10)
        std::snprintf(buf, sizeof buf, "%.1f ms", ms < 0 ? 0.0 : ms);
    else if (ms < 1000)
        std::snprintf(buf, sizeof buf, "%.0f ms", ms);
    else if (ms < 60000)
        std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000);
    else
        std::snprintf(buf, sizeof buf, "%d min %d s", static_cast<int>(ms / 60000),
                      static_cast<int>(ms / 1000) % 60);
    return buf;
}

std::string trace_line(std::chrono::steady_clock::duration since_start, std::string_view name,
                       std::string_view text, std::chrono::steady_clock::duration took) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "[%7.3fs] ",
                  std::chrono::duration<double>(since_start).count());
    std::string line = stamp + std::string(name) + ": " + std::string(text);
    if (took.count() >= 0) line += " (" + format_duration(took) + ")";
    return line;
}

}  // namespace nxp::cli
