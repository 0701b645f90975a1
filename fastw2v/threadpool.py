"""Items shared out to threads: each worker, on a thread of its own, takes the next item in turn
(the work is compiled code that releases the GIL, or I/O)."""

import threading


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
