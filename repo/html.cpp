#include "repo/html.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_map>

#include "formats/constraint.hpp"
#include "formats/display.hpp"
#include "repo/html_util.hpp"

namespace nxp::repo {
namespace html {
namespace {

// Progressive enhancement: the rows are HTML; this only hides the ones that do not match.
// The state lives in the URL fragment (#q=…&kind=…&perm=…, or the query string) so a link or
// a test can open the catalogue filtered; the inputs and the fragment are kept in sync.
// Everything it reads from the page goes through .value/.textContent, never into markup.
constexpr const char* kScript = R"JS(
(function () {
  var form = document.getElementById('filters'), q = document.getElementById('q');
  var kind = document.getElementById('kind'), perm = document.getElementById('perm');
  var count = document.getElementById('count'), none = document.getElementById('none');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#plugins tbody tr'));
  var text = rows.map(function (r) { return (r.getAttribute('data-search') || '').toLowerCase(); });
  function pick(select, value) {
    select.value = value;
    if (select.value !== value) select.value = '';
  }
  function read() {
    var s = location.hash.length > 1 ? location.hash.slice(1) : location.search.slice(1);
    var u = new URLSearchParams(s);
    q.value = u.get('q') || '';
    pick(kind, u.get('kind') || '');
    pick(perm, u.get('perm') || '');
  }
  function apply() {
    var words = q.value.toLowerCase().split(/\s+/).filter(Boolean), shown = 0;
    rows.forEach(function (r, i) {
      var perms = (r.getAttribute('data-perm') || '').split(' ');
      var ok = (!kind.value || r.getAttribute('data-kind') === kind.value) &&
        (!perm.value || perms.indexOf(perm.value) >= 0) &&
        words.every(function (w) { return text[i].indexOf(w) >= 0; });
      r.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = shown + ' of ' + rows.length + ' plugins shown';
    none.hidden = shown !== 0;
  }
  function write() {
    var u = new URLSearchParams();
    if (q.value) u.set('q', q.value);
    if (kind.value) u.set('kind', kind.value);
    if (perm.value) u.set('perm', perm.value);
    var h = u.toString();
    try {
      history.replaceState(null, '', h ? '#' + h : location.pathname + location.search);
    } catch (e) {}
  }
  function changed() { apply(); write(); }
  form.hidden = false;
  form.addEventListener('submit', function (e) { e.preventDefault(); });
  q.addEventListener('input', changed);
  kind.addEventListener('change', changed);
  perm.addEventListener('change', changed);
  window.addEventListener('hashchange', function () { read(); apply(); });
  read();
  apply();
})();
)JS";

constexpr const char* kStyle =
    "body{font-family:system-ui,sans-serif;margin:0 auto;padding:1.5em 2em;max-width:80em;"
    "color:#1d1d1f;background:#fff;line-height:1.45}"
    "h1{margin:.2em 0}h2{margin-top:1.6em;border-bottom:1px solid #e3e3e3;padding-bottom:.2em}"
    "a{color:#0b57d0}[hidden]{display:none!important}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #e3e3e3;"
    "vertical-align:top;overflow-wrap:anywhere}"
    "th{background:#f5f6f8;font-weight:600}th,.kind,td:first-child{white-space:nowrap}"
    "code,pre{font-size:.88em;word-break:break-all}"
    "pre{background:#f5f6f8;padding:.6em .8em;border-radius:6px;white-space:pre-wrap}"
    "ul{margin:0;padding-left:1.1em}.muted{color:#666}"
    "#filters{display:flex;flex-wrap:wrap;gap:.8em 1.4em;align-items:center;padding:.8em 1em;"
    "margin:1em 0;background:#f5f6f8;border-radius:8px}"
    "#filters input,#filters select{font:inherit;padding:.25em .4em}#filters input{width:22em}"
    ".kind{display:inline-block;padding:0 .45em;border-radius:4px;background:#e8eefc;"
    "font-size:.85em}.secret{color:#8a4b00;font-weight:600}"
    "tr.revoked td{background:#fdecea;text-decoration:line-through}"
    "tr.revoked td.status{text-decoration:none}"
    "strong.revoked,.sev-high,.sev-critical{color:#b00020}.sev-medium{color:#a05a00}";

std::string base64_sha256(std::string_view text) {
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(text.data()),
                       text.size());
    std::string out(sodium_base64_ENCODED_LEN(digest.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), digest.data(), digest.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.find('\0'));
    return out;
}

// The words in a row the search box matches: name, summary, publisher, tool names.
std::string search_text(const Plugin& p) {
    const auto& e = *p.shown;
    std::string s = e.name + " " + e.summary + " " + e.publisher;
    if (e.tools)
        for (const auto& t : *e.tools) s += " " + t.name;
    // Markup characters are no search terms; without them the attribute (escaped anyway)
    // serialises the same in every browser's DOM.
    for (char& ch : s)
        if (ch == '<' || ch == '>' || ch == '"' || ch == '\'' || ch == '&') ch = ' ';
    return s;
}

std::string perm_classes(const formats::Permissions& p) {
    std::string s;
    if (!p.network.empty()) s += "network ";
    if (!p.filesystem.empty()) s += "filesystem ";
    if (!p.env.empty()) s += "env ";
    if (s.empty()) return "none";
    s.pop_back();
    return s;
}

std::string tools_cell(const formats::IndexEntry& e) {
    if (e.kind != formats::Kind::McpServer && !e.tools) return "<span class=\"muted\">—</span>";
    if (!e.tools) return "<span class=\"muted\">not pinned</span>";
    return std::to_string(e.tools->size());
}

std::string plugin_row(const Catalogue& c, const Plugin& p) {
    const auto& e = *p.shown;
    const bool revoked = c.is_revoked(e);
    const std::string name = html_escape(p.name);
    std::string h = "<tr data-kind=\"" + html_escape(formats::kind_name(e.kind)) +
                    "\" data-perm=\"" + perm_classes(e.permissions) + "\" data-search=\"" +
                    html_escape(search_text(p)) + "\"" + (revoked ? " class=\"revoked\"" : "") +
                    "><td>";
    h += p.has_page ? "<a href=\"plugins/" + name + ".html\">" + name + "</a>" : name;
    h += "</td><td>" + html_escape(e.version.str());
    if (p.versions.size() > 1)
        h += "<br><span class=\"muted\">" + std::to_string(p.versions.size()) + " versions</span>";
    h += "</td><td><span class=\"kind\">" + html_escape(formats::kind_name(e.kind)) +
         "</span></td><td>" + html_escape(e.summary) + "</td><td>" +
         permissions_html(e.permissions) + "</td><td>" + tools_cell(e) + "</td><td>" +
         formats::human_size(e.size) + "</td><td class=\"status\">" + status_html(c, e, "") +
         "</td><td><a href=\"" + html_escape(e.path) + "\">.nxp</a></td></tr>\n";
    return h;
}

std::string filters_form(const Catalogue& c) {
    std::map<std::string, std::size_t> kinds;
    std::map<std::string, std::size_t> perms;
    for (const auto& p : c.plugins) {
        ++kinds[std::string(formats::kind_name(p.shown->kind))];
        const std::string classes = perm_classes(p.shown->permissions);
        for (const char* k : {"network", "filesystem", "env", "none"})
            if ((" " + classes + " ").find(std::string(" ") + k + " ") != std::string::npos)
                ++perms[k];
    }
    const std::string all = std::to_string(c.plugins.size());
    std::string h =
        "<form id=\"filters\" role=\"search\" hidden>\n<label>Search <input type=\"search\" "
        "id=\"q\" name=\"q\" placeholder=\"name, summary, publisher, tool\" "
        "autocomplete=\"off\"></label>\n<label>Kind <select id=\"kind\" name=\"kind\">"
        "<option value=\"\">all (" +
        all + ")</option>";
    for (const auto& [k, n] : kinds)
        h += "<option value=\"" + html_escape(k) + "\">" + html_escape(k) + " (" +
             std::to_string(n) + ")</option>";
    h += "</select></label>\n<label>Permission <select id=\"perm\" name=\"perm\">"
         "<option value=\"\">any (" +
         all + ")</option>";
    for (const char* k : {"network", "filesystem", "env", "none"})
        h += std::string("<option value=\"") + k + "\">" + k + " (" + std::to_string(perms[k]) +
             ")</option>";
    return h + "</select></label>\n<output id=\"count\"></output>\n</form>\n";
}

std::string plugins_table(const Catalogue& c) {
    std::string h =
        "<table id=\"plugins\">\n<thead><tr><th>Name</th><th>Version</th><th>Kind</th>"
        "<th>Summary</th><th>Permissions</th><th>Tools</th><th>Size</th><th>Status</th>"
        "<th>Download</th></tr></thead>\n<tbody>\n";
    for (const auto& p : c.plugins) h += plugin_row(c, p);
    return h + "</tbody>\n</table>\n<p id=\"none\" class=\"muted\" hidden>No plugin matches.</p>\n";
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
    std::unordered_map<std::string_view, const formats::IndexEntry*> by_sha;
    for (const auto& p : index.packages) by_sha.emplace(p.sha256, &p);
    std::string h =
        "<h2>Revoked packages</h2>\n<p>nxp never installs these, and <code>nxp audit</code> "
        "reports them where installed.</p>\n<ul>\n";
    for (const auto& sha : index.revoked) {
        auto it = by_sha.find(sha);
        std::string what;
        if (it != by_sha.end())
            what =
                " " + html_escape(it->second->name) + " " + html_escape(it->second->version.str());
        h += "<li><code>" + html_escape(sha) + "</code>" + what + "</li>\n";
    }
    return h + "</ul>\n";
}

std::string index_page(const Catalogue& c) {
    const auto& index = *c.index;
    const std::string repo = html_escape(index.repo);
    std::string h = page_head(repo + " — nxp repository", base64_sha256(kScript));
    h += "<h1>" + repo +
         "</h1>\n<p>An nxp plugin repository for NextChat: " + std::to_string(c.plugins.size()) +
         " plugin(s), " + std::to_string(index.packages.size()) + " package(s). Index version " +
         std::to_string(index.version) + ", generated " +
         formats::utc_date_time(index.generated, false) + " UTC, expires " +
         formats::utc_date_time(index.expires, false) + " UTC.</p>\n";
    h += repo_add_html(c);
    h += filters_form(c) + plugins_table(c) + advisories_table(index) + revoked_list(index);
    h += "<script>" + std::string(kScript) + "</script>\n</body>\n</html>\n";
    return h;
}

}  // namespace

std::vector<const formats::Advisory*> Catalogue::advisories_for(
    const formats::IndexEntry& e) const {
    std::vector<const formats::Advisory*> out;
    auto it = advisories.find(e.name);
    if (it == advisories.end()) return out;
    for (const auto* a : it->second) {
        auto affected = formats::parse_constraint(a->versions);
        if (affected && affected->matches(e.version)) out.push_back(a);
    }
    return out;
}

Catalogue group(const formats::Index& index, const CatalogueOptions& options) {
    Catalogue c;
    c.index = &index;
    c.options = &options;
    c.revoked.insert(index.revoked.begin(), index.revoked.end());
    for (const auto& a : index.advisories) c.advisories[a.package].push_back(&a);
    std::map<std::string_view, std::vector<const formats::IndexEntry*>> by_name;
    for (const auto& e : index.packages) by_name[e.name].push_back(&e);
    for (auto& [name, versions] : by_name) {
        std::sort(versions.begin(), versions.end(),
                  [](const auto* a, const auto* b) { return b->version < a->version; });
        Plugin p;
        p.name = std::string(name);
        p.versions = std::move(versions);
        auto live = std::find_if(p.versions.begin(), p.versions.end(),
                                 [&](const auto* e) { return !c.is_revoked(*e); });
        p.shown = live != p.versions.end() ? *live : p.versions.front();
        p.has_page = safe_page_name(p.name);
        c.plugins.push_back(std::move(p));
    }
    return c;
}

bool safe_page_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    auto ok = [](char ch, bool first) {
        const bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        return alnum || (!first && (ch == '.' || ch == '_' || ch == '-'));
    };
    for (std::size_t i = 0; i < name.size(); ++i)
        if (!ok(name[i], i == 0)) return false;
    return true;
}

std::string anchor(std::string_view id) {
    std::string out = "adv-";
    for (char ch : id)
        out += std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '-' ? ch : '_';
    return out;
}

std::string page_head(const std::string& title, const std::string& script_hash) {
    // No external assets, no network: nothing but this page's style and (on the front page)
    // its one script, allowed by hash, so even markup that slipped through could not run.
    std::string csp =
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
        "form-action 'none'";
    if (!script_hash.empty()) csp += "; script-src 'sha256-" + script_hash + "'";
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"" +
           csp +
           "\">\n<meta name=\"referrer\" content=\"no-referrer\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
           title + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
}

std::string permissions_html(const formats::Permissions& p) {
    if (p.empty()) return "none";
    std::string out;
    auto add = [&out](const std::string& s) { out += "<li>" + html_escape(s) + "</li>"; };
    for (const auto& n : p.network) add("network: " + n);
    for (const auto& f : p.filesystem) add(f.access + ": " + f.path);
    for (const auto& e : p.env) add("env: " + e);
    return "<ul>" + out + "</ul>";
}

std::string status_html(const Catalogue& c, const formats::IndexEntry& e,
                        const std::string& prefix) {
    std::string out;
    if (c.is_revoked(e)) out += "<strong class=\"revoked\">REVOKED</strong> never installed<br>";
    for (const auto* a : c.advisories_for(e)) {
        out += "<a class=\"sev-" + html_escape(a->severity) + "\" href=\"" + prefix + "#" +
               anchor(a->id) + "\">" + html_escape(a->id) + "</a> (" + html_escape(a->severity) +
               ")<br>";
    }
    return out.empty() ? "ok" : out;
}

std::string repo_add_html(const Catalogue& c) {
    const auto& o = *c.options;
    const std::string repo = html_escape(c.index->repo);
    std::string cmd = "nxp repo add " + repo + " " + (o.url.empty() ? "URL" : html_escape(o.url));
    if (o.keys.empty()) cmd += " --key KEY.pub";
    for (const auto& k : o.keys) cmd += " --key " + html_escape(k);
    std::string h = "<p>Add this repository with:</p>\n<pre><code>" + cmd + "</code></pre>\n";
    if (o.url.empty())
        h += "<p class=\"muted\">URL is this page's directory on the publisher's server; the "
             "repository id is <code>" +
             repo + "</code>.</p>\n";
    return h;
}

}  // namespace html

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        switch (ch) {
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
                out += ch;
        }
    }
    return out;
}

std::vector<CatalogueFile> render_catalogue(const formats::Index& index,
                                            const CatalogueOptions& options) {
    const html::Catalogue c = html::group(index, options);
    std::vector<CatalogueFile> files;
    files.reserve(c.plugins.size() + 1);
    files.push_back({"index.html", html::index_page(c)});
    for (const auto& p : c.plugins)
        if (p.has_page) files.push_back({"plugins/" + p.name + ".html", html::plugin_page(c, p)});
    return files;
}

}  // namespace nxp::repo
