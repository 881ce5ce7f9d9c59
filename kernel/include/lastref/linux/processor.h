/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_PROCESSOR_H
#define LASTREF_LINUX_PROCESSOR_H
/*
 * cpu_relax() (the kernel's asm/processor.h), the body of a spin-wait loop:
 *
 *   while (!READ_ONCE(ready))
 *     cpu_relax();
 *
 * Under the model, cpu_relax() marks the end of a FAILED iteration of an
 * await loop (lastref::model::await_iteration, fuzz/model/include/lastref/
 * model/spin.h): the thread is not scheduled again until another thread
 * writes a location the iteration read, so a systematic search checks the
 * loop without unrolling it, and a loop that nothing can ever release is a
 * liveness failure ("await loop never released") with its trace instead of
 * a step-budget report. On real threads it yields the CPU.
 *
 * Contract (what makes that sound): the loop's exit depends only on the
 * values it reads, and a failed iteration writes nothing. A loop that also
 * gives up after a count or a deadline (for (i = 0; i < N; i++) { if (c)
 * break; cpu_relax(); }) is NOT an await loop: under the model its give-up
 * path is never explored. Write such a loop without cpu_relax() (each
 * iteration is then explored, within the step budget).
 *
 * Differs from the kernel: a yield on real threads, not a pause instruction.
 */
#include <lastref/linux/lastref_abi.h>

#define cpu_relax() lastref_k_await_iteration(LASTREF_LOC)

#endif
