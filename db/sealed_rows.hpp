#pragma once
// db/'s own check that secret config values arrive sealed (issue 15): a plain one is refused
// before it is written anywhere, so no path of nxp can put a secret into nxp.db or its WAL.
#include <string>

#include "db/database.hpp"
#include "formats/sealed.hpp"

namespace nxp::db {

inline tl::unexpected<Error> unsealed_secret(const std::string& where, const ConfigRow& c) {
    return tl::unexpected(Error{ErrorKind::Internal,
                                where + ", config '" + c.package + "." + c.key + "'",
                                "a secret value reached the database unsealed (a bug of nxp); "
                                "nothing was written"});
}

}  // namespace nxp::db
