"""Pearson and Spearman correlation, with the two-sided p-values scipy.stats gives, computed here
(scipy is not a dependency of fastw2v).

Under the null hypothesis of no correlation, t = r sqrt((n - 2) / (1 - r²)) follows Student's t
with n - 2 degrees of freedom, so the two-sided p-value is P(|T| ≥ |t|) = I_x((n - 2) / 2, 1/2)
with x = 1 - r², I the regularised incomplete beta function. That function is evaluated by its
continued fraction (modified Lentz), on the side of the symmetry I_x(a, b) = 1 - I_(1-x)(b, a)
where the fraction converges fast. scipy.stats.pearsonr and spearmanr use the same
distribution (pearsonr as a beta, spearmanr as a t); with n = 2, pearsonr's p-value is 1 and
spearmanr's NaN, and both give NaN when an input is constant, as here.
"""

import math
from typing import NamedTuple

import numpy as np

_FRACTION_TERMS = 10_000  # the fraction needs about sqrt(max(a, b)) terms: enough for 10^8 pairs
_FRACTION_TOLERANCE = 1e-15
_TINY = 1e-300  # keeps Lentz's denominators away from zero


class Correlation(NamedTuple):
    """A correlation coefficient and its two-sided p-value (like scipy's result objects, it
    unpacks as ``r, p`` and indexes as [0], [1])."""

    statistic: float
    pvalue: float


def pearson(x, y):
    """Pearson correlation of two equal-length sequences (0.0 when either is constant)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    x, y = x - x.mean(), y - y.mean()
    denominator = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denominator) if denominator else 0.0


def spearman(x, y):
    """Spearman rank correlation of two equal-length sequences (ties get their average rank)."""
    return pearson(average_ranks(np.asarray(x, dtype=np.float64)),
                   average_ranks(np.asarray(y, dtype=np.float64)))


def average_ranks(values):
    """Ranks 0..n-1 of float64 (n,) values, tied values sharing their mean rank: float64 (n,)."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(len(values), dtype=np.float64)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return sums[inverse] / counts[inverse]


def pearson_test(x, y):
    """Pearson's r and its two-sided p-value, as scipy.stats.pearsonr.

    Args:
        x, y: equal-length sequences of at least 2 numbers.
    Returns:
        Correlation; (nan, nan) when either input is constant; p = 1.0 for two points.
    """
    n = _paired_length(x, y)
    if _is_constant(x) or _is_constant(y):
        return Correlation(math.nan, math.nan)
    r = max(-1.0, min(1.0, pearson(x, y)))
    return Correlation(r, 1.0 if n == 2 else correlation_pvalue(r, n))


def spearman_test(x, y):
    """Spearman's rho and its two-sided p-value, as scipy.stats.spearmanr.

    Args:
        x, y: equal-length sequences of at least 2 numbers.
    Returns:
        Correlation; (nan, nan) when either input is constant; p is NaN for two points.
    """
    n = _paired_length(x, y)
    if _is_constant(x) or _is_constant(y):
        return Correlation(math.nan, math.nan)
    rho = max(-1.0, min(1.0, spearman(x, y)))
    return Correlation(rho, correlation_pvalue(rho, n))


def correlation_pvalue(r, n):
    """The two-sided p-value of a correlation `r` among `n` pairs (Student's t, n - 2 degrees of
    freedom): float in [0, 1]; NaN for fewer than 3 pairs or a NaN r."""
    if n < 3 or math.isnan(r):
        return math.nan
    magnitude = abs(r)
    # 1 - r² without the cancellation of squaring r near 1
    return incomplete_beta((1.0 - magnitude) * (1.0 + magnitude), (n - 2) / 2, 0.5)


def incomplete_beta(x, a, b):
    """The regularised incomplete beta function I_x(a, b) for 0 <= x <= 1 and a, b > 0: float."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    if x > (a + 1.0) / (a + b + 2.0):  # the fraction converges slowly here: use the mirror
        return 1.0 - incomplete_beta(1.0 - x, b, a)
    log_front = a * math.log(x) + b * math.log1p(-x) + math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    return math.exp(log_front) * _beta_fraction(x, a, b) / a


def _beta_fraction(x, a, b):
    """The continued fraction 1 / (1 + d1 / (1 + d2 / (1 + ...))) of I_x(a, b), by the modified
    Lentz method; d(2m) = m (b - m) x / ((a + 2m - 1)(a + 2m)),
    d(2m + 1) = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))."""
    numerator_c = 1.0
    denominator_d = 1.0 / _away_from_zero(1.0 - (a + b) * x / (a + 1.0))
    value = denominator_d
    for m in range(1, _FRACTION_TERMS):
        for term in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                     -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            denominator_d = 1.0 / _away_from_zero(1.0 + term * denominator_d)
            numerator_c = _away_from_zero(1.0 + term / numerator_c)
            step = numerator_c * denominator_d
            value *= step
        if abs(step - 1.0) < _FRACTION_TOLERANCE:
            break
    return value


def _away_from_zero(value):
    return value if abs(value) > _TINY else _TINY


def _paired_length(x, y):
    """len(x) == len(y) >= 2, or ValueError saying what is wrong."""
    if len(x) != len(y):
        raise ValueError(f"a correlation needs pairs: {len(x)} values against {len(y)}")
    if len(x) < 2:
        raise ValueError(f"a correlation needs at least 2 pairs, not {len(x)}")
    return len(x)


def _is_constant(values):
    values = np.asarray(values, dtype=np.float64)
    return bool((values == values[0]).all())
