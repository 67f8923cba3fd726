#pragma once
// A report for a transaction from the root's current generation to the next one, as
// apply_intent needs it (fixtures that build generations from recorded store trees).
#include <catch2/catch.hpp>

#include "txn/root.hpp"
#include "txn/transaction.hpp"

namespace nxp::test {

inline txn::TxnReport next_generation_report(txn::Root& root) {
    txn::TxnReport report;
    auto cur = root.db().current_generation();
    auto next = root.db().next_generation_id();
    REQUIRE(cur);
    REQUIRE(next);
    report.from_generation = *cur;
    report.to_generation = *next;
    return report;
}

}  // namespace nxp::test
