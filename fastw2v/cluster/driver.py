"""A Dask cluster as a backend (`fastw2v.backend.Backend`): `ClusterBackend` builds the vocabulary
on the workers and trains the model's run round by round; it owns the cluster session and the
run's layout (`ClusterRun`).

The driver holds the model; each lane's worker holds a replica (`fastw2v.cluster.resident`). Each
round every lane trains its stretch on its replica and sends back the rows of the round's
frequency tier; the driver combines them (`replicas.combine_rows`, in lane order), sends the result
with the next round's tasks, and counts the round's words, pairs and loss (float64) into the run's
`plan.Progress`; a round is the unit of progress and of the loss curve.

Faults: a lane whose worker leaves the cluster is placed again from the driver's rows on a live
worker and retrains its stretch. Checkpoints, right after a round that synchronised every row,
hold the model plus the cluster run's layout (lanes, sync words, the combining rule, the work
folder and its shards), so `Word2Vec.load` + `train` (``fastw2v resume``) finishes the same rounds.
"""

import os
import tempfile
import time
import uuid
from concurrent.futures import CancelledError
from dataclasses import dataclass, replace

import numpy as np
from tqdm import tqdm

from fastw2v.backend import Backend, Prepared, Trained, VocabularyRule
from fastw2v.cluster.connect import (ALIGN_RULES, COMBINE_RULES, DEFAULT_COMBINE, SNAPSHOT_RULES,
                                     ClusterError, ClusterSettings, Session, as_settings,
                                     default_sync_words, import_distributed, rate_scale,
                                     shared_paths_missing)
from fastw2v.cluster.replicas import FIRST_TIER_ROWS, tier_rows
from fastw2v.cluster.resident import (LaneResult, ReplicaLost, SyncRows, combine_lanes, drop_replica,
                                      place_replica, set_rows, train_replica)
from fastw2v.cluster.rounds import RoundSchedule
from fastw2v.cluster.shards import ShardedCorpus, build_sharded_corpus, plan_sources
from fastw2v.errors import ConfigError
from fastw2v.kernels import learning_rate
from fastw2v.local import describe_source, source_paths
from fastw2v.plan import Progress

DIVERGED = 4.0  # a round whose loss per pair is this many times the run's first round's: diverged


@dataclass
class ClusterRun:
    """A model's cluster run: how it connects and how its rounds are cut (fixed for the run).

    Attributes:
        settings: ClusterSettings. lanes: int. corpus: ShardedCorpus.
    """

    settings: ClusterSettings
    lanes: int
    corpus: ShardedCorpus

    @property
    def combine(self):
        return self.settings.combine or DEFAULT_COMBINE

    @property
    def sync_words(self):
        return self.settings.sync_words or default_sync_words(self.lanes, self.combine)

    def to_run(self):
        """The JSON a checkpoint keeps under run["cluster"]."""
        return dict(self.settings.to_run(), lanes=self.lanes, sync_words=self.sync_words,
                    combine=self.combine, **self.corpus.to_run())


class ClusterBackend(Backend):
    """Trains on the Dask cluster a model's ``cluster`` setting names; see the module doc."""

    def __init__(self):
        self.session = None
        self.run = None  # ClusterRun: from build_vocab, or from the checkpoint a model was loaded from

    def build_vocab(self, config, sentences, corpus_file, corpus_dir, where=None, rule=None):
        """Count the shards on the workers, build the vocabulary, encode the shards
        (`Backend.build_vocab`; the model then starts from one machine's initial weights).

        Args:
            where: the cluster (`connect.as_settings`). corpus_file: path(s) every worker can read.
            corpus_dir: the work folder to keep (a checkpoint's), or None for a temporary one.
        Raises:
            ConfigError: sentences given, or a vocabulary `rule` (the shards count by the
                settings alone).
            ClusterError: the cluster is unreachable, or a worker cannot see the input or work folder.
            DatasetError: as on one machine.
        """
        if sentences is not None or corpus_file is None:
            raise ConfigError("a cluster run reads files that every worker can read: give corpus_file=, "
                              "not sentences=")
        if rule is not None and rule != VocabularyRule():
            raise ConfigError("trim_rule, max_final_vocab, keep_raw_vocab, phrases and vocabulary updates "
                              "are not available on a Dask cluster yet: build the vocabulary on this machine")
        settings = as_settings(where)
        paths = source_paths(corpus_file)
        workdir = None
        if corpus_dir is None:
            workdir = tempfile.TemporaryDirectory(prefix=".fastw2v-work-", dir=settings.work_dir)
            work_dir = os.path.abspath(workdir.name)
        else:
            os.makedirs(corpus_dir, exist_ok=True)
            corpus_dir = work_dir = os.path.abspath(corpus_dir)
        session = self._session(settings)
        try:
            lanes = settings.lanes or sum(session.worker_threads().values())
            sources = plan_sources(paths, lanes)
            _require_shared(session, sorted({source.path for source in sources}), work_dir)
            corpus, vocab = build_sharded_corpus(session.client, sources, work_dir, config,
                                                 describe_source(paths), uuid.uuid4().hex[:8])
        except BaseException:
            self.close()
            raise
        self.run = ClusterRun(settings, lanes, corpus)
        return Prepared(vocab, corpus, corpus_dir, workdir, tokens=vocab.total_words,
                        sentences=corpus.n_sentences)

    def train(self, state, show_progress, checkpoint):
        """Train the rest of the model's cluster run (a new run of `config.epochs` epochs when it
        has none, or has finished), round by round; see the module doc. The session closes at
        the end.

        Args:
            state: `backend.TrainingState`; its ``where`` (the model's ``cluster``), when set,
                says where to run. show_progress: show a tqdm bar.
            checkpoint: None or `backend.Checkpointing`: saved at round boundaries every so
                often, on Ctrl-C and when the cluster is lost.
        Returns:
            Trained, whose stats also hold the cluster's figures (lanes, rounds,
            bytes_to_workers, bytes_from_workers, rows_synced, lane_restarts, compute_seconds).
        """
        trained = Trained({})
        if self.run is None:
            self.run = _saved_cluster_run(state)
            trained.corpus, trained.corpus_dir = self.run.corpus, self.run.corpus.work_dir
        _follow(self.run, state)
        try:
            session = self._session(self.run.settings)
            trained.stats = _train(state, self.run, session, show_progress, checkpoint)
            return trained
        finally:
            self.close()

    def close(self):
        """Close the cluster session (a LocalCluster it started stops)."""
        session, self.session = self.session, None
        if session is not None:
            session.close()

    def _session(self, settings):
        if self.session is None or self.session.settings != settings:
            self.close()
            self.session = Session.open(settings)
        return self.session


def _require_shared(session, inputs, work_dir):
    missing = shared_paths_missing(session, inputs + [work_dir], [work_dir])
    if missing:
        worker, paths = next(iter(missing.items()))
        raise ClusterError(f"worker {worker} cannot read {paths[0]}" + (f" (and {len(paths) - 1} more)"
                           if len(paths) > 1 else "") + ": the inputs and the work folder must be on a "
                           "filesystem every worker shares, at the same path (choose the work folder "
                           "with --dask-work-dir DIR or ClusterSettings(work_dir=...))")


def _follow(run, state):
    """Point the run at the cluster the model's ``cluster`` names now, if it names one: an
    unfinished run keeps its rounds (sync words, combining rule, lanes) whatever it says."""
    if state.where is None or as_settings(state.where) == run.settings:
        return
    progress = state.progress
    unfinished = progress is not None and 0 < progress.words < state.config.epochs * run.corpus.n_words
    wanted = as_settings(state.where)
    run.settings = _keep_rounds(wanted, run.to_run()) if unfinished else wanted
    if wanted.lanes and not unfinished:
        run.lanes = wanted.lanes


def _saved_cluster_run(state):
    """The ClusterRun of the checkpoint a model was loaded from."""
    saved = state.saved_run.get("cluster")
    if saved is None:
        raise ConfigError("this model has no cluster run: build_vocab() with cluster= first")
    if saved["combine"] in SNAPSHOT_RULES:
        raise ConfigError(f"this checkpoint's cluster run combines by {saved['combine']!r}, per-round "
                          "snapshots of the whole model, which this version no longer trains: train it "
                          "again, or resume it with the version that wrote it")
    if saved["combine"] not in COMBINE_RULES:
        raise ConfigError(f"this checkpoint's cluster run combines by {saved['combine']!r}, which this "
                          f"version does not know (it knows {', '.join(COMBINE_RULES)})")
    corpus = ShardedCorpus.from_run(saved)
    if state.where is not None:
        settings = _keep_rounds(as_settings(state.where), saved)
    elif saved["address"] or saved["scheduler_file"]:
        settings = ClusterSettings(address=saved["address"], scheduler_file=saved["scheduler_file"],
                                   sync_words=saved["sync_words"], combine=saved["combine"],
                                   connect_timeout=saved["connect_timeout"])
    else:
        raise ClusterError("this cluster run used a Dask client, which a checkpoint cannot keep: set "
                           "model.cluster (or resume with --dask)")
    return ClusterRun(settings, int(saved["lanes"]), corpus)


def _keep_rounds(settings, saved):
    """settings with a run's sync words and combining rule (saved: `ClusterRun.to_run`), so that
    its rounds do not change."""
    return replace(settings, sync_words=saved["sync_words"], combine=saved["combine"])


def _run_stats(figures, state, run, start, words_before, kept_before):
    """A cluster run's stats: its rounds' `figures` (dict), then the words, kept words, seconds,
    pairs and words/s since `start` (perf_counter) and the run's layout."""
    seconds = time.perf_counter() - start
    words = state.progress.words - words_before
    return dict(figures, words=words, kept=state.progress.kept - kept_before, seconds=seconds,
                pairs=int(state.progress.pairs.sum()), words_per_second=words / max(seconds, 1e-9),
                lanes=run.lanes, sync_words=run.sync_words, combine=run.combine)


def _refuse_divergence(results, first_loss, run):
    """The run's first round's loss per pair (this one's, when it is the first).

    Raises:
        ConfigError: this round's loss per pair is not finite or DIVERGED times the first's:
            the lanes' combined changes overshoot (the model is left at the previous round).
    """
    pairs = sum(r.pairs for r in results)
    if not pairs:
        return first_loss
    loss = sum(r.loss for r in results) / pairs
    if first_loss is not None and not loss <= DIVERGED * first_loss:
        raise ConfigError(f"training diverged (loss per pair {loss:.3g}, {first_loss:.3g} in the first "
                          f"round) with {run.lanes} lanes combined by {run.combine}: "
                          f"{_divergence_advice(run)}")
    return loss if first_loss is None else first_loss


def _divergence_advice(run):
    """What to change when a run diverges: lanes that train apart only have their rate; the
    mean its raised rate and the round's length; the sums are the rules that overshoot."""
    if run.combine in ALIGN_RULES:
        return "the lanes train apart at the settings' rate: use a smaller alpha"
    if run.combine in ("tiered-mean", "replica-mean"):
        return (f"each lane's {run.sync_words:,} words a round overshoot at the raised rate: use a smaller "
                "--sync-words (sync_words=) or alpha")
    return (f"adding up the lanes' changes every {run.sync_words:,} words each overshoots: use a smaller "
            "--sync-words (sync_words=) or --combine tiered-mean")


def save_checkpoint(state, run, checkpoint):
    """Write a checkpoint of the model at its last round boundary, with the cluster run's layout."""
    state.save(checkpoint.path, dict(checkpoint.run, cluster=run.to_run()), False, state.progress)


def lane_config(config, lanes, combine):
    """The TrainConfig the lanes of a replica run train with: the start and end rates times
    `connect.rate_scale` (the means count each lane's change 1/lanes)."""
    scale = rate_scale(lanes, combine)
    return replace(config, alpha=config.alpha * scale, min_alpha=config.min_alpha * scale)


def syncs_every_row(rule, epoch, round_, schedule):
    """Whether a round ends with every row combined (a checkpoint falling due aside): each
    epoch's last round, for "align" the run's last only (`connect.ALIGN_RULES`)."""
    epoch_end = round_ == schedule.rounds_per_epoch - 1
    return epoch_end and (rule != "align" or epoch == schedule.epochs - 1)


def sync_rows(rule, round_, last, n_words, word_rows, first_rows=FIRST_TIER_ROWS):
    """The SyncRows of a round: every row when `last` (`syncs_every_row`, or a checkpoint due);
    else the round's frequency tier (`replicas.tier_rows`, from `first_rows`), every row for
    "replica-mean", none for the align rules (their lanes train apart)."""
    if rule in ALIGN_RULES:
        return SyncRows(n_words, word_rows) if last else SyncRows(0, word_rows, nodes=False)
    words = n_words if rule == "replica-mean" else tier_rows(round_, last, n_words, first_rows)
    return SyncRows(words, word_rows)


def combine_how(rule):
    """How `combine_lanes` combines a rule's rows: "mean", "sum", "clipped-sum" or "align"."""
    if rule in ALIGN_RULES:
        return "align"
    return "mean" if rule == "replica-mean" else rule[len("tiered-"):]


def _train(state, run, session, show_progress, checkpoint):
    """The rounds of the run (see `fastw2v.cluster.resident`): the lanes' replicas placed
    on the workers, each round's tier combined into the model, every row at each epoch's end
    ("align": at the run's end; `syncs_every_row`), so that the model is whole there; a
    checkpoint that falls due mid-epoch makes the next round sync every row first. Returns the
    stats."""
    config = state.config
    schedule = RoundSchedule(run.corpus, run.lanes, run.sync_words, config.epochs)
    if state.progress is None or state.progress.next_job >= len(schedule.jobs):
        state.progress = Progress(config.epochs)
    V, U = state.vectors, state.outputs.trained_rows()
    word_rows = len(state.vocab) if config.objective.scores_words else 0
    lanes = _ResidentLanes(session, run.lanes, word_rows)
    trains = lane_config(config, run.lanes, run.combine)
    start, words_before, kept_before = time.perf_counter(), state.progress.words, state.progress.kept
    deadline = time.monotonic() + checkpoint.every if checkpoint else None
    update, first_loss, whole = None, None, True
    try:
        _on_cluster(lanes.place_all, V, U)
        with tqdm(total=schedule.total_words, initial=state.progress.words, unit="word", unit_scale=True,
                  disable=not show_progress, smoothing=0.1, dynamic_ncols=True) as bar:
            while state.progress.next_job < len(schedule.jobs):
                epoch, round_ = schedule.jobs[state.progress.next_job]
                due = checkpoint is not None and time.monotonic() >= deadline
                last = syncs_every_row(run.combine, epoch, round_, schedule) or due
                rows = sync_rows(run.combine, round_, last, len(state.vocab), word_rows)
                tasks = [schedule.task(epoch, round_, lane, trains) for lane in range(run.lanes)]
                whole = False
                results = _on_cluster(lanes.round, tasks, update, rows, V, U, bar)
                first_loss = _refuse_divergence(results, first_loss, run)
                _, combined = combine_lanes([r.rows for r in results], V, U, rows, combine_how(run.combine))
                update = (rows, combined)
                progress = state.progress
                progress.add(epoch, sum(r.words for r in results), sum(r.pairs for r in results),
                             float(np.sum([r.loss for r in results], dtype=np.float64)),
                             sum(r.kept for r in results))
                progress.next_job += 1
                whole = rows.words == len(state.vocab)
                lanes.stats["rows_synced"] += rows.words
                rate = learning_rate(trains.alpha, trains.min_alpha, float(progress.words),
                                     schedule.total_words)
                bar.set_postfix(lr=f"{rate:.4g}", loss=f"{progress.smoothed_loss:.4f}", refresh=True)
                if due and whole and progress.next_job < len(schedule.jobs):
                    save_checkpoint(state, run, checkpoint)
                    deadline = time.monotonic() + checkpoint.every
    except (KeyboardInterrupt, ClusterError):
        if checkpoint and whole:  # the model is whole only right after a full synchronisation
            save_checkpoint(state, run, checkpoint)
        raise
    finally:
        lanes.drop_all()
    return _run_stats(lanes.stats, state, run, start, words_before, kept_before)


_LOST = object()  # `_ResidentLanes._fetch`: the worker left before the result came


def _on_cluster(step, *args):
    """step(*args), a lost connection to the cluster (OSError: a closed comm, a refused
    connection) told as one ClusterError."""
    try:
        return step(*args)
    except OSError as exc:
        raise ClusterError(f"lost the Dask cluster ({exc})") from None


class _ResidentLanes:
    """The lanes' replicas on the workers: placed once, trained round by round, restarted from
    the driver's model when their worker is lost. Each lane's tasks are pinned to its worker
    (without pinning a task could run where the replica is not, and the run would not be
    reproducible); a lane whose worker leaves the cluster moves to a live one."""

    POLL_SECONDS = 0.5
    # A message to a worker carries at most this many bytes of rows: a tier's update travels inside
    # each lane's task; a placement, or a larger update (an epoch's end: every row), goes ahead of
    # the tasks in slices of it (`set_rows`), so that a worker holds its replica and the slices in
    # flight, not a second model. Each slice in flight costs MESSAGE_BYTES on every worker (peak
    # 1.20-1.33x the model with one, 1.38-1.44x with two, on the English corpus); more hide a
    # network's latency.
    MESSAGE_BYTES = 4 << 20
    SLICES_AHEAD = 1

    def __init__(self, session, lanes, word_rows):
        self.session, self.lanes, self.word_rows = session, lanes, word_rows
        self.token = uuid.uuid4().hex[:8]
        self.workers = []
        self.stats = {"rounds": 0, "bytes_to_workers": 0, "bytes_from_workers": 0, "rows_synced": 0,
                      "lane_restarts": 0, "compute_seconds": 0.0}

    def key(self, lane):
        return f"fastw2v-replica-{self.token}-{lane}"

    def _live_workers(self):
        live = list(self.session.worker_threads())
        if not live:
            raise ClusterError("lost every Dask worker")
        return live

    def place_all(self, V, U):
        """Place every lane's replica of (V, U) on its worker (one per worker in turn)."""
        live = self._live_workers()
        self.workers = [live[lane % len(live)] for lane in range(self.lanes)]
        if not self._place(range(self.lanes), V, U):
            raise ClusterError("lost a Dask worker while placing the model's replicas on the workers")

    def _place(self, lanes, V, U):
        """Make the lanes' replicas of (V, U) on their workers (`place_replica`, then every row in
        slices); False when one of those workers left the cluster meanwhile."""
        client = self.session.client
        made = [(lane, client.submit(place_replica, self.key(lane), V.shape, U.shape, pure=False,
                                     workers=[self.workers[lane]], allow_other_workers=False))
                for lane in lanes]
        if not all(self._outcome(future, self.workers[lane]) is not _LOST for lane, future in made):
            return False
        self.stats["bytes_to_workers"] += int(V.nbytes + U.nbytes) * len(made)
        every_row = SyncRows(V.shape[0], self.word_rows)
        return not self._set_rows([lane for lane, _ in made], every_row, every_row.of(V, U))

    def _set_rows(self, lanes, rows, parts):
        """Send `parts` (values of `rows.of`'s parts) to the lanes' replicas, MESSAGE_BYTES a
        slice, SLICES_AHEAD slices to every lane at once, then the next ones. Returns the set of
        lanes whose replica or worker was lost meanwhile (their further slices are not sent)."""
        client, lost = self.session.client, set()
        slices = []
        for part, values in enumerate(parts):
            step = max(1, self.MESSAGE_BYTES // max(1, values[:1].nbytes))
            slices += [(part, start, values[start:start + step]) for start in range(0, len(values), step)]
        for first in range(0, len(slices), self.SLICES_AHEAD):
            sent = [(lane, client.submit(set_rows, self.key(lane), rows, part, start, values, pure=False,
                                         workers=[self.workers[lane]], allow_other_workers=False))
                    for lane in lanes if lane not in lost
                    for part, start, values in slices[first:first + self.SLICES_AHEAD]]
            lost.update(lane for lane, future in sent if self._outcome(future, self.workers[lane]) is _LOST)
        return lost

    def _fetch(self, future, worker):
        """future.result(), or _LOST when `worker` leaves the cluster first: a lane's task runs on
        its worker only, so its lost result (or the task itself) would be waited for forever."""
        while True:
            try:
                return future.result(timeout=self.POLL_SECONDS)
            except TimeoutError:
                if worker not in self.session.worker_threads():
                    return _LOST

    def round(self, tasks, update, rows, V, U, bar):
        """Every lane's LaneResult of one round, in lane order; a lane whose worker is lost is
        placed again from the model (V, U: its rows as last synchronised, `update` included) on
        a live worker and trains its stretch again."""
        lost = set()
        if update is not None:
            size = sum(part.nbytes for part in update[1])
            self.stats["bytes_to_workers"] += size * self.lanes
            if size > self.MESSAGE_BYTES:  # ahead of the tasks, in slices
                lost = self._set_rows(range(self.lanes), *update)
                update = None
        # A lane that missed a slice restarts from the model, which holds the update.
        futures = {lane: self._restart(lane, task, rows, V, U) if lane in lost else
                   self._train(lane, update, task, rows) for lane, task in enumerate(tasks)}
        results = [None] * self.lanes
        while futures:
            try:
                done, _ = import_distributed().wait(list(futures.values()), timeout=self.POLL_SECONDS,
                                                    return_when="FIRST_COMPLETED")
            except TimeoutError:  # none finished for a while: look for lanes whose worker is gone
                done = set()
            live = None if done else self.session.worker_threads()
            for lane, future in list(futures.items()):
                if future in done:
                    result = self._result(future, self.workers[lane])
                    if result is not None:
                        results[lane] = result
                        bar.update(result.words)
                        del futures[lane]
                        continue
                elif live is None or self.workers[lane] in live:
                    continue
                futures[lane] = self._restart(lane, tasks[lane], rows, V, U, future)
        self.stats["rounds"] += 1
        self.stats["compute_seconds"] += sum(r.seconds for r in results)
        self.stats["bytes_from_workers"] += sum(r.nbytes for r in results)
        return results

    def _train(self, lane, update, task, rows):
        key = f"{self.key(lane)}-round-{self.stats['rounds']}-{self.stats['lane_restarts']}"
        return self.session.client.submit(train_replica, self.key(lane), update, task, rows, key=key,
                                          workers=[self.workers[lane]], allow_other_workers=False)

    def _result(self, future, worker):
        """The future's LaneResult, or None when its replica or its worker was lost (the lane
        restarts)."""
        found = self._outcome(future, worker)
        return None if found is _LOST else LaneResult.received(found)

    def _outcome(self, future, worker):
        """The future's result, or _LOST when its replica or its worker was lost."""
        try:
            return self._fetch(future, worker)
        except ReplicaLost:
            return _LOST
        except CancelledError as exc:
            if self.session.client.status != "running":
                raise ClusterError(f"lost the Dask scheduler ({exc})") from None
            return _LOST
        except (OSError, TimeoutError) as exc:  # tasks raise DatasetError for their own files
            raise ClusterError(f"lost the Dask cluster ({exc})") from None

    def _restart(self, lane, task, rows, V, U, lost=None):
        """Cancel the lane's lost task (if any), place its replica again from the model on a live
        worker, and train its stretch there."""
        if lost is not None:
            self.session.client.cancel([lost])
        self.stats["lane_restarts"] += 1
        if self.stats["lane_restarts"] > 4 * self.lanes:
            raise ClusterError("the lanes' workers keep being lost; is their memory too small for the model?")
        live = self._live_workers()
        self.workers[lane] = live[lane % len(live)]
        if not self._place([lane], V, U):
            return self._restart(lane, task, rows, V, U, lost)
        return self._train(lane, None, task, rows)

    def drop_all(self):
        """Forget the replicas on the workers (best effort: the run is over)."""
        try:
            client = self.session.client
            if client.status == "running":
                for lane, worker in enumerate(self.workers):
                    client.submit(drop_replica, self.key(lane), pure=False, workers=[worker],
                                  allow_other_workers=False)
        except Exception:  # best effort: nothing is left to protect once training has ended
            pass
