"""Figures, written to files with matplotlib's Agg backend (no window is ever opened)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from fastw2v.atomic import atomic_write  # noqa: E402


def project_2d(vectors):
    """Project row vectors on the first two principal axes of their covariance.

    Args:
        vectors: float array, shape (N, D), N ≥ 2, D ≥ 2.
    Returns:
        float64 array, shape (N, 2): the centred rows times the top two left singular vectors of
        the covariance matrix (1/N)·XᵀX of the centred rows X.
    """
    centred = np.asarray(vectors, dtype=np.float64)
    centred = centred - centred.mean(axis=0)
    covariance = centred.T @ centred / len(centred)
    axes, _, _ = np.linalg.svd(covariance)
    return centred @ axes[:, :2]


def plot_word_projection(vectors, words, path, title=None):
    """Draw each word as text at its 2D projected point and save the figure as a PNG.

    Args:
        vectors: float array, shape (N, D), one row per word.
        words: list of N str.
        path: output file; written atomically.
        title: optional figure title.
    """
    coords = project_2d(vectors)
    figure, axis = plt.subplots(figsize=(7, 6))
    for (x, y), word in zip(coords, words):
        axis.text(x, y, word, ha="center", va="center", bbox=dict(facecolor="green", alpha=0.1))
    _set_padded_limits(axis, coords)
    if title:
        axis.set_title(title)
    _save(figure, path)


def _set_padded_limits(axis, coords):
    span = np.maximum(coords.max(axis=0) - coords.min(axis=0), 1e-12)
    low, high = coords.min(axis=0) - 0.08 * span, coords.max(axis=0) + 0.08 * span
    axis.set_xlim(low[0], high[0])
    axis.set_ylim(low[1], high[1])


def _save(figure, path):
    try:
        with atomic_write(path) as handle:
            figure.savefig(handle, format="png", dpi=110, bbox_inches="tight")
    finally:
        plt.close(figure)
