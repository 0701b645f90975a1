"""Training on a Dask cluster (`fastw2v.cluster`): a LocalCluster of two single-threaded worker
processes, a small planted corpus, 16 dimensions. A cluster run is a pure function of its seed and
lanes when no worker fails, so the strongest checks are equalities: the cluster's resident
replicas compute what `bench.lanes` computes in one process, and a resumed run what an
undisturbed one does; a run with a worker killed mid-round learns as well as an undisturbed one."""

import json
import os
import signal
import sys
import time

import numpy as np
import pytest

distributed = pytest.importorskip("distributed", reason="dask is not installed: pip install 'fastw2v[dask]'")

from fastw2v import corpus as corpus_mod  # noqa: E402
from fastw2v import reader  # noqa: E402
from fastw2v.cli import main  # noqa: E402
from fastw2v.cluster import ClusterError, ClusterSettings, driver, rounds, shards  # noqa: E402
from fastw2v.evaluate import evaluate_analogies, read_analogies  # noqa: E402
from fastw2v.synthetic import write_planted_corpus  # noqa: E402
from fastw2v.train import Checkpointing, Word2Vec  # noqa: E402
from fastw2v.vectors import KeyedVectors  # noqa: E402
from tests.test_reader import raw_tokens  # noqa: E402

SETTINGS = dict(vector_size=16, epochs=2, seed=3, alpha=0.025, sg=1)
TOKENS = 300_000
SYNC_WORDS = 15_000  # 2 lanes: 10 or 11 rounds an epoch


@pytest.fixture(scope="module")
def client():
    import logging

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.ERROR)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    directory = tmp_path_factory.mktemp("planted")
    corpus, questions = str(directory / "corpus.txt"), str(directory / "questions.txt")
    write_planted_corpus(corpus, TOKENS, seed=0, questions_path=questions)
    return corpus, read_analogies(questions)


def on_cluster(client, **settings):
    return ClusterSettings(client=client, sync_words=settings.pop("sync_words", SYNC_WORDS), **settings)


@pytest.fixture(scope="module")
def reference_run(client, planted):
    """An undisturbed cluster run (resident replicas): its vectors, and the words it trained."""
    model = Word2Vec(corpus_file=planted[0], cluster=on_cluster(client), **SETTINGS)
    return model


def test_cluster_run_trains_every_epoch_and_learns_the_planted_analogies(reference_run, planted):
    model = reference_run
    n, dim = len(model.vocab), SETTINGS["vector_size"]
    assert model.wv.vectors.shape == (n, dim) and model.syn1neg.shape == (n, dim)
    assert model.progress.words == SETTINGS["epochs"] * model.corpus.n_words
    rounds_per_epoch = -(-model.corpus.n_words // (2 * SYNC_WORDS))
    assert model.stats["rounds"] == SETTINGS["epochs"] * rounds_per_epoch and model.stats["lanes"] == 2
    assert all(np.isfinite(model.epoch_losses)) and model.epoch_losses[1] < model.epoch_losses[0]
    accuracy = evaluate_analogies(model.wv, planted[1]).accuracy
    assert accuracy > 0.6  # one machine: ~0.88; untrained vectors answer < 5%, a broken update none
    assert model.stats["bytes_to_workers"] > 0 and model.stats["bytes_from_workers"] > 0
    assert model.stats["combine"] == "tiered-mean" and model.stats["lane_restarts"] == 0
    # Only the tiers cross between epochs' ends (1,024 rows, 2,048 every second round, ...):
    # on this 5,084-word vocabulary under half of every row each round.
    assert model.stats["rows_synced"] < 0.5 * model.stats["rounds"] * n


@pytest.mark.parametrize("architecture", [dict(sg=0), dict(hs=1, negative=0), dict(sg=0, hs=1, negative=0)])
def test_every_architecture_trains_on_the_cluster(client, planted, architecture):
    settings = dict(SETTINGS, **architecture)
    model = Word2Vec(corpus_file=planted[0], cluster=on_cluster(client), **settings)
    n, dim = len(model.vocab), SETTINGS["vector_size"]
    hierarchical = model.config.loss == "hs"
    assert (model.syn1 is not None) == hierarchical
    if hierarchical:
        assert model.syn1.shape == (n - 1, dim) and np.any(model.syn1)
        assert model.syn1neg is None  # no word's output row: none allocated, none sent
    assert all(np.isfinite(model.epoch_losses)) and model.epoch_losses[1] < model.epoch_losses[0]
    # As well as one machine, within a margin: on this small corpus one thread gets 0.20 (CBOW
    # with negatives), 0.90 (CBOW, hierarchical softmax), 0.99 (skip-gram, hierarchical softmax);
    # untrained vectors answer < 5%.
    one_machine = Word2Vec(corpus_file=planted[0], workers=1, **settings)
    expected = evaluate_analogies(one_machine.wv, planted[1]).accuracy
    assert evaluate_analogies(model.wv, planted[1]).accuracy > max(0.1, 0.6 * expected)


def test_cluster_vocabulary_is_one_machines(reference_run, planted):
    local = Word2Vec(workers=1, **SETTINGS)
    local.build_vocab(corpus_file=planted[0])
    assert local.vocab.words == reference_run.vocab.words
    np.testing.assert_array_equal(local.vocab.counts, reference_run.vocab.counts)
    assert local.corpus.n_words == reference_run.corpus.n_words


def test_lanes_aligned_under_hierarchical_softmax_train_on_the_cluster(client, planted):
    """The align rules with hierarchical softmax: the inner nodes stay apart between merges and
    are rotated and averaged with the word vectors at each epoch's end."""
    settings = dict(SETTINGS, hs=1, negative=0)
    model = Word2Vec(corpus_file=planted[0], cluster=on_cluster(client, combine="align-epochs"), **settings)
    assert model.stats["combine"] == "align-epochs"
    assert model.stats["rows_synced"] == SETTINGS["epochs"] * len(model.vocab)  # every row, once an epoch
    assert np.isfinite(model.syn1).all() and np.any(model.syn1)
    assert all(np.isfinite(model.epoch_losses)) and model.epoch_losses[1] < model.epoch_losses[0]
    assert evaluate_analogies(model.wv, planted[1]).accuracy > 0.1  # untrained vectors answer < 5%


def test_a_rerun_gives_the_same_vectors(reference_run, client, planted):
    again = Word2Vec(corpus_file=planted[0], cluster=on_cluster(client), **SETTINGS)
    np.testing.assert_array_equal(again.wv.vectors, reference_run.wv.vectors)


def _kill_a_busy_worker(client, timeout=20.0, task="fastw2v-replica"):
    """SIGKILL a worker process while it runs a task whose key holds `task`; returns its pid."""
    def executing(dask_worker):
        return [str(task.key) for task in dask_worker.state.executing]

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [address for address, keys in client.run(executing).items()
                if any(task in key for key in keys)]
        if busy:
            pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            return pid
    raise AssertionError(f"no worker ran a task {task}")


def _interrupted(model, monkeypatch, step, call, checkpoint):
    """Train `model` with Ctrl-C landing at the `call`-th call of the driver's function `step`
    (before it runs), then put the function back."""
    original, calls = getattr(driver, step), []

    def interrupting(*args):
        calls.append(1)
        if len(calls) == call:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(driver, step, interrupting)
    with pytest.raises(KeyboardInterrupt):
        model.train(checkpoint=checkpoint)
    monkeypatch.setattr(driver, step, original)


def test_cli_trains_on_a_local_cluster_and_joins_a_running_one(client, planted, tmp_path, capsys):
    common = ["--dim", "16", "--epochs", "1", "--sync-words", "50000", "--quiet"]
    local, joined = tmp_path / "local.txt", tmp_path / "joined.bin"
    assert main(["train", planted[0], "-o", str(local), "--dask", "local:2", *common]) == 0
    assert main(["train", planted[0], "-o", str(joined), "--dask", client.scheduler.address,
                 "--dask-work-dir", str(tmp_path), *common]) == 0
    first, second = KeyedVectors.load(str(local)), KeyedVectors.load(str(joined))
    assert first.vectors.shape == second.vectors.shape and first.vectors.shape[1] == 16
    np.testing.assert_array_equal(first.vectors, second.vectors)  # same seed, same lanes
    assert sorted(os.listdir(tmp_path)) == ["joined.bin", "local.txt"]  # work folders removed


@pytest.mark.parametrize("argv, combine", [([], None),
                                           (["--combine", "tiered-clipped-sum"], "tiered-clipped-sum")])
def test_cli_combine_option_reaches_the_cluster_settings(argv, combine):
    from fastw2v.cli import build_parser
    from fastw2v.cli.train import _cluster_settings

    args = build_parser().parse_args(["train", "c.txt", "-o", "v.txt", "--dask", "local:2", *argv])
    settings = _cluster_settings(args, args.output)
    assert settings.combine == combine and settings.address == "local:2"


@pytest.mark.parametrize("rule", ["median", "sum"])  # sum: a rule of the per-round snapshots, removed
def test_cli_refuses_an_unknown_combining_rule(capsys, rule):
    with pytest.raises(SystemExit) as stop:
        main(["train", "c.txt", "-o", "v.txt", "--dask", "local:2", "--combine", rule])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--combine" in err and "Traceback" not in err


def test_a_scheduler_file_joins_its_cluster(client, tmp_path):
    from fastw2v.cluster.connect import Session

    path = tmp_path / "scheduler.json"  # what `dask scheduler --scheduler-file` writes, in short
    path.write_text(json.dumps({"type": "Scheduler", "address": client.scheduler.address}))
    session = Session.open(ClusterSettings(scheduler_file=str(path), connect_timeout=5))
    try:
        assert session.worker_threads() == client.nthreads()
    finally:
        session.close()


def test_unreachable_scheduler_is_one_clear_error(planted, tmp_path, capsys):
    start = time.monotonic()
    code = main(["train", planted[0], "-o", str(tmp_path / "v.txt"), "--dask", "tcp://127.0.0.1:9",
                 "--dask-timeout", "1", "--dask-work-dir", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("fastw2v: error: cannot reach the Dask scheduler at "
                                                   "tcp://127.0.0.1:9 within 1 s")
    assert time.monotonic() - start < 10
    with pytest.raises(ClusterError, match="no such scheduler file"):
        Word2Vec(corpus_file=planted[0], cluster=ClusterSettings(scheduler_file=str(tmp_path / "none.json")))


def test_missing_dask_is_one_clear_error(planted, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now fails
    code = main(["train", planted[0], "-o", str(tmp_path / "v.txt"), "--dask", "local:2", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "needs dask and distributed" in err and "pip install 'fastw2v[dask]'" in err
    assert not os.path.exists(tmp_path / "v.txt")


def test_byte_range_shards_encode_as_one_machine_does(client, planted, tmp_path):
    sources = shards.plan_sources([planted[0]], lanes=2, target_bytes=200_000)
    assert len(sources) > 4 and all(s.stop is not None for s in sources)
    with open(planted[0], "rb") as handle:
        data = handle.read()
    assert all(data[s.start - 1:s.start] == b"\n" for s in sources[1:])
    sharded, vocab = shards.build_sharded_corpus(client, sources, str(tmp_path), _config(), "test", "t1")
    local = Word2Vec(workers=1, **SETTINGS)
    local.build_vocab(corpus_file=planted[0])
    assert vocab.words == local.vocab.words
    parts = [corpus_mod.EncodedCorpus.load(sharded.shard_dir(s)) for s in range(len(sources))]
    np.testing.assert_array_equal(np.concatenate([p.ids for p in parts]), local.corpus.ids)
    starts = np.cumsum([0] + [p.n_words for p in parts[:-1]])
    offsets = np.concatenate([[0]] + [p.offsets[1:] + s for p, s in zip(parts, starts)])
    np.testing.assert_array_equal(offsets, local.corpus.offsets)

    schedule = rounds.RoundSchedule(sharded, lanes=3, sync_words=10_000, epochs=2)
    covered = [(shard, lo, hi) for lane in range(3) for r in range(schedule.rounds_per_epoch)
               for shard, lo, hi in schedule._stretches[lane * schedule.rounds_per_epoch + r]]
    for shard in range(len(sources)):
        mine = sorted((lo, hi) for s, lo, hi in covered if s == shard)
        assert mine[0][0] == 0 and mine[-1][1] == sharded.sentences[shard]
        assert all(a[1] == b[0] for a, b in zip(mine, mine[1:]))  # each sentence once
    assert sum(schedule.round_words(r) for r in range(schedule.rounds_per_epoch)) == sharded.n_words
    assert schedule.words_before(1, 0) == sharded.n_words


def test_a_one_line_file_is_cut_at_spaces(tmp_path):
    path = tmp_path / "one-line.txt"
    path.write_bytes(b" ".join(b"w%d" % (i % 97) for i in range(100_000)))
    sources = shards.plan_sources([str(path)], lanes=2, target_bytes=100_000)
    assert len(sources) > 3
    tokens = []
    for k, source in enumerate(sources):
        spool = tmp_path / f"spool-{k}"
        spool.mkdir()
        tokens.extend(raw_tokens(reader.read_text([shards.source_piece(source)], str(spool))))
    assert tokens == path.read_text().split()


def _config():
    from fastw2v.config import TrainConfig

    return TrainConfig(workers=1, **SETTINGS)


def test_default_rounds_by_lanes():
    from fastw2v.cluster.connect import DEFAULT_COMBINE, default_sync_words, rate_scale

    assert DEFAULT_COMBINE == "tiered-mean"
    # Resident replicas: 150,000 words a lane at 1-2 lanes, 200,000 a round beyond; the mean's
    # rate raised with the lanes.
    assert [default_sync_words(lanes) for lanes in (1, 2, 4, 8, 16, 64)] == [
        150_000, 150_000, 50_000, 25_000, 12_500, 3_125]
    assert [rate_scale(lanes, "tiered-mean") for lanes in (1, 2, 4, 8, 16)] == [1, 3, 5, 9, 10]
    assert rate_scale(8, "tiered-sum") == 1 and rate_scale(8, "replica-mean") == 9


@pytest.mark.parametrize("bad, message", [
    (dict(address="local"), "local:N"), (dict(address="local:0"), "local:N"),
    (dict(address="local:2", scheduler_file="s.json"), "exactly one"),
    (dict(address="local:2", combine="median"), "combine"),
    (dict(address="local:2", combine="clipped-sum"), "per-round snapshots .* no longer available"),
    (dict(address="local:2", sync_words=0), "sync_words")])
def test_bad_cluster_settings_are_refused(bad, message):
    from fastw2v.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        ClusterSettings(**bad)


def test_a_diverging_run_stops_with_a_clear_error(client, planted):
    from fastw2v.errors import ConfigError

    # Adding up four lanes' changes every 30,000 words each overshoots on this corpus.
    with pytest.raises(ConfigError, match="training diverged .* smaller --sync-words"):
        Word2Vec(corpus_file=planted[0],
                 cluster=on_cluster(client, sync_words=30_000, lanes=4, combine="tiered-sum"), **SETTINGS)


def test_a_task_that_kills_its_workers_ends_in_one_clear_error():
    """What counting and encoding the shards gather goes through `connect.gather`: a task that
    kills every worker it runs on is a ClusterError naming the step, not a Dask traceback."""
    import logging

    import dask

    from fastw2v.cluster.connect import gather

    def crash(_):
        os._exit(1)

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                     dashboard_address=":0", silence_logs=logging.CRITICAL) as cluster, \
            distributed.Client(cluster) as client:
        with pytest.raises(ClusterError, match="counting corpus.txt: a task killed its worker"):
            gather(client, client.map(crash, [1], pure=False), "counting corpus.txt")


def test_replica_tiers_double_with_the_rounds_and_an_epoch_ends_with_every_row():
    from fastw2v.cluster.replicas import tier_rows

    assert [tier_rows(r, False, 100_000) for r in range(8)] == [
        1024, 2048, 1024, 4096, 1024, 2048, 1024, 8192]
    assert tier_rows(3, True, 100_000) == 100_000  # the epoch's last round: every row
    assert tier_rows(1023, False, 5_000) == 5_000 and tier_rows(0, False, 700) == 700  # capped by the rows
    assert tier_rows(1, False, 10_000, first_rows=16) == 32


def test_replicas_average_their_first_rows_only():
    from fastw2v.cluster.replicas import average_rows

    rng = np.random.default_rng(0)
    replicas = [rng.standard_normal((6, 3)).astype(np.float32) for _ in range(3)]
    before = [r.copy() for r in replicas]
    assert average_rows(replicas, 4) == 4 * 3 * 4
    mean = np.mean([b[:4].astype(np.float64) for b in before], axis=0).astype(np.float32)
    for replica, old in zip(replicas, before):
        np.testing.assert_array_equal(replica[:4], mean)
        np.testing.assert_array_equal(replica[4:], old[4:])  # the rows past the tier: each lane's own
    alone = [before[0].copy()]
    assert average_rows(alone, 6) == 0 and alone[0].tobytes() == before[0].tobytes()


def test_resident_replicas_in_turn_train_and_send_only_their_tiers(client, planted):
    """Two lanes, averaged with the learning rate doubled (a mean counts each lane's change
    half), learn the planted analogies as well as one, and send fewer rows with tiers than with
    every row each round; two lanes trained apart and aligned learn them too."""
    from bench.lanes import train_replicas

    def built(lanes):
        settings = dict(SETTINGS, alpha=SETTINGS["alpha"] * lanes)
        model = Word2Vec(cluster=on_cluster(client, lanes=lanes, sync_words=5_000), **settings)
        model.build_vocab(corpus_file=planted[0])
        return model

    one = built(1)
    train_replicas(one, 1, 5_000, "tiered-mean")
    tiered, every = built(2), built(2)
    sent = train_replicas(tiered, 2, 5_000, "tiered-mean", first_rows=64)
    all_rows = train_replicas(every, 2, 5_000, "replica-mean")
    assert sent["syncs"] == all_rows["syncs"] and sent["rows_sent"] < all_rows["rows_sent"] / 2
    alone = evaluate_analogies(one.wv, planted[1]).accuracy
    assert evaluate_analogies(tiered.wv, planted[1]).accuracy > alone - 0.05
    aligned = Word2Vec(cluster=on_cluster(client, lanes=2, sync_words=5_000), **dict(SETTINGS, alpha=0.05))
    aligned.build_vocab(corpus_file=planted[0])
    merged = train_replicas(aligned, 2, 5_000, "align")  # two halves of 300,000 words, apart
    assert merged["rows_sent"] == len(aligned.vocab)  # every row, once: at the run's end
    assert evaluate_analogies(aligned.wv, planted[1]).accuracy > 0.2  # far below one lane, above chance


def test_replicas_sum_and_clipped_sum_add_the_lanes_changes_since_the_last_sync():
    from fastw2v.cluster.replicas import combine_rows

    base = np.zeros((4, 2), dtype=np.float32)
    lanes = [np.array([[1, 0], [0, 1], [3, 0], [5, 5]], dtype=np.float32),
             np.array([[1, 0], [0, 0], [0, 3], [7, 7]], dtype=np.float32)]
    summed = [lane.copy() for lane in lanes]
    assert combine_rows(summed, base.copy(), 3, "sum") == 3 * 2 * 4
    np.testing.assert_array_equal(summed[0][:3], [[2, 0], [0, 1], [3, 3]])  # both lanes' changes
    np.testing.assert_array_equal(summed[1][3], [7, 7])  # past the tier: untouched
    clipped, kept = [lane.copy() for lane in lanes], base.copy()
    combine_rows(clipped, kept, 3, "clipped-sum")
    np.testing.assert_allclose(clipped[0][0], [np.sqrt(2), 0], rtol=1e-6)  # the same way twice: √2 not 2
    np.testing.assert_array_equal(clipped[1][1], [0, 1])  # one lane's change: whole
    np.testing.assert_array_equal(clipped[1][2], [3, 3])  # orthogonal changes: √2 times one, kept
    np.testing.assert_array_equal(kept[:3], clipped[0][:3])  # the base follows the synchronised rows


def test_aligned_merge_undoes_each_models_rotation():
    """Models that are one model rotated (and a little noise) merge into it, in the first
    model's frame; a word one model never saw is taken from the others."""
    from fastw2v.cluster.replicas import aligned_merge

    rng = np.random.default_rng(1)
    truth = rng.standard_normal((300, 8))
    rotations = [np.linalg.qr(rng.standard_normal((8, 8)))[0] for _ in range(3)]
    models = [(truth @ q + 0.01 * rng.standard_normal(truth.shape)).astype(np.float32) for q in rotations]
    seen = np.ones((3, 300), dtype=bool)
    seen[1, :10] = False
    models[1][:10] = 99.0  # never trained: must not count
    merged, maps = aligned_merge(models, seen)
    np.testing.assert_allclose(merged, truth @ rotations[0], atol=0.04)  # the noise: 0.01 a value
    for q, w in zip(rotations, maps):  # each map takes its model to the first's frame
        np.testing.assert_allclose(q @ w, rotations[0], atol=0.01)


def test_an_aligned_merge_keeps_each_lanes_scores():
    """Two lanes that are one model rotated: their output rows are rotated with their word
    vectors, so that the merged v·u are the lanes' (for rows both changed); a row neither lane
    changed keeps its value."""
    from fastw2v.cluster.replicas import merge_aligned

    rng = np.random.default_rng(2)
    V, U = rng.standard_normal((200, 6)), rng.standard_normal((50, 6))
    q = np.linalg.qr(rng.standard_normal((6, 6)))[0]
    base_v, base_u = np.zeros((200, 6), np.float32), np.zeros((50, 6), np.float32)
    base_u[49] = 5.0
    lanes = []
    for rotation in (np.eye(6), q):
        u = (U @ rotation).astype(np.float32)
        u[49] = 5.0  # untouched by this lane
        lanes.append(((V @ rotation).astype(np.float32), u))
    scores = lanes[1][0] @ lanes[1][1][:49].T
    assert merge_aligned(lanes, (base_v, base_u)) == base_v.nbytes + base_u.nbytes
    np.testing.assert_allclose(base_v @ base_u[:49].T, scores, atol=1e-4)
    np.testing.assert_allclose(base_v, V, atol=1e-4)  # in the first lane's frame
    np.testing.assert_array_equal(base_u[49], 5.0)
    for lane in lanes:  # every lane holds the merged model
        np.testing.assert_array_equal(lane[0], base_v)
        np.testing.assert_array_equal(lane[1], base_u)


@pytest.mark.parametrize("rule, message_bytes", [("tiered-mean", None), ("tiered-mean", 16_000),
                                                 ("tiered-clipped-sum", None), ("align", None),
                                                 ("align-epochs", None)])
def test_resident_replicas_on_the_cluster_compute_what_bench_lanes_does(client, planted, rule, message_bytes,
                                                                        monkeypatch):
    """The cluster's resident replicas (each lane's model kept on its worker, the tiers combined
    on the driver) and `bench.lanes.train_replicas` (the same lanes in turn in one process), bit
    for bit: 3 lanes, the tiered mean at its raised rate, the tiered clipped sum, and lanes that
    train apart, aligned at each epoch's end; also with messages of 16,000 bytes, so that the
    placement and every update but the smallest travel as many slices."""
    from bench.lanes import train_replicas
    from fastw2v.cluster.connect import rate_scale

    if message_bytes is not None:
        monkeypatch.setattr(driver._ResidentLanes, "MESSAGE_BYTES", message_bytes)
        sliced = []
        set_rows = driver._ResidentLanes._set_rows
        monkeypatch.setattr(driver._ResidentLanes, "_set_rows",
                            lambda self, *args: sliced.append(1) or set_rows(self, *args))
    cluster = on_cluster(client, lanes=3, sync_words=5_000, combine=rule)
    on_workers = Word2Vec(corpus_file=planted[0], cluster=cluster, **SETTINGS)
    scale = rate_scale(3, rule)
    default_min_alpha = Word2Vec().config.min_alpha  # gensim's 0.0001
    in_turn = Word2Vec(cluster=cluster, **dict(SETTINGS, alpha=SETTINGS["alpha"] * scale,
                                              min_alpha=default_min_alpha * scale))
    in_turn.build_vocab(corpus_file=planted[0])
    stats = train_replicas(in_turn, 3, 5_000, rule)
    assert on_workers.stats["combine"] == rule and on_workers.stats["rounds"] == stats["syncs"]
    assert in_turn.wv.vectors.tobytes() == on_workers.wv.vectors.tobytes()
    assert in_turn.syn1neg.tobytes() == on_workers.syn1neg.tobytes()
    if message_bytes is not None:  # the placement, and the updates of more than a few rows
        assert len(sliced) > 1 + SETTINGS["epochs"]


def test_a_lane_whose_worker_is_killed_restarts_and_the_run_still_learns(reference_run, client, planted,
                                                                         monkeypatch):
    """Resident replicas: a SIGKILLed worker loses its lane's replica; the lane restarts from the
    driver's model (the rows synchronised so far) on a live worker, retrains its stretch, and the
    run ends as well trained as an undisturbed one."""
    rounds_done = driver._ResidentLanes.round
    killed = []

    def kill_during_round_three(self, *args):
        if self.stats["rounds"] == 2 and not killed:
            import threading

            threading.Timer(0.05, lambda: killed.append(
                _kill_a_busy_worker(client, task="fastw2v-replica"))).start()
        return rounds_done(self, *args)

    monkeypatch.setattr(driver._ResidentLanes, "round", kill_during_round_three)
    model = Word2Vec(corpus_file=planted[0], cluster=on_cluster(client), **SETTINGS)
    assert killed and model.stats["lane_restarts"] >= 1
    assert model.progress.words == SETTINGS["epochs"] * model.corpus.n_words
    undisturbed = evaluate_analogies(reference_run.wv, planted[1]).accuracy
    assert evaluate_analogies(model.wv, planted[1]).accuracy > undisturbed - 0.1
    client.wait_for_workers(2, timeout=90)  # the nanny restarts it for the next tests (slow when loaded)


def test_a_replica_run_resumes_from_its_checkpoint(client, planted, tmp_path, monkeypatch):
    """Checkpoints come right after a synchronisation of every row (one is forced when a
    checkpoint falls due mid-epoch): resumed, the run ends where an undisturbed run with the same
    checkpoints ends."""
    path = str(tmp_path / "run.ckpt")
    every_round = Checkpointing(path, 0.0, {"note": "kept"})
    whole = Word2Vec(cluster=on_cluster(client), **SETTINGS)
    whole.build_vocab(corpus_file=planted[0], corpus_dir=str(tmp_path / "whole.corpus"))
    whole.train(checkpoint=Checkpointing(str(tmp_path / "whole.ckpt"), 0.0))
    model = Word2Vec(cluster=on_cluster(client), **SETTINGS)
    model.build_vocab(corpus_file=planted[0], corpus_dir=path + ".corpus")
    _interrupted(model, monkeypatch, "combine_lanes", 5, every_round)
    resumed = Word2Vec.load(path)
    assert resumed.progress.next_job == 4 and resumed.saved_run["note"] == "kept"
    resumed.cluster = on_cluster(client)
    resumed.train(checkpoint=every_round)
    np.testing.assert_array_equal(resumed.wv.vectors, whole.wv.vectors)
    assert resumed.epoch_losses == pytest.approx(whole.epoch_losses, rel=1e-12)
    from fastw2v.errors import ConfigError

    older = Word2Vec.load(path)  # as a checkpoint of a run with per-round snapshots would say
    older.saved_run["cluster"]["combine"] = "sum"
    older.cluster = on_cluster(client)
    with pytest.raises(ConfigError, match="combines by 'sum', per-round snapshots .* no longer trains"):
        older.train()
