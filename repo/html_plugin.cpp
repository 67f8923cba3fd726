// plugins/NAME.html: one page per plugin of the catalogue (repo/html.hpp).
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "formats/display.hpp"
#include "repo/html_util.hpp"

namespace nxp::repo::html {
namespace {

// Only http(s) homepages become links; anything else (javascript:, data:, a relative path)
// is shown as text.
bool linkable(std::string_view url) {
    auto starts = [&](std::string_view prefix) {
        if (url.size() <= prefix.size()) return false;
        for (std::size_t i = 0; i < prefix.size(); ++i)
            if (std::tolower(static_cast<unsigned char>(url[i])) != prefix[i]) return false;
        return true;
    };
    if (!starts("http://") && !starts("https://")) return false;
    for (char ch : url)
        if (static_cast<unsigned char>(ch) <= ' ' || ch == 0x7f) return false;
    return true;
}

std::string row(const std::string& th, const std::string& td) {
    return "<tr><th>" + th + "</th><td>" + td + "</td></tr>\n";
}

std::string or_none(const std::string& s) {
    return s.empty() ? "<span class=\"muted\">not given</span>" : html_escape(s);
}

std::string about(const Catalogue& c, const Plugin& p) {
    const auto& e = *p.shown;
    std::string home = "<span class=\"muted\">not given</span>";
    if (!e.homepage.empty())
        home = linkable(e.homepage) ? "<a href=\"" + html_escape(e.homepage) +
                                          "\" rel=\"nofollow noopener noreferrer\">" +
                                          html_escape(e.homepage) + "</a>"
                                    : "<code>" + html_escape(e.homepage) + "</code>";
    return "<table class=\"about\">\n" + row("Version", html_escape(e.version.str())) +
           row("Kind", html_escape(formats::kind_name(e.kind))) +
           row("License", or_none(e.license)) + row("Publisher", or_none(e.publisher)) +
           row("Homepage", home) + row("Status", status_html(c, e, "../index.html")) + "</table>\n";
}

std::string install(const Catalogue& c, const Plugin& p) {
    const std::string name = html_escape(p.name);
    return "<h2 id=\"install\">Install</h2>\n<pre><code>nxp install " + name +
           "</code></pre>\n<p>A given version: <code>nxp install " + name + "@" +
           html_escape(p.shown->version.str()) + "</code>. From repository <code>" +
           html_escape(c.index->repo) + "</code>; if it is not configured yet:</p>\n" +
           repo_add_html(c);
}

// A tool's description and parameters, from its canonical definition.
std::string tool_row(const formats::ToolDef& t) {
    std::string description;
    std::string params;
    auto def = nlohmann::json::parse(t.canonical, nullptr, false);
    if (def.is_object()) {
        if (auto d = def.find("description"); d != def.end() && d->is_string())
            description = d->get<std::string>();
        auto schema = def.find("inputSchema");
        if (schema != def.end() && schema->is_object()) {
            std::set<std::string> required;
            if (auto r = schema->find("required"); r != schema->end() && r->is_array())
                for (const auto& x : *r)
                    if (x.is_string()) required.insert(x.get<std::string>());
            if (auto props = schema->find("properties");
                props != schema->end() && props->is_object())
                for (const auto& [k, v] : props->items())
                    params += (params.empty() ? "" : ", ") + std::string("<code>") +
                              html_escape(k) + "</code>" + (required.count(k) ? "*" : "");
        }
    }
    return "<tr><td><code>" + html_escape(t.name) + "</code></td><td>" + html_escape(description) +
           "</td><td>" + params + "</td></tr>\n";
}

std::string tools(const formats::IndexEntry& e) {
    if (e.kind != formats::Kind::McpServer && !e.tools) return "";
    std::string h = "<h2 id=\"tools\">Tools</h2>\n";
    if (!e.tools)
        return h +
               "<p class=\"muted\">Tools not pinned: the publisher did not record this "
               "server's tools (<code>nxp repo build --pin-tools</code>).</p>\n";
    if (e.tools->empty()) return h + "<p>Pinned: this server offers no tools.</p>\n";
    h += "<p>Pinned in the signed index: the install health check must answer exactly these "
         "(* a required parameter).</p>\n<table>\n<thead><tr><th>Tool</th><th>Description</th>"
         "<th>Parameters</th></tr></thead>\n<tbody>\n";
    for (const auto& t : *e.tools) h += tool_row(t);
    return h + "</tbody>\n</table>\n";
}

std::string config(const formats::IndexEntry& e) {
    std::string h = "<h2 id=\"config\">Configuration</h2>\n";
    if (e.config.empty()) return h + "<p>No configuration keys.</p>\n";
    h += "<table>\n<thead><tr><th>Key</th><th>Type</th><th>Default</th><th>Required</th>"
         "<th>Secret</th><th>Passed as</th><th>Description</th></tr></thead>\n<tbody>\n";
    for (const auto& [key, k] : e.config) {
        std::string type(formats::config_type_name(k.type));
        if (k.type == formats::ConfigType::Array) type += " of " + k.items;
        if (k.type == formats::ConfigType::Enum) {
            std::string values;
            for (const auto& v : k.values) values += (values.empty() ? "" : ", ") + v;
            type += ": " + values;
        }
        std::string passed = "—";
        if (!k.env.empty()) passed = "env " + k.env;
        if (!k.arg.empty())
            passed = "argument (" + k.arg +
                     (k.position ? " at " + std::to_string(*k.position) : std::string()) + ")";
        h += "<tr><td><code>" + html_escape(key) + "</code></td><td>" + html_escape(type) +
             "</td><td>" +
             (k.default_json ? "<code>" + html_escape(*k.default_json) + "</code>" : "—") +
             "</td><td>" + (k.required ? "required" : "optional") + "</td><td>" +
             (k.secret ? "<span class=\"secret\">secret</span>" : "no") + "</td><td>" +
             html_escape(passed) + "</td><td>" + html_escape(k.description) + "</td></tr>\n";
    }
    return h + "</tbody>\n</table>\n";
}

std::string permissions(const formats::IndexEntry& e) {
    const auto& p = e.permissions;
    std::string h = "<h2 id=\"permissions\">Permissions</h2>\n";
    if (p.empty())
        return h + "<p>None: no network, no files outside its own tree, no environment.</p>\n";
    h += "<table>\n";
    auto list = [](const std::vector<std::string>& items) {
        std::string out;
        for (const auto& i : items) out += "<li><code>" + html_escape(i) + "</code></li>";
        return out.empty() ? std::string("none") : "<ul>" + out + "</ul>";
    };
    std::vector<std::string> fs;
    for (const auto& f : p.filesystem) fs.push_back(f.path + " (" + f.access + ")");
    h += row("Network hosts", list(p.network)) + row("Filesystem", list(fs)) +
         row("Environment", list(p.env));
    return h + "</table>\n";
}

std::string dependencies(const formats::IndexEntry& e) {
    std::string rows;
    auto add = [&](const char* what, const auto& deps) {
        std::string items;
        for (const auto& d : deps) items += "<li><code>" + html_escape(d.str()) + "</code></li>";
        if (!items.empty()) rows += row(what, "<ul>" + items + "</ul>");
    };
    add("Requires", e.requires_);
    add("Recommends", e.recommends);
    add("Conflicts", e.conflicts);
    add("Provides", e.provides);
    add("Replaces", e.replaces);
    std::string h = "<h2 id=\"dependencies\">Dependencies</h2>\n";
    return rows.empty() ? h + "<p>None.</p>\n" : h + "<table>\n" + rows + "</table>\n";
}

std::string versions(const Catalogue& c, const Plugin& p) {
    std::string h =
        "<h2 id=\"versions\">Versions</h2>\n<table>\n<thead><tr><th>Version</th><th>Size</th>"
        "<th>Status</th><th>Install</th><th>Download</th></tr></thead>\n<tbody>\n";
    for (const auto* e : p.versions) {
        const std::string v = html_escape(e->version.str());
        h += std::string(c.is_revoked(*e) ? "<tr class=\"revoked\">" : "<tr>") + "<td>" + v +
             "</td><td>" + formats::human_size(e->size) + "</td><td class=\"status\">" +
             status_html(c, *e, "../index.html") + "</td><td><code>nxp install " +
             html_escape(p.name) + "@" + v + "</code></td><td><a href=\"../" +
             html_escape(e->path) + "\">.nxp</a><br><code>sha256 " + html_escape(e->sha256) +
             "</code></td></tr>\n";
    }
    return h + "</tbody>\n</table>\n";
}

}  // namespace

std::string plugin_page(const Catalogue& c, const Plugin& p) {
    const auto& e = *p.shown;
    const std::string name = html_escape(p.name);
    std::string h = page_head(name + " — " + html_escape(c.index->repo), "");
    h += "<p><a href=\"../index.html\">← " + html_escape(c.index->repo) + "</a></p>\n<h1>" + name +
         " <span class=\"kind\">" + html_escape(formats::kind_name(e.kind)) + "</span></h1>\n<p>" +
         html_escape(e.summary) + "</p>\n";
    h += about(c, p) + install(c, p) + tools(e) + config(e) + permissions(e) + dependencies(e) +
         versions(c, p);
    return h + "</body>\n</html>\n";
}

}  // namespace nxp::repo::html
