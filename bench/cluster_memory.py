"""Memory of the cluster's workers while resident replicas train, sampled from outside.

    python -m bench.cluster_memory CORPUS [--epochs 1] [--workers 2] [--out FILE.json]

Starts a LocalCluster of `workers` single-threaded worker processes, trains CORPUS on it (skip-gram,
the standard settings, the default combining rule and rounds) and samples every worker's
/proc/PID/status every 0.1 s: RssAnon (the heap: the replica, the rows in flight, the libraries'
own) and VmRSS (with the mapped corpus pages and libraries). Reports, per worker, the anonymous
memory just before training starts (the vocabulary built, the shards encoded), its median and
its peak while training, and their growth over that start in units of the model's bytes (V and
U), which is what the replicas cost; then the peak VmRSS. Linux only (/proc). Prints one JSON
object; --out writes it.
"""

import argparse
import json
import logging
import statistics
import threading
import time

from bench.conftest import STANDARD

SAMPLE_SECONDS = 0.1


def memory_kib(pid):
    """(RssAnon, VmRSS) of a process in KiB, from /proc/PID/status; None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
    except OSError:
        return None
    return int(fields["RssAnon"].split()[0]), int(fields["VmRSS"].split()[0])


class Sampler:
    """Samples processes' memory on a thread until stopped: the peaks since `mark`, and the
    last sample before it."""

    def __init__(self, pids):
        self.pids, self.stop_event = list(pids), threading.Event()
        self.last = {pid: (0, 0) for pid in self.pids}
        self.peaks = {pid: (0, 0) for pid in self.pids}
        self.anon = {pid: [] for pid in self.pids}  # RssAnon samples since `mark`
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join()

    def mark(self):
        """Start the peaks afresh from the latest samples."""
        self.peaks = dict(self.last)
        self.anon = {pid: [] for pid in self.pids}

    def _run(self):
        while not self.stop_event.is_set():
            for pid in self.pids:
                found = memory_kib(pid)
                if found is not None:
                    self.last[pid] = found
                    self.peaks[pid] = tuple(max(a, b) for a, b in zip(self.peaks[pid], found))
                    self.anon[pid].append(found[0])
            time.sleep(SAMPLE_SECONDS)


def measure(corpus, epochs, workers):
    """One run; returns the JSON-ready dict (see the module doc)."""
    import os

    import distributed

    from fastw2v.cluster import ClusterSettings
    from fastw2v.train import Word2Vec

    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        model = Word2Vec(cluster=ClusterSettings(client=client), **dict(STANDARD, epochs=epochs, sg=1))
        with Sampler(pids) as sampler:
            model.build_vocab(corpus_file=corpus)
            time.sleep(3 * SAMPLE_SECONDS)
            before = dict(sampler.last)
            sampler.mark()
            model.train()
            time.sleep(3 * SAMPLE_SECONDS)
        model_bytes = int(model.wv.vectors.nbytes + model.outputs.trained_rows().nbytes)
        stats = model.stats
    mib, rows = 1 / 1024, []
    for pid in pids:
        start, median, peak = before[pid][0], statistics.median(sampler.anon[pid]), sampler.peaks[pid][0]
        rows.append({"anon_before_mib": start * mib, "anon_median_mib": median * mib,
                     "anon_peak_mib": peak * mib,
                     "median_growth_over_model": (median - start) * 1024 / model_bytes,
                     "peak_growth_over_model": (peak - start) * 1024 / model_bytes,
                     "rss_peak_mib": sampler.peaks[pid][1] * mib})
    return {"corpus": os.path.abspath(corpus), "epochs": epochs, "workers": workers,
            "model_mib": model_bytes / 2**20, "rounds": stats.get("rounds"),
            "sync_words": stats.get("sync_words"), "combine": stats.get("combine"), "per_worker": rows}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.cluster_memory")
    parser.add_argument("corpus")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", help="also write the JSON object to this file")
    args = parser.parse_args(argv)
    found = measure(args.corpus, args.epochs, args.workers)
    text = json.dumps(found, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()
