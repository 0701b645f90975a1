"""Worker-resident replicas: each lane's copy of the model lives in its worker's process from
round to round, and a round moves only the rows it synchronises (`replicas.tier_rows`).

Tasks, each pinned to the lane's worker:
- `place_replica(key, V_shape, U_shape)`, then `set_rows` slice after slice: a copy of the model
  under `key` (the whole model crosses the network here, a few MB a message: at the run's start,
  and when a lane restarts after its worker was lost); `set_rows` also carries an update too
  large for one message;
- `train_replica(key, update, task, rows)`: set the rows the last synchronisation combined
  (`update`), train the lane's stretch on the replica (`rounds.train_stretch`: the
  draws and learning rate of `bench.lanes`'s replicas, bit for bit), and send back the values of
  the rows this round synchronises (`SyncRows`), as plain tuples (`LaneResult.sent`);
- `drop_replica(key)`.

A task that finds no replica under its key (its worker was replaced) raises `ReplicaLost`.
"""

from dataclasses import dataclass

import numpy as np

from fastw2v.cluster.replicas import combine_rows, merge_aligned
from fastw2v.cluster.rounds import train_stretch

_REPLICAS = {}  # key -> (V, U), in each worker process


class ReplicaLost(RuntimeError):
    """The task ran where its lane's replica is not (the worker that held it is gone)."""


@dataclass(frozen=True)
class SyncRows:
    """The rows one synchronisation combines: the first `words` rows of V and of the words'
    output rows (syn1neg: the first `word_rows` rows of U), and every row of U after them
    (hierarchical softmax's inner nodes: few, and on every path)."""

    words: int
    word_rows: int
    nodes: bool = True  # False: not the inner nodes either (lanes that train apart)

    def of(self, V, U):
        """(V rows, U's word rows, U's inner-node rows) of this sync: views of V and U."""
        nodes = U[self.word_rows:] if self.nodes else U[U.shape[0]:]
        return V[:self.words], U[:min(self.words, self.word_rows)], nodes


@dataclass(frozen=True)
class LaneResult:
    """A lane's round: the stretch's tallies (`rounds.train_stretch`'s: tokens trained, kept,
    pairs, summed loss, the kernel's seconds) and the synchronised rows' values after it (float32
    arrays, `SyncRows.of`'s shapes). `train_replica` sends it as `sent`'s plain tuples: Dask sends
    the arrays of a tuple as they are, but pickles a dataclass with its arrays inside, which held
    two more copies of the rows on the worker (measured: a 35.7 MiB result cost 104 MiB there,
    against 37 MiB as tuples)."""

    lane: int
    words: int
    kept: int
    pairs: int
    loss: float
    seconds: float
    rows: tuple

    @property
    def nbytes(self):
        return int(sum(part.nbytes for part in self.rows))

    @property
    def sent(self):
        """((lane, words, kept, pairs, loss, seconds), rows): what a task returns."""
        return (self.lane, self.words, self.kept, self.pairs, self.loss, self.seconds), self.rows

    @classmethod
    def received(cls, sent):
        """The LaneResult of a task's `sent` tuples."""
        tallies, rows = sent
        return cls(*tallies, rows)


def place_replica(key, V_shape, U_shape):
    """Worker task: make the replica `key`, zeros of V's and U's shapes (float32), for
    `set_rows` to fill (so the model never lies on the worker twice); returns its bytes."""
    _REPLICAS[key] = (np.zeros(V_shape, dtype=np.float32), np.zeros(U_shape, dtype=np.float32))
    return int(sum(part.nbytes for part in _REPLICAS[key]))


def set_rows(key, rows, part, start, values):
    """Worker task: rows [start, start + len(values)) of `rows.of(V, U)[part]` of the replica
    `key` set to `values` (a slice of a placement or of an update too large for one message).

    Raises:
        ReplicaLost: no replica `key` in this process.
    """
    target = rows.of(*_replica(key))[part]
    target[start:start + len(values)] = values


def _replica(key):
    if key not in _REPLICAS:
        raise ReplicaLost(f"replica {key} is not on this worker")
    return _REPLICAS[key]


def train_replica(key, update, task, rows):
    """Worker task: set the rows of `update` (None, or (SyncRows, parts) of the last combine),
    train `task` (`rounds.StretchTask`) on the replica, return the `LaneResult.sent` tuples of
    the values of `rows` (SyncRows): views of the replica, not copies, since the next update
    sets every one of those rows before the replica trains again, and the driver has taken
    them by then.

    Raises:
        ReplicaLost: no replica `key` in this process.
    """
    V, U = _replica(key)
    if update is not None:
        synced, parts = update
        for target, values in zip(synced.of(V, U), parts):
            target[...] = values
    words, kept, pairs, loss, seconds = train_stretch(V, U, task)
    return LaneResult(task.lane, words, kept, pairs, loss, seconds, rows.of(V, U)).sent


def drop_replica(key):
    """Worker task: forget the replica `key` (nothing when it is not here)."""
    _REPLICAS.pop(key, None)


def combine_lanes(parts, V, U, rows, how):
    """Combine the lanes' synchronised rows by `how` (`replicas.combine_rows`: "mean", "sum",
    "clipped-sum"; or "align": `replicas.merge_aligned`, every row) into the driver's model (V, U:
    the rows as last synchronised), in lane order.

    Args:
        parts: list of L tuples (V rows, U word rows, U node rows), one per lane, in lane order;
            changed in place. V, U: float32, the model. rows: SyncRows.
    Returns:
        (bytes one lane sent, the combined values as a tuple like one lane's).
    """
    bases = rows.of(V, U)
    if how == "align":
        sent = merge_aligned(parts, bases)
    else:
        sent = sum(combine_rows([lane[which] for lane in parts], base, base.shape[0], how)
                   for which, base in enumerate(bases))
    return sent, tuple(part.copy() for part in bases)
