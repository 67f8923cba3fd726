#include "repo/trust.hpp"

#include <algorithm>
#include <set>

#include "repo/keys.hpp"

namespace nxp::repo {
namespace {

std::string key_list(const std::vector<formats::MinisignPublicKey>& keys) {
    std::string out;
    for (const auto& k : keys) out += (out.empty() ? "" : ", ") + formats::key_id_hex(k.key_id);
    return out.empty() ? "none" : out;
}

}  // namespace

std::string signature_name(std::string_view file, std::size_t i) {
    std::string name = std::string(file) + ".minisig";
    if (i > 0) name += "." + std::to_string(i + 1);
    return name;
}

Result<std::size_t> verify_threshold(const std::vector<formats::MinisignPublicKey>& keys,
                                     std::uint32_t threshold, std::string_view data,
                                     const std::vector<std::string>& signatures,
                                     std::string_view source) {
    std::set<formats::KeyId> valid;
    std::vector<Error> refused;
    for (std::size_t i = 0; i < signatures.size(); ++i) {
        const std::string name = signature_name(source, i);
        auto r = verify(keys, data, signatures[i], name);
        if (!r) {
            refused.push_back(r.error());
            continue;
        }
        if (auto sig = formats::parse_signature(signatures[i])) valid.insert(sig->key_id);
    }
    if (valid.size() >= std::max<std::uint32_t>(threshold, 1)) return valid.size();
    if (signatures.size() == 1 && threshold <= 1) return tl::unexpected(refused.front());
    std::string msg = std::to_string(valid.size()) + " of " + std::to_string(signatures.size()) +
                      " signature(s) valid from distinct trusted keys, " +
                      std::to_string(threshold) + " required (trusted: " + key_list(keys) + ")";
    if (signatures.empty()) msg = "no signature found; " + msg;
    for (const auto& e : refused) msg += "; " + e.str();
    if (refused.empty() && !signatures.empty()) msg += "; the valid ones are by the same key";
    return fail(ErrorKind::Verification, std::string(source), msg);
}

bool enough_candidates(const std::vector<formats::MinisignPublicKey>& keys, std::uint32_t threshold,
                       const std::vector<std::string>& signatures) {
    std::set<formats::KeyId> ids;
    for (const auto& s : signatures) {
        auto sig = formats::parse_signature(s);
        if (!sig) continue;
        if (std::any_of(keys.begin(), keys.end(),
                        [&](const auto& k) { return k.key_id == sig->key_id; }))
            ids.insert(sig->key_id);
    }
    return ids.size() >= std::max<std::uint32_t>(threshold, 1);
}

Result<TrustedKeys> verify_key_link(const TrustedKeys& current, std::string_view repo_id,
                                    std::string_view json,
                                    const std::vector<std::string>& signatures,
                                    std::string_view source) {
    const std::string src(source);
    const std::uint64_t next = current.version + 1;
    // Authenticate the bytes with the keys already trusted before parsing anything.
    auto old_ok = verify_threshold(current.keys, current.threshold, json, signatures, source);
    if (!old_ok) {
        Error e = old_ok.error();
        e.context = src;
        e.message = "not signed by the current keys (key version " +
                    std::to_string(current.version) + "): " + e.message;
        return tl::unexpected(e);
    }
    auto set = formats::parse_keyset(json);
    if (!set) {
        Error e = in_context(set.error(), src);
        e.kind = ErrorKind::Verification;
        return tl::unexpected(e);
    }
    if (set->repo != repo_id)
        return fail(ErrorKind::Verification, src,
                    "key set is for repository \"" + set->repo + "\", expected \"" +
                        std::string(repo_id) + "\"");
    if (set->version < next)
        return fail(ErrorKind::Verification, src,
                    "declares key version " + std::to_string(set->version) +
                        ", not newer than the accepted version " + std::to_string(current.version) +
                        " (rollback)");
    if (set->version > next)
        return fail(ErrorKind::Verification, src,
                    "declares key version " + std::to_string(set->version) + " where " +
                        std::to_string(next) + " is next: a skipped version is refused");
    auto own_ok = verify_threshold(set->keys, set->threshold, json, signatures, source);
    if (!own_ok) {
        Error e = own_ok.error();
        e.context = src;
        e.message = "not signed by its own new keys: " + e.message;
        return tl::unexpected(e);
    }
    return TrustedKeys{set->version, set->keys, set->threshold};
}

}  // namespace nxp::repo
