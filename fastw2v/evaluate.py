"""Measuring word vectors: analogy accuracy (3CosAdd, 3CosMul) on questions-words files, and the
correlation of cosines with human scores on word-pair files.

The defaults give gensim's numbers (`KeyedVectors.evaluate_word_analogies` and
`evaluate_word_pairs`, gensim 4.x): only the first 300,000 words (the most frequent, when the
vocabulary is sorted by count) are looked up or offered as answers, and words are compared
upper-cased, a question word taking the vector of its first (most frequent) case variant.
"""

import contextlib
import os
from dataclasses import dataclass, field
from typing import NamedTuple, Optional

import numpy as np

from fastw2v import ranking
from fastw2v.correlation import pearson, spearman
from fastw2v.errors import ConfigError, DatasetError

METHODS = ("cosadd", "cosmul")
RESTRICT_VOCAB = 300_000
COSMUL_EPSILON = ranking.COSMUL_EPSILON
GENSIM_TOPN = 5  # gensim reads only its five best answers (after dropping the question words' rows)
_CANDIDATES = GENSIM_TOPN + 3  # the most rows it sorts before dropping the question's
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
def _open_text(path, encoding="utf-8"):
    """Open a text file (undecodable bytes replaced); an OSError becomes a DatasetError."""
    try:
        handle = open(path, encoding=encoding, errors="replace")
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with handle:
        try:
            yield handle
        except OSError as exc:
            raise DatasetError(f"{path}: read failed ({exc.strerror or exc})") from None


def read_analogy_sections(path):
    """Parse a questions-words file: ``: section`` headers, then ``a b c d`` lines (a is to b as
    c is to d).

    Returns:
        list of (section, list of (a, b, c, d)) in file order, words as written; a section
        header that no question follows is kept (with no questions), a repeated header starts
        a new section, and questions before any header form a section None.
    Raises:
        DatasetError: the file is missing or unreadable, holds no question, or has a line that is
            neither a header nor four words (names the file and line).
    """
    sections = []
    with _open_text(path) as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(":"):
                sections.append((line[1:].strip(), []))
                continue
            words = line.split()
            if len(words) != 4:
                raise DatasetError(f"{path}:{number}: expected four words 'a b c d' or a ': section' "
                                   f"header, got {len(words)} words")
            if not sections:
                sections.append((None, []))
            sections[-1][1].append(tuple(words))
    if not any(questions for _, questions in sections):
        raise DatasetError(f"{path}: no analogy questions (expected 'a b c d' lines)")
    return sections


def read_analogies(path):
    """The questions of a questions-words file (see `read_analogy_sections`).

    Returns:
        list of (section, (a, b, c, d)) with words as written; section "" before any header.
    Raises:
        DatasetError: as `read_analogy_sections`.
    """
    return [("" if section is None else section, words)
            for section, questions in read_analogy_sections(path) for words in questions]


def read_word_pairs(path, delimiter=None, encoding="utf-8"):
    """Parse ``word1 word2 score`` lines.

    Args:
        delimiter: None: fields split on whitespace, ``#`` starting a comment anywhere; a str:
            fields split on exactly that string and kept as they are (a word may hold a space),
            a line starting with ``#`` a comment (as gensim's evaluate_word_pairs reads them).
        encoding: the file's text encoding (undecodable bytes are replaced).
    Returns:
        list of (word1, word2, score float).
    Raises:
        DatasetError: the file is missing or unreadable, holds no pair, or has a malformed line
            (names the file and line).
    """
    pairs = []
    with _open_text(path, encoding) as handle:
        for number, line in enumerate(handle, 1):
            if delimiter is None:
                fields = line.split("#", 1)[0].split()
            elif line.startswith("#"):
                continue
            else:
                fields = line.rstrip("\r\n").split(delimiter)
            if not "".join(fields).strip():
                continue
            try:
                score = float(fields[2]) if len(fields) == 3 else None
            except ValueError:
                score = None
            if score is None or not np.isfinite(score):
                shown = "whitespace" if delimiter is None else repr(delimiter)
                raise DatasetError(f"{path}:{number}: expected 'word1 word2 score' separated by {shown} "
                                   f"(a finite score), got {line.strip()[:60]!r}")
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


def _unit_rows(rows, norms):
    """Rows scaled to unit length (zero rows stay zero): float32 (R, D).

    Only the rows an evaluation offers: a 3-million-word file evaluated on its first 300,000
    words needs no copy of the rest.
    """
    return rows / np.maximum(norms, np.float32(1e-12))[:, None]


def evaluate_analogies(vectors, questions, restrict_vocab=RESTRICT_VOCAB, case_insensitive=True,
                       method="cosadd"):
    """Answer a:b :: c:? for every question and count the answers that are d.

    See `answer_analogies` for how each question is answered.

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
    outcomes = answer_analogies(vectors, [words for _, words in questions], restrict_vocab,
                                case_insensitive, method)
    result = AnalogyResult(method=method, sections={section: (0, 0) for section, _ in questions})
    for (section, _), outcome in zip(questions, outcomes):
        if outcome is None:
            result.skipped += 1
            continue
        right, asked = result.sections[section]
        result.sections[section] = (right + outcome, asked + 1)
        result.correct, result.total = result.correct + outcome, result.total + 1
    return result


def answer_analogies(vectors, questions, restrict_vocab=RESTRICT_VOCAB, case_insensitive=True,
                     method="cosadd"):
    """Whether each question a:b :: c:d is answered d, as gensim's evaluate_word_analogies does it.

    A question is asked when all four words fold to one of the first `restrict_vocab` words
    (`restricted_lookup`). "cosadd" answers it with gensim's ``most_similar(positive=[b, c],
    negative=[a], topn=5, restrict_vocab=...)`` (3CosAdd), "cosmul" with most_similar_cosmul's
    scores (3CosMul) over the same rows; the question's own rows are left out, and the answer is
    the first of those five that does not fold to a, b or c (the fifth when all do). The
    questions are scored in batches, one matrix product each; a question whose best candidates
    are too close for those scores to order them for certain is scored again alone, as gensim
    scores it, so that near-equal candidates (duplicated rows) come in gensim's order.

    Args:
        vectors: KeyedVectors.
        questions: list of (a, b, c, d) words.
        restrict_vocab: int, or None for every word; case_insensitive: see `restricted_lookup`.
        method: "cosadd" or "cosmul".
    Returns:
        list of True (answered d), False, or None (not asked: a word outside the vocabulary).
    Raises:
        ConfigError: an unknown method.
    """
    if method not in METHODS:
        raise ConfigError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    lookup, canon = restricted_lookup(vectors, restrict_vocab, case_insensitive)
    fold = _folding(case_insensitive)
    ids = [[lookup.get(fold(word)) for word in words] for words in questions]
    asked = [i for i, row in enumerate(ids) if None not in row]
    outcomes = [None] * len(questions)
    if asked:
        rows = vectors.vectors[:len(canon)]
        hits = _answer_questions(rows, np.linalg.norm(rows, axis=1), canon,
                                 np.array([ids[i] for i in asked], dtype=np.int64), method)
        for i, hit in zip(asked, hits.tolist()):
            outcomes[i] = hit
    return outcomes


def _answer_questions(rows, norms, canon, ids, method):
    """Whether each question's answer (see `answer_analogies`) folds to its d.

    Args:
        rows: float (R, D), the candidate rows; norms: their norms (np.linalg.norm, as gensim);
        canon: int64 (R,); ids: int64 (n, 4), the rows of a, b, c, d (each its own canon).
    Returns:
        bool (n,).
    """
    unit = _unit_rows(rows, norms)
    zero = np.flatnonzero(norms == 0)
    margin = ranking.rounding_margin(rows.shape[1], rows.dtype)
    chunk = max(1, _SCORES_PER_BATCH // (len(unit) * (3 if method == "cosmul" else 1)))
    hits = np.empty(len(ids), dtype=bool)
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        scores = analogy_scores(unit, part, method)
        scores[:, zero] = np.nan  # a cosine with a zero vector is undefined, and ranks last
        columns, values = ranking.top_rows(scores, _CANDIDATES + 1, os.cpu_count() or 1)
        # gensim's answer to a question with a zero vector is NaN-driven: only its own scores give it
        zero_query = norms[part[:, :3]].min(axis=1) == 0
        for i, question in enumerate(part):
            wanted = _candidates(question, method)
            top = columns[i, :wanted]
            if zero_query[i] or not _certain(values[i, :wanted + 1], columns[i, :wanted + 1], unit, question,
                                             method, margin):
                top = ranking.top_k(_exact_scores(rows, norms, question, method), wanted)
            hits[start + i] = _read_answer(top, question, canon)
    return hits


def _candidates(question, method):
    """How many rows gensim sorts before dropping the question's own: 5 + its query keys
    (most_similar counts all three, most_similar_cosmul the distinct ones)."""
    return GENSIM_TOPN + (3 if method == "cosadd" else len(set(question[:3].tolist())))


def _certain(values, ranked, unit, question, method, margin):
    """Whether the batch's scores `values` of the `ranked` rows (highest first) order them as
    gensim's own scores would, whatever the roundings between the two."""
    if method == "cosadd":
        return ranking.unambiguous(values, margin)
    # 3CosMul divides: bound each candidate's relative error by its three (1 + cos) / 2 terms
    with np.errstate(divide="ignore", invalid="ignore"):
        shifted = (1 + unit[question[:3]] @ unit[ranked].T) / 2
        shifted[0] += COSMUL_EPSILON
        error = margin * (1 / shifted).sum(axis=0) + margin
    return bool(np.isfinite(values).all() and np.isfinite(error).all()
                and (values[:-1] * (1 - error[:-1]) > values[1:] * (1 + error[1:])).all())


def _exact_scores(rows, norms, question, method):
    """One question's scores over `rows`, computed as gensim computes them (see
    `fastw2v.ranking`): float (R,)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b, c = (rows[i] / norms[i] for i in question[:3])
    if method == "cosmul":
        return ranking.cosmul_scores(rows, norms, [b, c], [a])
    mean = ranking.weighted_mean([b, c, a], np.array([1.0, 1.0, -1.0]), rows.shape[1], rows.dtype)
    return ranking.exact_scores(rows, norms, ranking.unitvec(mean).astype(np.float32))


def _read_answer(top, question, canon):
    """gensim's reading of its top rows: leave out the question's own rows, keep five, answer
    with the first that does not fold to a, b or c (else the last kept); right when it folds
    to d."""
    a, b, c, d = question.tolist()
    kept = [row for row in top.tolist() if row not in (a, b, c)][:GENSIM_TOPN]
    for row in kept:
        if canon[row] not in (a, b, c):
            return bool(canon[row] == d)
    return bool(kept) and bool(canon[kept[-1]] == d)


def analogy_scores(unit, ids, method):
    """Every candidate row's score for each question a:b :: c:?: float32 (n, R), higher is better.

    "cosadd": the cosine of x with gensim's query for most_similar(positive=[b, c], negative=[a]),
    the mean of b, c and -a made and normalised as gensim makes it; "cosmul": gensim's
    most_similar_cosmul scores, s(x, b) s(x, c) / (s(x, a) + 1e-6) with s = (1 + cos) / 2.

    Args:
        unit: float32 (R, D) unit vectors of the candidates; ids: int (n, 3 or 4) rows of a, b, c.
    """
    a, b, c = unit[ids[:, 0]], unit[ids[:, 1]], unit[ids[:, 2]]
    if method == "cosadd":
        return _cosadd_queries(a, b, c) @ unit.T
    shifted = (1 + np.vstack([a, b, c]) @ unit.T) / 2
    shifted = shifted.reshape(3, len(ids), len(unit))
    return shifted[1] * shifted[2] / (shifted[0] + np.float32(COSMUL_EPSILON))


def _cosadd_queries(a, b, c):
    """gensim's most_similar query for b + c - a, row by row: the float32 sum in gensim's order,
    divided by the total weight 3 and scaled to unit length in float64 (a zero sum stays zero):
    float32 (n, D)."""
    mean = ((b + c) - a).astype(np.float64) / 3.0
    norms = np.sqrt(np.einsum("ij,ij->i", mean, mean))
    scale = np.divide(1.0, norms, out=np.ones_like(norms), where=norms > 0)
    return (mean * scale[:, None]).astype(np.float32)


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
    rows = pair_rows(vectors, pairs, restrict_vocab, case_insensitive)
    known = (rows >= 0).all(axis=1)
    skipped = len(pairs) - int(known.sum())
    oov = skipped / len(pairs) if pairs else 0.0
    if known.sum() < 2:
        return PairScores(None, oov, None, int(known.sum()), skipped)
    cosines = _exact_cosines(vectors.vectors, rows[known])
    gold = np.array([score for _, _, score in pairs])[known]
    return PairScores(spearman(cosines, gold), oov, pearson(cosines, gold), int(known.sum()), skipped)


def pair_rows(vectors, pairs, restrict_vocab=RESTRICT_VOCAB, case_insensitive=True):
    """The rows of each pair's words, looked up as in `restricted_lookup`.

    Args:
        vectors: KeyedVectors; pairs: list of (word1, word2, score).
    Returns:
        int64 (len(pairs), 2); -1 for a word outside the (restricted) vocabulary.
    """
    lookup, _ = restricted_lookup(vectors, restrict_vocab, case_insensitive)
    fold = _folding(case_insensitive)
    return np.array([(lookup.get(fold(a), -1), lookup.get(fold(b), -1)) for a, b, _ in pairs],
                    dtype=np.int64).reshape(-1, 2)


def _exact_cosines(vectors, rows):
    """The cosines of row pairs, in float64 throughout: the exact cosines of the stored vectors
    (a zero vector's is 0, as gensim's). float (V, D), int (n, 2) -> float64 (n,)."""
    used, inverse = np.unique(rows, return_inverse=True)  # only these rows, in float64
    wide = vectors[used].astype(np.float64)
    norms = np.maximum(np.linalg.norm(wide, axis=1), 1e-300)
    first, second = inverse.reshape(rows.shape).T
    return np.einsum("ij,ij->i", wide[first], wide[second]) / (norms[first] * norms[second])
