"""Phrase detection as the word2vec C tool's word2phrase does it: count every adjacent pair of
tokens, score each pair, and join the pairs that score above a threshold (`fastw2v.phrasejoin`).

Counting runs over a `fastw2v.rawcorpus.RawCorpus`: its word counts are the unigram counts, its
token count is ``train_words``, and compiled code counts the pairs of word indices, block by block
of the spooled ids, into a `fastw2v.pairtable` (the parts shared out to threads, a table
each, the tables merged). As in the C tool, the corpus is one stream: a pair is counted across a line end (its
``start`` flag never fires) and across the parts and files. With a `max_entries` limit the table
is pruned as the C tool's ``ReduceVocab`` prunes its own.

The C tool keeps unigrams and pairs in one table keyed by string, so a literal token ``new_york``
and the pair (new, york) are one entry whose count is the sum of both; `count_pairs` gives every
pair and word the count of its string. Scores (`pair_scores`): the C tool's, ``(pab - min_count) /
pa / pb * train_words`` in float32, left to right, and gensim's npmi in float64. docs/phrases.md
lists where fastw2v differs from the C tool, and why.
"""

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
from numba import njit

from fastw2v.rawcorpus import id_blocks
from fastw2v import pairstrings, pairtable
from fastw2v.errors import ConfigError
from fastw2v.threadpool import on_threads

BLOCK_TOKENS = 1 << 14  # ids read and counted at a time: their keys stay in the cache
SCORINGS = ("default", "npmi")
INITIAL_PAIRS = 1 << 22  # 8M rows, 128 MB: no growth for up to 4M tokens, or 16M of English
# (3M distinct pairs)


@dataclass(frozen=True)
class PhraseConfig:
    """The settings of phrase detection, checked once here.

    Attributes:
        min_count: int >= 1; a word or pair seen fewer times is never part of a phrase.
        threshold: float; a pair becomes a phrase when its score is strictly greater (the C
            tool's default scoring compares in float32, as it stores its threshold).
        scoring: "default" (the C tool's) or "npmi" (gensim's; threshold in [-1, 1]).
        delimiter: str that joins a phrase's two words (no whitespace).
        max_entries: None, or the most entries (distinct words + pairs) counting may hold before
            it prunes the pairs, as the C tool prunes its table.
    """

    min_count: int = 5
    threshold: float = 100.0
    scoring: str = "default"
    delimiter: str = "_"
    max_entries: Optional[int] = None

    def __post_init__(self):
        if isinstance(self.min_count, bool) or not isinstance(self.min_count, (int, np.integer)) \
                or self.min_count < 1:
            raise ConfigError(f"min_count must be an integer >= 1, not {self.min_count!r} (the C tool's "
                              "0 divides by zero after a phrase and joins whole runs of words)")
        if self.scoring not in SCORINGS:
            raise ConfigError(f"scoring must be one of {', '.join(SCORINGS)}, not {self.scoring!r}")
        if not isinstance(self.threshold, (int, float, np.floating)) or not math.isfinite(self.threshold):
            raise ConfigError(f"threshold must be a finite number, not {self.threshold!r}")
        if self.scoring == "npmi" and not -1 <= self.threshold <= 1:
            raise ConfigError(f"an npmi threshold lies in [-1, 1], not {self.threshold!r}")
        check_delimiter(self.delimiter)
        if self.max_entries is not None and (isinstance(self.max_entries, bool) or
                                             not isinstance(self.max_entries, (int, np.integer))
                                             or self.max_entries < 1):
            raise ConfigError(f"max_entries must be None or an integer >= 1, not {self.max_entries!r}")


def check_delimiter(delimiter):
    """Raises ConfigError unless `delimiter` is a non-empty str without whitespace (a phrase with
    whitespace in it would read back as two tokens)."""
    if not isinstance(delimiter, str) or not delimiter or any(c.isspace() for c in delimiter):
        raise ConfigError(f"delimiter must be a non-empty string without whitespace, not {delimiter!r}")


@dataclass(frozen=True, eq=False)
class PairCounts:
    """Every adjacent pair of a corpus with its count, and the counts of its words.

    Attributes:
        words: list of str (W,), the corpus's words. word_counts: int64 (W,), each word's count
            plus those of the pairs that join into the same string.
        left, right: int32 (P,), the pairs' word indices, in no particular order. counts: int64
            (P,), each pair's count plus those of the words and pairs with its string.
        train_words: int, the corpus's tokens. prunes: int, how often the table was pruned.
        delimiter: str, the one the strings were joined with.
    """

    words: list
    word_counts: np.ndarray
    left: np.ndarray
    right: np.ndarray
    counts: np.ndarray
    train_words: int
    prunes: int
    delimiter: str


def count_pairs(raw, delimiter="_", threads=1, max_entries=None):
    """Count every adjacent pair of tokens of a corpus.

    Args:
        raw: RawCorpus. delimiter: str, joins the strings that share a count.
        threads: int >= 1, parts counted at once (the counts do not depend on it).
        max_entries: None, or the most distinct words + pairs: when the pairs pass that, those
            seen at most ``min_reduce`` times are dropped and ``min_reduce`` goes up by one (it
            starts at 1). The parts are then counted one after another on one thread, since
            what a prune drops depends on the order the pairs come in.
    Returns:
        PairCounts.
    Raises:
        ConfigError: max_entries leaves no room for a pair beside the corpus's words; a
            delimiter that `check_delimiter` refuses.
    """
    check_delimiter(delimiter)
    budget = None
    if max_entries is not None:
        budget = int(max_entries) - len(raw.words)
        if budget < 1:
            raise ConfigError(f"max_entries {max_entries:,} leaves no room for pairs: the corpus has "
                              f"{len(raw.words):,} distinct words; give more than that")
        counter, maps = _Counter(_first_size(raw, budget), budget), _int32_maps(raw)
        for part in raw.parts:
            counter.count(raw, part, maps, carry=True)
        table, prunes = counter.table, counter.prunes
    else:
        table, prunes = _count_on_threads(raw, threads), 0
    word_counts = np.array(raw.counts, dtype=np.int64)
    pairstrings.share_strings(raw.words, word_counts, table, delimiter)
    left, right, counts = pairtable.pair_entries(table)
    return PairCounts(words=raw.words, word_counts=word_counts, left=left, right=right, counts=counts,
                      train_words=raw.n_tokens, prunes=prunes, delimiter=delimiter)


def _count_on_threads(raw, threads):
    """The pair table of the corpus, its parts counted on `threads` threads."""
    counters = [_Counter(_first_size(raw)) for _ in range(max(1, min(threads, len(raw.parts))))]
    maps = _int32_maps(raw)
    bounds, failures = on_threads(raw.parts, counters, lambda counter, part: counter.count(raw, part, maps))
    if failures:
        raise failures[min(failures)]
    table = counters[0].table
    for counter in counters[1:]:
        table = pairtable.merge(table, counter.table)
    # The pairs across part ends: each part's first word after the last word of the one before.
    words = [(first, last) for first, last in bounds if last >= 0]
    keys = pairtable.keys_of([last for _, last in words[:-1]], [first for first, _ in words[1:]])
    return pairtable.add_counts(table, keys, np.ones(keys.size, dtype=np.int64))[0]


def _first_size(raw, budget=None):
    """Entries a counting table starts with room for: a part's tokens (its most pairs), at most
    INITIAL_PAIRS, at most budget + 1. Each growth moves every entry, once more than counting
    touched it; a table that starts large skips the small ones."""
    tokens = max((int(part["tokens"]) for part in raw.parts), default=0)
    return min(tokens, INITIAL_PAIRS, budget + 1 if budget is not None else tokens)


def _int32_maps(raw):
    """The corpus's maps as int32: half the cache lines of its int64 ones."""
    return [mapping.astype(np.int32) for mapping in raw.maps]


class _Counter:
    """One thread's pair table, key buffer and pruning state, kept over the parts it counts."""

    def __init__(self, entries, budget=None):
        self.table = pairtable.new_table(entries)
        self.keys = np.empty(BLOCK_TOKENS, dtype=np.int64)
        self.ones = np.ones(BLOCK_TOKENS, dtype=np.int64)
        self.last = np.full(1, -1, dtype=np.int64)  # the word before the next token, -1: none
        self.budget, self.prunes, self.min_reduce = budget, 0, 1

    def count(self, raw, part, maps, carry=False):
        """Count a part's pairs (with `carry`, the pair of the last token counted before and the
        part's first too). Returns (its first word, its last word), -1 for an empty part."""
        if not carry:
            self.last[0] = -1
        first, word_of = -1, maps[part["map"]]
        for ids in id_blocks(raw.path(part["ids"]), BLOCK_TOKENS):
            if first < 0 and ids.size:
                first = int(word_of[ids[0]])
            n = _adjacent_keys(ids, word_of, self.last, self.keys)
            self.table, prunes, self.min_reduce = pairtable.add_counts(
                self.table, self.keys[:n], self.ones[:n], self.budget, self.min_reduce)
            self.prunes += prunes
        return first, int(self.last[0])


def line_ends(raw, part):
    """A part's line ends: int64, token counts within the part (memory-mapped when not empty)."""
    path = raw.path(part["ends"])
    with open(path, "rb") as handle:
        if not handle.seek(0, 2):
            return np.zeros(0, dtype=np.int64)
    return np.asarray(np.memmap(path, dtype=np.int64, mode="r"))


@njit(cache=True, nogil=True)
def _adjacent_keys(ids, word_of, last, keys):
    """The pair key of every token and the one before it (`last[0]` before the first; none
    where it is -1) into `keys`; last[0] becomes the last token's word. Returns the keys written.

    Args:
        ids: int32 (n,), provisional ids. word_of: int32, provisional id -> word index.
        last: int64 (1,). keys: int64 (>= n,).
    """
    before, n = last[0], 0
    for k in range(ids.size):
        word = word_of[ids[k]]
        if before >= 0:
            keys[n] = pairtable.pair_key(before, word)
            n += 1
        before = word
    last[0] = before
    return n


def pair_scores(pairs, min_count, scoring="default"):
    """Each pair's score, and whether it may be scored at all.

    Args:
        pairs: PairCounts. min_count: int >= 1. scoring: "default" or "npmi".
    Raises:
        ConfigError: another scoring.
    Returns:
        (scores, eligible): float32 (P,) for "default", the C tool's
        ``(pab - min_count) / pa / pb * train_words`` evaluated as it does it (the subtraction
        in integers, then float32 divisions and product, left to right), 0 where not eligible;
        float64 (P,) for "npmi", gensim's ``log(pab/N / ((pa/N)*(pb/N))) / -log(pab/N)`` with N =
        train_words, -inf where not eligible. eligible: bool (P,), the pair and both its words
        seen at least min_count times (the C tool's table has dropped the others).
    """
    if scoring not in SCORINGS:
        raise ConfigError(f"scoring must be one of {', '.join(SCORINGS)}, not {scoring!r}")
    pa, pb = pairs.word_counts[pairs.left], pairs.word_counts[pairs.right]
    eligible = (pairs.counts >= min_count) & (pa >= min_count) & (pb >= min_count)
    pab, pa, pb = pairs.counts[eligible], pa[eligible], pb[eligible]
    if scoring == "default":
        scores = np.zeros(pairs.counts.size, dtype=np.float32)
        scores[eligible] = ((pab - min_count).astype(np.float32) / pa.astype(np.float32)
                            / pb.astype(np.float32) * np.float32(pairs.train_words))
    else:
        n = float(pairs.train_words)
        scores = np.full(pairs.counts.size, -np.inf)
        with np.errstate(divide="ignore", invalid="ignore"):  # pab == N: gensim divides by zero too
            scores[eligible] = np.log(pab / n / ((pa / n) * (pb / n))) / -np.log(pab / n)
    return scores, eligible


@dataclass(frozen=True, eq=False)
class Phrases:
    """The pairs that become phrases.

    Attributes:
        words: list of str (W,). left, right: int32 (K,), the phrases' word indices, sorted by
            (left, right). scores: float32 or float64 (K,), their scores. delimiter: str.
    """

    words: list
    left: np.ndarray
    right: np.ndarray
    scores: np.ndarray
    delimiter: str

    def strings(self):
        """Each phrase as its words joined by the delimiter: list of str (K,)."""
        return [self.words[a] + self.delimiter + self.words[b]
                for a, b in zip(self.left.tolist(), self.right.tolist())]

    def export(self):
        """dict str -> float: every phrase's string and score (the higher score where two pairs
        join into one string, as (a, b_c) and (a_b, c) do)."""
        found = {}
        for text, score in zip(self.strings(), self.scores.tolist()):
            found[text] = max(score, found.get(text, -math.inf))
        return found


def choose_phrases(pairs, config):
    """The pairs whose score is strictly above the threshold, among the eligible ones.

    Args:
        pairs: PairCounts. config: PhraseConfig.
    Returns:
        Phrases.
    Raises:
        ConfigError: the pairs were counted with another delimiter (their shared strings are
            that delimiter's).
    """
    if config.delimiter != pairs.delimiter:
        raise ConfigError(f"the pairs were counted with the delimiter {pairs.delimiter!r}, not "
                          f"{config.delimiter!r}: count them again with it")
    scores, eligible = pair_scores(pairs, config.min_count, config.scoring)
    threshold = np.float32(config.threshold) if config.scoring == "default" else float(config.threshold)
    chosen = np.flatnonzero(eligible & (scores > threshold))
    order = chosen[np.lexsort((pairs.right[chosen], pairs.left[chosen]))]
    return Phrases(words=pairs.words, left=pairs.left[order], right=pairs.right[order],
                   scores=scores[order], delimiter=pairs.delimiter)
