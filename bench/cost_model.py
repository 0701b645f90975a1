"""The cost model of training on a cluster (`fastw2v.cluster`): bytes moved and time per round,
and the speed-up by machines. Prints a markdown table.

    python -m bench.cost_model MEASURED.json [--gbits 1,10]

The inputs come from a measured run on local Dask (`python -m bench.cluster_speed ... --out
MEASURED.json`): one lane's words/s (its words over its kernels' seconds), and the seconds a
round spends beyond its slowest lane's training (Dask's round trips: tasks, results, rows; on the
2-core machine the scheduler and the driver also share the cores with the workers, so this
overstates a real cluster's). A round on N machines, each one lane: compute = the default sync
interval (`connect.default_sync_words`) at that words/s; the tier's rows (`replicas.tier_rows`,
averaged over an epoch's rounds, every row at its end) of V and U go up from every machine and
down to every machine through the driver's link (a star, as `fastw2v.cluster` runs it; a ring
allreduce would move 2 (N-1)/N of one machine's rows per machine instead); speed-up = N × compute
/ (compute + network + the measured overhead), against one core.
"""

import argparse
import math

import numpy as np

DIM = 100
REPLICA_MACHINES = (2, 4, 8, 16, 32, 64)
REPLICA_CORPORA = (("English (build_corpus.sh)", 16_057_544, 46_744),
                   ("billion-word", 1_000_000_000, 1_000_000))
RING_LATENCY_S = 0.001  # a round's latency assumed for the allreduce variant (a real network, no Dask)


def measured_inputs(path):
    """(one lane's words/s, seconds of overhead per round, dim) from `bench.cluster_speed`'s
    --out file: the mean over its cluster runs."""
    import json

    runs = [row for row in json.load(open(path)) if row.get("rounds")]
    if not runs:
        raise SystemExit(f"{path}: no cluster run in it (python -m bench.cluster_speed ... --out FILE)")
    speed = np.mean([row["words"] / row["compute_seconds"] for row in runs])
    overhead = np.mean([(row["seconds"] - row["compute_seconds"] / row["lanes"]) / row["rounds"]
                        for row in runs])
    return float(speed), float(overhead), DIM


def mean_tier_rows(vocab, rounds_per_epoch):
    """The rows (of V, and as many of U) a synchronisation moves, averaged over an epoch's rounds."""
    from fastw2v.cluster.replicas import tier_rows

    return float(np.mean([tier_rows(r, r == rounds_per_epoch - 1, vocab) for r in range(rounds_per_epoch)]))


def replica_round(vocab, tokens, machines, words_per_second, overhead, gbit, dim=DIM, ring=False):
    """One round of resident replicas (see the module doc): dict of sync_words, rows, mb (one
    machine's, each way), compute, network, total (seconds) and speedup. ring: the rows averaged
    by a ring allreduce (2 (N-1)/N of one machine's rows on each link) instead of the driver's star."""
    from fastw2v.cluster.connect import default_sync_words

    words = default_sync_words(machines)
    rounds = max(1, math.ceil(tokens / (machines * words)))
    rows = mean_tier_rows(vocab, rounds)
    one_way = 2 * rows * dim * 4
    compute = words / words_per_second
    moved = 2 * one_way * (machines - 1) / machines if ring else 2 * machines * one_way
    network = moved / (gbit * 1e9 / 8)
    total = compute + network + overhead
    return {"sync_words": words, "rows": rows, "mb": one_way / 1e6, "compute": compute, "network": network,
            "total": total, "speedup": machines * compute / total}


def replica_report(words_per_second, overhead, gbits, dim=DIM):
    """The resident replicas' tables, as a str."""
    lines = [f"One lane trains {words_per_second:,.0f} words/s; a round costs {overhead * 1e3:.1f} ms "
             f"beyond its slowest lane (both measured on local Dask); {dim} dimensions.", "",
             "| corpus | machines | words a machine a round | rows a sync | MB a machine each way | "
             "compute ms | " + " | ".join(f"network ms at {g:g} Gb/s | speed-up at {g:g} Gb/s" for g in gbits)
             + " |", "|---|---|---|---|---|---|" + "---|---|" * len(gbits)]
    for name, tokens, vocab in REPLICA_CORPORA:
        for machines in REPLICA_MACHINES:
            costs = [replica_round(vocab, tokens, machines, words_per_second, overhead, g, dim)
                     for g in gbits]
            first = costs[0]
            cells = [name, str(machines), f"{first['sync_words']:,}", f"{first['rows']:,.0f}",
                     f"{first['mb']:.1f}", f"{first['compute'] * 1e3:.0f}"]
            for cost in costs:
                cells += [f"{cost['network'] * 1e3:.0f}", f"{cost['speedup']:.1f}×"]
            lines.append("| " + " | ".join(cells) + " |")
    best = max(gbits)
    ring = [replica_round(46_744, 16_057_544, m, words_per_second, RING_LATENCY_S, best, dim, ring=True)
            for m in REPLICA_MACHINES]
    latency = RING_LATENCY_S * 1e3
    lines += ["", f"The same rounds averaged by a ring allreduce at {best:g} Gb/s with {latency:g} ms "
              "of latency a round (not built; English corpus): "
              + ", ".join(f"{m} machines {c['speedup']:.1f}×" for m, c in zip(REPLICA_MACHINES, ring)) + "."]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.cost_model", description=__doc__.splitlines()[0])
    parser.add_argument("measured", metavar="MEASURED.json", help="a bench.cluster_speed --out file")
    parser.add_argument("--gbits", default="1,10", help="networks, Gb/s (default %(default)s)")
    args = parser.parse_args(argv)
    speed, overhead, dim = measured_inputs(args.measured)
    print(replica_report(speed, overhead, [float(g) for g in args.gbits.split(",")], dim))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
