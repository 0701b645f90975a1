"""The cluster's lanes run in turn in this one process, so that 8, 16 or 64 lanes can be measured
on two cores:

    python -m bench.lanes CORPUS --lanes 16 --combine tiered-mean --epochs 3 [--sync-words N]
                          [--alpha A] [--seed S] [--out VECTORS]

trains CORPUS (real text) in `--lanes` lanes as resident replicas (`fastw2v.cluster.replicas`:
each lane trains its own copy; after every round of `--sync-words` words a lane the replicas are
combined over the frequency tier of that round, `tiered-mean` / `tiered-sum` /
`tiered-clipped-sum`, or over every row, `replica-mean`; or the lanes train apart and are merged
by alignment, `align` at the end, `align-epochs` at each epoch's end: `replicas.merge_aligned`),
exactly as `fastw2v train --dask` does, lane for lane and round for round (the same schedule,
stretch task and rule; only the tasks run one after another here, which changes nothing in what
they compute: tested bit for bit).
It prints one JSON object: its settings, the analogies, WordSim353 and SimLex-999 scores of the
merged model (gensim's test data), the rows and bytes a replica sent, the seconds; `--out` writes
the merged model's word2vec text file. One lane is one machine on one thread.
"""

import argparse
import logging
import os
import time

import numpy as np

from bench.conftest import STANDARD
from fastw2v.cluster.connect import COMBINE_RULES, default_sync_words


def train_replicas(model, lanes, sync_words, rule, first_rows=None):
    """The epochs of `model`'s cluster run (vocabulary built) as resident replicas, the lanes in
    turn: each round every lane trains its stretch on its own replica, then the replicas are
    combined over the round's tier (`replicas.tier_rows`; "replica-mean": every row) of the
    words' rows of V and U, and over all of hierarchical softmax's inner nodes, by the rule after
    "tiered-" (`replicas.combine_rows`; "replica-mean": the mean); every epoch ends with every
    row combined, so the model is then every replica. The align rules combine nothing until
    every row is merged by alignment (`replicas.merge_aligned`): at the run's end ("align") or
    at each epoch's end ("align-epochs").

    Returns:
        dict: syncs, rows_sent and bytes_sent (one replica's, over the run), seconds_training.
    """
    from fastw2v.cluster.driver import combine_how, sync_rows, syncs_every_row
    from fastw2v.cluster.replicas import FIRST_TIER_ROWS
    from fastw2v.cluster.resident import combine_lanes
    from fastw2v.cluster.rounds import RoundSchedule

    schedule = RoundSchedule(model.corpus, lanes, sync_words, model.config.epochs)
    V, U = model.wv.vectors, model.outputs.trained_rows()
    n_words = len(model.vocab)
    word_rows = n_words if model.config.objective.scores_words else 0
    replicas = [(V.copy(), U.copy()) for _ in range(lanes)]
    base_v, base_u = V.copy(), U.copy()  # the rows as last synchronised
    stats = dict(syncs=0, rows_sent=0, bytes_sent=0, seconds_training=0.0)
    for epoch, round_ in schedule.jobs:
        stats["seconds_training"] += _train_round(replicas, schedule, epoch, round_, model.config)
        last = syncs_every_row(rule, epoch, round_, schedule)
        rows = sync_rows(rule, round_, last, n_words, word_rows, first_rows or FIRST_TIER_ROWS)
        # The replicas' rows themselves: combined in place, as the cluster's lanes take them.
        sent, _ = combine_lanes([rows.of(v, u) for v, u in replicas], base_v, base_u, rows, combine_how(rule))
        stats["syncs"] += 1
        stats["rows_sent"] += rows.words
        stats["bytes_sent"] += sent
    V[:], U[:] = replicas[0]
    model.wv.invalidate()
    return stats


def _train_round(replicas, schedule, epoch, round_, config):
    """Every lane's stretch of one round on its own replica, lane after lane; returns the
    kernels' seconds."""
    from fastw2v.cluster.rounds import train_stretch

    return sum(train_stretch(v, u, schedule.task(epoch, round_, lane, config))[-1]
               for lane, (v, u) in enumerate(replicas))


def real_text_run(corpus, lanes, rule, epochs, sync_words, alpha, seed, out=None):
    """One run of the CORPUS command (see the module doc): dict (JSON-ready). alpha: the lanes'
    start rate, as they train it; None: the cluster's for the settings' 0.025 (raised for the
    means, `connect.rate_scale`, and min_alpha with it)."""
    import distributed

    from bench.realtext import evaluation_sets, vocabulary_scores
    from fastw2v.cluster import ClusterSettings
    from fastw2v.cluster.driver import lane_config
    from fastw2v.train import Word2Vec

    settings = dict(STANDARD, epochs=epochs, seed=seed)
    if alpha is None:  # the rates the cluster's lanes train at
        trains = lane_config(Word2Vec(**settings).config, lanes, rule)
        settings.update(alpha=trains.alpha, min_alpha=trains.min_alpha)
    else:
        settings.update(alpha=alpha)
    start = time.perf_counter()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        cluster_settings = ClusterSettings(client=client, lanes=lanes, sync_words=sync_words)
        model = Word2Vec(cluster=cluster_settings, **settings)
        model.build_vocab(corpus_file=corpus)
        stats = train_replicas(model, lanes, sync_words, rule)
        seconds = time.perf_counter() - start
        if not np.isfinite(model.wv.vectors).all():
            return dict(settings, lanes=lanes, combine=rule, sync_words=sync_words, diverged=True, **stats)
        questions, pairs = evaluation_sets()
        scores = vocabulary_scores(model.wv, questions, pairs)
        if out:
            model.wv.save_word2vec_format(out)
    return dict(settings, corpus=os.path.abspath(corpus), lanes=lanes, combine=rule, sync_words=sync_words,
                vocabulary=len(model.vocab), words=int(model.vocab.total_words), seconds=seconds, **stats,
                **scores)


def main(argv=None):
    import json

    parser = argparse.ArgumentParser(prog="python -m bench.lanes CORPUS",
                                     description="Train real text in lanes run in turn; print the scores.")
    parser.add_argument("corpus", help="a whitespace-separated text file")
    parser.add_argument("--lanes", type=int, default=4)
    parser.add_argument("--combine", choices=COMBINE_RULES,
                        default="tiered-mean")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--sync-words", type=int, default=None,
                        help="words a lane trains per round (default: the cluster's for the lanes and rule)")
    parser.add_argument("--alpha", type=float, default=None,
                        help="the lanes' start learning rate, as they train it (default: the cluster's "
                             "for alpha 0.025: raised for the means by connect.rate_scale, min_alpha too)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="write the merged model's word2vec text file here")
    args = parser.parse_args(argv)
    if not os.path.isfile(args.corpus):
        parser.error(f"{args.corpus}: not a file")
    if args.sync_words is None:
        args.sync_words = default_sync_words(args.lanes, args.combine)
    print(json.dumps(real_text_run(args.corpus, args.lanes, args.combine, args.epochs, args.sync_words,
                                   args.alpha, args.seed, args.out), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
