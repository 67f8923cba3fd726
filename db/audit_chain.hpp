#pragma once
// Internal to db/: the audit log's hash chain. Each row stores the hash of the row before it
// (prev_hash, "" for the first) and its own hash over that and its content, and meta
// 'audit_head' holds the newest row's hash: a row edited, deleted or added by hand (sqlite3)
// no longer matches, and Database::check_audit_chain() names the first such row.
#include <cstdint>
#include <string>

#include "formats/error.hpp"

struct sqlite3;

namespace nxp::db::audit_chain {

// sha256 (lowercase hex) over prev_hash and the row's fields, each length-prefixed.
std::string row_hash(const std::string& prev_hash, std::int64_t id, std::int64_t at,
                     const std::string& user, std::int64_t uid, const std::string& action,
                     const std::string& detail);

// Hashes every row again from the first, and the head: for the schema migration that adds
// the chain (rows written before it), and for the one-time secret scrub that rewrites details.
Result<void> rechain(sqlite3* db);

// Runs rechain() once when the migration left meta 'audit_chain_pending'.
Result<void> finish_pending(sqlite3* db);

}  // namespace nxp::db::audit_chain
