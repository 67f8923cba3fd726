#include "repo/oci.hpp"

#include <curl/curl.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "formats/index.hpp"
#include "repo/curl_util.hpp"
#include "repo/digest.hpp"
#include "repo/keys.hpp"
#include "repo/repository.hpp"
#include "repo/trust.hpp"

namespace nxp::repo::oci {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::uint64_t kMaxTokenBytes = 64 * 1024;
constexpr std::uint64_t kMaxErrorBodyBytes = 64 * 1024;
constexpr std::string_view kEmptyDigest =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
constexpr auto kManifestTtl = std::chrono::seconds(60);

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool is_hex64(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

bool valid_digest(std::string_view d) {
    return d.rfind("sha256:", 0) == 0 && is_hex64(d.substr(7));
}

bool loopback(std::string_view host_port) {
    std::string_view host = host_port;
    if (!host.empty() && host.front() == '[') {
        host = host.substr(
            1, host.find(']') == std::string_view::npos ? host.size() : host.find(']') - 1);
        return host == "::1";
    }
    if (auto c = host.find(':'); c != std::string_view::npos) host = host.substr(0, c);
    if (lower(host) == "localhost") return true;
    // 127.0.0.0/8 written as a dotted quad.
    int parts = 0;
    std::size_t i = 0;
    std::string first;
    while (i <= host.size()) {
        std::size_t j = host.find('.', i);
        if (j == std::string_view::npos) j = host.size();
        auto part = host.substr(i, j - i);
        if (part.empty() || part.size() > 3 ||
            !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
            std::stoi(std::string(part)) > 255)
            return false;
        if (parts == 0) first = std::string(part);
        ++parts;
        i = j + 1;
    }
    return parts == 4 && first == "127";
}

bool valid_host(std::string_view h) {
    if (h.empty() || h.size() > 255) return false;
    std::string_view name = h;
    std::string_view port;
    if (h.front() == '[') {
        auto close = h.find(']');
        if (close == std::string_view::npos) return false;
        auto inside = h.substr(1, close - 1);
        if (inside.empty() || !std::all_of(inside.begin(), inside.end(), [](char c) {
                return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
            }))
            return false;
        auto rest = h.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return false;
            port = rest.substr(1);
            if (port.empty()) return false;
        }
        name = {};
    } else if (auto c = h.find(':'); c != std::string_view::npos) {
        name = h.substr(0, c);
        port = h.substr(c + 1);
        if (port.empty()) return false;
    }
    if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        port.size() > 5)
        return false;
    if (h.front() != '[' && name.empty()) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
    });
}

bool valid_repository(std::string_view p) {
    if (p.empty() || p.size() > 255 || p.front() == '/' || p.back() == '/') return false;
    std::size_t i = 0;
    while (i <= p.size()) {
        std::size_t j = p.find('/', i);
        if (j == std::string_view::npos) j = p.size();
        auto part = p.substr(i, j - i);
        if (part.empty() || part == "." || part == ".." ||
            !std::isalnum(static_cast<unsigned char>(part.front())) ||
            !std::isalnum(static_cast<unsigned char>(part.back())))
            return false;
        for (char c : part)
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-'))
                return false;
        i = j + 1;
    }
    return true;
}

bool valid_tag(std::string_view t) {
    if (t.empty() || t.size() > 128) return false;
    if (!(std::isalnum(static_cast<unsigned char>(t.front())) || t.front() == '_')) return false;
    return std::all_of(t.begin(), t.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    });
}

std::string base64(std::string_view s) {
    std::string out(sodium_base64_encoded_len(s.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()),
                      s.size(), sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::strlen(out.c_str()));
    return out;
}

std::optional<std::string> unbase64(std::string_view s) {
    std::string out(s.size(), '\0');
    std::size_t len = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), s.data(),
                          s.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
        return std::nullopt;
    out.resize(len);
    return out;
}

std::string url_escape(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

// ---- HTTP ----------------------------------------------------------------------------

struct Request {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;
    std::string body;                              // sent with POST/PUT when body_file is empty
    fs::path body_file;                            // sent with PUT
    std::uint64_t max_bytes = kMaxErrorBodyBytes;  // response body cap
    bool follow = true;
};

struct Response {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names, last value
    std::vector<std::string> challenges;         // every WWW-Authenticate value
};

struct Transfer {
    std::string* body;
    std::uint64_t max_bytes;
    bool too_large = false;
    Response* response;
};

std::size_t on_body(char* p, std::size_t size, std::size_t n, void* ud) {
    auto* t = static_cast<Transfer*>(ud);
    const std::size_t len = size * n;
    if (t->body->size() + len > t->max_bytes) {
        t->too_large = true;
        return 0;
    }
    t->body->append(p, len);
    return len;
}

std::size_t on_header(char* p, std::size_t size, std::size_t n, void* ud) {
    auto* r = static_cast<Response*>(ud);
    const std::size_t len = size * n;
    std::string_view line(p, len);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect): start over
        r->headers.clear();
        r->challenges.clear();
        return len;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return len;
    std::string name = lower(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    if (r->headers.size() < 200) r->headers[name] = std::string(value.substr(0, 8192));
    if (name == "www-authenticate" && r->challenges.size() < 16)
        r->challenges.emplace_back(value.substr(0, 8192));
    return len;
}

struct SlistFree {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

Result<Response> send(const Request& rq, const FetchLimits& limits) {
    detail::Easy easy = detail::make_easy();
    if (easy.get() == nullptr) return fail(ErrorKind::Internal, rq.url, "curl_easy_init failed");
    CURL* h = easy.get();
    std::array<char, CURL_ERROR_SIZE> errbuf{};
    FetchLimits capped = limits;
    capped.max_bytes = rq.max_bytes;
    detail::apply_limits(h, rq.url, capped, errbuf.data());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 0L);  // the status (401 …) is read here
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, rq.follow ? 1L : 0L);
    Response resp;
    Transfer t{&resp.body, rq.max_bytes, false, &resp};
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &resp);
    std::unique_ptr<curl_slist, SlistFree> headers;
    for (const auto& hd : rq.headers) {
        curl_slist* next = curl_slist_append(headers.get(), hd.c_str());
        if (next == nullptr) return fail(ErrorKind::Internal, rq.url, "out of memory");
        (void)headers.release();
        headers.reset(next);
    }
    // Uploads: no "Expect: 100-continue" round trip.
    curl_slist* next = curl_slist_append(headers.get(), "Expect:");
    if (next != nullptr) {
        (void)headers.release();
        headers.reset(next);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    detail::OutFile in(rq.body_file.empty() ? fs::path("/dev/null") : rq.body_file, "rb");
    if (rq.method == "HEAD") {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (!rq.body_file.empty()) {
        if (in.get() == nullptr)
            return fail(ErrorKind::Io, rq.body_file.string(), "cannot open file");
        std::error_code ec;
        const auto size = fs::file_size(rq.body_file, ec);
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READDATA, in.get());
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq.method.c_str());
    } else if (rq.method != "GET") {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq.body.data());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(rq.body.size()));
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq.method.c_str());
    }
    const CURLcode rc = curl_easy_perform(h);
    resp.status = detail::http_status(h);
    if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        if (resp.status >= 400) return resp;  // an oversized error page: the status is enough
        return fail(ErrorKind::Network, rq.url,
                    "response exceeds the limit of " + std::to_string(rq.max_bytes) + " bytes");
    }
    if (rc != CURLE_OK)
        return tl::unexpected(detail::describe_failure(h, rc, rq.url, errbuf.data()));
    return resp;
}

// The registry's own words for a failed request ({"errors":[{"code","message"}]}), if any.
std::string registry_says(const Response& r) {
    auto doc = json::parse(r.body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("errors") ||
        !doc["errors"].is_array() || doc["errors"].empty())
        return {};
    const auto& e = doc["errors"][0];
    std::string out;
    if (e.is_object() && e.contains("code") && e["code"].is_string())
        out = e["code"].get<std::string>();
    if (e.is_object() && e.contains("message") && e["message"].is_string())
        out += (out.empty() ? "" : ": ") + e["message"].get<std::string>();
    if (out.size() > 200) out.resize(200);
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    return out;
}

Error status_error(const Response& r, const std::string& what) {
    const std::string says = registry_says(r);
    const ErrorKind kind =
        (r.status == 404 || r.status == 410) ? ErrorKind::NotFound : ErrorKind::Network;
    return {kind, what,
            "HTTP status " + std::to_string(r.status) + (says.empty() ? "" : " (" + says + ")")};
}

// ---- auth ----------------------------------------------------------------------------

// Authorization header values, per registry, repository and actions, for this process.
struct AuthCache {
    std::mutex mu;
    std::map<std::string, std::string> values;
};
AuthCache& auth_cache() {
    static AuthCache c;
    return c;
}

class Session {
  public:
    Session(Reference ref, std::string actions, FetchLimits limits)
        : ref_(std::move(ref)), actions_(std::move(actions)), limits_(limits) {
        std::lock_guard lock(auth_cache().mu);
        auto it = auth_cache().values.find(key());
        if (it != auth_cache().values.end()) auth_ = it->second, known_ = true;
    }

    const Reference& ref() const { return ref_; }
    const std::string& authorization() const { return auth_; }
    bool known() const { return known_; }

    // Sends `rq` with the current authorization; on 401, answers the challenge once and
    // sends it again.
    Result<Response> request(Request rq) {
        Request first = rq;
        if (!auth_.empty()) first.headers.push_back("Authorization: " + auth_);
        auto r = send(first, limits_);
        if (!r || r->status != 401) return r;
        if (auto a = authenticate(*r); !a) return tl::unexpected(a.error());
        rq.headers.push_back("Authorization: " + auth_);
        auto again = send(rq, limits_);
        if (again && again->status == 401)
            return fail(
                ErrorKind::Network, where(),
                "the registry refused the credentials" + credential_source() + " (HTTP 401" +
                    (registry_says(*again).empty() ? "" : ", " + registry_says(*again)) + ")");
        return again;
    }

    // Makes sure the authorization is known, probing with a HEAD of `url` when not.
    Result<void> prepare(const std::string& url) {
        if (known_) return {};
        Request rq;
        rq.method = "HEAD";
        rq.url = url;
        rq.follow = false;
        auto r = send(rq, limits_);
        if (!r) return tl::unexpected(in_context(r.error(), where()));
        if (r->status == 401) return authenticate(*r);
        remember("");
        return {};
    }

    std::string where() const {
        return "registry " + ref_.host + ", repository " + ref_.repository;
    }

  private:
    std::string key() const { return ref_.host + "/" + ref_.repository + " " + actions_; }

    void remember(std::string value) {
        auth_ = std::move(value);
        known_ = true;
        std::lock_guard lock(auth_cache().mu);
        auth_cache().values[key()] = auth_;
    }

    std::string credential_source() const {
        if (!creds_)
            return " (no credentials: set NXP_OCI_USERNAME and NXP_OCI_PASSWORD or "
                   "log in with docker login)";
        return " given for " + ref_.host;
    }

    Result<void> authenticate(const Response& r) {
        creds_ = credentials_for(ref_.host);
        std::optional<Challenge> bearer, basic;
        for (const auto& value : r.challenges)
            for (auto& c : parse_challenges(value)) {
                if (c.scheme == "bearer" && !bearer) bearer = c;
                if (c.scheme == "basic" && !basic) basic = c;
            }
        if (bearer) return bearer_token(*bearer);
        if (basic) {
            if (!creds_)
                return fail(ErrorKind::Network, where(),
                            "the registry asks for credentials (HTTP 401); set NXP_OCI_USERNAME "
                            "and NXP_OCI_PASSWORD or log in with docker login");
            remember("Basic " + base64(creds_->username + ":" + creds_->password));
            return {};
        }
        return fail(ErrorKind::Network, where(),
                    "HTTP 401 without a Bearer or Basic WWW-Authenticate challenge");
    }

    Result<void> bearer_token(const Challenge& c) {
        auto realm_it = c.params.find("realm");
        if (realm_it == c.params.end() || realm_it->second.empty())
            return fail(ErrorKind::Network, where(), "the Bearer challenge names no realm");
        const std::string& realm = realm_it->second;
        const std::string realm_lower = lower(realm);
        const bool https = realm_lower.rfind("https://", 0) == 0;
        const bool http = realm_lower.rfind("http://", 0) == 0;
        if (!https && !http)
            return fail(ErrorKind::Network, where(),
                        "the token realm is not an http(s) URL: " + realm.substr(0, 200));
        if (http) {  // credentials and tokens over plain HTTP: only on this machine
            auto rest = realm.substr(7);
            auto host = rest.substr(0, rest.find_first_of("/?#"));
            if (!loopback(host))
                return fail(ErrorKind::Network, where(),
                            "the token realm " + realm.substr(0, 200) +
                                " is plain HTTP on another host; refusing to send credentials");
        }
        std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
        bool first = true;
        auto add = [&](const std::string& k, const std::string& v) {
            url += (first ? "" : "&") + k + "=" + url_escape(v);
            first = false;
        };
        if (auto s = c.params.find("service"); s != c.params.end()) add("service", s->second);
        // The scope this session needs, and the one the challenge names when it differs
        // (token services take several).
        const std::string scope = "repository:" + ref_.repository + ":" + actions_;
        add("scope", scope);
        if (auto s = c.params.find("scope");
            s != c.params.end() && !s->second.empty() && s->second != scope)
            add("scope", s->second);
        Request rq;
        rq.url = url;
        rq.max_bytes = kMaxTokenBytes;
        if (creds_)
            rq.headers.push_back("Authorization: Basic " +
                                 base64(creds_->username + ":" + creds_->password));
        auto r = send(rq, limits_);
        if (!r) return tl::unexpected(in_context(r.error(), where() + ": token service"));
        if (r->status == 401 || r->status == 403)
            return fail(ErrorKind::Network, where(),
                        "the token service " + realm.substr(0, 200) + " refused the credentials" +
                            credential_source() + " (HTTP " + std::to_string(r->status) + ")");
        if (r->status != 200)
            return fail(ErrorKind::Network, where(),
                        "the token service " + realm.substr(0, 200) + " answered HTTP " +
                            std::to_string(r->status));
        auto doc = json::parse(r->body, nullptr, false);
        std::string token;
        if (doc.is_object()) {
            for (const char* k : {"token", "access_token"})
                if (doc.contains(k) && doc[k].is_string() && !doc[k].get<std::string>().empty()) {
                    token = doc[k].get<std::string>();
                    break;
                }
        }
        if (token.empty())
            return fail(ErrorKind::Network, where(),
                        "the token service " + realm.substr(0, 200) +
                            " sent no token (expected JSON with \"token\" or \"access_token\")");
        if (!std::all_of(token.begin(), token.end(),
                         [](char ch) { return ch > 0x20 && ch < 0x7f; }))
            return fail(ErrorKind::Network, where(),
                        "the token service " + realm.substr(0, 200) + " sent a malformed token");
        remember("Bearer " + token);
        return {};
    }

    Reference ref_;
    std::string actions_;
    FetchLimits limits_;
    std::string auth_;
    bool known_ = false;
    std::optional<Credentials> creds_;
};

// ---- pull ----------------------------------------------------------------------------

struct CachedManifest {
    Manifest manifest;
    std::chrono::steady_clock::time_point at;
};
struct ManifestCache {
    std::mutex mu;
    std::map<std::string, CachedManifest> entries;
};
ManifestCache& manifest_cache() {
    static ManifestCache c;
    return c;
}

std::string accept_header() {
    return "Accept: " + std::string(kManifestType) +
           ", application/vnd.docker.distribution.manifest.v2+json";
}

Result<Manifest> fetch_manifest(Session& s) {
    const std::string name = s.ref().str();
    {
        std::lock_guard lock(manifest_cache().mu);
        auto it = manifest_cache().entries.find(name);
        if (it != manifest_cache().entries.end() &&
            std::chrono::steady_clock::now() - it->second.at < kManifestTtl)
            return it->second.manifest;
    }
    Request rq;
    rq.url = s.ref().manifest_url();
    rq.headers.push_back(accept_header());
    // Its own cap: `limits` is the cap of the file asked for (4 KiB for a signature).
    rq.max_bytes = kMaxManifestBytes;
    auto r = s.request(rq);
    if (!r) return tl::unexpected(in_context(r.error(), name));
    if (r->status != 200) return tl::unexpected(status_error(*r, name + " (" + s.where() + ")"));
    auto m = parse_manifest(r->body, name);
    if (!m) return m;
    std::lock_guard lock(manifest_cache().mu);
    manifest_cache().entries[name] = {*m, std::chrono::steady_clock::now()};
    return m;
}

Result<std::string> fetch_blob(Session& s, const Descriptor& d, const std::string& what,
                               const FetchLimits& limits) {
    if (d.size > limits.max_bytes)
        return fail(ErrorKind::Network, what,
                    "the manifest says " + std::to_string(d.size) + " bytes, over the limit of " +
                        std::to_string(limits.max_bytes) + " bytes");
    Request rq;
    rq.url = s.ref().blob_url(d.digest);
    rq.max_bytes = d.size;
    auto r = s.request(rq);
    if (!r) {
        Error e = r.error();
        if (e.message.find("exceeds the limit") != std::string::npos) {
            return fail(ErrorKind::Verification, what,
                        s.where() + " sent more than the " + std::to_string(d.size) + " bytes of " +
                            d.digest + "; cut off");
        }
        return tl::unexpected(in_context(e, what));
    }
    if (r->status != 200) return tl::unexpected(status_error(*r, what + " (" + s.where() + ")"));
    const std::string actual = "sha256:" + sha256_hex(r->body);
    if (actual != d.digest || r->body.size() != d.size)
        return fail(ErrorKind::Verification, what,
                    s.where() + " served other bytes for blob " + d.digest + " (" +
                        std::to_string(r->body.size()) + " bytes with " + actual + "); refused");
    return std::move(r->body);
}

}  // namespace

// ---- public --------------------------------------------------------------------------

bool is_oci(std::string_view url) { return lower(url.substr(0, 6)) == "oci://"; }

std::string Reference::endpoint() const { return (plain_http ? "http://" : "https://") + host; }
std::string Reference::str() const { return "oci://" + host + "/" + repository + ":" + tag; }
std::string Reference::manifest_url() const {
    return endpoint() + "/v2/" + repository + "/manifests/" + tag;
}
std::string Reference::blob_url(std::string_view digest) const {
    return endpoint() + "/v2/" + repository + "/blobs/" + std::string(digest);
}

Result<Reference> parse_reference(std::string_view url) {
    const std::string shown(url.substr(0, url.find('#')));
    auto bad = [&](const std::string& why) {
        return fail(ErrorKind::Usage, shown, why + "; expected oci://HOST[:PORT]/PATH[:TAG]");
    };
    if (!is_oci(url)) return bad("not an oci:// URL");
    std::string_view rest = std::string_view(shown).substr(6);
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) return bad("no repository path");
    Reference ref;
    ref.host = lower(rest.substr(0, slash));
    if (ref.host.find('@') != std::string::npos)
        return bad(
            "credentials do not belong in the URL (use NXP_OCI_USERNAME and "
            "NXP_OCI_PASSWORD, or docker login)");
    if (!valid_host(ref.host)) return bad("invalid registry host '" + ref.host + "'");
    std::string_view path = rest.substr(slash + 1);
    const auto last_slash = path.rfind('/');
    const auto colon = path.find(':', last_slash == std::string_view::npos ? 0 : last_slash);
    if (colon != std::string_view::npos) {
        ref.tag = std::string(path.substr(colon + 1));
        path = path.substr(0, colon);
        if (!valid_tag(ref.tag)) return bad("invalid tag '" + ref.tag + "'");
    }
    if (path.find('@') != std::string_view::npos)
        return bad("digest references (@sha256:…) are not supported; name a tag");
    if (!valid_repository(path))
        return bad("invalid repository path '" + std::string(path) +
                   "' (lower-case letters, digits, '.', '_', '-', separated by '/')");
    ref.repository = std::string(path);
    ref.plain_http = loopback(ref.host);
    return ref;
}

std::string join(std::string_view base, std::string_view relative) {
    base = base.substr(0, base.find('#'));
    while (!base.empty() && base.back() == '/') base.remove_suffix(1);
    while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
    return std::string(base) + "#" + std::string(relative);
}

std::vector<Challenge> parse_challenges(std::string_view h) {
    std::vector<Challenge> out;
    std::size_t i = 0;
    auto skip_ws = [&] {
        while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
    };
    auto token = [&] {
        std::size_t start = i;
        while (i < h.size() && h[i] != ' ' && h[i] != '\t' && h[i] != '=' && h[i] != ',') ++i;
        return std::string(h.substr(start, i - start));
    };
    while (i < h.size() && out.size() < 16) {
        skip_ws();
        while (i < h.size() && h[i] == ',') ++i, skip_ws();
        if (i >= h.size()) break;
        std::string scheme = token();
        if (scheme.empty()) {
            ++i;
            continue;
        }
        Challenge c;
        c.scheme = lower(scheme);
        // Parameters: name=value or name="value", separated by commas, until the next scheme.
        while (i < h.size()) {
            skip_ws();
            std::size_t save = i;
            std::string name = token();
            skip_ws();
            if (name.empty() || i >= h.size() || h[i] != '=') {
                i = save;  // a new scheme (or token68 data) starts here
                if (name.empty() && i < h.size() && h[i] == ',') {
                    ++i;
                    continue;
                }
                break;
            }
            ++i;  // '='
            skip_ws();
            std::string value;
            if (i < h.size() && h[i] == '"') {
                ++i;
                while (i < h.size() && h[i] != '"') {
                    if (h[i] == '\\' && i + 1 < h.size()) ++i;
                    value += h[i++];
                }
                if (i < h.size()) ++i;  // closing quote
            } else {
                std::size_t start = i;
                while (i < h.size() && h[i] != ',' && h[i] != ' ' && h[i] != '\t') ++i;
                value = std::string(h.substr(start, i - start));
            }
            c.params[lower(name)] = value;
            skip_ws();
            if (i < h.size() && h[i] == ',') ++i;
        }
        out.push_back(std::move(c));
    }
    return out;
}

const Descriptor* Manifest::layer(std::string_view title) const {
    for (const auto& l : layers)
        if (l.title == title) return &l;
    return nullptr;
}

Result<Manifest> parse_manifest(std::string_view text, std::string_view source) {
    const std::string src(source);
    auto doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return fail(ErrorKind::Invalid, src, "the manifest is not a JSON object");
    auto field = [&](const std::string& f) { return src + ": " + f; };
    if (!doc.contains("schemaVersion") || !doc["schemaVersion"].is_number_integer() ||
        doc["schemaVersion"].get<long long>() != 2)
        return fail(ErrorKind::Invalid, field("schemaVersion"), "expected 2");
    if (doc.contains("mediaType")) {
        if (!doc["mediaType"].is_string() || doc["mediaType"].get<std::string>() != kManifestType)
            return fail(ErrorKind::Invalid, field("mediaType"),
                        "expected " + std::string(kManifestType) +
                            " (an image index or another kind of manifest is not an nxp "
                            "repository)");
    }
    Manifest m;
    if (doc.contains("artifactType")) {
        if (!doc["artifactType"].is_string())
            return fail(ErrorKind::Invalid, field("artifactType"), "expected a string");
        m.artifact_type = doc["artifactType"].get<std::string>();
        if (m.artifact_type != kArtifactType)
            return fail(ErrorKind::Invalid, field("artifactType"),
                        "'" + m.artifact_type.substr(0, 100) + "' is not an nxp repository (" +
                            std::string(kArtifactType) + ")");
    }
    auto descriptor = [&](const json& d, const std::string& where) -> Result<Descriptor> {
        if (!d.is_object()) return fail(ErrorKind::Invalid, field(where), "expected an object");
        Descriptor out;
        if (!d.contains("mediaType") || !d["mediaType"].is_string())
            return fail(ErrorKind::Invalid, field(where + ".mediaType"), "expected a string");
        out.media_type = d["mediaType"].get<std::string>();
        if (!d.contains("digest") || !d["digest"].is_string() ||
            !valid_digest(d["digest"].get<std::string>()))
            return fail(ErrorKind::Invalid, field(where + ".digest"),
                        "expected sha256: and 64 lower-case hex digits");
        out.digest = d["digest"].get<std::string>();
        if (!d.contains("size") || !d["size"].is_number_unsigned())
            return fail(ErrorKind::Invalid, field(where + ".size"),
                        "expected a non-negative integer");
        out.size = d["size"].get<std::uint64_t>();
        if (d.contains("annotations")) {
            const auto& a = d["annotations"];
            if (!a.is_object())
                return fail(ErrorKind::Invalid, field(where + ".annotations"),
                            "expected an object");
            if (a.contains(kTitle)) {
                if (!a[std::string(kTitle)].is_string())
                    return fail(ErrorKind::Invalid,
                                field(where + ".annotations." + std::string(kTitle)),
                                "expected a string");
                out.title = a[std::string(kTitle)].get<std::string>();
            }
        }
        return out;
    };
    if (!doc.contains("config")) return fail(ErrorKind::Invalid, field("config"), "missing");
    auto config = descriptor(doc["config"], "config");
    if (!config) return tl::unexpected(config.error());
    m.config = *config;
    if (!doc.contains("layers") || !doc["layers"].is_array())
        return fail(ErrorKind::Invalid, field("layers"), "expected an array");
    std::set<std::string> titles;
    std::size_t i = 0;
    for (const auto& l : doc["layers"]) {
        const std::string where = "layers[" + std::to_string(i++) + "]";
        auto d = descriptor(l, where);
        if (!d) return tl::unexpected(d.error());
        if (!d->title.empty() && !titles.insert(d->title).second)
            return fail(ErrorKind::Invalid, field(where + ".annotations." + std::string(kTitle)),
                        "'" + d->title.substr(0, 200) + "' appears twice");
        m.layers.push_back(std::move(*d));
    }
    return m;
}

std::string make_manifest(const std::vector<Descriptor>& layers) {
    json doc = json::object();
    doc["schemaVersion"] = 2;
    doc["mediaType"] = kManifestType;
    doc["artifactType"] = kArtifactType;
    doc["config"] = {
        {"mediaType", kEmptyType}, {"digest", kEmptyDigest}, {"size", 2}, {"data", "e30="}};
    json arr = json::array();
    for (const auto& l : layers) {
        json d = {{"mediaType", l.media_type}, {"digest", l.digest}, {"size", l.size}};
        if (!l.title.empty()) d["annotations"] = {{std::string(kTitle), l.title}};
        arr.push_back(std::move(d));
    }
    doc["layers"] = std::move(arr);
    return doc.dump();
}

std::optional<Credentials> credentials_for(std::string_view host) {
    const char* u = std::getenv("NXP_OCI_USERNAME");
    const char* p = std::getenv("NXP_OCI_PASSWORD");
    if (u != nullptr && *u != '\0') return Credentials{u, p != nullptr ? p : ""};
    fs::path file;
    if (const char* d = std::getenv("DOCKER_CONFIG"); d != nullptr && *d != '\0')
        file = fs::path(d) / "config.json";
    else if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0')
        file = fs::path(h) / ".docker" / "config.json";
    if (file.empty()) return std::nullopt;
    std::ifstream in(file);
    if (!in) return std::nullopt;
    std::string text;
    text.resize(1 << 20);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    auto doc = json::parse(text, nullptr, false);
    if (!doc.is_object() || !doc.contains("auths") || !doc["auths"].is_object())
        return std::nullopt;
    for (const auto& [key, value] : doc["auths"].items()) {
        // Keys are "HOST", "https://HOST", "https://HOST/v1/" …
        std::string_view k = key;
        if (auto s = k.find("://"); s != std::string_view::npos) k = k.substr(s + 3);
        k = k.substr(0, k.find('/'));
        if (lower(k) != host) continue;
        if (!value.is_object() || !value.contains("auth") || !value["auth"].is_string()) continue;
        auto decoded = unbase64(value["auth"].get<std::string>());
        if (!decoded) continue;
        auto colon = decoded->find(':');
        if (colon == std::string::npos) continue;
        return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
    }
    return std::nullopt;
}

Result<std::string> fetch_named(const std::string& url, const FetchLimits& limits) {
    if (sodium_init() < 0) return fail(ErrorKind::Internal, url, "libsodium unavailable");
    auto ref = parse_reference(url);
    if (!ref) return tl::unexpected(ref.error());
    const auto hash = url.find('#');
    const std::string name = hash == std::string::npos ? "" : url.substr(hash + 1);
    Session s(*ref, "pull", limits);
    auto m = fetch_manifest(s);
    if (!m) return tl::unexpected(m.error());
    const Descriptor* d = m->layer(name);
    if (d == nullptr)
        return fail(ErrorKind::NotFound, url, "the artifact has no layer titled " + name);
    return fetch_blob(s, *d, url, limits);
}

Result<DownloadTarget> blob_target(std::string_view base, std::string_view sha256_hex,
                                   const FetchLimits& limits) {
    auto ref = parse_reference(base);
    if (!ref) return tl::unexpected(ref.error());
    if (!is_hex64(sha256_hex))
        return fail(ErrorKind::Invalid, ref->str(),
                    "not a sha256 digest: " + std::string(sha256_hex));
    const std::string digest = "sha256:" + std::string(sha256_hex);
    Session s(*ref, "pull", limits);
    if (auto r = s.prepare(ref->blob_url(digest)); !r) return tl::unexpected(r.error());
    DownloadTarget t;
    t.url = ref->blob_url(digest);
    if (!s.authorization().empty()) t.headers.push_back("Authorization: " + s.authorization());
    return t;
}

void forget_authorization(std::string_view base) {
    auto ref = parse_reference(base);
    if (!ref) return;
    const std::string prefix = ref->host + "/" + ref->repository + " ";
    std::lock_guard lock(auth_cache().mu);
    auto& values = auth_cache().values;
    for (auto it = values.begin(); it != values.end();)
        it = it->first.rfind(prefix, 0) == 0 ? values.erase(it) : std::next(it);
}

// ---- push ----------------------------------------------------------------------------

namespace {

std::string media_type_of(const std::string& name) {
    if (name == "index.json.zst") return "application/vnd.nxp.index.v1+zstd";
    if (name.rfind("keys/", 0) == 0)
        return name.find(".minisig") != std::string::npos ? "application/vnd.nxp.signature.v1"
                                                          : "application/vnd.nxp.keys.v1+json";
    if (name.find(".minisig") != std::string::npos) return "application/vnd.nxp.signature.v1";
    if (name == "index.html") return "text/html";
    return "application/vnd.nxp.package.v1";
}

// An upload location may be relative to the registry.
std::string absolute_location(const Reference& ref, const std::string& loc) {
    if (lower(loc).rfind("http://", 0) == 0 || lower(loc).rfind("https://", 0) == 0) return loc;
    return ref.endpoint() + (loc.empty() || loc.front() != '/' ? "/" : "") + loc;
}

Result<bool> push_blob(Session& s, const std::string& what, const std::string& digest,
                       const fs::path& file, const std::string& bytes) {
    Request head;
    head.method = "HEAD";
    head.url = s.ref().blob_url(digest);
    auto h = s.request(head);
    if (!h) return tl::unexpected(in_context(h.error(), what));
    if (h->status == 200) return false;  // already there
    Request post;
    post.method = "POST";
    post.url = s.ref().endpoint() + "/v2/" + s.ref().repository + "/blobs/uploads/";
    auto started = s.request(post);
    if (!started) return tl::unexpected(in_context(started.error(), what));
    if (started->status != 202 || !started->headers.count("location"))
        return tl::unexpected(
            status_error(*started, what + ": starting the upload (" + s.where() + ")"));
    std::string loc = absolute_location(s.ref(), started->headers["location"]);
    loc += (loc.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") +
           url_escape(digest);
    Request put;
    put.method = "PUT";
    put.url = loc;
    put.headers.push_back("Content-Type: application/octet-stream");
    if (file.empty())
        put.body = bytes;
    else
        put.body_file = file;
    auto done = s.request(put);
    if (!done) return tl::unexpected(in_context(done.error(), what));
    if (done->status != 201)
        return tl::unexpected(
            status_error(*done, what + ": uploading " + digest + " (" + s.where() + ")"));
    return true;
}

}  // namespace

Result<PushResult> push_repository(const fs::path& dir, std::string_view url,
                                   const std::function<void(const PushedBlob&)>& progress,
                                   const FetchLimits& limits) {
    if (sodium_init() < 0)
        return fail(ErrorKind::Internal, std::string(url), "libsodium unavailable");
    auto ref = parse_reference(url);
    if (!ref) return tl::unexpected(ref.error());
    // The repository's files: the signed index and its signatures, the key chain, the
    // packages the index lists (checked against it), the catalogue page.
    const fs::path index_file = dir / "index.json.zst";
    std::error_code ec;
    if (!fs::is_regular_file(index_file, ec))
        return fail(ErrorKind::NotFound, index_file.string(),
                    "not a repository directory (run nxp repo build first)");
    std::ifstream in(index_file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string raw = ss.str();
    auto text = zstd_decompress(raw, 512ULL << 20, index_file.string());
    if (!text) return tl::unexpected(text.error());
    auto index = formats::parse_index(*text);
    if (!index) return tl::unexpected(in_context(index.error(), index_file.string()));
    std::vector<std::pair<std::string, std::string>> files;  // name, sha256 expected ("" any)
    files.emplace_back("index.json.zst", "");
    for (std::size_t i = 0; i < kMaxSignatures; ++i) {
        std::string sig = signature_name("index.json.zst", i);
        if (!fs::is_regular_file(dir / sig, ec)) break;
        files.emplace_back(sig, "");
    }
    if (files.size() == 1)
        return fail(ErrorKind::NotFound, (dir / "index.json.zst.minisig").string(),
                    "the index is not signed");
    for (std::uint64_t n = 1; n < 100000; ++n) {
        const std::string k = "keys/" + std::to_string(n) + ".json";
        if (!fs::is_regular_file(dir / k, ec)) break;
        files.emplace_back(k, "");
        for (std::size_t i = 0; i < kMaxSignatures; ++i) {
            std::string sig = signature_name(k, i);
            if (!fs::is_regular_file(dir / sig, ec)) break;
            files.emplace_back(sig, "");
        }
    }
    if (fs::is_regular_file(dir / "index.html", ec)) files.emplace_back("index.html", "");
    std::set<std::string> seen;
    for (const auto& p : index->packages)
        if (seen.insert(p.path).second) files.emplace_back(p.path, p.sha256);

    Session s(*ref, "pull,push", limits);
    PushResult result;
    result.ref = *ref;
    std::vector<Descriptor> layers;
    for (const auto& [name, want] : files) {
        const fs::path file = dir / name;
        auto sha = sha256_file(file);
        if (!sha) return tl::unexpected(sha.error());
        if (!want.empty() && *sha != want)
            return fail(ErrorKind::Verification, file.string(),
                        "sha256 " + *sha + " is not the " + want +
                            " the signed index lists; rebuild the repository");
        Descriptor d;
        d.media_type = media_type_of(name);
        d.digest = "sha256:" + *sha;
        d.size = fs::file_size(file, ec);
        d.title = name;
        auto pushed = push_blob(s, file.string(), d.digest, file, {});
        if (!pushed) return tl::unexpected(pushed.error());
        PushedBlob b{name, d.digest, d.size, !*pushed};
        if (progress) progress(b);
        result.blobs.push_back(b);
        layers.push_back(std::move(d));
    }
    // The empty config.
    auto cfg = push_blob(s, "config", std::string(kEmptyDigest), {}, "{}");
    if (!cfg) return tl::unexpected(cfg.error());
    const std::string manifest = make_manifest(layers);
    Request put;
    put.method = "PUT";
    put.url = ref->manifest_url();
    put.body = manifest;
    put.headers.push_back("Content-Type: " + std::string(kManifestType));
    auto r = s.request(put);
    if (!r) return tl::unexpected(in_context(r.error(), ref->str()));
    if (r->status != 201)
        return tl::unexpected(status_error(*r, ref->str() + ": the manifest (" + s.where() + ")"));
    result.manifest_digest = "sha256:" + sha256_hex(manifest);
    result.manifest_size = manifest.size();
    {
        std::lock_guard lock(manifest_cache().mu);
        manifest_cache().entries.erase(ref->str());
    }
    return result;
}

}  // namespace nxp::repo::oci
