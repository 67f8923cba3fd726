#include "repo/html.hpp"

#include <algorithm>
#include <cctype>

#include "formats/constraint.hpp"
#include "formats/display.hpp"

namespace nxp::repo {
namespace {

std::string permissions_html(const formats::Permissions& p) {
    if (p.empty()) return "none";
    std::string out;
    auto add = [&out](const std::string& s) { out += "<li>" + html_escape(s) + "</li>"; };
    for (const auto& n : p.network) add("network: " + n);
    for (const auto& f : p.filesystem) add(f.access + ": " + f.path);
    for (const auto& e : p.env) add("env: " + e);
    return "<ul>" + out + "</ul>";
}

// The advisories that name this package and cover its version.
std::vector<const formats::Advisory*> advisories_for(const formats::Index& index,
                                                     const formats::IndexEntry& p) {
    std::vector<const formats::Advisory*> out;
    for (const auto& a : index.advisories) {
        if (a.package != p.name) continue;
        auto affected = formats::parse_constraint(a.versions);
        if (affected && affected->matches(p.version)) out.push_back(&a);
    }
    return out;
}

// Anchor ids: advisory ids are free text, so only [A-Za-z0-9-] survive.
std::string anchor(std::string_view id) {
    std::string out = "adv-";
    for (char c : id) out += std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' ? c : '_';
    return out;
}

std::string status_html(const formats::Index& index, const formats::IndexEntry& p, bool revoked) {
    std::string out;
    if (revoked) out += "<strong class=\"revoked\">REVOKED</strong> never installed<br>";
    for (const auto* a : advisories_for(index, p)) {
        out += "<a class=\"sev-" + html_escape(a->severity) + "\" href=\"#" + anchor(a->id) +
               "\">" + html_escape(a->id) + "</a> (" + html_escape(a->severity) + ")<br>";
    }
    return out.empty() ? "ok" : out;
}

std::string packages_table(const formats::Index& index) {
    std::string h =
        "<table>\n<thead><tr><th>Name</th><th>Version</th><th>Kind</th><th>Summary</th>"
        "<th>Permissions</th><th>Size</th><th>Status</th><th>Download</th></tr></thead>\n"
        "<tbody>\n";
    for (const auto& p : index.packages) {
        const bool revoked =
            std::find(index.revoked.begin(), index.revoked.end(), p.sha256) != index.revoked.end();
        h += std::string(revoked ? "<tr class=\"revoked\">" : "<tr>") + "<td>" +
             html_escape(p.name) + "</td><td>" + html_escape(p.version.str()) + "</td><td>" +
             html_escape(formats::kind_name(p.kind)) + "</td><td>" + html_escape(p.summary) +
             "</td><td>" + permissions_html(p.permissions) + "</td><td>" +
             formats::human_size(p.size) + "</td><td>" + status_html(index, p, revoked) +
             "</td><td><a href=\"" + html_escape(p.path) + "\">.nxp</a><br><code>" +
             html_escape(p.sha256) + "</code></td></tr>\n";
    }
    return h + "</tbody>\n</table>\n";
}

std::string advisories_table(const formats::Index& index) {
    if (index.advisories.empty()) return "";
    std::string h =
        "<h2>Advisories</h2>\n<table>\n<thead><tr><th>Id</th><th>Package</th>"
        "<th>Versions</th><th>Severity</th><th>Summary</th></tr></thead>\n<tbody>\n";
    for (const auto& a : index.advisories) {
        h += "<tr id=\"" + anchor(a.id) + "\"><td>" + html_escape(a.id) + "</td><td>" +
             html_escape(a.package) + "</td><td>" + html_escape(a.versions) +
             "</td><td class=\"sev-" + html_escape(a.severity) + "\">" + html_escape(a.severity) +
             "</td><td>" + html_escape(a.summary) + "</td></tr>\n";
    }
    return h + "</tbody>\n</table>\n";
}

std::string revoked_list(const formats::Index& index) {
    if (index.revoked.empty()) return "";
    std::string h =
        "<h2>Revoked packages</h2>\n<p>nxp never installs these, and <code>nxp audit</code> "
        "reports them where installed.</p>\n<ul>\n";
    for (const auto& sha : index.revoked) {
        std::string what;
        for (const auto& p : index.packages)
            if (p.sha256 == sha)
                what = " " + html_escape(p.name) + " " + html_escape(p.version.str());
        h += "<li><code>" + html_escape(sha) + "</code>" + what + "</li>\n";
    }
    return h + "</ul>\n";
}

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:2em;color:#222;background:#fff}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #ddd;vertical-align:top}"
    "th{background:#f4f4f4}code{font-size:.85em;word-break:break-all}"
    "ul{margin:0;padding-left:1.1em}"
    "tr.revoked td{background:#fdecea;text-decoration:line-through}"
    "tr.revoked td:nth-child(7){text-decoration:none}"
    "strong.revoked,.sev-high,.sev-critical{color:#b00020}.sev-medium{color:#a05a00}";

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
    // No scripts, no external assets: the page works offline and cannot run anything.
    h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'\">\n";
    h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    h += "<title>" + repo + " — nxp repository</title>\n<style>" + std::string(kStyle) +
         "</style>\n</head>\n<body>\n";
    h += "<h1>" + repo + "</h1>\n<p>An nxp plugin repository for NextChat. Index version " +
         std::to_string(index.version) + ", generated " +
         formats::utc_date_time(index.generated, false) + " UTC, expires " +
         formats::utc_date_time(index.expires, false) + " UTC" + ". " +
         std::to_string(index.packages.size()) + " package(s).</p>\n";
    h += "<p>Use it with <code>nxp repo add " + repo +
         " URL --key KEY.pub</code>, where URL is this page's directory and KEY.pub the "
         "publisher's public key.</p>\n";
    h += packages_table(index) + advisories_table(index) + revoked_list(index);
    h += "</body>\n</html>\n";
    return h;
}

}  // namespace nxp::repo
