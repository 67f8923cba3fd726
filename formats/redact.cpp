#include "formats/redact.hpp"

#include <algorithm>

namespace nxp::formats {

std::string redact_url_credentials(std::string_view value) {
    std::string out(value);
    std::size_t pos = 0;
    while ((pos = out.find("://", pos)) != std::string::npos) {
        const std::size_t start = pos + 3;
        std::size_t end = out.find_first_of("/?# \t\n'\"", start);
        if (end == std::string::npos) end = out.size();
        const std::size_t at = out.substr(start, end - start).rfind('@');
        if (at == std::string::npos) {
            pos = start;
            continue;
        }
        const std::string userinfo = out.substr(start, at);
        const std::size_t colon = userinfo.find(':');
        const std::string masked = colon == std::string::npos
                                       ? std::string(kMasked)
                                       : userinfo.substr(0, colon + 1) + std::string(kMasked);
        out.replace(start, at, masked);
        pos = start + masked.size() + 1;
    }
    return out;
}

namespace {

void replace_all(std::string& text, const std::string& secret) {
    for (auto p = text.find(secret); p != std::string::npos; p = text.find(secret, p)) {
        text.replace(p, secret.size(), kMasked);
        p += kMasked.size();
    }
}

// A secret's last bytes at the start of `text`, or its first bytes at the end of it.
void redact_cut_ends(std::string& text, const std::string& secret) {
    for (std::size_t n = std::min(secret.size() - 1, text.size()); n >= kMinRedacted; --n) {
        if (text.compare(text.size() - n, n, secret, 0, n) == 0) {
            text.replace(text.size() - n, n, kMasked);
            break;
        }
    }
    for (std::size_t n = std::min(secret.size() - 1, text.size()); n >= kMinRedacted; --n) {
        if (text.compare(0, n, secret, secret.size() - n, n) == 0) {
            text.replace(0, n, kMasked);
            break;
        }
    }
}

}  // namespace

std::string redact_secrets(std::string_view text, const std::vector<std::string>& secrets) {
    std::vector<std::string> sorted;
    for (const auto& s : secrets)
        if (s.size() >= kMinRedacted) sorted.push_back(s);
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.size() > b.size(); });
    std::string out(text);
    for (const auto& s : sorted) replace_all(out, s);
    for (const auto& s : sorted) redact_cut_ends(out, s);
    return out;
}

std::vector<std::string> secret_texts(const nlohmann::json& value) {
    std::vector<std::string> out;
    auto add = [&out](std::string s) {
        if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
    };
    auto text_of = [](const nlohmann::json& v) {
        return v.is_string() ? v.get<std::string>() : v.dump();
    };
    if (value.is_array()) {
        std::string joined;
        for (const auto& v : value) {
            joined += (joined.empty() ? "" : ",") + text_of(v);
            add(text_of(v));
        }
        add(joined);
    } else {
        add(text_of(value));
    }
    // As JSON output escapes it (quotes, backslashes, control characters).
    const std::size_t plain = out.size();
    for (std::size_t i = 0; i < plain; ++i) {
        std::string escaped =
            nlohmann::json(out[i]).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        add(escaped.substr(1, escaped.size() - 2));
    }
    return out;
}

}  // namespace nxp::formats
