"""The cost model of training on a cluster (`fastw2v.cluster`): bytes moved and time per round,
and the speed-up by machines. Prints markdown tables.

    python -m bench.cost_model --replicas MEASURED.json [--gbit 1,10]
    python -m bench.cost_model [--words-per-second N] [--dim 100] [--gbit 10] [--sync-words N]

**Resident replicas** (the cluster's default; `--replicas`): the inputs come from a measured run on
local Dask (`python -m bench.cluster_speed ... --out MEASURED.json`): one lane's words/s (its
words over its kernels' seconds), and the seconds a round spends beyond its slowest lane's
training (Dask's round trips: tasks, results, rows; on the 2-core machine the scheduler and the
driver also share the cores with the workers, so this overstates a real cluster's). A round on N
machines, each one lane: compute = the default sync interval (`connect.default_sync_words`) at
that words/s; the tier's rows (`replicas.tier_rows`, averaged over an epoch's rounds, every row at
its end) of V and U go up from every machine and down to every machine through the driver's link
(a star, as `fastw2v.cluster` runs it; a ring allreduce would move 2 (N-1)/N of one machine's
rows per machine instead); speed-up = N × compute / (compute + network + the measured overhead),
against one core.

**Per-round snapshots** (the rules before replicas; the default form of the command):

A round, as `fastw2v.cluster` runs it (a star around the driver, no overlap of compute and
communication), on N machines each training one lane on one core:
- down: the driver sends the whole model, V and U (Vocab × D × 4 bytes each), to every machine;
- compute: each machine trains w words (its sync interval) at the measured one-core words/s;
- up: each machine returns the rows it changed, (D × 4 + 4) bytes a row, of V (the words of its
  stretch) and of U (those words and the negatives drawn); the expected number of distinct rows
  comes from a Zipf law (word i has probability ∝ 1/(i+1)) with sub-sampling (sample=1e-3) and
  5 negatives per pair drawn from count^0.75: E = Σ_i 1 - P(row i untouched);
- overhead: each machine copies the snapshot and diffs it against its result (4 passes over the
  model at MEMORY_GBYTES_S), and the scheduler spends ~1 ms per task and ~5 ms per round.
The driver's link carries N × (down + up) per round. Speed-up = N × compute / round time, against
one core on one machine. The default sync interval is the longest the combining rule trains well
with (`fastw2v.cluster.connect.default_sync_words`, measured by `python -m bench.lanes`): a round
of N machines may hold only ~4,000-16,000 words in all, far below what pays for the traffic.
"Sparse both ways" is the variant where machines keep their replica and receive only the rows the
round changed (the union over machines) — not implemented.
"""

import argparse
import math
import time

import numpy as np

CORPORA = (("text8-sized", 17_000_000, 71_000), ("billion-word", 1_000_000_000, 1_000_000))
MACHINES = (4, 16, 64)
DIM = 100
WINDOW = 5
NEGATIVE = 5
SAMPLE = 1e-3
GBIT_S = 10.0
MEMORY_GBYTES_S = 5.0
TASK_OVERHEAD_S = 0.001
ROUND_OVERHEAD_S = 0.005
COMM_SHARE = 0.10  # the sync interval is the smallest that keeps communication under this share


def zipf_probabilities(vocab):
    """float64 (vocab,): word i's probability ∝ 1/(i+1)."""
    weights = 1.0 / np.arange(1, vocab + 1, dtype=np.float64)
    return weights / weights.sum()


def touched_rows(vocab, words, tokens_total):
    """Expected distinct rows of V and of U one machine changes while training `words` tokens.

    V: the kept (sub-sampled) words of the stretch, as inputs; U: those words as centers and the
    negatives (NEGATIVE per pair, ~WINDOW + 1 pairs per kept center) drawn from count^0.75.

    Returns:
        (rows of V, rows of U): float.
    """
    from fastw2v.vocab import keep_probabilities

    p = zipf_probabilities(vocab)
    keep = keep_probabilities(p * tokens_total, SAMPLE)
    kept = words * p * keep  # expected kept occurrences of each word in the stretch
    noise = p ** 0.75
    noise /= noise.sum()
    draws = kept.sum() * (WINDOW + 1) * NEGATIVE
    untouched_v = np.exp(-kept)  # Poisson approximation of (1 - p)^n
    untouched_u = np.exp(-kept - draws * noise)
    return float(np.sum(1 - untouched_v)), float(np.sum(1 - untouched_u))


def round_cost(vocab, tokens, machines, words, words_per_second, dim=DIM, gbit=GBIT_S, sparse_down=False):
    """Seconds and bytes of one round (see the module doc).

    Returns:
        dict: down, up (bytes per machine), compute, network, overhead, total (seconds),
        speedup (against one core).
    """
    row = dim * 4 + 4
    model = 2 * vocab * dim * 4
    v_rows, u_rows = touched_rows(vocab, words, tokens)
    up = (v_rows + u_rows) * row
    if sparse_down:
        all_v, all_u = touched_rows(vocab, words * machines, tokens)
        down = (all_v + all_u) * row
        passes = 4 * (v_rows + u_rows) * row  # only the rows it touched are copied and compared
    else:
        down = model
        passes = 4 * model
    compute = words / words_per_second
    network = machines * (down + up) / (gbit * 1e9 / 8)
    overhead = passes / (MEMORY_GBYTES_S * 1e9) + ROUND_OVERHEAD_S + machines * TASK_OVERHEAD_S
    total = compute + network + overhead
    return {"down": down, "up": up, "compute": compute, "network": network, "overhead": overhead,
            "total": total, "speedup": machines * compute / total}


def sync_interval(vocab, tokens, machines, words_per_second, **options):
    """The smallest sync interval (words per machine per round, on a grid 10% apart, two
    significant digits) whose communication and overhead are under COMM_SHARE of the round; None
    when even one round per epoch (tokens / machines words) is not enough."""
    words = 1_000.0
    while words <= tokens / machines:
        rounded = int(float(f"{words:.2g}"))
        cost = round_cost(vocab, tokens, machines, rounded, words_per_second, **options)
        if (cost["network"] + cost["overhead"]) <= COMM_SHARE * cost["total"]:
            return rounded
        words *= 1.1
    return None


def measure_words_per_second(tokens=1_000_000, vocab=30_000):
    """One core's training words/s: one epoch, one thread, the standard settings, on a generated
    Zipfian corpus (bench/.data, written on first use)."""
    from bench.conftest import STANDARD, zipf_corpus
    from fastw2v.train import Word2Vec

    model = Word2Vec(workers=1, **STANDARD)
    model.build_vocab(corpus_file=zipf_corpus(tokens, vocab))
    model.train()  # the first call may load (or compile) the kernels
    start = time.perf_counter()
    model.train()
    return model.corpus.n_words / (time.perf_counter() - start)


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


def _mb(value):
    return f"{value / 1e6:,.1f}"


def report(words_per_second, dim=DIM, gbit=GBIT_S, sync_words=None):
    """The markdown tables, as a str."""
    from fastw2v.cluster.connect import DEFAULT_SYNC_WORDS, default_sync_words

    fixed, sync_words = sync_words, sync_words or DEFAULT_SYNC_WORDS
    options = dict(dim=dim, gbit=gbit)
    lines = [f"One core trains {words_per_second:,.0f} words/s (measured); {dim} dimensions, "
             f"{gbit:g} Gb/s network, window {WINDOW}, {NEGATIVE} negatives, sample {SAMPLE:g}.", "",
             f"Per round at a sync interval of {sync_words:,} words per machine:", "",
             "| corpus | tokens | vocabulary | model (V+U) MB | rows changed per machine (V, U) | "
             "MB down per machine | MB up per machine | compute s |",
             "|---|---|---|---|---|---|---|---|"]
    for name, tokens, vocab in CORPORA:
        v_rows, u_rows = touched_rows(vocab, sync_words, tokens)
        cost = round_cost(vocab, tokens, 1, sync_words, words_per_second, **options)
        lines.append(f"| {name} | {tokens:,} | {vocab:,} | {_mb(2 * vocab * dim * 4)} | "
                     f"{v_rows:,.0f}, {u_rows:,.0f} | {_mb(cost['down'])} | {_mb(cost['up'])} | "
                     f"{cost['compute']:.3f} |")
    lines += ["", "Speed-up against one core (round time = compute + network + overhead; the driver's "
              "link carries every machine's traffic):", "",
              "| corpus | machines | default sync interval (the longest that trains well): speed-up "
              "(comm share) | sync interval "
              "for comm ≤ 10% (words/machine/round) | rounds per epoch | speed-up there | "
              "sparse both ways: interval, speed-up |",
              "|---|---|---|---|---|---|---|"]
    for name, tokens, vocab in CORPORA:
        for machines in MACHINES:
            default = fixed or default_sync_words(machines, "clipped-sum")
            at_default = round_cost(vocab, tokens, machines, default, words_per_second, **options)
            share = (at_default["network"] + at_default["overhead"]) / at_default["total"]
            cells = [name, str(machines), f"{default:,}: {at_default['speedup']:.1f}× ({share:.0%})"]
            for sparse in (False, True):
                words = sync_interval(vocab, tokens, machines, words_per_second, sparse_down=sparse,
                                      **options)
                if words is None:
                    cost = round_cost(vocab, tokens, machines, tokens // machines, words_per_second,
                                      sparse_down=sparse, **options)
                    cells.append(f"none (one round per epoch: {cost['speedup']:.1f}×)")
                    cells += [] if sparse else ["1", "—"]
                    continue
                cost = round_cost(vocab, tokens, machines, words, words_per_second, sparse_down=sparse,
                                  **options)
                rounds = math.ceil(tokens / (machines * words))
                if sparse:
                    cells.append(f"{words:,}: {cost['speedup']:.1f}×")
                else:
                    cells += [f"{words:,}", f"{rounds:,}", f"{cost['speedup']:.1f}×"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.cost_model", description=__doc__.splitlines()[0])
    parser.add_argument("--words-per-second", type=float, help="one core's words/s (default: measure it)")
    parser.add_argument("--dim", type=int, default=DIM, help="dimensions (default %(default)s)")
    parser.add_argument("--gbit", type=float, default=GBIT_S, help="network Gb/s (default %(default)s)")
    parser.add_argument("--sync-words", type=int, help="the interval of the first table (default: fastw2v's)")
    parser.add_argument("--replicas", metavar="MEASURED.json",
                        help="resident replicas: inputs from a bench.cluster_speed --out file")
    parser.add_argument("--gbits", default="1,10",
                        help="with --replicas: networks, Gb/s (default %(default)s)")
    args = parser.parse_args(argv)
    if args.replicas:
        speed, overhead, dim = measured_inputs(args.replicas)
        print(replica_report(speed, overhead, [float(g) for g in args.gbits.split(",")], dim))
        return 0
    speed = args.words_per_second or measure_words_per_second()
    print(report(speed, dim=args.dim, gbit=args.gbit, sync_words=args.sync_words))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
