"""Rounds of local SGD: the schedule (which lane trains which stretch when), the stretch task
that runs on a worker, and the rule that combines a round's changes on the driver.

The corpus (shards in input order) is cut into `lanes` contiguous parts of about equal words, and
each part into `rounds_per_epoch` stretches; round r trains every lane's r-th stretch, each from
the same snapshot of the model. The same cut serves every epoch, as one machine's spans do.

Learning-rate clock: all lanes of a round train at once, so the run's progress moves `lanes`
words for each word one lane trains. A stretch that starts when C words of the run are done
passes the kernel C/lanes as its words before and total/lanes as the run's words: the kernel's
clock (words before + words it trained) × lanes is then the run's global progress, and the
learning rate decays with it exactly as on one machine.
"""

import copy
import functools
import os
import time
from dataclasses import dataclass, replace

import numpy as np

from fastw2v.cluster.shards import read_vocabulary
from fastw2v.config import TrainConfig
from fastw2v.corpus import EncodedCorpus
from fastw2v.errors import DatasetError
from fastw2v.plan import TrainingPlan
from fastw2v.rng import seed_state

DIFF_ROWS = 1 << 16  # rows compared at once when finding a stretch's changed rows


@dataclass(frozen=True)
class Snapshot:
    """The model a round starts from; tasks never change it.

    Attributes:
        V: float32 (Vocab, D). U: float32 (`plan.output_rows` of one thread, D): syn1neg's rows
            when the loss scores words, then hierarchical softmax's inner nodes when it has them.
    """

    V: np.ndarray
    U: np.ndarray

    @property
    def nbytes(self):
        return int(self.V.nbytes + self.U.nbytes)


@dataclass(frozen=True)
class StretchTask:
    """One lane's work in one round: everything `train_stretch` needs, by value.

    Attributes:
        pieces: tuple of (shard folder, first sentence, end sentence), in corpus order.
        vocab_dir: str, the run's vocabulary folder. settings: tuple of (name, value), the
            TrainConfig's settings. epoch, round, lane: int, which stretch (they seed its draws).
        words_before, total_words: float, the kernel's learning-rate clock (see the module doc).
    """

    pieces: tuple
    vocab_dir: str
    settings: tuple
    epoch: int
    round: int
    lane: int
    words_before: float
    total_words: float


@dataclass(frozen=True)
class StretchResult:
    """What a stretch changed: the rows of V and U it touched and by how much.

    Attributes:
        lane: int. words: int, tokens trained (before sub-sampling). kept: int, those
        sub-sampling kept. pairs: int. loss: float64,
        summed pair losses. rows: (V rows, U rows), int32 (k,) each, ascending. deltas: float32
        (k, D) each, new minus snapshot. seconds: float, the kernel's time.
    """

    lane: int
    words: int
    kept: int
    pairs: int
    loss: float
    rows: tuple
    deltas: tuple
    seconds: float

    @property
    def nbytes(self):
        return int(sum(a.nbytes for a in self.rows + self.deltas))


class RoundSchedule:
    """The rounds of a run and each lane's stretch in them.

    Attributes:
        lanes, rounds_per_epoch: int. jobs: list of (epoch, round), in run order.
        total_words: float, words of every epoch. epoch_words: int.
    """

    def __init__(self, corpus, lanes, sync_words, epochs):
        self.corpus, self.lanes = corpus, int(lanes)
        self.epoch_words = corpus.n_words
        self.rounds_per_epoch = max(1, -(-self.epoch_words // (self.lanes * int(sync_words))))
        count = self.lanes * self.rounds_per_epoch
        self._offsets = [corpus.offsets(s) for s in range(len(corpus.names))]
        starts = np.concatenate([[0], np.cumsum(corpus.words)]).astype(np.int64)
        marks = [self._position(starts, k * self.epoch_words // count) for k in range(count)]
        marks.append((len(corpus.names), 0))
        self._stretches = [self._pieces(a, b) for a, b in zip(marks, marks[1:])]
        words = [sum(int(self._offsets[s][hi] - self._offsets[s][lo]) for s, lo, hi in pieces)
                 for pieces in self._stretches]
        by_round = np.array(words, dtype=np.int64).reshape(self.lanes, self.rounds_per_epoch).sum(axis=0)
        self._round_start = np.concatenate([[0], np.cumsum(by_round)]).astype(np.int64)
        self.jobs = [(e, r) for e in range(epochs) for r in range(self.rounds_per_epoch)]
        self.total_words = float(epochs * self.epoch_words)

    def _position(self, starts, word):
        """(shard, sentence) of the first sentence that starts at or after corpus word `word`."""
        shard = int(np.searchsorted(starts, word, side="right")) - 1
        shard = min(max(shard, 0), len(self.corpus.names) - 1)
        offsets = self._offsets[shard]
        sentence = int(np.searchsorted(offsets[:-1], word - starts[shard], side="left"))
        while shard < len(self.corpus.names) and sentence >= self.corpus.sentences[shard]:
            shard, sentence = shard + 1, 0
        return shard, sentence

    def _pieces(self, start, stop):
        """The (shard, first sentence, end sentence) ranges between two positions."""
        pieces = []
        for shard in range(start[0], min(stop[0], len(self.corpus.names) - 1) + 1):
            lo = start[1] if shard == start[0] else 0
            hi = stop[1] if shard == stop[0] else self.corpus.sentences[shard]
            if hi > lo:
                pieces.append((shard, lo, hi))
        return tuple(pieces)

    def words_before(self, epoch, round_):
        """float, words of the run trained before round `round_` of `epoch` (every lane's)."""
        return float(epoch * self.epoch_words + self._round_start[round_])

    def round_words(self, round_):
        return int(self._round_start[round_ + 1] - self._round_start[round_])

    def task(self, epoch, round_, lane, config):
        """The StretchTask of `lane` in round `round_` of `epoch`; config: TrainConfig."""
        pieces = self._stretches[lane * self.rounds_per_epoch + round_]
        return StretchTask(
            pieces=tuple((self.corpus.shard_dir(s), lo, hi) for s, lo, hi in pieces),
            vocab_dir=self.corpus.vocab_dir, settings=tuple(sorted(config.to_dict().items())),
            epoch=epoch, round=round_, lane=lane,
            words_before=self.words_before(epoch, round_) / self.lanes,
            total_words=self.total_words / self.lanes)


def train_stretch(snapshot, task):
    """Worker task: train one stretch on a copy of the snapshot and return what changed.

    A pure function of its arguments (and the run's files, written once): each piece's draws are
    seeded from (seed, epoch, lane, round, piece) and the kernel runs on one thread, so a rerun
    returns the same result, bit for bit.

    Args:
        snapshot: Snapshot (not changed). task: StretchTask.
    Returns:
        StretchResult.
    """
    V, U = snapshot.V.copy(), snapshot.U.copy()
    words, kept, pairs, loss, seconds = train_stretch_in_place(V, U, task)
    (v_rows, v_delta), (u_rows, u_delta) = changed_rows(V, snapshot.V), changed_rows(U, snapshot.U)
    return StretchResult(task.lane, words, kept, pairs, loss, (v_rows, u_rows), (v_delta, u_delta), seconds)


def train_stretch_in_place(V, U, task):
    """Train one stretch on V and U themselves (a replica: `fastw2v.cluster.replicas`), with
    `train_stretch`'s draws. Returns (words, kept, pairs, loss, seconds)."""
    seed = dict(task.settings)["seed"]
    words = kept = pairs = 0
    loss, start = 0.0, time.perf_counter()
    for index, (shard_dir, lo, hi) in enumerate(task.pieces):
        try:
            plan, scratch = _plan(shard_dir, task.vocab_dir, task.settings)
        except OSError as exc:
            raise DatasetError(f"{shard_dir}: a worker cannot read this encoded shard ({exc})") from None
        piece_seed = int(seed_state(seed, task.epoch, task.lane, task.round, index)) >> 1
        piece = plan.piece(lo, hi, task.words_before + words, task.total_words, piece_seed)
        w, k, p, piece_loss = piece.run_job((0, 0), V, U, scratch)
        words, kept, pairs, loss = words + int(w), kept + int(k), pairs + int(p), loss + float(piece_loss)
    return words, kept, pairs, loss, time.perf_counter() - start


class StretchPlan(TrainingPlan):
    """A shard's `TrainingPlan` whose `run_job` can train any sentence range with the run's
    learning-rate clock: `piece` returns a shallow copy (the tables are shared) whose span 0 is
    the range, whose clock is the stretch's and whose seed is the piece's, so that
    ``piece.run_job((0, 0), V, U, scratch)`` makes the kernel call one machine makes."""

    def piece(self, lo, hi, words_before, total_words, seed):
        """A plan whose job (0, 0) trains sentences [lo, hi) with the kernel's clock at
        `words_before` of `total_words` (floats) and its draws seeded from `seed` (int ≥ 0)."""
        view = copy.copy(self)
        view.spans = np.array([lo, hi], dtype=np.int64)
        view.total_words = float(total_words)
        view.config = replace(self.config, seed=seed)
        view._clock = float(words_before)
        return view

    def words_before(self, epoch, span):
        return self._clock


def _plan(shard_dir, vocab_dir, settings):
    """The shard's StretchPlan and kernel scratch, cached per worker process while the files
    are the same ones (a new run rewrites them)."""
    ids = os.stat(os.path.join(shard_dir, "ids.npy"))
    words = os.stat(os.path.join(vocab_dir, "words.txt"))
    stamp = (ids.st_ino, ids.st_mtime_ns, words.st_ino, words.st_mtime_ns)
    return _cached_plan(shard_dir, vocab_dir, settings, stamp)


@functools.lru_cache(maxsize=8)
def _cached_plan(shard_dir, vocab_dir, settings, stamp):
    plan = StretchPlan(worker_config(dict(settings)), read_vocabulary(vocab_dir),
                       EncodedCorpus.load(shard_dir))
    return plan, plan.scratch(np.float32)


def worker_config(settings):
    """The TrainConfig a stretch runs with: the run's, on one thread (no private hot rows)."""
    return TrainConfig(**dict(settings, workers=1))


def changed_rows(new, old, block=DIFF_ROWS):
    """The rows where two matrices differ, and new minus old there, a block of rows at a time.

    Args:
        new, old: float32 (N, D).
    Returns:
        (rows int32 (k,) ascending, deltas float32 (k, D)).
    """
    rows, deltas = [], []
    for lo in range(0, new.shape[0], block):
        delta = new[lo:lo + block] - old[lo:lo + block]
        changed = np.any(delta != 0, axis=1)
        rows.append(np.flatnonzero(changed).astype(np.int32) + np.int32(lo))
        deltas.append(delta[changed])
    if not rows:
        return np.zeros(0, dtype=np.int32), np.zeros((0, new.shape[1]), dtype=new.dtype)
    return np.concatenate(rows), np.concatenate(deltas)


def combine(results, matrices, rule):
    """Add a round's changes to the model, in lane order (so the sums, and the run, are the
    same whatever order the tasks finished in).

    Rules, for a row changed by n_r of the L lanes:
        "sum": every lane's change, whole (Hogwild's outcome, one round late to the others);
        "clipped-sum": the sum, shortened where it is longer than √n_r times the longest of
            the lanes' changes to the row: changes in independent directions add up as in the
            sum (their sum is about √n_r times as long as one), while a row every lane moved
            the same way (a frequent word's, which each lane's stretch alone takes most of the
            way) moves √n_r times one lane's change instead of n_r times;
        "mean": the mean of the L lanes' changes (model averaging: each change counts 1/L);
        "touched-mean": the mean over the n_r lanes that changed the row (a row one lane
            touched keeps its whole change).

    Args:
        results: list of StretchResult, one per lane, in lane order.
        matrices: (V, U), float32 (Vocab, D), updated in place.
        rule: one of `connect.COMBINE_RULES`.
    """
    for which, matrix in enumerate(matrices):
        parts = [(result.rows[which], result.deltas[which]) for result in results]
        if rule == "clipped-sum":
            _add_clipped_sum(matrix, parts)
            continue
        if rule == "touched-mean":
            lanes_per_row = np.zeros(matrix.shape[0], dtype=np.float32)
            for rows, _ in parts:
                lanes_per_row[rows] += 1
        for rows, delta in parts:
            if rule == "sum":
                matrix[rows] += delta
            elif rule == "mean":
                matrix[rows] += delta * np.float32(1.0 / len(results))
            else:
                matrix[rows] += delta / lanes_per_row[rows, None]


def _add_clipped_sum(matrix, parts):
    """matrix[r] += the lanes' summed change to row r, scaled down to √n_r · max_i |change_i|
    where it is longer (`combine`'s "clipped-sum"). parts: (rows int32 (k,) unique, deltas
    float32 (k, D)) per lane."""
    changed = np.unique(np.concatenate([rows for rows, _ in parts]))
    total = np.zeros((len(changed), matrix.shape[1]), dtype=np.float32)
    longest = np.zeros(len(changed), dtype=np.float64)  # squared norms
    lanes = np.zeros(len(changed), dtype=np.float64)
    for rows, delta in parts:
        at = np.searchsorted(changed, rows)
        total[at] += delta
        longest[at] = np.maximum(longest[at], np.einsum("ij,ij->i", delta, delta, dtype=np.float64))
        lanes[at] += 1
    length = np.einsum("ij,ij->i", total, total, dtype=np.float64)
    bound = lanes * longest
    scale = np.ones(len(changed), dtype=np.float64)
    over = length > bound
    scale[over] = np.sqrt(bound[over] / length[over])
    matrix[changed] += total * scale.astype(np.float32)[:, None]
