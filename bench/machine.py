"""How many cores the machine gives right now: a compute-bound probe for the thread-scaling figures.

On a shared virtual machine a second core is sometimes slowed by work outside this machine (its
host core busy with another guest), which no counter inside the guest shows. A multi-thread
training round measured then says nothing about the trainer. `core_scaling()` times one fixed
piece of arithmetic (no memory traffic: a few KiB that stay in L1) on one thread, then on
`threads` threads at once, each doing the same work, and returns the speed-up. A machine that
gives two whole cores scores close to 2.0; the benchmarks record it beside every multi-thread
round, so the report can show what the machine allowed at that moment. What it cannot see:
contention for the memory system (caches, bandwidth) from outside, which memory-bound training
rounds do feel; a low probe condemns a round, a high one does not clear it.
"""

import threading
import time

import numpy as np
from numba import njit

_PROBE_VALUES = np.linspace(0.5, 1.5, 1024).astype(np.float32)
_PROBE_REPEATS = 4000  # about 0.1 s of arithmetic on one core here


@njit(nogil=True, cache=True)
def _arithmetic(values, repeats):
    """A fixed amount of float32 multiply-adds over a small array (float32 scalar)."""
    total = np.float32(0.0)
    n = values.shape[0]
    for r in range(repeats):
        for i in range(n):
            total += values[i] * values[(i * 7 + r) % n]
    return total


def _time_threads(threads):
    """Seconds for `threads` threads, each running the same `_arithmetic` call, to all finish."""
    workers = [threading.Thread(target=_arithmetic, args=(_PROBE_VALUES, _PROBE_REPEATS))
               for _ in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - start


def core_scaling(threads, tries=3):
    """Speed-up of `threads` threads over one on the probe: threads · t(1) / t(threads), each time
    the best of `tries` (float). Compiles (or loads) the probe on the first call."""
    _arithmetic(_PROBE_VALUES, 1)
    one = min(_time_threads(1) for _ in range(tries))
    many = min(_time_threads(threads) for _ in range(tries))
    return threads * one / many
