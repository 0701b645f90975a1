"""How many words a round of the cluster's local SGD may hold before quality falls: lanes run in
turn in this one process, so 8 or 16 lanes can be measured on two cores. Prints a markdown table.

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


def main(argv=None):
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
