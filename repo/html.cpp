#include "repo/html.hpp"

#include <cstdio>
#include <ctime>

namespace nxp::repo {
namespace {

std::string human_size(std::uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 3) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

std::string utc_date(std::int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

std::string permissions_text(const formats::Permissions& p) {
    if (p.empty()) return "none";
    std::string out;
    auto add = [&out](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
    for (const auto& n : p.network) add("network " + n);
    for (const auto& f : p.filesystem) add(f.access + " " + f.path);
    for (const auto& e : p.env) add("env " + e);
    return out;
}

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #ddd;vertical-align:top}"
    "th{background:#f4f4f4}code{font-size:.85em}";

}  // namespace

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string render_index_html(const formats::Index& index) {
    const std::string repo = html_escape(index.repo);
    std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'\">\n";
    h += "<title>" + repo + " — nxp repository</title>\n<style>" + std::string(kStyle) +
         "</style>\n</head>\n<body>\n";
    h += "<h1>" + repo + "</h1>\n<p>Index version " + std::to_string(index.version) +
         ", generated " + utc_date(index.generated) + ", expires " + utc_date(index.expires) +
         ". " + std::to_string(index.packages.size()) + " package(s).</p>\n";
    h += "<table>\n<tr><th>Name</th><th>Version</th><th>Kind</th><th>Summary</th>"
         "<th>Permissions</th><th>Size</th><th>Download</th></tr>\n";
    for (const auto& p : index.packages) {
        h += "<tr><td>" + html_escape(p.name) + "</td><td>" + html_escape(p.version.str()) +
             "</td><td>" + html_escape(formats::kind_name(p.kind)) + "</td><td>" +
             html_escape(p.summary) + "</td><td>" + html_escape(permissions_text(p.permissions)) +
             "</td><td>" + human_size(p.size) + "</td><td><a href=\"" + html_escape(p.path) +
             "\">.nxp</a><br><code>" + html_escape(p.sha256) + "</code></td></tr>\n";
    }
    h += "</table>\n";
    if (!index.advisories.empty()) {
        h += "<h2>Advisories</h2>\n<table>\n<tr><th>Id</th><th>Package</th><th>Versions</th>"
             "<th>Severity</th><th>Summary</th></tr>\n";
        for (const auto& a : index.advisories) {
            h += "<tr><td>" + html_escape(a.id) + "</td><td>" + html_escape(a.package) +
                 "</td><td>" + html_escape(a.versions) + "</td><td>" + html_escape(a.severity) +
                 "</td><td>" + html_escape(a.summary) + "</td></tr>\n";
        }
        h += "</table>\n";
    }
    h += "</body>\n</html>\n";
    return h;
}

}  // namespace nxp::repo
