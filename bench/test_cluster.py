"""Training words/s on a Dask cluster against threads in one process, same corpus and settings.

A LocalCluster of 2 single-threaded worker processes (``--dask local:2``) against 2 threads in one
process, one epoch of the standard settings on the training corpus (`conftest.TRAIN_CORPUS`);
vocabulary and encoding excluded for both (built once). The cluster's extra_info holds its lanes,
sync words, rounds and the bytes it moved per round each way (the model to the workers, the
changed rows back). Group "cluster"; skips when dask is not installed.
"""

import logging

import numpy as np
import pytest

distributed = pytest.importorskip("distributed", reason="dask is not installed: pip install 'fastw2v[dask]'")

from bench.conftest import STANDARD, bench_training  # noqa: E402
from fastw2v.cluster import ClusterSettings  # noqa: E402
from fastw2v.train import Word2Vec  # noqa: E402

WORKERS = 2


@pytest.fixture(scope="module")
def dask_client():
    cluster = distributed.LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.ERROR)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_threads_in_one_process(benchmark, train_corpus):
    model = Word2Vec(workers=WORKERS, **STANDARD)
    model.build_vocab(corpus_file=train_corpus)
    benchmark.group = "cluster"
    bench_training(benchmark, model, model.wv.vectors.copy(), "default", WORKERS, rounds=3, warmup_rounds=1)
    benchmark.extra_info["trainer"] = "fastw2v-threads"


def test_local_cluster(benchmark, train_corpus, dask_client):
    model = Word2Vec(cluster=ClusterSettings(client=dask_client), **STANDARD)
    model.build_vocab(corpus_file=train_corpus)
    initial = model.wv.vectors.copy()

    def reset():
        model.wv.vectors[:] = initial
        model.syn1neg[:] = 0
        model.progress = None

    benchmark.group = "cluster"
    benchmark.pedantic(model.train, setup=reset, rounds=3, warmup_rounds=1)
    stats = model.stats
    benchmark.extra_info.update(
        trainer="fastw2v-dask", mode="default", threads=WORKERS, words=model.vocab.total_words,
        vocab=len(model.vocab), lanes=stats["lanes"], sync_words=stats["sync_words"],
        rounds=stats["rounds"], lane_restarts=stats["lane_restarts"], combine=stats["combine"],
        loss=model.epoch_losses[-1],
        bytes_to_workers_per_round=stats["bytes_to_workers"] // stats["rounds"],
        bytes_from_workers_per_round=stats["bytes_from_workers"] // stats["rounds"],
        compute_share=stats["compute_seconds"] / (stats["lanes"] * stats["seconds"]))
    assert np.isfinite(model.epoch_losses[-1])


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    from bench.test_quality import TOKENS, ppmi_pairs
    from fastw2v.evaluate import read_analogies
    from fastw2v.synthetic import write_planted_corpus

    directory = tmp_path_factory.mktemp("planted")
    corpus, questions = str(directory / "planted.txt"), str(directory / "questions.txt")
    write_planted_corpus(corpus, TOKENS, seed=0, questions_path=questions)
    return corpus, read_analogies(questions), ppmi_pairs(corpus)


@pytest.mark.parametrize("trainer", ["threads", "dask"])
def test_quality_against_threads(benchmark, planted, dask_client, trainer):
    """test_quality.py's measures (planted analogies, PPMI word pairs; same corpus, one epoch,
    standard settings, 3 seeds) for 2 threads and for the local cluster at its default interval."""
    from bench.test_quality import SEEDS, record, score

    corpus, questions, pairs = planted
    where = (dict(workers=WORKERS) if trainer == "threads"
             else dict(cluster=ClusterSettings(client=dask_client)))
    benchmark.group = "quality"
    results = [score(Word2Vec(corpus_file=corpus, seed=seed, **where, **STANDARD).wv, questions, pairs)
               for seed in SEEDS[1:]]
    model = benchmark.pedantic(Word2Vec, kwargs=dict(corpus_file=corpus, seed=SEEDS[0], **where, **STANDARD),
                               rounds=1)
    results.append(score(model.wv, questions, pairs))
    parallel = f"{WORKERS} threads" if trainer == "threads" else f"{WORKERS} lanes"
    record(benchmark, "fastw2v-" + trainer, f"default, {parallel}", results)
