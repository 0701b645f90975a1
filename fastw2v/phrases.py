"""Phrase detection as the word2vec C tool's word2phrase does it: count every adjacent pair of
tokens, score each pair, and join the pairs that score above a threshold (`fastw2v.phrasejoin`).

Counting runs over a `fastw2v.rawcorpus.RawCorpus`: its word counts are the unigram counts, its
token count is ``train_words``, and compiled code counts the pairs of word indices, block by block
of the spooled ids, into `fastw2v.pairtable` tables (one per thread, each for its shard of the
keys). As in the C tool, the corpus is one stream: a pair is counted across a line end (its
``start`` flag never fires) and across the parts and files. With a `max_entries` limit the table
is pruned as the C tool's ``ReduceVocab`` prunes its own.

Connector words (gensim's ``connector_words``, such as "of" and "the") may sit inside a phrase
but never start or end one: with them, a candidate is a word, the connectors after it, and the
next word that is not one (``bank of america``), and a connector is no unigram. A candidate's
left part, a word and its connectors, is a node of a tree (`Prefixes`) whose ids follow the
words', so that a candidate is still a pair key (left part, end word). Without connectors every
left part is a word, and candidates are the C tool's pairs.

The C tool keeps unigrams and pairs in one table keyed by string, so a literal token ``new_york``
and the pair (new, york) are one entry whose count is the sum of both; `count_pairs` gives every
pair and word the count of its string. Scores (`pair_scores`): the C tool's, ``(pab - min_count) /
pa / pb * train_words`` in float32, left to right, and gensim's npmi in float64. docs/phrases.md
lists where fastw2v differs from the C tool, and why.
"""

import math
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from fastw2v.jit import njit
from fastw2v.rawcorpus import id_blocks
from fastw2v import pairstrings, pairtable
from fastw2v.errors import ConfigError
from fastw2v.threadpool import on_threads
from fastw2v.pairtable import ENTRIES

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
        connector_words: frozenset of str, words that may sit inside a phrase but never start or
            end one (gensim's); empty: the C tool's pairs of adjacent words.
    """

    min_count: int = 5
    threshold: float = 100.0
    scoring: str = "default"
    delimiter: str = "_"
    max_entries: Optional[int] = None
    connector_words: frozenset = frozenset()

    def __post_init__(self):
        check_connector_words(self.connector_words)
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


def check_connector_words(connector_words):
    """Raises ConfigError unless `connector_words` is a frozenset of non-empty str without
    whitespace (a token never holds any)."""
    if not isinstance(connector_words, frozenset):
        raise ConfigError("connector_words must be a frozenset of words, not "
                          f"{type(connector_words).__name__}")
    for word in connector_words:
        if not isinstance(word, str) or not word or any(c.isspace() for c in word):
            raise ConfigError(f"a connector word must be a non-empty string without whitespace, not {word!r}")


def check_delimiter(delimiter):
    """Raises ConfigError unless `delimiter` is a non-empty str without whitespace (a phrase with
    whitespace in it would read back as two tokens)."""
    if not isinstance(delimiter, str) or not delimiter or any(c.isspace() for c in delimiter):
        raise ConfigError(f"delimiter must be a non-empty string without whitespace, not {delimiter!r}")


@dataclass(frozen=True, eq=False)
class Prefixes:
    """The left parts of candidates that hold connector words, as nodes of a tree: node i, the
    left item ``W + i`` (W: the corpus's words), is the left item parent[i] (a word index, or an
    earlier node's item) followed by the connector word word[i]; start[i] is its first word.
    Nodes come after their parents.

    Attributes:
        parent, word, start: int32 (N,).
    """

    parent: np.ndarray
    word: np.ndarray
    start: np.ndarray

    @classmethod
    def from_table(cls, table, n_words):
        """The nodes of a table of key (parent item, connector word) -> item (W, W + 1, ...)."""
        keys, items = pairtable.entries(table)
        keys = keys[np.argsort(items)]
        parent = (keys >> pairtable.PAIR_BITS).astype(np.int32)
        start = parent.copy()
        _node_starts(start, n_words)
        return cls(parent=parent, word=(keys & pairtable.LOW_BITS).astype(np.int32), start=start)

    def starts(self, items, n_words):
        """The first word of each left item (int array): the item itself for a word."""
        items = np.asarray(items)
        first = items.astype(np.int32)
        nodes = items >= n_words
        first[nodes] = self.start[items[nodes] - n_words]
        return first

    def tokens(self, item, words):
        """The words of a left item, as a tuple of str."""
        found = []
        while item >= len(words):
            found.append(words[int(self.word[item - len(words)])])
            item = int(self.parent[item - len(words)])
        return (words[item],) + tuple(reversed(found))


def _no_prefixes():
    empty = np.zeros(0, dtype=np.int32)
    return Prefixes(parent=empty, word=empty, start=empty)


@njit(cache=True, nogil=True)
def _node_starts(start, n_words):
    """start[i], node i's parent item, becomes its first word (parents come first)."""
    for i in range(start.size):
        if start[i] >= n_words:
            start[i] = start[start[i] - n_words]


@dataclass(frozen=True, eq=False)
class PairCounts:
    """Every candidate of a corpus (a pair of adjacent words, or with connector words a left
    part and the word that ends it) with its count, and the counts of its words.

    Attributes:
        words: list of str (W,), the corpus's words. word_counts: int64 (W,), each word's count
            plus those of the pairs that join into the same string (0 for a connector word).
        left: int32 (P,), the candidates' left items (word indices, or W + i for
            prefixes's node i), right: int32 (P,), their end words, in no particular order.
            counts: int64 (P,), each candidate's count plus those of the words and candidates
            with its string.
        train_words: int, the corpus's tokens. prunes: int, how often the table was pruned.
        delimiter: str, the one the strings were joined with.
        connector_words: frozenset of str. connector: bool (W,), which words are connectors.
        prefixes: Prefixes, the left items with connectors.
    """

    words: list
    word_counts: np.ndarray
    left: np.ndarray
    right: np.ndarray
    counts: np.ndarray
    train_words: int
    prunes: int
    delimiter: str
    connector_words: frozenset = frozenset()
    connector: Optional[np.ndarray] = None
    prefixes: Prefixes = field(default_factory=_no_prefixes)


def connector_mask(words, connector_words):
    """bool (W,): which of the words are connector words."""
    return np.fromiter((word in connector_words for word in words), dtype=bool, count=len(words))


def word_entries(words, connector_words=frozenset()):
    """How many of the words are entries of the table `max_entries` limits: those that are not
    connector words (gensim counts no connector in its vocabulary)."""
    if not connector_words:
        return len(words)
    present = set(words)
    return len(words) - sum(1 for word in connector_words if word in present)


def count_pairs(raw, delimiter="_", threads=1, max_entries=None, connector_words=frozenset()):
    """Count every candidate of a corpus: each pair of adjacent tokens, or with connector words
    each word, the connectors after it and the next word (a connector never starts or ends one).

    The corpus is counted as one stream on each of `threads` threads, each thread keeping the
    candidates of its own shard of keys (`pairtable.Shards`): no table is merged, and each
    thread's table holds its share of them.

    Args:
        raw: RawCorpus. delimiter: str, joins the strings that share a count.
        threads: int >= 1 (the counts do not depend on it).
        max_entries: None, or the most distinct words + candidates: when the candidates pass
            that, those seen at most ``min_reduce`` times are dropped and ``min_reduce`` goes up
            by one (it starts at 1). Counting then runs on one thread, since what a prune drops
            depends on the order the pairs come in. The prefix nodes are not pruned.
        connector_words: frozenset of str.
    Returns:
        PairCounts.
    Raises:
        ConfigError: max_entries leaves no room for a pair beside the corpus's words; a
            delimiter or connector words that `check_delimiter` or `check_connector_words`
            refuses.
    """
    check_delimiter(delimiter)
    check_connector_words(connector_words)
    connector = connector_mask(raw.words, connector_words)
    n_words = len(raw.words)
    budget = None
    if max_entries is not None:
        entries = n_words - int(connector.sum())
        budget = int(max_entries) - entries
        if budget < 1:
            raise ConfigError(f"max_entries {max_entries:,} leaves no room for pairs: the corpus has "
                              f"{entries:,} distinct words (connector words aside); give more than that")
        threads = 1
    shards = max(1, int(threads))
    maps = _int32_maps(raw)
    counters = [_Counter(_first_size(raw, shards, budget), connector, shards, shard, budget)
                for shard in range(shards)]
    _, failures = on_threads(counters, counters, lambda _, counter: counter.count_all(raw, maps))
    if failures:
        raise failures[min(failures)]
    table = pairtable.Shards([counter.table for counter in counters])
    prefixes = Prefixes.from_table(counters[0].nodes, n_words)  # every thread grew the same tree
    word_counts = np.array(raw.counts, dtype=np.int64)
    word_counts[connector] = 0
    pairstrings.share_strings(raw.words, word_counts, table, delimiter, prefixes)
    left, right, counts = table.pair_entries()
    return PairCounts(words=raw.words, word_counts=word_counts, left=left, right=right, counts=counts,
                      train_words=raw.n_tokens, prunes=counters[0].prunes, delimiter=delimiter,
                      connector_words=connector_words, connector=connector, prefixes=prefixes)


def _first_size(raw, shards, budget=None):
    """Entries a counting table starts with room for: its share of the corpus's tokens (at most
    one new pair each), at most INITIAL_PAIRS, at most budget + 1. Each growth moves every
    entry, once more than counting touched it; a table that starts large skips the small ones."""
    tokens = raw.n_tokens // shards + 1
    return min(tokens, INITIAL_PAIRS // shards, budget + 1 if budget is not None else tokens)


def _int32_maps(raw):
    """The corpus's maps as int32: half the cache lines of its int64 ones."""
    return [mapping.astype(np.int32) for mapping in raw.maps]


LEFT = 0  # a counter's state: the open candidate's left item


class _Counter:
    """One thread's shard of the candidate table, its prefix table, key buffer and pruning state."""

    def __init__(self, entries, connector, shards=1, shard=0, budget=None):
        self.table = pairtable.new_table(entries)
        self.nodes = pairtable.new_table(16)
        self.connects, self.base = bool(connector.any()), connector.size
        self.connector = connector if self.connects else np.zeros(1, dtype=bool)
        self.shards, self.shard = shards, shard
        self.keys = np.empty(BLOCK_TOKENS, dtype=np.int64)
        self.ones = np.ones(BLOCK_TOKENS, dtype=np.int64)
        self.state = np.full(1, -1, dtype=np.int64)
        self.budget, self.prunes, self.min_reduce = budget, 0, 1

    def count_all(self, raw, maps):
        """Count the candidates of this counter's shard in the whole corpus, part after part (a
        candidate goes on across parts)."""
        for part in raw.parts:
            word_of = maps[part["map"]]
            for ids in id_blocks(raw.path(part["ids"]), BLOCK_TOKENS):
                if self.connects:
                    self.nodes = pairtable.grown(self.nodes, ids.size)
                n = _candidate_keys(ids, word_of, self.connector, self.state, self.keys, self.nodes.slots,
                                    self.nodes.sizes, self.base, self.shards, self.shard)
                self.table, prunes, self.min_reduce = pairtable.add_counts(
                    self.table, self.keys[:n], self.ones[:n], self.budget, self.min_reduce)
                self.prunes += prunes


def line_ends(raw, part):
    """A part's line ends: int64, token counts within the part (memory-mapped when not empty)."""
    path = raw.path(part["ends"])
    with open(path, "rb") as handle:
        if not handle.seek(0, 2):
            return np.zeros(0, dtype=np.int64)
    return np.asarray(np.memmap(path, dtype=np.int64, mode="r"))


@njit(cache=True, nogil=True)
def _candidate_keys(ids, word_of, connector, state, keys, node_slots, node_sizes, base, shards, shard):
    """The key of every candidate of shard `shard` that a block's tokens end into `keys`;
    returns how many.

    A token that is not a connector ends the open candidate (if any) and opens the next; a
    connector extends the open one (its left item becomes the node of the two, added to the
    prefix table where new) and is skipped where none is open.

    Args:
        ids: int32 (n,), provisional ids. word_of: int32, provisional id -> word index.
        connector: bool (W,), or (1,) False without connector words (one entry that stays in
            the cache: the word is clamped to it).
        state: int64 (1,): LEFT, the open candidate's left item (-1: none).
        keys: int64 (>= n,). node_slots, node_sizes: the prefix table, with room for n more
            nodes; its items are base, base + 1, ... in the order they are added.
        shards, shard: the keys kept are those `pairtable.shard_of` puts in `shard`.
    """
    left, n, top = state[LEFT], 0, connector.size - 1
    for k in range(ids.size):
        word = word_of[ids[k]]
        if connector[min(word, top)]:
            if left >= 0:
                left = pairtable.find_or_add(node_slots, node_sizes, pairtable.pair_key(left, word),
                                             base + node_sizes[ENTRIES])
            continue
        if left >= 0:
            keys[n] = pairtable.pair_key(left, word)  # kept when in the shard: no branch to mispredict
            n += 1 if shards == 1 else np.int64(pairtable.shard_of(keys[n], shards) == shard)
        left = word
    state[LEFT] = left
    return n


def pair_scores(pairs, min_count, scoring="default"):
    """Each pair's score, and whether it may be scored at all.

    Args:
        pairs: PairCounts (a candidate's pa is the count of its first word). min_count: int >= 1.
        scoring: "default" or "npmi".
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
    pa = pairs.word_counts[pairs.prefixes.starts(pairs.left, len(pairs.words))]
    pb = pairs.word_counts[pairs.right]
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
    """The candidates that become phrases.

    Attributes:
        words: list of str (W,). left, right: int32 (K,), the phrases' left items (as
            `PairCounts`') and end words, sorted by (left, right), or with connector words by
            their words.
        scores: float32 or float64 (K,), their scores. delimiter: str.
        connector: None or bool (W,), which words are connectors. prefixes: Prefixes, the
            left items with connectors.
    """

    words: list
    left: np.ndarray
    right: np.ndarray
    scores: np.ndarray
    delimiter: str
    connector: Optional[np.ndarray] = None
    prefixes: Prefixes = field(default_factory=_no_prefixes)

    def tokens(self):
        """Each phrase's words: list of tuples of str (K,)."""
        words, n = self.words, len(self.words)
        return [(words[a],) + (words[b],) if a < n else self.prefixes.tokens(a, words) + (words[b],)
                for a, b in zip(self.left.tolist(), self.right.tolist())]

    def strings(self):
        """Each phrase as its words joined by the delimiter: list of str (K,)."""
        return [self.delimiter.join(tokens) for tokens in self.tokens()]

    def export(self):
        """dict str -> float: every phrase's string and score (the higher score where two pairs
        join into one string, as (a, b_c) and (a_b, c) do)."""
        found = {}
        for text, score in zip(self.strings(), self.scores.tolist()):
            found[text] = max(score, found.get(text, -math.inf))
        return found


def choose_phrases(pairs, config):
    """The candidates whose score is strictly above the threshold, among the eligible ones.

    Args:
        pairs: PairCounts. config: PhraseConfig.
    Returns:
        Phrases.
    Raises:
        ConfigError: the pairs were counted with another delimiter (their shared strings are
            that delimiter's) or other connector words.
    """
    if config.delimiter != pairs.delimiter:
        raise ConfigError(f"the pairs were counted with the delimiter {pairs.delimiter!r}, not "
                          f"{config.delimiter!r}: count them again with it")
    if config.connector_words != pairs.connector_words:
        raise ConfigError("the pairs were counted with other connector words: count them again with these")
    scores, eligible = pair_scores(pairs, config.min_count, config.scoring)
    threshold = np.float32(config.threshold) if config.scoring == "default" else float(config.threshold)
    chosen = np.flatnonzero(eligible & (scores > threshold))
    order = chosen[np.lexsort((pairs.right[chosen], pairs.left[chosen]))]
    found = Phrases(words=pairs.words, left=pairs.left[order], right=pairs.right[order], scores=scores[order],
                    delimiter=pairs.delimiter, connector=pairs.connector, prefixes=pairs.prefixes)
    if not pairs.prefixes.parent.size:
        return found
    # Node items depend on which thread met a left part first: order by words instead.
    tokens = found.tokens()
    by_words = np.array(sorted(range(len(tokens)), key=tokens.__getitem__), dtype=np.int64)
    return Phrases(words=found.words, left=found.left[by_words], right=found.right[by_words],
                   scores=found.scores[by_words], delimiter=found.delimiter, connector=found.connector,
                   prefixes=found.prefixes)
