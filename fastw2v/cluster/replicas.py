"""Replicas that keep training, synchronised by frequency tier (after Ji et al. 2016, pWord2Vec).

Every lane trains its own copy of the model (a replica) on its part of the corpus, round after
round, and never waits for the others inside a round. After each round the replicas are
averaged, but only over the rows of the most frequent words, in tiers: after the k-th round of an
epoch (k = 1, 2, ...) the first ``first_rows · 2^t`` rows, where 2^t is the largest power of two
that divides k — the top 1,024 after every round, the top 2,048 after every second one, the top
4,096 after every fourth, and so on — and every row after the epoch's last round. A word's id is
its frequency rank, so the rows that every lane moves the most, which are what drift apart, stay
close, while the rows of rare words, which few lanes touch, cross between lanes rarely (the
network's traffic per round is then a few thousand rows, not the model).

How a synchronised row is combined (`combine_rows`): "mean", the replicas' mean (model averaging:
each lane's change counts 1/L, so the learning rate must rise with the lanes); "sum", the last
synchronised value plus every lane's change since (Hogwild's outcome at the rate of one machine);
"clipped-sum", that sum shortened to √n times the longest lane's change where it is longer (n: the
lanes that changed the row: changes in unrelated directions add up as in the sum, about √n times
one, while changes that all point the same way move the row √n times one lane's instead of n
times). Each replica then holds the result. The other way, `merge_aligned`, lets the lanes train
apart and merges them once (or at each epoch's end), by rotating each onto the others. This module
holds the rules; who runs them (the cluster's driver, or `bench.lanes` in one process) holds the
replicas.
"""

import numpy as np

FIRST_TIER_ROWS = 1024


def tier_rows(round_in_epoch, last_round, n_rows, first_rows=FIRST_TIER_ROWS):
    """How many of the first rows to synchronise after a round.

    Args:
        round_in_epoch: int ≥ 0, the round just trained (0 is the epoch's first). last_round:
            whether it was the epoch's last (then every row). n_rows: rows of the matrix.
        first_rows: int ≥ 1, the first tier's rows.
    Returns:
        int in [min(first_rows, n_rows), n_rows].
    """
    if last_round:
        return n_rows
    k = round_in_epoch + 1
    doublings = (k & -k).bit_length() - 1  # the power of two that divides k
    return min(n_rows, first_rows << doublings)


def average_rows(matrices, rows):
    """Set rows [0, rows) of every matrix to their mean over the matrices, in place.

    Args:
        matrices: list of L float32 arrays of one shape (N, D), one per replica. rows: int ≤ N.
    Returns:
        int, the bytes one replica sends for it (rows · D · 4, as an allreduce would).
    """
    if len(matrices) == 1 or rows == 0:
        return 0
    total = np.zeros((rows, matrices[0].shape[1]), dtype=np.float64)
    for matrix in matrices:  # float64 sum in lane order: the same mean whatever the lanes' timing
        total += matrix[:rows]
    mean = (total / len(matrices)).astype(np.float32)
    for matrix in matrices:
        matrix[:rows] = mean
    return int(mean.nbytes)


def combine_rows(matrices, base, rows, rule):
    """Combine rows [0, rows) of the replicas by `rule` (see the module doc), in place: every
    replica and `base` (their last synchronised values) then hold the result.

    Args:
        matrices: list of L float32 (N, D), one per replica. base: float32 (N, D). rows: int ≤ N.
    Returns:
        int, the bytes one replica sends for it (rows · D · 4; none with one replica).
    """
    if rows == 0:
        return 0
    if rule == "mean" or len(matrices) == 1:
        sent = average_rows(matrices, rows)
        base[:rows] = matrices[0][:rows]
        return sent
    old = base[:rows].astype(np.float64)
    changes = [matrix[:rows] - old for matrix in matrices]
    total = np.sum(changes, axis=0)
    if rule == "clipped-sum":
        squared = np.array([np.einsum("ij,ij->i", c, c) for c in changes])  # (L, rows)
        lanes = np.count_nonzero(squared, axis=0)
        bound = lanes * squared.max(axis=0)
        length = np.einsum("ij,ij->i", total, total)
        over = length > bound
        total[over] *= np.sqrt(bound[over] / length[over])[:, None]
    new = (old + total).astype(np.float32)
    for matrix in matrices:
        matrix[:rows] = new
    base[:rows] = new
    return int(new.nbytes)


def aligned_merge(matrices, seen, iterations=5):
    """Merge independently trained models of one vocabulary into one (after Anand et al. 2019,
    ALiR): each is rotated onto a reference by the orthogonal map that best fits the words both
    know (orthogonal Procrustes: for M·W ≈ R over those rows, W = P·Qᵀ where Mᵀ·R = P·Σ·Qᵀ), the
    reference is then each word's mean over the models that saw it, and the two steps repeat.
    The first reference is the first model; the merged model stays in its frame.

    Args:
        matrices: list of L float32 (N, D), the models' word vectors. seen: bool (L, N), which
            words each model trained (a word none saw keeps the first model's row).
        iterations: int ≥ 1, alignment rounds.
    Returns:
        (merged float32 (N, D), rotations: list of L float64 (D, D), each model's last map onto
        the reference).
    """
    seen = np.asarray(seen, dtype=bool)
    models = [m.astype(np.float64) for m in matrices]
    reference = models[0].copy()
    known = seen.any(axis=0)
    for _ in range(iterations):
        rotations = []
        for model, mask in zip(models, seen):
            shared = mask & known
            left, _, right = np.linalg.svd(model[shared].T @ reference[shared])
            rotations.append(left @ right)
        reference = _mean_where_seen([m @ w for m, w in zip(models, rotations)], seen, models[0])
    return reference.astype(np.float32), rotations


def _mean_where_seen(aligned, seen, fallback):
    """Each row's mean over the models whose `seen` holds it; `fallback`'s row where none does.
    aligned: list of L float64 (N, D); seen: bool (L, N); fallback: (N, D)."""
    weights = seen.astype(np.float64)
    total = sum(w[:, None] * a for w, a in zip(weights, aligned))
    counts = weights.sum(axis=0)
    return np.where(counts[:, None] > 0, total / np.maximum(counts, 1)[:, None], fallback)


def merge_aligned(lanes, bases, iterations=5):
    """Merge lanes that trained apart since their last merge (`bases`) by alignment, in place:
    their word vectors by `aligned_merge` (a lane saw the words whose rows it changed), and each
    further part (the output rows) rotated by that lane's map and averaged over the lanes that
    changed each row, so that every score v·u keeps its lane's value; every lane's parts and
    `bases` then hold the merged model.

    Args:
        lanes: list of L tuples of float32 arrays (V rows (N, D), then output parts (k, D)), one
            per lane, in lane order. bases: a tuple of the same shapes: the model as last merged.
    Returns:
        int, the bytes one lane sends for it (every part's rows).
    """
    seen = np.array([np.any(lane[0] != bases[0], axis=1) for lane in lanes])
    merged, rotations = aligned_merge([lane[0] for lane in lanes], seen, iterations)
    bases[0][...] = merged
    for which in range(1, len(bases)):
        parts = [lane[which] for lane in lanes]
        changed = np.array([np.any(part != bases[which], axis=1) for part in parts]).reshape(len(parts), -1)
        rotated = [part.astype(np.float64) @ w for part, w in zip(parts, rotations)]
        bases[which][...] = _mean_where_seen(rotated, changed, bases[which]).astype(np.float32)
    for lane in lanes:
        for part, base in zip(lane, bases):
            part[...] = base
    return int(sum(base.nbytes for base in bases))
