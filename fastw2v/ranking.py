"""Cosine scores and top-N selection done with the same numpy operations, in the same order, as
gensim 4's KeyedVectors, so that fastw2v's answers agree with gensim's to the bit, ties included.

Why to the bit: BLAS computes a row's dot product differently depending on where the row sits in
the matrix, so two identical rows of a vocabulary get scores one rounding apart, and gensim's
order between them follows those last bits. A score made the same way (the same matrix-vector
product over the same rows, the same division by the same norms) has the same bits; a top-N made
with the same partial sort (`top_k`) then has the same order. A batch of queries (one matrix
product) gets scores a rounding apart from these; `unambiguous` tells when such scores still
fix the order, so that a caller recomputes only the queries where they do not.

Zero rows: a cosine with a zero vector is undefined; its score is NaN, which ranks last (as in
gensim, without its warning).
"""

import math

import numpy as np

from fastw2v.jit import njit
from fastw2v.threadpool import on_threads

COSMUL_EPSILON = 1e-6  # gensim's most_similar_cosmul: keeps the division finite
_BLOCK = 64  # scores `largest_per_row` checks at once


def unitvec(vector):
    """`vector` scaled to unit length as gensim's ``matutils.unitvec``: in float64, then back to
    the input's dtype. A zero (or non-finite) vector comes back unchanged.

    Args:
        vector: float array (D,).
    Returns:
        array (D,) of the input's dtype.
    """
    wide = vector.astype(np.float64)
    norm = math.sqrt(np.dot(wide, wide))
    if not norm > 0:
        return vector
    return (wide * (1.0 / norm)).astype(vector.dtype)


def weighted_mean(terms, weights, dim, dtype):
    """gensim's ``get_mean_vector`` sum: ``mean += weight * term`` one term at a time in `dtype`
    (so with gensim's roundings), then divided by the sum of |weight| when that is positive.

    Args:
        terms: sequence of float arrays (D,). weights: array (len(terms),); its dtype decides
            the products' precision, as in gensim (float64 in most_similar).
        dim: D. dtype: the accumulator's dtype (the vectors').
    Returns:
        array (D,): `dtype`, or float64 after a division by a float64 total.
    """
    mean = np.zeros(dim, dtype=dtype)
    total = 0
    for term, weight in zip(terms, weights):
        mean += weight * term
        total += abs(weight)
    if total > 0:
        mean = mean / total
    return mean


def cancels_out(terms, weights, mean, dtype):
    """Whether a weighted mean (`weighted_mean`'s, summed in `dtype`) is zero or within the
    roundings of its sum of zero, so that its direction says nothing: its norm at most 4 n eps
    times the mean size of the weighted terms (n terms, eps of `dtype`)."""
    size = sum(abs(float(w)) * float(np.linalg.norm(t)) for t, w in zip(terms, weights))
    total = sum(abs(float(w)) for w in weights)
    bound = 4 * len(terms) * float(np.finfo(dtype).eps) * (size / total if total else 0.0)
    return not float(np.linalg.norm(mean)) > bound


def exact_scores(rows, norms, mean):
    """gensim's most_similar scores: ``rows @ mean / norms``, one matrix-vector product.

    Args:
        rows: float (R, D); norms: (R,) their Euclidean norms; mean: float32 (D,) unit query.
    Returns:
        (R,) in the rows' dtype (float32 for float32 rows); NaN for zero rows.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.dot(rows, mean) / norms


def cosmul_scores(rows, norms, positive, negative):
    """gensim's most_similar_cosmul scores: the product over positive terms of (1 + cos) / 2,
    divided by the product over negative terms plus 1e-6 (Levy and Goldberg's 3CosMul).

    Args:
        rows: float (R, D); norms: (R,); positive, negative: lists of arrays (D,), unit vectors
            for words (raw vectors are used as given, as gensim does).
    Returns:
        (R,): float64 without negative terms (gensim divides by a float64 then), else the rows'
        dtype.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        shifted = [[(1 + np.dot(rows, term) / norms) / 2 for term in terms] for terms in (positive, negative)]
        return np.prod(shifted[0], axis=0) / (np.prod(shifted[1], axis=0) + COSMUL_EPSILON)


def top_k(scores, k):
    """The indices of the `k` highest scores, highest first, chosen as gensim's
    ``matutils.argsort(scores, topn=k, reverse=True)`` chooses them (ties in its order).

    Args:
        scores: float (R,).
    Returns:
        int array (min(k, R),).
    """
    if k <= 0:
        return np.empty(0, dtype=np.intp)
    negated = -scores
    if k >= negated.size:
        return np.argsort(negated)[:k]
    candidates = np.argpartition(negated, k)[:k]
    return candidates[np.argsort(negated[candidates])]


def top_rows(scores, k, threads=1):
    """The `k` highest finite scores of every row, highest first: (int64 (n, k) columns, their
    scores (n, k)), column -1 and NaN where a row has fewer. Equal scores: the lower column
    first; only where `unambiguous` holds is the order also gensim's. One compiled pass over the
    scores (`largest_per_row`), its rows shared by `threads` threads.

    Args:
        scores: float32 or float64 (n, R), C-contiguous.
    """
    columns = np.empty((len(scores), k), dtype=np.int64)
    values = np.empty((len(scores), k), dtype=scores.dtype)
    parts = np.linspace(0, len(scores), min(threads, len(scores)) + 1).astype(np.int64)
    _, failures = on_threads(list(zip(parts[:-1], parts[1:])), list(range(len(parts) - 1)),
                             lambda _, part: largest_per_row(scores, part[0], part[1], columns, values))
    for failure in failures.values():
        raise failure
    return columns, values


@njit(nogil=True, cache=True)
def largest_per_row(scores, first, last, columns, values):
    """For rows first..last-1 of `scores` (n, R), the k = columns.shape[1] highest finite
    scores, highest first, into columns (int64 (n, k)) and values ((n, k), scores' dtype); -1 and
    NaN in the places a row cannot fill. A row's scores are read once, a block at a time: most
    blocks hold nothing above the k-th best so far, which one vectorised maximum tells."""
    k = columns.shape[1]
    for row in range(first, last):
        count = 0
        for start in range(0, scores.shape[1], _BLOCK):
            end = min(start + _BLOCK, scores.shape[1])
            if count == k:
                highest = -np.inf
                for column in range(start, end):
                    if scores[row, column] > highest:  # NaN never is
                        highest = scores[row, column]
                if not highest > values[row, k - 1]:
                    continue
            for column in range(start, end):
                count = _keep(scores[row, column], column, columns[row], values[row], count)
        for place in range(count, k):
            columns[row, place] = -1
            values[row, place] = np.nan


@njit(nogil=True, cache=True)
def _keep(score, column, columns, values, count):
    """Put `score` among the `count` best kept so far (highest first, at most len(columns)) if
    it belongs there; NaN never does. Returns the new count."""
    k = len(columns)
    if score != score or (count == k and score <= values[k - 1]):
        return count
    place = min(count, k - 1)
    while place > 0 and values[place - 1] < score:
        values[place] = values[place - 1]
        columns[place] = columns[place - 1]
        place -= 1
    values[place] = score
    columns[place] = column
    return min(count + 1, k)


def rounding_margin(dim, dtype):
    """How far apart two scores must be for their order to be certain when each may be off from
    gensim's by the roundings of a D-term dot product of unit vectors, and by a query made in
    another order (its last bit): at most (D + 6) u each, u the unit roundoff of `dtype` (half
    its eps), so twice that."""
    return (dim + 6) * float(np.finfo(dtype).eps)


def unambiguous(ranked_scores, margin):
    """Whether scores sorted highest first are finite and each more than `margin` above the
    next, so that any computation within margin / 2 of them sorts them the same way.

    Args:
        ranked_scores: float (m,).
    """
    return bool(np.isfinite(ranked_scores).all() and (np.diff(ranked_scores) < -margin).all())
