"""The losses a run can train and what each one needs: the one table that the settings, the
kernels, the training plan, the diff and the model files all read.

A loss is named by `TrainConfig.loss`; which of its kernels a run uses is named by
`kernel_key` (skip-gram's mode, or CBOW's mean or sum). The compiled kernels themselves are in
`fastw2v.kernels`, keyed by `Objective.output` and the kernel key.
"""

from dataclasses import dataclass

SKIP_GRAM_MODES = ("default", "shared")
CBOW_KEYS = {True: "cbow", False: "cbow-sum"}  # by cbow_mean


@dataclass(frozen=True)
class Objective:
    """What one loss draws, reads and trains.

    Attributes:
        output: "logistic" (binary-logistic outputs: negative sampling, hierarchical softmax or
            both) or "softmax" (the full softmax over the vocabulary).
        draws_negatives: whether the kernels use `negative` and the noise table.
        hierarchical: whether the kernels use the Huffman tree (syn1: rows of U after syn1neg's).
        scores_vocabulary: whether a pair scores every word (the scratch then needs Vocab columns).
        kernel_keys: the kernel keys (`kernel_key`) this loss has kernels for.
    """

    output: str
    draws_negatives: bool
    hierarchical: bool
    scores_vocabulary: bool
    kernel_keys: tuple

    @property
    def scores_words(self):
        """Whether the loss trains output vectors of words (syn1neg): all but hierarchical softmax alone."""
        return self.draws_negatives or self.scores_vocabulary

    def target_columns(self, negative, longest_path, n_words):
        """Targets (and coefficient columns) one input may be trained against."""
        if self.scores_vocabulary:
            return n_words
        return (negative + 1 if self.draws_negatives else 0) + (longest_path if self.hierarchical else 0)


_LOGISTIC_KEYS = SKIP_GRAM_MODES + tuple(CBOW_KEYS.values())
OBJECTIVES = {
    "neg": Objective("logistic", draws_negatives=True, hierarchical=False, scores_vocabulary=False,
                     kernel_keys=_LOGISTIC_KEYS),
    "hs": Objective("logistic", draws_negatives=False, hierarchical=True, scores_vocabulary=False,
                    kernel_keys=_LOGISTIC_KEYS),
    "hs+neg": Objective("logistic", draws_negatives=True, hierarchical=True, scores_vocabulary=False,
                        kernel_keys=_LOGISTIC_KEYS),
    "softmax": Objective("softmax", draws_negatives=False, hierarchical=False, scores_vocabulary=True,
                         kernel_keys=("default", CBOW_KEYS[True])),
}
LOSSES = tuple(OBJECTIVES)
NEGATIVE_LOSSES = tuple(name for name, objective in OBJECTIVES.items() if objective.draws_negatives)


def kernel_key(sg, mode, cbow_mean):
    """Which of a loss's kernels a run uses: skip-gram's mode, or CBOW's mean or sum."""
    return mode if sg else CBOW_KEYS[bool(cbow_mean)]
