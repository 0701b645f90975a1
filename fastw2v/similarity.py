"""Similarities between given keys, and evaluation on analogy and word-pair files, under gensim
4's KeyedVectors names, signatures and return structures: `SimilarityQueries`, mixed into
`fastw2v.vectors.KeyedVectors` beside the nearest-neighbour queries of `fastw2v.queries`.

Numbers are gensim's, made with its arithmetic (`fastw2v.ranking`); where gensim would answer
something undefined or silently drop input, these raise (docs/gensim.md lists each case).
"""

import warnings

import numpy as np

from fastw2v import ranking
from fastw2v.correlation import pearson_test, spearman_test
from fastw2v.errors import ConfigError, DatasetError, InputWarning
from fastw2v.evaluate import answer_analogies, pair_rows, read_analogy_sections, read_word_pairs
from fastw2v.queries import KEY_TYPES

SIMILARITY_FUNCTIONS = {"most_similar": "cosadd", "most_similar_cosmul": "cosmul"}


class SimilarityQueries:
    """Pairwise similarities and evaluations; mixed into KeyedVectors, whose `vectors`,
    `index_to_key`, `vector_size`, `get_index`, `get_vector`, `similar_by_word` and
    `_checked_vector` they use."""

    def similarity(self, w1, w2):
        """The cosine similarity of two keys: a numpy scalar of the vectors' dtype (as gensim)."""
        return np.dot(ranking.unitvec(self[w1]), ranking.unitvec(self[w2]))

    def distance(self, w1, w2):
        """1 - similarity(w1, w2)."""
        return 1 - self.similarity(w1, w2)

    def n_similarity(self, ws1, ws2):
        """The cosine similarity of the means of two lists of keys (raw vectors, not unit ones).

        Raises:
            ZeroDivisionError: an empty list (gensim's type). KeyError: an unknown key (gensim
                4.4 leaves unknown keys out silently, and answers 0.0 when none is known).
        """
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        for key in (*ws1, *ws2):
            self.get_index(key)
        means = (self.get_mean_vector(ws, pre_normalize=False) for ws in (ws1, ws2))
        return np.dot(*(ranking.unitvec(mean) for mean in means))

    def get_mean_vector(self, keys, weights=None, pre_normalize=True, post_normalize=False,
                        ignore_missing=True):
        """The weighted mean of the keys' vectors (unit vectors when pre_normalize) and of any
        vectors among them, divided by the sum of |weight| of the items used.

        Args:
            keys: a list of keys and vectors float (D,), or a 2-D array of vectors (not a str).
            weights: None (all 1), or one number per item.
            post_normalize: scale the mean to unit length (then float32, as gensim).
            ignore_missing: leave unknown keys out (else KeyError).
        Returns:
            float (D,): the vectors' dtype, float64 after the division by float64 weights.
        Raises:
            ConfigError: no item, or weights of another length. TypeError: a str.
        """
        if isinstance(keys, str):
            raise TypeError("keys must be a list of keys, not one str (its letters would be taken as keys)")
        if len(keys) == 0:
            raise ConfigError("cannot compute mean with no input")
        if weights is None:
            weights = np.ones(len(keys), dtype=self.vectors.dtype)
        elif not isinstance(weights, np.ndarray):
            weights = np.array(weights, dtype=self.vectors.dtype)
        if len(keys) != weights.shape[0]:
            raise ConfigError(f"{len(keys)} keys but {weights.shape[0]} weights")
        used = []
        for i, key in enumerate(keys):
            if isinstance(key, np.ndarray):
                used.append((self._checked_vector(key), i))
            elif key in self:
                used.append((self.get_vector(key, norm=pre_normalize), i))
            elif not ignore_missing:
                raise KeyError(f"Key '{key}' not present in vocabulary")
        mean = ranking.weighted_mean([term for term, _ in used], weights[[i for _, i in used]],
                                     self.vector_size, self.vectors.dtype)
        return ranking.unitvec(mean).astype(np.float32) if post_normalize else mean

    def most_similar_to_given(self, key1, keys_list):
        """The key of `keys_list` most similar to `key1` (the first of equals)."""
        if not len(keys_list):
            raise ConfigError("keys_list is empty: no key to choose")
        return keys_list[int(np.argmax([self.similarity(key1, key) for key in keys_list]))]

    def distances(self, word_or_vector, other_words=()):
        """Cosine distances (1 - cosine) from a key or a vector to `other_words` (default: every
        row, the key's own included): float (n,).

        Raises:
            KeyError: an unknown key. ConfigError: a vector of the wrong length.
        """
        if isinstance(word_or_vector, KEY_TYPES):
            vector = self.get_vector(word_or_vector)
        else:
            vector = self._checked_vector(word_or_vector)
        if other_words is None or not len(other_words):
            others = self.vectors
        else:
            others = self.vectors[[self.get_index(word) for word in other_words]]
        return 1 - self.cosine_similarities(vector, others)

    @staticmethod
    def cosine_similarities(vector_1, vectors_all):
        """Cosines of `vector_1` (D,) with each row of `vectors_all` (n, D): float (n,); NaN for a
        zero vector (as gensim's 0 / 0, without its warning)."""
        vector_1, vectors_all = np.asarray(vector_1), np.asarray(vectors_all)
        if vector_1.ndim != 1 or vectors_all.ndim != 2 or vectors_all.shape[1] != vector_1.shape[0]:
            raise ConfigError(f"cosine_similarities takes a vector (D,) and vectors (n, D), not "
                              f"{vector_1.shape} and {vectors_all.shape}")
        norms = np.linalg.norm(vector_1) * np.linalg.norm(vectors_all, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.dot(vectors_all, vector_1) / norms

    def closer_than(self, key1, key2):
        """Every key (but key1) closer to `key1` than `key2` is, in row order."""
        distances = self.distances(key1)
        own, other = self.get_index(key1), self.get_index(key2)
        closer = np.flatnonzero(distances < distances[other]).tolist()
        return [self.index_to_key[i] for i in closer if i != own]

    def words_closer_than(self, word1, word2):
        """gensim's former name of `closer_than`."""
        return self.closer_than(word1, word2)

    def rank(self, key1, key2):
        """1 + the number of keys closer to `key1` than `key2` is."""
        return len(self.closer_than(key1, key2)) + 1

    def relative_cosine_similarity(self, wa, wb, topn=10):
        """similarity(wa, wb) over the sum of wa's `topn` nearest similarities (Leeuwenberg et
        al.): float.

        Raises:
            ConfigError: wa has no neighbour (topn below 1, or a one-word vocabulary).
        """
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ConfigError("Cannot calculate relative cosine similarity without any similar words.")
        return float(self.similarity(wa, wb)) / sum(sim for _, sim in sims)

    def doesnt_match(self, words):
        """The key of `words` farthest from their mean (unknown keys are left out, with an
        InputWarning)."""
        return self.rank_by_centrality(words)[-1][1]

    def rank_by_centrality(self, words, use_norm=True):
        """The known keys of `words` by cosine with the mean of their (unit, when use_norm)
        vectors: list of (numpy score, key), most central first (equal scores: the greater key
        first, as sorting the pairs does).

        Raises:
            ConfigError: no key of `words` is known.
        """
        used = [word for word in words if word in self]
        if len(used) != len(words):
            missing = [word for word in words if word not in self]
            warnings.warn(f"leaving out keys not in the vocabulary: {missing[:10]}", InputWarning,
                          stacklevel=2)
        if not used:
            raise ConfigError("cannot select a word from an empty list")
        vectors = np.vstack([self.get_vector(word, norm=use_norm) for word in used]).astype(np.float32)
        mean = self.get_mean_vector(vectors, post_normalize=True)
        return sorted(zip(np.dot(vectors, mean), used), reverse=True)

    def evaluate_word_analogies(self, analogies, restrict_vocab=300000, case_insensitive=True,
                                dummy4unknown=False, similarity_function="most_similar"):
        """Analogy accuracy on a questions-words file, as gensim reports it (see
        `fastw2v.evaluate.answer_analogies` for how questions are answered).

        Args:
            analogies: the file (``: section`` headers, ``a b c d`` lines).
            restrict_vocab: only the first that many rows are looked up or answered.
            case_insensitive: compare words upper-cased (a word takes its first variant's row).
            dummy4unknown: count a question with an unknown word as incorrect (else skip it).
            similarity_function: "most_similar" (3CosAdd) or "most_similar_cosmul" (3CosMul;
                gensim 4.4 takes this argument and always uses most_similar).
        Returns:
            (score, sections): the share of asked questions answered right (0.0 for none), and
            one dict per section in file order, {"section": name, "correct": [...],
            "incorrect": [...]} with (a, b, c, d) tuples (upper-cased when case_insensitive),
            then {"section": "Total accuracy", ...} with every section's.
        Raises:
            ConfigError: an unknown similarity_function. DatasetError: a missing or malformed
                file (a line that is neither a header nor four words, questions before the first
                header).
        """
        method = SIMILARITY_FUNCTIONS.get(similarity_function)
        if method is None:
            raise ConfigError(f"similarity_function must be one of {', '.join(SIMILARITY_FUNCTIONS)}, "
                              f"not {similarity_function!r}")
        sections = read_analogy_sections(analogies)
        if sections[0][0] is None:
            raise DatasetError(f"{analogies}: questions before the first ': section' header")
        outcomes = iter(answer_analogies(self, [q for _, questions in sections for q in questions],
                                         restrict_vocab, case_insensitive, method))
        fold = str.upper if case_insensitive else str
        report = []
        for name, questions in sections:
            section = {"section": name, "correct": [], "incorrect": []}
            for question in questions:
                outcome = next(outcomes)
                if outcome is not None or dummy4unknown:
                    section["correct" if outcome else "incorrect"].append(tuple(map(fold, question)))
            report.append(section)
        total = {"section": "Total accuracy", "correct": [q for s in report for q in s["correct"]],
                 "incorrect": [q for s in report for q in s["incorrect"]]}
        asked = len(total["correct"]) + len(total["incorrect"])
        return (len(total["correct"]) / asked if asked else 0.0), report + [total]

    def evaluate_word_pairs(self, pairs, delimiter="\t", encoding="utf8", restrict_vocab=300000,
                            case_insensitive=True, dummy4unknown=False):
        """Correlation of the cosines of word pairs with their human scores, as gensim reports it.

        Args:
            pairs: a file of ``word1<delimiter>word2<delimiter>score`` lines (``#`` comments).
            restrict_vocab, case_insensitive: as evaluate_word_analogies.
            dummy4unknown: give a pair with an unknown word the cosine 0 (else skip it).
        Returns:
            (pearson, spearman, oov_ratio): (r, two-sided p-value) each (`Correlation`, which
            also has .statistic and .pvalue), and the percentage of pairs with an unknown word
            (of all pairs; with dummy4unknown, of the pairs scored, as gensim).
        Raises:
            DatasetError: a missing or malformed file, or fewer than two pairs to correlate.
        """
        judged = read_word_pairs(pairs, delimiter, encoding)
        rows = pair_rows(self, judged, restrict_vocab, case_insensitive)
        gold, known = np.array([score for _, _, score in judged]), (rows >= 0).all(axis=1)
        # each cosine as gensim's similarity makes it, so that the ranks are gensim's too
        unit = {row: ranking.unitvec(self.vectors[row]) for row in np.unique(rows[known]).tolist()}
        cosines = np.array([np.dot(unit[a], unit[b]) if found else np.nan
                            for (a, b), found in zip(rows.tolist(), known)], dtype=np.float64)
        unknown = int((~known).sum())
        if dummy4unknown:
            model = np.where(known, cosines, 0.0)
        else:
            model, gold = cosines[known], gold[known]
        if len(model) < 2:
            raise DatasetError(f"{pairs}: {len(model)} word pair(s) with both words in the vocabulary; "
                               "a correlation needs two")
        oov_ratio = unknown / (len(gold) if dummy4unknown else len(gold) + unknown) * 100
        return pearson_test(gold, model), spearman_test(gold, model), oov_ratio
