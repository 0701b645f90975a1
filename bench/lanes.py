"""The cluster's lanes run in turn in this one process, so that 8, 16 or 64 lanes can be measured
on two cores. Two uses:

    python -m bench.lanes CORPUS --lanes 16 --combine tiered-mean --epochs 3 [--sync-words N]
                          [--alpha A] [--seed S] [--out VECTORS]

trains CORPUS (real text) in `--lanes` lanes as resident replicas (`fastw2v.cluster.replicas`:
each lane trains its own copy; after every round of `--sync-words` words a lane the replicas are
averaged over the frequency tier of that round, `tiered-mean`, or over every row, `replica-mean`)
or trains every lane apart and merges them once by alignment (`align`: `replicas.aligned_merge`),
or with the per-round snapshot design (`snapshot-mean`, `snapshot-sum`, `snapshot-clipped-sum`:
`fastw2v.cluster.rounds.combine`), then prints one JSON object: its settings, the analogies,
WordSim353 and SimLex-999 scores of the merged model (gensim's test data), the rows and bytes a
replica sent, the seconds; `--out` writes the merged model's word2vec text file. One lane is one
machine on one thread. And, without CORPUS:

    python -m bench.lanes [--tokens 1000000] [--lanes 1,2,4,8,16] [--round-words 8000,...]
                          [--rules sum] [--seeds 1,2]

Each cell trains one epoch of the standard settings on the planted corpus (`fastw2v.synthetic`)
exactly as `fastw2v train --dask local:N` does, lane for lane and round for round: the same
schedule (`RoundSchedule`), the same stretch task (`train_stretch`), the same combining rule
(`combine`); only the tasks run one after another here instead of on workers, which changes
nothing in what they compute (a stretch is a pure function of the snapshot). A round holds
`round words` = lanes × sync words; the cell is the planted-analogy accuracy, its mean over the
seeds, or "diverged" when the loss per pair passes `driver.DIVERGED` times the first round's.
The cost model (`bench/cost_model.py`) takes the largest round the accuracy survives as the bound
on lanes × sync words.
"""

import argparse
import logging
import os
import sys
import tempfile
import time

import numpy as np

from bench.conftest import STANDARD

TOKENS = 1_000_000
LANES = (1, 2, 4, 8, 16)
ROUND_WORDS = (8_000, 16_000, 32_000, 64_000, 128_000)
SEEDS = (1, 2)


def planted_corpus(folder, tokens):
    """(corpus path, analogy questions) of a planted corpus of `tokens` tokens, written once."""
    from fastw2v.evaluate import read_analogies
    from fastw2v.synthetic import write_planted_corpus

    corpus, questions = (os.path.join(folder, f"planted-{tokens}{end}") for end in (".txt", "-questions.txt"))
    if not os.path.exists(questions):
        write_planted_corpus(corpus, tokens, seed=0, questions_path=questions)
    return corpus, read_analogies(questions)


def train_in_turn(model, lanes, sync_words, rule):
    """The epochs of `model`'s cluster run (vocabulary built), its lanes run in turn.

    Returns:
        True when it finished, False when the loss per pair passed `driver.DIVERGED` times the first
        round's (the model is then left where it stopped).
    """
    from fastw2v.cluster.driver import _refuse_divergence
    from fastw2v.cluster.rounds import RoundSchedule, Snapshot, combine, train_stretch
    from fastw2v.errors import ConfigError

    schedule = RoundSchedule(model.corpus, lanes, sync_words, model.config.epochs)
    matrices = (model.wv.vectors, model.outputs.trained_rows())
    first = None
    for epoch, round_ in schedule.jobs:
        snapshot = Snapshot(matrices[0].copy(), matrices[1].copy())
        results = [train_stretch(snapshot, schedule.task(epoch, round_, lane, model.config))
                   for lane in range(lanes)]
        try:
            first = _refuse_divergence(results, first, model.backend.run)
        except ConfigError:  # diverged
            return False
        combine(results, matrices, rule)
    model.wv.invalidate()
    return True


REPLICA_RULES = ("tiered-mean", "tiered-sum", "tiered-clipped-sum", "replica-mean")
SNAPSHOT_RULES = {"snapshot-mean": "mean", "snapshot-sum": "sum", "snapshot-clipped-sum": "clipped-sum"}


def train_replicas(model, lanes, sync_words, rule, first_rows=None):
    """The epochs of `model`'s cluster run (vocabulary built) as resident replicas, the lanes in
    turn: each round every lane trains its stretch on its own replica, then the replicas are
    combined over the round's tier (`replicas.tier_rows`; "replica-mean": every row) of the
    words' rows of V and U, and over all of hierarchical softmax's inner nodes, by the rule after
    "tiered-" (`replicas.combine_rows`; "replica-mean": the mean); every epoch ends with every
    row combined, so the model is then every replica.

    Returns:
        dict: syncs, rows_sent and bytes_sent (one replica's, over the run), seconds_training.
    """
    from fastw2v.cluster.driver import combine_how, sync_rows
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
        last = round_ == schedule.rounds_per_epoch - 1
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
    from fastw2v.cluster.rounds import train_stretch_in_place

    return sum(train_stretch_in_place(v, u, schedule.task(epoch, round_, lane, config))[-1]
               for lane, (v, u) in enumerate(replicas))


def train_aligned(model, lanes, iterations=5):
    """The epochs of `model`'s cluster run (vocabulary built), each lane training its own copy
    from the one initial model on its part of the corpus with no synchronisation, its lanes in
    turn; then the copies' word vectors merged by alignment (`replicas.aligned_merge`; a lane
    saw the words whose rows it changed). Returns dict: seconds_training."""
    from fastw2v.cluster.replicas import aligned_merge
    from fastw2v.cluster.rounds import RoundSchedule

    schedule = RoundSchedule(model.corpus, lanes, model.corpus.n_words, model.config.epochs)
    V, U = model.wv.vectors, model.outputs.trained_rows()
    replicas = [(V.copy(), U.copy()) for _ in range(lanes)]
    seconds = sum(_train_round(replicas, schedule, epoch, round_, model.config)
                  for epoch, round_ in schedule.jobs)
    seen = np.array([np.any(v != V, axis=1) for v, _ in replicas])
    V[:] = aligned_merge([v for v, _ in replicas], seen, iterations)
    U[:] = replicas[0][1]
    model.wv.invalidate()
    return {"seconds_training": seconds, "syncs": 0, "rows_sent": 0, "bytes_sent": 0}


def real_text_run(corpus, lanes, rule, epochs, sync_words, alpha, seed, out=None):
    """One run of the CORPUS command (see the module doc): dict (JSON-ready)."""
    import distributed

    from bench.realtext import evaluation_sets, vocabulary_scores
    from fastw2v.cluster import ClusterSettings
    from fastw2v.train import Word2Vec

    settings = dict(STANDARD, epochs=epochs, seed=seed, alpha=alpha)
    start = time.perf_counter()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        cluster_settings = ClusterSettings(client=client, lanes=lanes, sync_words=sync_words)
        model = Word2Vec(cluster=cluster_settings, **settings)
        model.build_vocab(corpus_file=corpus)
        if rule == "align":
            stats = train_aligned(model, lanes)
        elif rule in REPLICA_RULES:
            stats = train_replicas(model, lanes, sync_words, rule)
        elif not train_in_turn(model, lanes, sync_words, SNAPSHOT_RULES[rule]):
            return dict(settings, lanes=lanes, combine=rule, sync_words=sync_words, diverged=True)
        else:
            stats = {}
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


def accuracy(corpus, questions, client, lanes, round_words, rule, seed):
    """Planted-analogy accuracy after one epoch in `lanes` lanes of round_words / lanes words
    each; None when it diverged."""
    from fastw2v.cluster import ClusterSettings
    from fastw2v.evaluate import evaluate_analogies
    from fastw2v.train import Word2Vec

    sync_words = max(1, round_words // lanes)
    model = Word2Vec(cluster=ClusterSettings(client=client, lanes=lanes, sync_words=sync_words),
                     seed=seed, **STANDARD)
    model.build_vocab(corpus_file=corpus)
    finished = train_in_turn(model, lanes, sync_words, rule)
    return evaluate_analogies(model.wv, questions).accuracy if finished else None


def table(tokens, lanes_list, round_words_list, rules, seeds):
    """The markdown table, as a str (starts a LocalCluster of one worker to count the corpus)."""
    import distributed

    cells = {}
    with tempfile.TemporaryDirectory() as folder, \
            distributed.LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0",
                                     silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        corpus, questions = planted_corpus(folder, tokens)
        for rule in rules:
            for lanes in lanes_list:
                for words in round_words_list:
                    scores = [accuracy(corpus, questions, client, lanes, words, rule, seed) for seed in seeds]
                    cells[rule, lanes, words] = ("diverged" if None in scores else f"{np.mean(scores):.3f}")
    header = ["rule", "lanes"] + [f"{w:,} words a round" for w in round_words_list]
    lines = [f"Planted corpus, {tokens:,} tokens, one epoch, standard settings; planted-analogy accuracy, "
             f"mean of seeds {', '.join(map(str, seeds))}.", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for rule in rules:
        for lanes in lanes_list:
            lines.append("| " + " | ".join([rule, str(lanes)]
                                           + [cells[rule, lanes, w] for w in round_words_list])
                         + " |")
    return "\n".join(lines)


def _ints(text):
    return tuple(int(part) for part in text.split(","))


def real_text_main(argv):
    import json

    parser = argparse.ArgumentParser(prog="python -m bench.lanes CORPUS",
                                     description="Train real text in lanes run in turn; print the scores.")
    parser.add_argument("corpus", help="a whitespace-separated text file")
    parser.add_argument("--lanes", type=int, default=4)
    parser.add_argument("--combine", choices=REPLICA_RULES + ("align",) + tuple(SNAPSHOT_RULES),
                        default="tiered-mean")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--sync-words", type=int, default=100_000, help="words a lane trains per round")
    parser.add_argument("--alpha", type=float, default=0.025, help="start learning rate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="write the merged model's word2vec text file here")
    args = parser.parse_args(argv)
    if not os.path.isfile(args.corpus):
        parser.error(f"{args.corpus}: not a file")
    print(json.dumps(real_text_run(args.corpus, args.lanes, args.combine, args.epochs, args.sync_words,
                                   args.alpha, args.seed, args.out), indent=1))
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and not argv[0].startswith("-"):
        return real_text_main(argv)
    parser = argparse.ArgumentParser(prog="python -m bench.lanes", description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=TOKENS,
                        help="planted corpus size (default %(default)s)")
    parser.add_argument("--lanes", type=_ints, default=LANES, help="comma-separated lane counts")
    parser.add_argument("--round-words", type=_ints, default=ROUND_WORDS,
                        help="comma-separated words per round (lanes × sync words)")
    parser.add_argument("--rules", default="sum", help="comma-separated combining rules (default sum)")
    parser.add_argument("--seeds", type=_ints, default=SEEDS, help="comma-separated seeds")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    print(table(args.tokens, args.lanes, args.round_words, args.rules.split(","), args.seeds))
    print(f"\n({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
