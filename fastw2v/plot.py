"""Figures, written to files with matplotlib's Agg backend (no window is ever opened)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import EngFormatter

from fastw2v.atomic import atomic_write

MAX_EPOCH_LABELS = 20  # more epochs than this: boundaries are marked, not labelled


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


def plot_loss_curve(words, mean_losses, path, epoch_words=None, title=None):
    """Draw a training loss curve (`Word2Vec.loss_curve`) as steps and save the figure as a PNG.

    Point i is the mean over the words (words[i-1], words[i]] (from 0 for the first), so it is
    drawn as a flat step over that stretch; dotted lines mark the epoch boundaries.

    Args:
        words: int or float array, shape (P,), P ≥ 1, increasing: words trained when each point ends.
        mean_losses: float array, shape (P,): mean loss per (center, context) pair over each
            point's words; NaN points leave a gap.
        path: output file; written atomically.
        epoch_words: words in one epoch (int), or None for no epoch marks.
        title: optional figure title.
    Raises:
        ValueError: no point, or arrays of different lengths.
        OutputError: the file could not be written.
    """
    words = np.asarray(words, dtype=np.float64)
    losses = np.asarray(mean_losses, dtype=np.float64)
    if words.ndim != 1 or words.shape != losses.shape or len(words) == 0:
        raise ValueError(f"a loss curve needs P ≥ 1 words and losses of equal length, got "
                         f"{words.shape} and {losses.shape}")
    figure, axis = plt.subplots(figsize=(8, 4.5))
    axis.plot(np.concatenate(([0.0], words)), np.concatenate((losses[:1], losses)),
              drawstyle="steps-pre", color="tab:blue", linewidth=1.2)
    if epoch_words:
        _mark_epochs(axis, epoch_words, words[-1])
    axis.set_xlim(0, words[-1])
    axis.xaxis.set_major_formatter(EngFormatter())
    axis.set_xlabel("words trained")
    axis.set_ylabel("mean loss per (center, context) pair")
    axis.grid(alpha=0.3)
    if title:
        axis.set_title(title)
    _save(figure, path)


def _mark_epochs(axis, epoch_words, last_word):
    """Dotted lines at epoch boundaries and the epochs named above the frame (where no curve runs);
    with more than MAX_EPOCH_LABELS epochs, a line every few epochs and an epoch scale on top."""
    epochs = int(np.ceil(last_word / epoch_words - 1e-9))
    every = int(np.ceil(epochs / MAX_EPOCH_LABELS))
    for epoch in range(every, epochs, every):
        axis.axvline(epoch * epoch_words, color="grey", linestyle=":", linewidth=1)
    if every > 1:
        top = axis.secondary_xaxis("top", functions=(lambda w: w / epoch_words, lambda e: e * epoch_words))
        top.set_xlabel("epochs", fontsize=8, color="grey")
        top.tick_params(labelsize=8, labelcolor="grey")
        return
    middles = [(epoch + 0.5) * epoch_words for epoch in range(epochs)]
    middles = [middle for middle in middles if middle < last_word]
    top = axis.secondary_xaxis("top")
    top.set_xticks(middles)
    top.set_xticklabels([f"epoch {epoch + 1}" for epoch in range(len(middles))], fontsize=8, color="grey")
    top.tick_params(length=0)


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
