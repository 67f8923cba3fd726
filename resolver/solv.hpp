#pragma once
// Internal: the only place libsolv headers are included. RAII owners for its handles, after
// mamba's solv-cpp. Never include this from a header outside resolver/.
#define LIBSOLV_SOLVABLE_PREPEND_DEP 1  // `requires` is a C++20 keyword
extern "C" {
#include <solv/evr.h>
#include <solv/policy.h>
#include <solv/pool.h>
#include <solv/poolarch.h>
#include <solv/problems.h>
#include <solv/queue.h>
#include <solv/repo.h>
#include <solv/selection.h>
#include <solv/solver.h>
#include <solv/solverdebug.h>
#include <solv/transaction.h>
}

#include <memory>

namespace nxp::resolver::solv {

struct PoolDeleter {
    void operator()(::Pool* p) const { pool_free(p); }
};
struct SolverDeleter {
    void operator()(::Solver* s) const { solver_free(s); }
};
struct TransactionDeleter {
    void operator()(::Transaction* t) const { transaction_free(t); }
};

using PoolPtr = std::unique_ptr<::Pool, PoolDeleter>;
using SolverPtr = std::unique_ptr<::Solver, SolverDeleter>;
using TransactionPtr = std::unique_ptr<::Transaction, TransactionDeleter>;

// A libsolv Queue (a growable array of Ids).
class IdQueue {
  public:
    IdQueue() { queue_init(&q_); }
    ~IdQueue() { queue_free(&q_); }
    IdQueue(const IdQueue&) = delete;
    IdQueue& operator=(const IdQueue&) = delete;

    ::Queue* get() { return &q_; }
    const ::Queue* get() const { return &q_; }
    void push(Id id) { queue_push(&q_, id); }
    void push2(Id a, Id b) { queue_push2(&q_, a, b); }
    void clear() { queue_empty(&q_); }
    int size() const { return q_.count; }
    Id operator[](int i) const { return q_.elements[i]; }
    const Id* begin() const { return q_.elements; }
    const Id* end() const { return q_.elements + q_.count; }

  private:
    ::Queue q_;
};

}  // namespace nxp::resolver::solv
