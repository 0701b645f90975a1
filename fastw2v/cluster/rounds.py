"""Rounds of local SGD: the schedule (which lane trains which stretch when) and the stretch task
that trains a lane's replica on a worker (`fastw2v.cluster.resident`) or in `bench.lanes`.

The corpus (shards in input order) is cut into `lanes` contiguous parts of about equal words, and
each part into `rounds_per_epoch` stretches; round r trains every lane's r-th stretch. The same
cut serves every epoch, as one machine's spans do.

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


class RoundSchedule:
    """The rounds of a run and each lane's stretch in them.

    Attributes:
        lanes, rounds_per_epoch, epochs: int. jobs: list of (epoch, round), in run order.
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
        self.epochs = int(epochs)
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


def train_stretch(V, U, task):
    """Worker task's core: train one stretch on V and U (a lane's replica), in place.

    Deterministic given V, U and the task (and the run's files, written once): each piece's
    draws are seeded from (seed, epoch, lane, round, piece) and the kernel runs on one thread, so
    the same replica and task give the same result, bit for bit.

    Args:
        V: float32 (Vocab, D). U: float32 (`plan.output_rows` of one thread, D). task: StretchTask.
    Returns:
        (words: int, tokens trained before sub-sampling; kept: int; pairs: int; loss: float,
        summed pair losses; seconds: float, the kernel's time).
    """
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
