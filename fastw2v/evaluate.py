"""Measuring word vectors: analogy accuracy (3CosAdd, 3CosMul) on questions-words files, and the
correlation of cosines with human scores on word-pair files.

The defaults give gensim's numbers (`KeyedVectors.evaluate_word_analogies` and
`evaluate_word_pairs`, gensim 4.x): only the first 300,000 words (the most frequent, when the
vocabulary is sorted by count) are looked up or offered as answers, and words are compared
upper-cased, a question word taking the vector of its first (most frequent) case variant.
"""

import contextlib
from dataclasses import dataclass, field
from typing import NamedTuple, Optional

import numpy as np

from fastw2v.errors import ConfigError, DatasetError

METHODS = ("cosadd", "cosmul")
RESTRICT_VOCAB = 300_000
COSMUL_EPSILON = 1e-6  # gensim's most_similar_cosmul: keeps the division finite
GENSIM_TOPN = 5  # gensim reads only its five best answers (after dropping the question words' rows)
_SCORES_PER_BATCH = 1 << 24  # float32 scores held at once: 64 MiB


@dataclass
class AnalogyResult:
    """Analogy accuracy overall and per section.

    Attributes:
        correct, total: questions answered right / questions asked with all four words known.
        skipped: questions with a word outside the (restricted) vocabulary.
        sections: dict section -> (correct, total), every section of the file in file order
            (a section whose questions were all skipped has total 0).
        method: "cosadd" or "cosmul".
    """

    correct: int = 0
    total: int = 0
    skipped: int = 0
    sections: dict = field(default_factory=dict)
    method: str = "cosadd"

    @property
    def accuracy(self):
        """correct / total; 0.0 when no question could be asked (as gensim)."""
        return self.correct / self.total if self.total else 0.0

    @property
    def coverage(self):
        """The share of questions asked, in [0, 1]: 1 - gensim's OOV percentage / 100."""
        asked = self.total + self.skipped
        return self.total / asked if asked else 0.0


class PairScores(NamedTuple):
    """Correlations of model cosines with a word-pair file's scores.

    spearman comes first and oov second, as in the (spearman, oov) pair this used to be.

    Attributes:
        spearman, pearson: float, or None when fewer than two pairs were known.
        oov: the share of pairs skipped as out-of-vocabulary, a fraction in [0, 1] (gensim
            reports the same share as a percentage).
        known, skipped: pairs scored / pairs skipped.
    """

    spearman: Optional[float]
    oov: float
    pearson: Optional[float] = None
    known: int = 0
    skipped: int = 0


@contextlib.contextmanager
def _open_text(path):
    """Open a text file (UTF-8, undecodable bytes replaced); an OSError becomes a DatasetError."""
    try:
        handle = open(path, encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with handle:
        try:
            yield handle
        except OSError as exc:
            raise DatasetError(f"{path}: read failed ({exc.strerror or exc})") from None


def read_analogies(path):
    """Parse a questions-words file: ``: section`` headers, then ``a b c d`` lines (a is to b as
    c is to d).

    Returns:
        list of (section, (a, b, c, d)) with words as written; section "" before any header.
    Raises:
        DatasetError: the file is missing or unreadable, holds no question, or has a line that is
            neither a header nor four words (names the file and line).
    """
    questions, section = [], ""
    with _open_text(path) as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(":"):
                section = line[1:].strip()
                continue
            words = line.split()
            if len(words) != 4:
                raise DatasetError(f"{path}:{number}: expected four words 'a b c d' or a ': section' "
                                   f"header, got {len(words)} words")
            questions.append((section, tuple(words)))
    if not questions:
        raise DatasetError(f"{path}: no analogy questions (expected 'a b c d' lines)")
    return questions


def read_word_pairs(path):
    """Parse ``word1 word2 score`` lines (tab or space separated; ``#`` starts a comment).

    Returns:
        list of (word1, word2, score float).
    Raises:
        DatasetError: the file is missing or unreadable, holds no pair, or has a malformed line
            (names the file and line).
    """
    pairs = []
    with _open_text(path) as handle:
        for number, line in enumerate(handle, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            try:
                score = float(fields[2]) if len(fields) == 3 else None
            except ValueError:
                score = None
            if score is None or not np.isfinite(score):
                raise DatasetError(f"{path}:{number}: expected 'word1 word2 score' (a finite number), "
                                   f"got {line[:60]!r}")
            pairs.append((fields[0], fields[1], score))
    if not pairs:
        raise DatasetError(f"{path}: no word pairs (expected 'word1 word2 score' lines)")
    return pairs


def restricted_lookup(vectors, restrict_vocab=RESTRICT_VOCAB, case_insensitive=True):
    """The words an evaluation sees: the first `restrict_vocab` rows of `vectors`.

    Args:
        vectors: KeyedVectors.
        restrict_vocab: int, or None for every word.
        case_insensitive: compare words upper-cased (str.upper, as gensim); a form shared by
            several rows stands for its first row.
    Returns:
        (lookup, canon): lookup maps a (folded) word to its row id; canon is int64 (R,), the
        row each of the R candidate rows stands for (itself unless an earlier case variant exists).
    """
    words = vectors.index_to_key[:restrict_vocab]
    fold = _folding(case_insensitive)
    lookup, canon = {}, np.empty(len(words), dtype=np.int64)
    for i, word in enumerate(words):
        canon[i] = lookup.setdefault(fold(word), i)
    return lookup, canon


def _folding(case_insensitive):
    """The function that maps a word to the form it is compared by."""
    return str.upper if case_insensitive else str


def _unit_rows(vectors, count):
    """The first `count` rows scaled to unit length (zero rows stay zero): float32 (count, D).

    Only these rows: a 3-million-word file evaluated on its first 300,000 words needs no copy of
    the rest.
    """
    rows = vectors.vectors[:count]
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), np.float32(1e-12))


def evaluate_analogies(vectors, questions, restrict_vocab=RESTRICT_VOCAB, case_insensitive=True,
                       method="cosadd"):
    """Answer a:b :: c:? for every question and count the answers that are d.

    The answer is the candidate row (among the first `restrict_vocab`) that scores highest,
    leaving out every row that folds to a, b or c; it is right when it folds to d. Scores, over
    unit vectors: "cosadd" (3CosAdd) cos(x, b - a + c); "cosmul" (3CosMul, gensim's
    most_similar_cosmul) s(x, b) s(x, c) / (s(x, a) + 1e-6) with s = (1 + cos) / 2. Exact ties go
    to the lower row id. Like gensim, a question whose best answer is beaten by five or more case
    variants of a, b and c counts as wrong (gensim reads only its top five).

    Args:
        vectors: KeyedVectors.
        questions: list of (section, (a, b, c, d)), as `read_analogies` returns.
        restrict_vocab: int, or None for every word; case_insensitive: see `restricted_lookup`.
        method: "cosadd" or "cosmul".
    Returns:
        AnalogyResult.
    Raises:
        ConfigError: an unknown method.
    """
    if method not in METHODS:
        raise ConfigError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    lookup, canon = restricted_lookup(vectors, restrict_vocab, case_insensitive)
    fold = _folding(case_insensitive)
    result = AnalogyResult(method=method, sections={section: (0, 0) for section, _ in questions})
    known, sections = [], []
    for section, words in questions:
        ids = [lookup.get(fold(word)) for word in words]
        if None in ids:
            result.skipped += 1
        else:
            known.append(ids)
            sections.append(section)
    if known:
        hits = _answer_questions(_unit_rows(vectors, len(canon)), canon, np.array(known), method)
        for section, hit in zip(sections, hits.tolist()):
            right, asked = result.sections[section]
            result.sections[section] = (right + hit, asked + 1)
        result.correct, result.total = int(hits.sum()), len(hits)
    return result


def _answer_questions(unit, canon, ids, method):
    """Whether each question's best answer folds to its d.

    Args:
        unit: float32 (R, D) unit vectors of the candidate rows; canon: int64 (R,).
        ids: int64 (n, 4), the rows of a, b, c, d (each its own canon).
    Returns:
        bool (n,).
    """
    variants = _variant_rows(ids, canon)
    rows = max(1, _SCORES_PER_BATCH // (len(unit) * (3 if method == "cosmul" else 1)))
    hits = np.empty(len(ids), dtype=bool)
    for start in range(0, len(ids), rows):
        part = slice(start, start + rows)
        scores = analogy_scores(unit, ids[part], method)
        best, crowded = _best_answers(scores, ids[part], variants[part])
        hits[part] = (canon[best] == ids[part, 3]) & ~crowded
    return hits


def _variant_rows(ids, canon):
    """Rows other than a, b and c themselves that fold to the same word as one of them.

    Returns:
        int64 (n, K), padded with -1; K is 0 when no question word has a case variant.
    """
    members = {}
    for row in np.flatnonzero(canon != np.arange(len(canon))).tolist():
        members.setdefault(int(canon[row]), []).append(row)
    lists = [[row for word in set(q[:3]) for row in members.get(word, ())] for q in ids.tolist()]
    variants = np.full((len(ids), max(map(len, lists), default=0)), -1, dtype=np.int64)
    for i, rows in enumerate(lists):
        variants[i, :len(rows)] = rows
    return variants


def analogy_scores(unit, ids, method):
    """Every candidate row's score for each question a:b :: c:?: float32 (n, R), higher is better.

    "cosadd": (b - a + c) . x, which is cos(x, b - a + c) times a positive factor per question;
    "cosmul": gensim's most_similar_cosmul scores, s(x, b) s(x, c) / (s(x, a) + 1e-6) with
    s = (1 + cos) / 2.

    Args:
        unit: float32 (R, D) unit vectors of the candidates; ids: int (n, 3 or 4) rows of a, b, c.
    """
    a, b, c = unit[ids[:, 0]], unit[ids[:, 1]], unit[ids[:, 2]]
    if method == "cosadd":
        # cos(x, b - a + c) up to a positive factor per question, which leaves the ranking alone
        return (b - a + c) @ unit.T
    shifted = (1 + np.vstack([a, b, c]) @ unit.T) / 2
    shifted = shifted.reshape(3, len(ids), len(unit))
    return shifted[1] * shifted[2] / (shifted[0] + np.float32(COSMUL_EPSILON))


def _best_answers(scores, ids, variants):
    """The best allowed row per question, and whether gensim would miss it.

    Args:
        scores: float32 (n, R), overwritten; ids: int64 (n, 4); variants: int64 (n, K), -1 padded.
    Returns:
        (best int64 (n,), crowded bool (n,)): crowded when GENSIM_TOPN or more variants outscore
        the best row, or when no row is allowed.
    """
    rows = np.arange(len(ids))[:, None]
    padded = np.where(variants < 0, ids[:, :1], variants)
    variant_scores = np.where(variants < 0, -np.inf, scores[rows, padded])
    scores[rows, ids[:, :3]] = -np.inf
    scores[rows, padded] = -np.inf
    best = np.argmax(scores, axis=1)
    top = scores[rows[:, 0], best]
    crowded = ((variant_scores > top[:, None]).sum(axis=1) >= GENSIM_TOPN) | ~np.isfinite(top)
    return best, crowded


def evaluate_word_pairs(vectors, pairs, restrict_vocab=RESTRICT_VOCAB, case_insensitive=True):
    """Spearman and Pearson correlation between the pairs' cosines and their scores.

    Pairs with a word outside the first `restrict_vocab` words are skipped; words are looked up
    as in `restricted_lookup`.

    Args:
        vectors: KeyedVectors.
        pairs: list of (word1, word2, score), as `read_word_pairs` returns.
    Returns:
        PairScores.
    """
    lookup, canon = restricted_lookup(vectors, restrict_vocab, case_insensitive)
    fold = _folding(case_insensitive)
    known = [(lookup.get(fold(a)), lookup.get(fold(b)), score) for a, b, score in pairs]
    known = [(a, b, score) for a, b, score in known if a is not None and b is not None]
    skipped = len(pairs) - len(known)
    oov = skipped / len(pairs) if pairs else 0.0
    if len(known) < 2:
        return PairScores(None, oov, None, len(known), skipped)
    first, second, gold = (np.array(column) for column in zip(*known))
    # float64 throughout: the exact cosines of the stored float32 vectors
    rows = vectors.vectors[:len(canon)].astype(np.float64)
    norms = np.maximum(np.linalg.norm(rows, axis=1), 1e-300)
    cosines = np.einsum("ij,ij->i", rows[first], rows[second]) / (norms[first] * norms[second])
    return PairScores(spearman(cosines, gold), oov, pearson(cosines, gold), len(known), skipped)


def pearson(x, y):
    """Pearson correlation of two equal-length sequences (0.0 when either is constant)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    x, y = x - x.mean(), y - y.mean()
    denominator = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denominator) if denominator else 0.0


def spearman(x, y):
    """Spearman rank correlation of two equal-length sequences (ties get their average rank)."""
    return pearson(_average_ranks(np.asarray(x, dtype=np.float64)),
                   _average_ranks(np.asarray(y, dtype=np.float64)))


def _average_ranks(values):
    """Ranks 0..n-1 of float64 (n,) values, tied values sharing their mean rank: float64 (n,)."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(len(values), dtype=np.float64)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return sums[inverse] / counts[inverse]
