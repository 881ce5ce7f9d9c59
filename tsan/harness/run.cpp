// SPDX-License-Identifier: MIT
#include "run.h"

namespace lastref::tsan {

namespace {
struct hook {
  preemption_hook_fn fn;
  void* ctx;
};
thread_local hook t_hook{nullptr, nullptr};
}  // namespace

void set_preemption_hook(preemption_hook_fn fn, void* ctx) noexcept { t_hook = hook{fn, ctx}; }

void detail::at_preemption_point() noexcept {
  if (t_hook.fn)
    t_hook.fn(t_hook.ctx);
  else
    jitter::point();
}

}  // namespace lastref::tsan
