"""The cluster against one machine on real text, side by side: words/s and quality.

    python -m bench.cluster_speed CORPUS [--epochs 3] [--seeds 1,2] [--workers 2] [--sync-words N]
                                         [--out FILE.json]

For each seed, in turn (A B A B: a drifting machine still gives a fair ratio): `workers` threads in
one process, then a LocalCluster of `workers` single-threaded worker processes (``--dask
local:N``, the default combining rule); skip-gram, the standard settings, `epochs` epochs. Each
row holds the training words/s (vocabulary and encoding excluded: `model.stats`), the seconds,
the cluster's rounds, rows and bytes, and the analogies, WordSim353 and SimLex-999 scores
(`bench.realtext`). Prints one JSON object per run and a markdown table; --out writes them all.
"""

import argparse
import json
import logging
import sys

from bench.conftest import STANDARD


def run_one(corpus, seed, epochs, workers, client, sync_words=None):
    """One run: threads when client is None, else the cluster behind client (its default sync
    interval, or `sync_words`). Returns its row."""
    from bench.realtext import evaluation_sets, vocabulary_scores
    from fastw2v.cluster import ClusterSettings
    from fastw2v.train import Word2Vec

    settings = dict(STANDARD, epochs=epochs, seed=seed, sg=1)
    if client is None:
        model = Word2Vec(workers=workers, **settings)
    else:
        model = Word2Vec(cluster=ClusterSettings(client=client, sync_words=sync_words), **settings)
    model.build_vocab(corpus_file=corpus)
    model.train()
    questions, pairs = evaluation_sets()
    stats = model.stats
    row = {"trainer": "threads" if client is None else f"local:{workers}", "seed": seed, "epochs": epochs,
           "words": int(stats["words"]), "seconds": float(stats["seconds"]),
           "words_per_second": float(stats["words_per_second"])}
    for name in ("lanes", "sync_words", "combine", "rounds", "rows_synced", "bytes_to_workers",
                 "bytes_from_workers", "compute_seconds", "lane_restarts"):
        if name in stats:
            row[name] = stats[name]
    row.update(vocabulary_scores(model.wv, questions, pairs))
    return row


def table(rows):
    lines = ["| trainer | seed | words/s | seconds | analogy | WS353 | SimLex | rounds | MB to workers |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        mb = row.get("bytes_to_workers", 0) / 1e6
        lines.append(f"| {row['trainer']} | {row['seed']} | {row['words_per_second']:,.0f} | "
                     f"{row['seconds']:.1f} | {row['analogy']:.4f} | {row['ws353']:.4f} | "
                     f"{row['simlex']:.4f} | {row.get('rounds', '')} | {mb:,.1f} |")
    return "\n".join(lines)


def main(argv=None):
    import distributed

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sync-words", type=int, default=None,
                        help="words a lane trains between synchronisations (default: the cluster's)")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    rows = []
    with distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        for seed in (int(s) for s in args.seeds.split(",")):
            for on in (None, client):
                rows.append(run_one(args.corpus, seed, args.epochs, args.workers, on, args.sync_words))
                print(json.dumps(rows[-1]), flush=True)
    print(table(rows))
    if args.out:
        with open(args.out, "w") as out:
            json.dump(rows, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
