"""Measuring word vectors: analogy accuracy on questions-words files (3CosAdd)."""

from dataclasses import dataclass, field

import numpy as np

from fastw2v.errors import DatasetError


@dataclass
class AnalogyResult:
    """Analogy accuracy overall and per section.

    Attributes:
        correct, total: questions answered right / questions asked with all four words known.
        skipped: questions with a word outside the vocabulary.
        sections: dict section -> (correct, total).
    """

    correct: int = 0
    total: int = 0
    skipped: int = 0
    sections: dict = field(default_factory=dict)

    @property
    def accuracy(self):
        return self.correct / self.total if self.total else 0.0

    @property
    def coverage(self):
        asked = self.total + self.skipped
        return self.total / asked if asked else 0.0


def read_analogies(path):
    """Parse a questions-words file.

    Returns:
        list of (section, (a, b, c, d)) with words as written.
    Raises:
        DatasetError: a line that is neither a ``: section`` header nor four words (names the line).
    """
    questions, section = [], ""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(":"):
                section = line[1:].strip()
                continue
            words = line.split()
            if len(words) != 4:
                raise DatasetError(f"{path}:{number}: expected four words, got {len(words)}")
            questions.append((section, tuple(words)))
    return questions


def evaluate_analogies(vectors, questions, batch=2048):
    """3CosAdd: answer a:b :: c:? with the word nearest to b - a + c (unit vectors), excluding a,
    b and c; a question counts when the answer is d.

    Args:
        vectors: KeyedVectors.
        questions: list of (section, (a, b, c, d)).
    Returns:
        AnalogyResult.
    """
    result = AnalogyResult()
    known, sections = [], []
    for section, words in questions:
        if all(w in vectors for w in words):
            known.append([vectors.key_to_index[w] for w in words])
            sections.append(section)
        else:
            result.skipped += 1
    if not known:
        return result
    ids = np.array(known)
    unit = vectors.unit_vectors()
    hits = np.zeros(len(ids), dtype=bool)
    for start in range(0, len(ids), batch):
        part = ids[start:start + batch]
        query = unit[part[:, 1]] - unit[part[:, 0]] + unit[part[:, 2]]
        scores = query @ unit.T
        rows = np.arange(len(part))[:, None]
        scores[rows, part[:, :3]] = -np.inf
        hits[start:start + batch] = np.argmax(scores, axis=1) == part[:, 3]
    for section, hit in zip(sections, hits):
        right, asked = result.sections.get(section, (0, 0))
        result.sections[section] = (right + int(hit), asked + 1)
    result.correct, result.total = int(hits.sum()), len(hits)
    return result


def read_word_pairs(path):
    """Parse ``word1 word2 score`` lines (tab or space separated; ``#`` starts a comment).

    Returns:
        list of (word1, word2, score float).
    Raises:
        DatasetError: a malformed line (names the file and line).
    """
    pairs = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            try:
                if len(fields) != 3:
                    raise ValueError
                pairs.append((fields[0], fields[1], float(fields[2])))
            except ValueError:
                raise DatasetError(f"{path}:{number}: expected 'word1 word2 score'") from None
    return pairs


def spearman(x, y):
    """Spearman rank correlation of two equal-length sequences (ties get their average rank)."""
    rx, ry = _average_ranks(np.asarray(x, dtype=np.float64)), _average_ranks(np.asarray(y, dtype=np.float64))
    rx -= rx.mean()
    ry -= ry.mean()
    denominator = np.sqrt((rx * rx).sum() * (ry * ry).sum())
    return float((rx * ry).sum() / denominator) if denominator else 0.0


def _average_ranks(values):
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(len(values), dtype=np.float64)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return sums[inverse] / counts[inverse]


def evaluate_word_pairs(vectors, pairs):
    """Spearman correlation between cosine similarities and the pairs' scores.

    Returns:
        (spearman float, share of pairs skipped as out-of-vocabulary float).
    """
    known = [(a, b, s) for a, b, s in pairs if a in vectors and b in vectors]
    oov = 1.0 - len(known) / len(pairs) if pairs else 0.0
    if len(known) < 2:
        return 0.0, oov
    cosines = [vectors.similarity(a, b) for a, b, _ in known]
    return spearman(cosines, [s for _, _, s in known]), oov
