#include "resolver/evr.hpp"

#include <cctype>

#include "resolver/solv.hpp"

namespace nxp::resolver {
namespace {

bool is_numeric(const std::string& id) {
    if (id.empty()) return false;
    for (unsigned char c : id) {
        if (!std::isdigit(c)) return false;
    }
    return true;
}

void append_encoded(std::string& out, const std::string& id) {
    for (unsigned char c : id) {
        out += static_cast<char>('a' + (c >> 4));
        out += static_cast<char>('a' + (c & 0x0f));
    }
    out += 'A';
}

}  // namespace

std::string to_evr(const formats::Version& v) {
    std::string out =
        std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch);
    if (v.prerelease.empty()) return out;
    out += '~';
    for (std::size_t i = 0; i < v.prerelease.size(); ++i) {
        if (i) out += '.';
        const auto& id = v.prerelease[i];
        if (is_numeric(id)) {
            out += id;
        } else {
            append_encoded(out, id);
        }
    }
    return out;
}

std::string from_evr(const std::string& evr) {
    auto tilde = evr.find('~');
    if (tilde == std::string::npos) return evr;
    std::string out = evr.substr(0, tilde) + "-";
    std::size_t i = tilde + 1;
    while (i < evr.size()) {
        if (evr[i] == '.') {
            out += '.';
            ++i;
        } else if (std::isdigit(static_cast<unsigned char>(evr[i]))) {
            out += evr[i++];
        } else {
            for (; i < evr.size() && evr[i] != 'A'; i += 2) {
                if (i + 1 >= evr.size() || evr[i] < 'a' || evr[i] > 'p' || evr[i + 1] < 'a' ||
                    evr[i + 1] > 'p')
                    return evr;
                out += static_cast<char>(((evr[i] - 'a') << 4) | (evr[i + 1] - 'a'));
            }
            if (i >= evr.size()) return evr;
            ++i;  // the closing 'A'
        }
    }
    return out;
}

int compare_evr(const std::string& a, const std::string& b) {
    solv::PoolPtr pool(pool_create());
    pool_setdisttype(pool.get(), DISTTYPE_DEB);
    int r = pool_evrcmp_str(pool.get(), a.c_str(), b.c_str(), EVRCMP_COMPARE);
    return r < 0 ? -1 : (r > 0 ? 1 : 0);
}

}  // namespace nxp::resolver
