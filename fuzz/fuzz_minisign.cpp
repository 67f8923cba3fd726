// minisign public keys, secret key files and signatures (formats/minisign), and the key sets
// of a repository's rotation chain (formats/keyset): all read from files or the network.
#include "formats/keyset.hpp"
#include "formats/minisign.hpp"
#include "fuzz/fuzz_util.hpp"

using namespace nxp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto text = fuzz::as_text(data, size);

    auto key = formats::parse_public_key(text);
    fuzz::require_message(key, "parse_public_key");
    if (key) {
        auto again = formats::parse_public_key(formats::format_public_key(*key));
        fuzz::require(again && again->key == key->key && again->key_id == key->key_id,
                      "public key does not print back to itself");
        auto line = formats::parse_public_key(formats::public_key_base64(*key));
        fuzz::require(line && line->key == key->key, "public key base64 line does not parse");
        fuzz::require(formats::key_id_hex(key->key_id).size() == 16, "key id is not 16 hex digits");
    }

    auto sig = formats::parse_signature(text);
    fuzz::require_message(sig, "parse_signature");
    if (sig) {
        auto again = formats::parse_signature(formats::format_signature(*sig));
        fuzz::require(again && again->signature == sig->signature &&
                          again->global_signature == sig->global_signature &&
                          again->trusted_comment == sig->trusted_comment,
                      "signature does not print back to itself");
    }

    auto sk = formats::parse_secret_key_file(text);
    fuzz::require_message(sk, "parse_secret_key_file");
    if (sk) {
        auto again = formats::parse_secret_key_file(formats::format_secret_key_file(*sk));
        fuzz::require(again && again->keynum_sk == sk->keynum_sk,
                      "secret key file does not print back to itself");
    }

    auto set = formats::parse_keyset(text);
    fuzz::require_message(set, "parse_keyset");
    if (set) {
        fuzz::require(set->threshold >= 1 && set->threshold <= set->keys.size(),
                      "key set threshold outside 1..keys");
        auto again = formats::parse_keyset(formats::write_keyset(*set));
        fuzz::require(again && again->keys.size() == set->keys.size(),
                      "key set does not print back to itself");
    }
    return 0;
}
