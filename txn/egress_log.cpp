#include "txn/egress_log.hpp"

#include <cctype>
#include <ctime>

#include "formats/display.hpp"
#include "formats/json_util.hpp"
#include "os/file.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A decision line is a few hundred bytes (a DNS name is at most 253); anything far longer is
// not one, and is passed over unread.
constexpr std::size_t kMaxLine = 8192;
constexpr std::uint64_t kMaxFile = 64u << 20;

bool digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// "YYYY-MM-DDTHH:MM:SSZ", the only form the sandbox writes.
bool log_time(std::string_view t) {
    return t.size() == 20 && digits(t.substr(0, 4)) && t[4] == '-' && digits(t.substr(5, 2)) &&
           t[7] == '-' && digits(t.substr(8, 2)) && t[10] == 'T' && digits(t.substr(11, 2)) &&
           t[13] == ':' && digits(t.substr(14, 2)) && t[16] == ':' && digits(t.substr(17, 2)) &&
           t[19] == 'Z';
}

const json* string_member(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? &*it : nullptr;
}

void read_lines(std::string_view text, const EgressFilter& filter, EgressLog& log) {
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        auto e = parse_egress_line(line);
        if (!e) {
            ++log.skipped;
            continue;
        }
        if (!filter.since.empty() && e->time < filter.since) continue;
        if (filter.denied_only && e->allow) continue;
        log.entries.push_back(std::move(*e));
    }
}

}  // namespace

std::optional<EgressEntry> parse_egress_line(std::string_view line) {
    if (line.size() > kMaxLine) return std::nullopt;
    auto j = formats::parse_json(line, "egress log", {.max_depth = 8});
    if (!j || !j->is_object()) return std::nullopt;
    const json* time = string_member(*j, "time");
    const json* decision = string_member(*j, "decision");
    if (!time || !log_time(time->get_ref<const std::string&>()) || !decision) return std::nullopt;
    EgressEntry e;
    e.time = time->get<std::string>();
    const auto& d = decision->get_ref<const std::string&>();
    if (d != "allow" && d != "deny") return std::nullopt;
    e.allow = d == "allow";
    for (auto [key, to] : {std::pair{"host", &e.host}, std::pair{"address", &e.address},
                           std::pair{"via", &e.via}, std::pair{"reason", &e.reason}}) {
        if (!j->contains(key)) continue;
        const json* v = string_member(*j, key);
        if (!v) return std::nullopt;
        *to = v->get<std::string>();
    }
    if (auto it = j->find("port"); it != j->end()) {
        if (!it->is_number_integer() || it->get<std::int64_t>() < 0 ||
            it->get<std::int64_t>() > 65535)
            return std::nullopt;
        e.port = it->get<int>();
    }
    if (e.host.empty() && e.address.empty()) return std::nullopt;
    return e;
}

Result<std::string> parse_since(std::string_view text, std::int64_t now) {
    auto bad = [&] {
        return fail(ErrorKind::Usage, "--since " + std::string(text),
                    "not a time: give YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z] (UTC), or how long "
                    "ago as Nm, Nh or Nd");
    };
    if (text.size() >= 2 && text.size() <= 8 && digits(text.substr(0, text.size() - 1))) {
        std::int64_t unit = text.back() == 'm'   ? 60
                            : text.back() == 'h' ? 3600
                            : text.back() == 'd' ? 86400
                                                 : 0;
        if (unit == 0) return bad();
        return formats::utc_timestamp(now - std::stoll(std::string(text)) * unit);
    }
    // An ISO date or time: completed to the log's form, each part checked.
    std::string full = "0000-00-00T00:00:00Z";
    std::string_view t = text;
    if (t.ends_with('Z')) t.remove_suffix(1);
    if (t.size() != 10 && t.size() != 16 && t.size() != 19) return bad();
    full.replace(0, t.size(), t);
    if (t.size() == 10) full[10] = 'T';
    if (!log_time(full)) return bad();
    auto num = [&](std::size_t at) { return std::stoi(full.substr(at, 2)); };
    if (num(5) < 1 || num(5) > 12 || num(8) < 1 || num(8) > 31 || num(11) > 23 || num(14) > 59 ||
        num(17) > 60)
        return bad();
    return full;
}

Result<EgressLog> read_egress_log(const fs::path& file, const EgressFilter& filter) {
    EgressLog log;
    for (const fs::path& p : {fs::path(file.string() + ".1"), file}) {
        std::error_code ec;
        if (!fs::exists(fs::symlink_status(p, ec))) continue;
        log.found = true;
        auto text = os::read_file(p, kMaxFile);
        if (!text) return tl::unexpected(text.error());
        read_lines(*text, filter, log);
    }
    return log;
}

}  // namespace nxp::txn
