"""Items shared out to threads: each worker, on a thread of its own, takes the next item in turn
(`on_threads`), or a pool computes results that are taken in item order (`in_order`); the work
is compiled code that releases the GIL, or I/O."""

import collections
import threading
from concurrent.futures import ThreadPoolExecutor


def on_threads(items, workers, function):
    """``function(worker, item)`` for every item, each worker on its own thread (one worker: on this
    thread). An item that raises keeps the items after it from starting, not those before it, so
    the failure with the lowest index is the first in item order.

    Returns:
        (results, failures): a list of each item's result (None for an item that failed or never
        ran), and a dict item index -> the exception it raised.
    """
    results, failures = [None] * len(items), {}
    lock, next_item = threading.Lock(), [0]

    def work(worker):
        while True:
            with lock:
                index = next_item[0]
                if index >= len(items) or (failures and index > min(failures)):
                    return
                next_item[0] += 1
            try:
                results[index] = function(worker, items[index])
            except BaseException as exc:  # noqa: B036  (the caller re-raises it in its thread)
                with lock:
                    failures[index] = exc

    if len(workers) == 1:
        work(workers[0])
    else:
        threads = [threading.Thread(target=work, args=(worker,), daemon=True) for worker in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return results, failures


def in_order(items, threads, function, ahead=2):
    """Yield ``function(item)`` for every item, in item order, computed on `threads` threads
    while the caller uses the results before them; at most threads × ahead results wait, done or
    under way. One thread: each computed when it is asked for, on this thread. An exception in
    `function` is raised where its result would be yielded (the later items are cancelled).
    """
    if threads <= 1:
        for item in items:
            yield function(item)
        return
    items = iter(items)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        first = [item for _, item in zip(range(threads * ahead), items)]
        pending = collections.deque(pool.submit(function, item) for item in first)
        try:
            while pending:
                result = pending.popleft().result()
                for item in items:
                    pending.append(pool.submit(function, item))
                    break
                yield result
        finally:
            for future in pending:
                future.cancel()
