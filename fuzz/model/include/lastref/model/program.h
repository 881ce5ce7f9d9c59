// SPDX-License-Identifier: MIT
#pragma once
// lastref::model::program — what the model checker runs.
//
// Contract: a program is created fresh (by its factory) for every execution
// and destroyed after it, so executions share nothing. setup() runs first,
// alone; then run(0) .. run(threads()-1) run as virtual threads (fibers) under
// the schedule source; check() runs after every thread finished, and sees all
// their effects (it happens-after all of them). Shared state lives in program
// members or in objects from platform::make; it is touched only through
// model::platform types (atomic, cell, mutex, ...) so that every access is a
// scheduling point the oracles see.
//
// Lifetime rule: when an execution fails, the unfinished threads are
// abandoned, not unwound (a primitive may be noexcept, so the checker cannot
// throw through it). Objects from platform::make are reclaimed regardless;
// thread bodies must not own other heap memory in locals across platform
// calls (keep it in program members), and must not call platform
// operations inside a catch handler.
//
// Memory ordering: setup() happens-before every thread body, and every thread
// body happens-before check() (the model's clocks record exactly that).

#include <functional>
#include <memory>

#include "limits.h"

namespace lastref::model {

class program {
 public:
  virtual ~program() = default;
  [[nodiscard]] virtual int threads() const = 0;  // 1 .. max_threads
  virtual void setup() {}
  virtual void run(int thread) = 0;
  virtual void check() {}
  // Symmetry reduction (opt-in): threads with the same class >= 0 are
  // *twins*, declared interchangeable — the same code on the same
  // arguments, and nothing in setup(), run(), check() or what they report
  // depends on which of them is which (swapping two twins' indices maps
  // every execution to one with the same outcome). The checker then runs
  // a twin only after the twin before it (the next lower index of its
  // class) has taken its first step, in every execution and under every
  // schedule source (so replays replay); an exhaustive search covers every
  // outcome up to renaming twins (fuzz/model/README.md, "Symmetry").
  // Called once per thread per execution. Default: no twins.
  [[nodiscard]] virtual int symmetry_class(int /*thread*/) const { return -1; }
};

using program_factory = std::function<std::unique_ptr<program>()>;

// factory<P>(args...): each execution gets `std::make_unique<P>(args...)`.
template <class P, class... A>
program_factory factory(A... args) {
  return [=] { return std::unique_ptr<program>(std::make_unique<P>(args...)); };
}

}  // namespace lastref::model
