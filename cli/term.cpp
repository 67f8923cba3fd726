#include "cli/term.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <random>
#include <streambuf>

namespace nxp::cli {
namespace {

constexpr std::string_view kMasked = "••••";

// The key that makes a colour sequence genuine: random per process, never printed (the
// filter turns a keyed sequence into a plain SGR one), so text from outside cannot hold it.
const std::string& style_key() {
    static const std::string key = [] {
        unsigned char raw[12];
        if (::getrandom(raw, sizeof raw, 0) != static_cast<ssize_t>(sizeof raw)) {
            std::random_device rd;
            for (auto& b : raw) b = static_cast<unsigned char>(rd());
        }
        static constexpr char kHex[] = "0123456789abcdef";
        std::string k;
        for (unsigned char b : raw) {
            k += kHex[b >> 4];
            k += kHex[b & 15];
        }
        return k;
    }();
    return key;
}

void hex_byte(std::string& out, unsigned char c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out += buf;
}

// \uXXXX: how both the terminal filter and JSON output show an invisible code point.
void append_u_escape(std::string& out, std::uint32_t cp) {
    char buf[12];
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
    out += buf;
}

bool sgr_char(char c) { return (c >= '0' && c <= '9') || c == ';'; }

// Length of the valid UTF-8 sequence at text[i] and its code point; 0 when invalid
// (overlong forms, surrogates, beyond U+10FFFF, truncated, stray continuation bytes).
std::size_t utf8_at(std::string_view text, std::size_t i, std::uint32_t& cp) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + len > text.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto d = static_cast<unsigned char>(text[i + k]);
        if ((d & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (d & 0x3f);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return 0;
    if (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) return 0;
    return len;
}

bool invisible_control(std::uint32_t cp) {
    return (cp >= 0x80 && cp <= 0x9f) ||      // C1: CSI, OSC, … for 8-bit terminals
           (cp >= 0x202a && cp <= 0x202e) ||  // bidirectional embeddings and overrides
           (cp >= 0x2066 && cp <= 0x2069);    // bidirectional isolates
}

// std::cout's and std::cerr's buffer while the filter is installed: text is kept until a
// newline (a clean boundary: no UTF-8 sequence or colour sequence spans one) or a flush,
// then written through terminal_safe to the stream's own buffer.
class SafeBuf final : public std::streambuf {
  public:
    explicit SafeBuf(std::streambuf* out) : out_(out) {}
    std::streambuf* raw() const { return out_; }

    // Writes what is pending, then `text` unfiltered.
    void write_raw(std::string_view text) {
        std::lock_guard lock(mutex_);
        flush_pending(pending_.size());
        out_->sputn(text.data(), static_cast<std::streamsize>(text.size()));
        out_->pubsync();
    }

  protected:
    int_type overflow(int_type c) override {
        std::lock_guard lock(mutex_);
        if (traits_type::eq_int_type(c, traits_type::eof())) {
            flush_pending(pending_.size());
            return traits_type::not_eof(c);
        }
        pending_.push_back(traits_type::to_char_type(c));
        after_append();
        return c;
    }

    std::streamsize xsputn(const char* s, std::streamsize n) override {
        std::lock_guard lock(mutex_);
        pending_.append(s, static_cast<std::size_t>(n));
        after_append();
        return n;
    }

    int sync() override {
        std::lock_guard lock(mutex_);
        flush_pending(pending_.size());
        return out_->pubsync();
    }

  private:
    static constexpr std::size_t kMaxPending = 1 << 16;

    void after_append() {
        if (pending_.size() >= kMaxPending) {
            flush_pending(pending_.size());
            return;
        }
        if (const auto nl = pending_.rfind('\n'); nl != std::string::npos) flush_pending(nl + 1);
    }

    void flush_pending(std::size_t upto) {
        if (upto == 0) return;
        const std::string safe = terminal_safe(std::string_view(pending_).substr(0, upto));
        out_->sputn(safe.data(), static_cast<std::streamsize>(safe.size()));
        pending_.erase(0, upto);
    }

    std::streambuf* out_;
    std::string pending_;
    std::mutex mutex_;
};

// Never destroyed: std::cout is flushed through them while the program exits.
SafeBuf* g_out = nullptr;
SafeBuf* g_err = nullptr;

}  // namespace

std::string terminal_safe(std::string_view text, bool one_line) {
    std::string out;
    out.reserve(text.size());
    const std::string& key = style_key();
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == 0x1b) {
            // A colour made by style(): ESC KEY [0-9;]+ m becomes ESC [ … m.
            if (text.substr(i + 1, key.size()) == key) {
                const std::size_t from = i + 1 + key.size();
                std::size_t to = from;
                while (to < text.size() && sgr_char(text[to])) ++to;
                if (to > from && to < text.size() && text[to] == 'm') {
                    out += "\x1b[";
                    out.append(text.substr(from, to - from));
                    out += 'm';
                    i = to + 1;
                    continue;
                }
            }
            out += "\\e";
            ++i;
            continue;
        }
        if (c < 0x20 || c == 0x7f) {
            switch (c) {
                case '\n':
                    out += one_line ? "\\n" : "\n";
                    break;
                case '\t':
                    out += one_line ? "\\t" : "\t";
                    break;
                case '\r':
                    out += "\\r";
                    break;
                case '\a':
                    out += "\\a";
                    break;
                case '\b':
                    out += "\\b";
                    break;
                case '\f':
                    out += "\\f";
                    break;
                case '\v':
                    out += "\\v";
                    break;
                default:
                    hex_byte(out, c);
                    break;
            }
            ++i;
            continue;
        }
        if (c < 0x80) {  // printable ASCII (the controls and DEL are above): the whole run
            std::size_t end = i + 1;
            while (end < text.size() && static_cast<unsigned char>(text[end]) >= 0x20 &&
                   static_cast<unsigned char>(text[end]) < 0x7f)
                ++end;
            out.append(text.substr(i, end - i));
            i = end;
            continue;
        }
        std::uint32_t cp = 0;
        const std::size_t len = utf8_at(text, i, cp);
        if (len == 0) {
            hex_byte(out, c);
            ++i;
            continue;
        }
        if (invisible_control(cp)) {
            append_u_escape(out, cp);
        } else {
            out.append(text.substr(i, len));
        }
        i += len;
    }
    return out;
}

std::string style(std::string_view text, std::string_view sgr) {
    if (sgr.empty() || !std::all_of(sgr.begin(), sgr.end(), sgr_char)) return std::string(text);
    const std::string& key = style_key();
    return "\x1b" + key + std::string(sgr) + "m" + std::string(text) + "\x1b" + key + "0m";
}

void install_output_filter() {
    static std::once_flag once;
    std::call_once(once, [] {
        std::cout.flush();
        std::cerr.flush();
        g_out = new SafeBuf(std::cout.rdbuf());
        g_err = new SafeBuf(std::cerr.rdbuf());
        std::cout.rdbuf(g_out);
        std::cerr.rdbuf(g_err);
    });
}

namespace {

// Where json_terminal_safe has something to do: the first byte that is DEL or not ASCII
// (JSON text is mostly ASCII: it is copied as it is up to there).
std::size_t first_not_plain_json(std::string_view json_text) {
    return static_cast<std::size_t>(
        std::find_if(json_text.begin(), json_text.end(),
                     [](char ch) { return static_cast<unsigned char>(ch) >= 0x7f; }) -
        json_text.begin());
}

}  // namespace

std::string json_terminal_safe(std::string_view json_text) {
    std::string out;
    out.reserve(json_text.size());
    const std::size_t plain = first_not_plain_json(json_text);
    out.append(json_text.substr(0, plain));
    for (std::size_t i = plain; i < json_text.size();) {
        const auto c = static_cast<unsigned char>(json_text[i]);
        std::uint32_t cp = c;
        std::size_t len = c < 0x80 ? 1 : utf8_at(json_text, i, cp);
        if (len == 0) {  // not UTF-8: the serialiser's replace mode leaves none; be safe
            out += "\\ufffd";
            ++i;
            continue;
        }
        if (cp == 0x7f || invisible_control(cp)) {
            append_u_escape(out, cp);
        } else {
            out.append(json_text.substr(i, len));
        }
        i += len;
    }
    return out;
}

void write_json_stdout(std::string_view text) {
    std::string escaped;
    std::string_view safe = text;  // nothing to escape in ASCII without DEL: written as it is
    if (first_not_plain_json(text) < text.size()) safe = escaped = json_terminal_safe(text);
    if (g_out != nullptr && std::cout.rdbuf() == g_out) {
        g_out->write_raw(safe);
        return;
    }
    std::cout << safe << std::flush;
}

}  // namespace nxp::cli
