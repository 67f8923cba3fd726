#pragma once
// Internal helpers shared by the format parsers; not part of the public interface.
#include <cstdint>
#include <string>
#include <string_view>

namespace nxp::formats::detail {

// Quotes untrusted text for an error message: capped, so a 10 MB field cannot become a
// 10 MB message, and with control bytes replaced, so a message cannot rewrite a terminal.
inline std::string quote(std::string_view s, std::size_t cap = 64) {
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size() && i < cap; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
    }
    if (s.size() > cap) out += "...";
    return out + "\"";
}

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
// A-Z to a-z, nothing else (host names, DNS names): independent of the locale.
inline std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}
inline bool is_lower_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z'); }

inline std::string_view trim(std::string_view s) {
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

// "field" + index -> "field[3]"; "field" + key -> "field.key".
inline std::string at(std::string_view field, std::size_t i) {
    return std::string(field) + "[" + std::to_string(i) + "]";
}
inline std::string dot(std::string_view field, std::string_view key) {
    return field.empty() ? std::string(key) : std::string(field) + "." + std::string(key);
}

// Environment variable names: [A-Z_][A-Z0-9_]*, capped so they stay printable.
inline bool is_env_name(std::string_view s) {
    if (s.empty() || s.size() > 128 || is_digit(s[0])) return false;
    for (char c : s) {
        if (!(is_digit(c) || (c >= 'A' && c <= 'Z') || c == '_')) return false;
    }
    return true;
}

// Relative path inside a tree: not absolute, no empty, "." or ".." segment, no control
// bytes. Returns why not, or "" when fine.
inline std::string_view relative_path_problem(std::string_view p) {
    if (p.empty()) return "must not be empty";
    if (p.front() == '/') return "must be a relative path";
    for (char c : p) {
        if (static_cast<unsigned char>(c) < 0x20 || c == '\\') {
            return "must not contain control characters or backslashes";
        }
    }
    std::size_t start = 0;
    while (start <= p.size()) {
        std::size_t end = p.find('/', start);
        if (end == std::string_view::npos) end = p.size();
        std::string_view seg = p.substr(start, end - start);
        if (seg == "..") return "must not contain \"..\"";
        if (seg.empty() || seg == ".") return "must not contain empty or \".\" segments";
        start = end + 1;
    }
    return {};
}

}  // namespace nxp::formats::detail
