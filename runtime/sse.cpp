#include "runtime/sse.hpp"

namespace nxp::runtime {

bool SseParser::feed(std::string_view chunk, std::vector<SseEvent>& out) {
    if (overflow_) return false;
    if (!started_) {
        // The stream may begin with a UTF-8 byte-order mark, which is not part of a field.
        if (pending_.size() + chunk.size() < 3 &&
            std::string_view("\xEF\xBB\xBF").starts_with(pending_ + std::string(chunk))) {
            pending_ += chunk;
            return true;
        }
        std::string head = pending_ + std::string(chunk.substr(0, 3));
        started_ = true;
        if (head.starts_with("\xEF\xBB\xBF")) {
            chunk.remove_prefix(3 - pending_.size());
            pending_.clear();
        }
    }
    std::size_t start = 0;
    for (std::size_t i = 0; i < chunk.size(); ++i) {
        const char c = chunk[i];
        if (c != '\n' && c != '\r') continue;
        if (c == '\n' && after_cr_ && i == start && pending_.empty()) {  // the LF of a CRLF
            after_cr_ = false;
            start = i + 1;
            continue;
        }
        after_cr_ = c == '\r';
        if (pending_.size() + (i - start) > max_) {  // a line too long, whatever it is
            overflow_ = true;
            return false;
        }
        if (pending_.empty()) {
            line(chunk.substr(start, i - start), out);
        } else {
            pending_.append(chunk.substr(start, i - start));
            line(pending_, out);
            pending_.clear();
        }
        start = i + 1;
        if (overflow_) return false;
    }
    if (start < chunk.size()) after_cr_ = false;
    pending_.append(chunk.substr(start));
    if (pending_.size() > max_) overflow_ = true;
    return !overflow_;
}

void SseParser::line(std::string_view l, std::vector<SseEvent>& out) {
    if (l.empty()) {  // dispatch
        if (has_data_) {
            if (!data_.empty() && data_.back() == '\n') data_.pop_back();
            out.push_back({type_.empty() ? "message" : type_, std::move(data_), last_id_});
        }
        data_.clear();
        type_.clear();
        has_data_ = false;
        return;
    }
    if (l.front() == ':') return;  // a comment (servers send them to keep a stream open)
    auto colon = l.find(':');
    std::string_view field = l.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : l.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
        if (data_.size() + value.size() + 1 > max_) {
            overflow_ = true;
            return;
        }
        data_.append(value);
        data_.push_back('\n');
        has_data_ = true;
    } else if (field == "event") {
        type_ = std::string(value.substr(0, 256));
    } else if (field == "id") {
        if (value.find('\0') == std::string_view::npos && value.size() <= 1024)
            last_id_ = std::string(value);
    } else if (field == "retry") {
        long ms = 0;
        for (char c : value) {
            if (c < '0' || c > '9' || ms > 600000) return;
            ms = ms * 10 + (c - '0');
        }
        if (!value.empty()) retry_ms_ = ms;
    }
}

}  // namespace nxp::runtime
