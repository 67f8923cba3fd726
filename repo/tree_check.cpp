// Rules that need the whole plugin tree, or every name in it: symlinks resolved against the
// tree as a whole, and names free of control characters (DESIGN.md §3, man nxp-plugin.json(5)).
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "repo/archive_util.hpp"

namespace nxp::repo::detail {

namespace {

// The kernel's limit (MAXSYMLINKS): a chain longer than this fails with ELOOP anyway.
constexpr int kMaxHops = 40;
// Lookups over all links of one tree; a real tree (node_modules/.bin) needs a few thousand.
constexpr std::size_t kMaxSteps = 4'000'000;

std::vector<std::string> split_raw(std::string_view s) {
    std::vector<std::string> out;
    while (true) {
        const std::size_t slash = s.find('/');
        out.emplace_back(s.substr(0, slash));
        if (slash == std::string_view::npos) break;
        s.remove_prefix(slash + 1);
    }
    return out;
}

// Resolves each link once, the way the kernel would walk it: components one at a time from
// the link's directory, ".." going up, a link met on the way replaced by where it resolves
// (links to links, links through directories). A missing component is walked lexically,
// which is stricter than the kernel (it would stop there).
class Resolver {
  public:
    explicit Resolver(const std::vector<TreeLink>& links) {
        for (const auto& l : links) targets_[l.path] = l.target;
    }

    std::optional<std::string> check(const std::string& link) {
        auto r = resolve(link);
        if (!r) return why_;
        return std::nullopt;
    }

  private:
    // A path being walked, as components and joined (kept in step: no re-joining per step).
    struct Walk {
        std::vector<std::string> parts;
        std::string path;
        std::vector<std::size_t> ends;  // path.size() before each component was added
        explicit Walk(const std::vector<std::string>& from) {
            for (const auto& c : from) push(c);
        }
        void push(const std::string& c) {
            ends.push_back(path.size());
            path += (path.empty() ? "" : "/") + c;
            parts.push_back(c);
        }
        void pop() {
            path.resize(ends.back());
            ends.pop_back();
            parts.pop_back();
        }
    };

    struct Done {
        std::vector<std::string> parts;  // where the link leads, from the tree root
        int hops = 0;
    };

    // Where `link` leads, or nullopt (with why_ set) when it leaves the tree.
    // `depth`: links being resolved around this one; each is at least one hop, so the
    // recursion stops at the hop limit whatever the archive holds.
    std::optional<Done> resolve(const std::string& link, int depth = 1) {
        if (auto it = done_.find(link); it != done_.end()) return it->second;
        if (depth > kMaxHops) {
            why_ = "symlink \"" + link + "\" goes through more than " + std::to_string(kMaxHops) +
                   " symlinks";
            return std::nullopt;
        }
        if (!active_.insert(link).second) {
            why_ = "symlink loop through \"" + link + "\"";
            return std::nullopt;
        }
        const std::string& target = targets_.at(link);
        if (target.empty() || target.front() == '/') {
            why_ = "symlink \"" + link + "\" points to \"" + target +
                   "\": absolute (or empty) link targets leave the plugin tree";
            return std::nullopt;
        }
        Walk cur(split_raw(link));
        cur.pop();  // the link's directory
        int hops = 1;
        for (const auto& c : split_raw(target)) {
            if (++steps_ > kMaxSteps) {
                why_ = "symlinks too many or too long to check";
                return std::nullopt;
            }
            if (c.empty() || c == ".") continue;
            if (c == "..") {
                if (cur.parts.empty()) {
                    why_ = "symlink \"" + link + "\" -> \"" + target + "\" leaves the plugin tree";
                    return std::nullopt;
                }
                cur.pop();
                continue;
            }
            cur.push(c);
            if (targets_.count(cur.path) == 0) continue;
            // The inner link's own message names it and says why.
            auto inner = resolve(cur.path, depth + 1);
            if (!inner) return std::nullopt;
            hops += inner->hops;
            if (hops > kMaxHops) {
                why_ = "symlink \"" + link + "\" goes through more than " +
                       std::to_string(kMaxHops) + " symlinks";
                return std::nullopt;
            }
            cur = Walk(inner->parts);
        }
        active_.erase(link);
        return done_[link] = Done{std::move(cur.parts), hops};
    }

    std::map<std::string, std::string> targets_;
    std::map<std::string, Done> done_;
    std::set<std::string> active_;
    std::size_t steps_ = 0;
    std::string why_;
};

}  // namespace

std::optional<std::string> check_tree_links(const std::vector<TreeLink>& links) {
    Resolver r(links);
    for (const auto& l : links)
        if (auto why = r.check(l.path)) return why;
    return std::nullopt;
}

std::optional<std::string> control_character(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        // U+0080..U+009F (C1 controls: 0xC2 0x80..0x9F in UTF-8) act like ESC sequences in
        // some terminals.
        const bool c1 = c == 0xC2 && i + 1 < s.size() &&
                        static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                        static_cast<unsigned char>(s[i + 1]) <= 0x9F;
        if (c < 0x20 || c == 0x7F || c1) {
            const unsigned code = c1 ? static_cast<unsigned char>(s[i + 1]) : c;
            char buf[64];
            std::snprintf(buf, sizeof buf, "control character U+%04X at byte %zu", code, i);
            return std::string(buf);
        }
    }
    return std::nullopt;
}

std::string escaped(std::string_view s) {
    std::string out;
    const bool utf8 = valid_utf8(s);
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (!utf8 && c >= 0x80) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(s[++i]));
            out += buf;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == 0x1B) {
            out += "\\e";
        } else if (c == '\\') {
            out += "\\\\";
        } else if (c < 0x20 || c == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

}  // namespace nxp::repo::detail
