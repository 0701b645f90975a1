"""Nearest-neighbour queries on word vectors (most_similar and its relatives), under gensim 4's
KeyedVectors names, signatures and return structures: `NearestQueries`, mixed into
`fastw2v.vectors.KeyedVectors` (which stores the vectors) beside `fastw2v.similarity`.

Scores are made with gensim's own arithmetic (`fastw2v.ranking`), so the answers agree with
gensim's to the bit, near-equal words in gensim's order. Where gensim's answer would be
undefined, these raise instead: a query with no key or vector, whose vectors cancel out, or
with a key whose vector is zero, or a vector of the wrong length (ConfigError, a ValueError);
an `indexer`. A key not in the vocabulary raises KeyError naming it ("Key 'x' not present").
Where gensim's behaviour differs from these, docs/gensim.md says how and why.
"""

import numbers
import os

import numpy as np

from fastw2v import ranking
from fastw2v.errors import ConfigError

KEY_TYPES = (str, int, np.integer)  # what gensim takes as one key (an int is a row number too)
_SCORES_PER_CHUNK = 1 << 24  # scores a batch holds at once: 64 MiB of float32


class NearestQueries:
    """The keys nearest a query; mixed into KeyedVectors, whose `vectors`, `index_to_key`,
    `vector_size`, `get_index`, `unit_vectors`, `_current_norms` and `_checked_vector` they
    use."""

    def most_similar(self, positive=None, negative=None, topn=10, clip_start=0, clip_end=None,
                     restrict_vocab=None, indexer=None):
        """The `topn` keys nearest (cosine) to the weighted mean of the query's unit vectors,
        the query's keys left out.

        Args:
            positive, negative: a key (str, or int row number), a vector float (D,), or a list
                of those or of (key or vector, weight) pairs; weight 1 for a positive item and
                -1 for a negative one unless given. A 2-D array counts as its rows.
            topn: int (below 1: []), or None for the scores of every candidate row.
            clip_start, clip_end: the candidate rows, vectors[clip_start:clip_end] (clip_end 0
                or None: to the end). restrict_vocab: int, the first that many rows instead.
            indexer: must be None (answers are exact).
        Returns:
            list of (key, float cosine), nearest first; with topn=None, float (R,) scores of
            the candidate rows (the vectors' dtype), query keys included.
        Raises:
            KeyError: a key not in the vocabulary. ConfigError: see the module docstring.
        """
        if indexer is not None:
            raise ConfigError("indexer must be None: fastw2v answers most_similar exactly, and a "
                              "gensim approximate-neighbour index (Annoy, NMSLIB) cannot serve it")
        if _no_answers(topn):
            return []
        mean, excluded = self._query(positive, negative)
        return self._nearest(mean, excluded, self._candidate_rows(clip_start, clip_end, restrict_vocab), topn)

    def most_similar_batch(self, positives, negatives=None, topn=10, clip_start=0, clip_end=None,
                           restrict_vocab=None):
        """`most_similar` for many queries, scored with one matrix product per batch.

        Args:
            positives: a list with one `positive` argument of most_similar per query (a key, a
                vector, or a list of them). negatives: None, or a list of as many `negative`
                arguments. topn, clip_start, clip_end, restrict_vocab: as in most_similar.
        Returns:
            a list with most_similar's answer for each query, the same keys in the same order
            (a query whose nearest scores are too close for the batch's roundings to order is
            scored again on its own); scores within float32 rounding of most_similar's. With
            topn=None, float (n, R) scores, each row within rounding of most_similar's.
        Raises:
            as most_similar; ConfigError when negatives and positives differ in length.
        """
        if negatives is not None and len(negatives) != len(positives):
            raise ConfigError(f"{len(positives)} positive queries but {len(negatives)} negative ones")
        if _no_answers(topn):
            return [[] for _ in positives]
        negatives = [None] * len(positives) if negatives is None else list(negatives)
        means, excluded = self._batch_queries(positives, negatives)
        rows = self._candidate_rows(clip_start, clip_end, restrict_vocab)
        unit, zero = self.unit_vectors()[rows], np.flatnonzero(self._current_norms()[rows] == 0)
        chunk = max(1, _SCORES_PER_CHUNK // max(1, len(unit)))
        answers = []
        for first in range(0, len(positives), chunk):
            scores = means[first:first + chunk] @ unit.T
            scores[:, zero] = np.nan  # as gensim's 0 / 0: undefined, and ranked last
            if topn is None:
                answers.append(scores)
                continue
            part = self._batch_answers(scores, excluded[first:first + chunk], rows, topn)
            for query, answer in enumerate(part, first):
                # None: too close to call from these scores; the query's own scores decide
                answers.append(answer if answer is not None else
                               self._nearest(*self._query(positives[query], negatives[query]), rows, topn))
        if topn is None:
            return np.concatenate(answers) if answers else np.empty((0, len(unit)), dtype=unit.dtype)
        return answers

    def _batch_queries(self, positives, negatives):
        """Every query's unit mean, float32 (n, D), and its keys' rows (list of n lists). A query
        of one key is made for all at once; its mean may then differ from `_query`'s in the last
        bit, which the batch's rounding margin covers."""
        means = np.empty((len(positives), self.vector_size), dtype=np.float32)
        excluded, single = [], []
        for i, (positive, negative) in enumerate(zip(positives, negatives)):
            if isinstance(positive, KEY_TYPES) and not _as_list(negative):
                excluded.append([self._unit_row(positive, row_only=True)])
                single.append(i)
            else:
                means[i], keys = self._query(positive, negative)
                excluded.append(keys)
        if single:
            rows = [excluded[i][0] for i in single]
            # get_vector(norm=True) of each row, then unitvec's float64 scaling
            wide = (self.vectors[rows] / self._current_norms()[rows][:, None]).astype(np.float64)
            means[single] = wide * (1.0 / np.sqrt(np.einsum("ij,ij->i", wide, wide)))[:, None]
        return means, excluded

    def _batch_answers(self, scores, excluded, rows, topn):
        """The answers of one batch from its scores float (n, R), each checked (see
        `ranking.unambiguous`); None for a query whose scores leave its order open."""
        margin = ranking.rounding_margin(self.vector_size, self.vectors.dtype)
        wanted = [topn + len(keys) for keys in excluded]
        columns, values = ranking.top_rows(scores, max(wanted) + 1, os.cpu_count() or 1)
        start = rows.indices(len(self.vectors))[0]
        return [self._named(columns[i, :wanted[i]], scores[i], start, keys, topn)
                if ranking.unambiguous(values[i, :wanted[i] + 1], margin) else None
                for i, keys in enumerate(excluded)]

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """The `topn` keys best by 3CosMul (Levy and Goldberg): the product of (1 + cos) / 2 with
        the positive items over the product with the negative ones (plus 1e-6), the query's keys
        left out.

        Args:
            positive, negative: a key, a vector float (D,) (used as given, not normalised, as
                gensim does), or a list of those; no weights.
            topn: int, or None for every score. restrict_vocab: int, only the first that many
                rows are candidates (gensim takes this argument and ignores it).
        Returns:
            list of (key, float score), best first; with topn=None, the scores (R,).
        Raises:
            KeyError: an unknown key. ConfigError: no positive item, a wrong vector.
        """
        if _no_answers(topn):
            return []
        positive, negative = _as_list(positive), _as_list(negative)
        excluded = {self.get_index(item) for item in positive + negative
                    if isinstance(item, KEY_TYPES) and self.has_index_for(item)}
        terms = [[self._cosmul_term(item) for item in items] for items in (positive, negative)]
        if not terms[0]:
            raise ConfigError("cannot compute similarity with no input: most_similar_cosmul needs a "
                              "positive key or vector")
        if not (restrict_vocab is None or isinstance(restrict_vocab, numbers.Integral)):
            raise TypeError(f"restrict_vocab must be an int or None, not {restrict_vocab!r}")
        rows = slice(0, restrict_vocab or None)
        scores = ranking.cosmul_scores(self.vectors[rows], self._current_norms()[rows], *terms)
        if topn is None:
            return scores
        return self._named(ranking.top_k(scores, topn + len(excluded)), scores, 0, excluded, topn)

    def similar_by_word(self, word, topn=10, restrict_vocab=None):
        """gensim's other name of `similar_by_key`."""
        return self.similar_by_key(word, topn, restrict_vocab)

    def similar_by_key(self, key, topn=10, restrict_vocab=None):
        """most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """The `topn` keys nearest to `vector` (float (D,)), as most_similar(positive=[vector])."""
        return self.most_similar(positive=[self._checked_vector(vector)], topn=topn,
                                 restrict_vocab=restrict_vocab)

    def analogy(self, a, b, c, topn=5):
        """a is to b as c is to ?: most_similar(positive=[b, c], negative=[a], topn=topn) (3CosAdd).

        Returns:
            list of (key, cosine with the normalised mean of b, c and -a), best first.
        Raises:
            KeyError: naming a question word that is not in the vocabulary.
        """
        return self.most_similar(positive=[b, c], negative=[a], topn=topn)

    def _query(self, positive, negative):
        """most_similar's query: (unit mean float32 (D,), the query keys' rows in order)."""
        positive, negative = _as_list(positive), _as_list(negative)
        weights = np.concatenate((np.ones(len(positive)), -1.0 * np.ones(len(negative))))
        items = []
        for i, item in enumerate(positive + negative):
            if not _is_term(item):
                if not (isinstance(item, (tuple, list)) and len(item) == 2 and _is_term(item[0])
                        and isinstance(item[1], numbers.Real)):
                    raise TypeError(f"a query item is a key, a vector or a (key or vector, weight) pair, "
                                    f"not {item!r}")
                weights[i] = item[1]
                item = item[0]
            items.append(item)
        if not items:
            raise ConfigError("cannot compute similarity with no input: give a positive or negative "
                              "key or vector")
        terms = [self._checked_vector(item) if isinstance(item, np.ndarray) else self._unit_row(item)
                 for item in items]
        mean = ranking.weighted_mean(terms, weights, self.vector_size, self.vectors.dtype)
        if not np.isfinite(mean).all() or ranking.cancels_out(terms, weights, mean, self.vectors.dtype):
            raise ConfigError("cannot compute similarity: the query's vectors cancel out (their weighted "
                              "mean is zero, to rounding) or are not finite")
        rows = [self.get_index(item, -1) for item in items if isinstance(item, KEY_TYPES)]
        return ranking.unitvec(mean).astype(np.float32), [row for row in rows if row >= 0]

    def _unit_row(self, key, row_only=False):
        """get_vector(key, norm=True) for a query (or just its row), refusing a zero vector (its
        cosines are undefined)."""
        index = self.get_index(key, -1) if isinstance(key, KEY_TYPES) else -1
        if index < 0:
            raise KeyError(f"Key '{key}' not present in vocabulary")
        norms = self._current_norms()
        if norms[index] == 0:
            raise ConfigError(f"key {key!r} has a zero vector: no cosine similarity is defined for it")
        return index if row_only else self.vectors[index] / norms[index]

    def _cosmul_term(self, item):
        """A most_similar_cosmul item: a key's unit vector, or a vector as given."""
        if isinstance(item, np.ndarray):
            return self._checked_vector(item)
        if not isinstance(item, KEY_TYPES):
            raise TypeError(f"most_similar_cosmul takes keys and vectors (no weights), not {item!r}")
        return self._unit_row(item)

    def _candidate_rows(self, clip_start, clip_end, restrict_vocab):
        """most_similar's candidate rows as a slice: vectors[clip_start:clip_end], or the first
        `restrict_vocab` (when given and not 0, as gensim)."""
        for name, value in (("clip_start", clip_start), ("clip_end", clip_end),
                            ("restrict_vocab", restrict_vocab)):
            if not (value is None or isinstance(value, numbers.Integral)):
                raise TypeError(f"{name} must be an int or None, not {value!r}")
        if restrict_vocab:
            return slice(0, int(restrict_vocab))
        if clip_start is None or clip_start < 0:
            # gensim takes a negative start as Python slicing would, then fails to leave out the query keys
            raise ConfigError(f"clip_start must be 0 or more, not {clip_start}")
        return slice(int(clip_start), int(clip_end or len(self.vectors)))

    def _nearest(self, mean, excluded, rows, topn):
        """The answer to one most_similar query over `rows` (a slice), scored as gensim."""
        scores = ranking.exact_scores(self.vectors[rows], self._current_norms()[rows], mean)
        if topn is None:
            return scores
        start = rows.indices(len(self.vectors))[0]
        return self._named(ranking.top_k(scores, topn + len(excluded)), scores, start, excluded, topn)

    def _named(self, best, scores, start, excluded, topn):
        """[(key, float score)] of the rows `best` (offsets from row `start`), query rows left out."""
        return [(self.index_to_key[i + start], float(scores[i])) for i in best.tolist()
                if i + start not in excluded][:topn]


def _no_answers(topn):
    """Whether `topn` asks for nothing (an int below 1, as gensim); TypeError unless an int or None."""
    if topn is None:
        return False
    if not isinstance(topn, numbers.Integral):
        raise TypeError(f"topn must be an int or None, not {topn!r}")
    return topn < 1


def _is_term(item):
    return isinstance(item, (*KEY_TYPES, np.ndarray))


def _as_list(value):
    """most_similar's positive or negative argument as a list of items, as gensim reads it: None
    is none, a key or a vector (D,) one, a 2-D array its rows."""
    if value is None:
        return []
    if isinstance(value, KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return [value]
    return list(value)
