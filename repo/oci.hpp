#pragma once
// Repositories in OCI registries (DESIGN.md §4), read and written through the OCI
// distribution spec v1.1 API.
//
// oci://HOST[:PORT]/PATH[:TAG] names one artifact manifest (ORAS's layout: artifactType
// application/vnd.nxp.repository.v1, the empty config, one layer per repository file
// annotated org.opencontainers.image.title with its relative name: index.json.zst, its
// .minisig files, keys/N.json(.minisig) and packages/NAME-VERSION.nxp). The client reads the
// index files as layers by title and each package as the blob of the sha256 the signed
// index lists; every blob's bytes are checked against the digest asked for. Loopback hosts
// (localhost, 127.0.0.0/8, [::1]) are spoken to over plain HTTP, every other host over HTTPS.
// Credentials: NXP_OCI_USERNAME / NXP_OCI_PASSWORD, else auths[HOST].auth of Docker's
// config.json ($DOCKER_CONFIG/config.json, ~/.docker/config.json); never printed.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"
#include "repo/fetch.hpp"

namespace nxp::repo::oci {

inline constexpr std::string_view kArtifactType = "application/vnd.nxp.repository.v1";
inline constexpr std::string_view kManifestType = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kEmptyType = "application/vnd.oci.empty.v1+json";
inline constexpr std::string_view kTitle = "org.opencontainers.image.title";
inline constexpr std::uint64_t kMaxManifestBytes = 4ULL << 20;  // as registries allow

bool is_oci(std::string_view url);

struct Reference {
    std::string host;        // HOST or HOST:PORT ("[::1]:5000")
    std::string repository;  // PATH ("nxp/demo")
    std::string tag = "latest";
    bool plain_http = false;  // loopback hosts

    std::string endpoint() const;  // "https://HOST" or "http://HOST"
    std::string str() const;       // "oci://HOST/PATH:TAG"
    std::string manifest_url() const;
    std::string blob_url(std::string_view digest) const;  // digest: "sha256:HEX"
};

// Parses oci://HOST[:PORT]/PATH[:TAG] (a "#NAME" suffix, from join, is ignored).
// ErrorKind::Usage, naming the URL and the expected shape.
Result<Reference> parse_reference(std::string_view url);

// The name of one file of the artifact: "oci://HOST/PATH:TAG#index.json.zst".
std::string join(std::string_view base, std::string_view relative);

// One challenge of a WWW-Authenticate header: its scheme ("bearer", "basic": lower case)
// and parameters (names lower case, quoted values unquoted).
struct Challenge {
    std::string scheme;
    std::map<std::string, std::string> params;
};
std::vector<Challenge> parse_challenges(std::string_view header);

struct Descriptor {
    std::string media_type;
    std::string digest;  // "sha256:HEX"
    std::uint64_t size = 0;
    std::string title;  // org.opencontainers.image.title, may be empty
};

struct Manifest {
    std::string artifact_type;
    Descriptor config;
    std::vector<Descriptor> layers;
    const Descriptor* layer(std::string_view title) const;
};

// Parses and checks an image manifest: schemaVersion 2, the OCI manifest media type (when
// given), sha256 digests of 64 hex digits, sizes, unique titles, an artifactType (when
// given) of kArtifactType. ErrorKind::Invalid naming `source` and the field.
Result<Manifest> parse_manifest(std::string_view json, std::string_view source);

// The artifact manifest for `layers` (ORAS's layout, the empty config).
std::string make_manifest(const std::vector<Descriptor>& layers);

struct Credentials {
    std::string username, password;
};
// NXP_OCI_USERNAME/NXP_OCI_PASSWORD, else Docker's config.json for `host`.
std::optional<Credentials> credentials_for(std::string_view host);

// Reads the artifact file named by `url` (from join) with the caps of `limits`: the
// manifest (capped at kMaxManifestBytes) then the layer's blob, whose bytes must have the
// layer's digest. A file the artifact lacks is ErrorKind::NotFound.
Result<std::string> fetch_named(const std::string& url, const FetchLimits& limits);

// The URL and headers (Authorization) a package blob is downloaded with.
Result<DownloadTarget> blob_target(std::string_view base, std::string_view sha256_hex,
                                   const FetchLimits& limits);

// Forgets the authorization held for `base`'s registry and repository (all actions).
void forget_authorization(std::string_view base);

// Publisher side: pushes the repository directory `dir` (from nxp repo build) to `url`.
struct PushedBlob {
    std::string name;  // relative path in the repository
    std::string digest;
    std::uint64_t size = 0;
    bool skipped = false;  // the registry had it already
};
struct PushResult {
    Reference ref;
    std::vector<PushedBlob> blobs;
    std::string manifest_digest;
    std::uint64_t manifest_size = 0;
};
// `progress` is told each blob as it is done.
Result<PushResult> push_repository(const std::filesystem::path& dir, std::string_view url,
                                   const std::function<void(const PushedBlob&)>& progress = {},
                                   const FetchLimits& limits = {});

}  // namespace nxp::repo::oci
