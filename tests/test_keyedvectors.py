"""fastw2v's KeyedVectors against gensim 4's on the same vectors: every query gives the same keys
in the same order (duplicated rows, whose scores differ only by rounding, included) and scores
within 1e-6, property-tested on random vocabularies with case variants, unknown keys, vectors and
weights in queries and the edges of restrict_vocab and clipping; bad input raises a clear error;
storage, growth, files and conversions behave as gensim's; the p-values match scipy's."""

import os
import tempfile
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastw2v import formats, ranking
from fastw2v.correlation import incomplete_beta, pearson_test, spearman_test
from fastw2v.errors import ConfigError, DatasetError, FormatError, InputWarning
from fastw2v.vectors import KeyedVectors

EXAMPLES = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UNKNOWN = "zz"  # never a key of a drawn vocabulary


def _gensim():
    return pytest.importorskip("gensim.models", reason="gensim is the reference for these answers")


@st.composite
def vocabularies(draw, max_words=30, max_dim=8):
    """(words, float32 vectors (V, D)): normal rows, some copied onto others (so gensim's scores
    of them differ only in the last bits) or scaled, some words the upper-case variant of
    another."""
    n, dim = draw(st.integers(1, max_words)), draw(st.integers(1, max_dim))
    vectors = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).normal(size=(n, dim)).astype(np.float32)
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    for target, source in draw(st.lists(pairs, max_size=max(1, n // 2))):
        vectors[target] = vectors[source]
    for target, source in draw(st.lists(pairs, max_size=2)):
        vectors[target] = 2 * vectors[source]
    words = [f"w{i}" for i in range(n)]
    for first, later in draw(st.lists(pairs, max_size=3)):
        if first < later and words[first].upper() not in words:
            words[later] = words[first].upper()
    return words, vectors


def both(words, vectors):
    """(ours, gensim's) KeyedVectors holding the same vectors."""
    theirs = _gensim().KeyedVectors(vectors.shape[1])
    theirs.add_vectors(words, vectors)
    return KeyedVectors(words, vectors), theirs


def vectors_of(dim):
    return st.integers(0, 2**32 - 1).map(lambda seed: random_rows(seed, dim))


def random_rows(seed, *shape):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def keys_of(words, unknown=True):
    """A key: a word, a case variant, an int row (in range or not), or an unknown word."""
    choices = words + [words[0].upper()] + ([UNKNOWN] if unknown else [])
    return st.one_of(st.sampled_from(choices), st.integers(-1, len(words)))


def query_items(words, dim, weights=True):
    """most_similar's positive or negative argument: None, a key, a vector, or a list of keys,
    vectors and (key or vector, weight) pairs."""
    item = st.one_of(keys_of(words), vectors_of(dim))
    if weights:
        item = st.one_of(item, st.tuples(st.one_of(keys_of(words), vectors_of(dim)),
                                         st.floats(-2, 2, allow_nan=False, width=32)))
    return st.one_of(st.none(), keys_of(words), st.lists(item, max_size=4))


def run(call, *kvs):
    """[call(kv) or the exception it raised, for each kv], gensim's warnings silenced."""
    outcomes = []
    for kv in kvs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # gensim calls its own init_sims
            warnings.simplefilter("ignore", RuntimeWarning)  # gensim's 0 / 0
            try:
                outcomes.append(call(kv))
            except Exception as exc:  # the exception is the outcome compared
                outcomes.append(exc)
    return outcomes


def assert_same(ours, theirs):
    """Equal structures: keys, ints and strs exactly, floats and arrays within 1e-6 (NaN as
    NaN), lists element by element (so words in the same order)."""
    if isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray) and ours.shape == theirs.shape, (ours, theirs)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6, equal_nan=True)
    elif isinstance(theirs, (list, tuple)):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(theirs), (ours, theirs)
        for mine, other in zip(ours, theirs):
            assert_same(mine, other)
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and ours.keys() == theirs.keys(), (ours, theirs)
        for key in theirs:
            assert_same(ours[key], theirs[key])
    elif isinstance(theirs, (float, np.floating)) and not isinstance(theirs, bool):
        assert ours == pytest.approx(float(theirs), abs=1e-6, nan_ok=True), (ours, theirs)
    else:
        assert ours == theirs, (ours, theirs)


def assert_same_outcome(ours, theirs):
    """The same answer, or both raised: the same builtin type (ConfigError is a ValueError), a
    KeyError naming the key as gensim's does."""
    if isinstance(theirs, Exception):
        assert isinstance(ours, Exception), f"gensim raised {theirs!r}, fastw2v answered {ours!r}"
        kinds = (KeyError, ValueError, ZeroDivisionError, TypeError)
        assert [isinstance(ours, kind) for kind in kinds] == [isinstance(theirs, kind) for kind in kinds], \
            (ours, theirs)
        if isinstance(theirs, KeyError):
            assert str(theirs).split("'")[1] in str(ours), (ours, theirs)
        return
    assert not isinstance(ours, Exception), f"fastw2v raised {ours!r}, gensim answered {theirs!r}"
    assert_same(ours, theirs)


def degenerate(answer):
    """Whether a gensim most_similar answer scores every row 0 or NaN (a zero query vector)."""
    scores = np.array([score for _, score in answer] if isinstance(answer, list) else answer, dtype=float)
    return bool(np.all((scores == 0) | np.isnan(scores)))


@EXAMPLES
@given(data=st.data())
def test_most_similar_gives_gensims_keys_order_and_scores(data):
    words, vectors = data.draw(vocabularies())
    ours, theirs = both(words, vectors)
    dim, n = vectors.shape[1], len(words)
    positive, negative = data.draw(query_items(words, dim)), data.draw(query_items(words, dim))
    topn = data.draw(st.one_of(st.none(), st.integers(-1, n + 3)))
    rows = data.draw(st.one_of(
        st.just({}),
        st.builds(dict, restrict_vocab=st.sampled_from([None, 0, 1, n // 2, n, n + 5, -1])),
        st.builds(dict, clip_start=st.sampled_from([0, 1, n // 2, n, n + 2]),
                  clip_end=st.sampled_from([None, 0, 1, -1, n // 2, n, n + 3]))))
    mine, gensims = run(lambda kv: kv.most_similar(positive, negative, topn=topn, **rows), ours, theirs)
    if isinstance(mine, ConfigError) and not isinstance(gensims, Exception):
        # the query's vectors cancel out: gensim ranks against a zero vector or rounding noise
        assert "cancel out" in str(mine), mine
        assert degenerate(gensims) or np.linalg.norm(raw_mean(ours, positive, negative)) < 1e-5
        return
    assert_same_outcome(mine, gensims)


def raw_mean(kv, positive, negative):
    """The weighted mean of a most_similar query's unit vectors, before normalising."""
    items = [(item, sign) for sign, side in ((1.0, positive), (-1.0, negative))
             for item in ([] if side is None else [side] if isinstance(side, (str, int)) else side)]
    keys = [item[0] if isinstance(item, tuple) else item for item, _ in items]
    weights = [item[1] if isinstance(item, tuple) else sign for item, sign in items]
    return kv.get_mean_vector(keys, np.array(weights), ignore_missing=False)


@EXAMPLES
@given(data=st.data())
def test_a_batch_gives_each_querys_most_similar_answer(data):
    words, vectors = data.draw(vocabularies())
    if data.draw(st.booleans()):  # many copies: their scores are too close for the batch to order
        vectors = vectors[np.random.default_rng(0).integers(0, max(1, len(words) // 3), len(words))]
    ours, theirs = both(words, vectors)
    queries = data.draw(st.lists(st.one_of(keys_of(words, unknown=False),
                                           st.lists(keys_of(words, unknown=False), min_size=1, max_size=3)),
                                 max_size=12))
    # queries most_similar refuses (keys that cancel out) are left to the tests of refusals
    queries = [q for q in queries
               if not isinstance(run(lambda kv, q=q: kv.most_similar(q), ours)[0], Exception)]
    topn = data.draw(st.integers(-1, len(words) + 2))
    restrict = data.draw(st.sampled_from([None, 1, len(words) // 2 + 1, len(words) + 4]))
    batch = ours.most_similar_batch(queries, topn=topn, restrict_vocab=restrict)
    assert len(batch) == len(queries)
    for query, answer in zip(queries, batch):
        single, gensims = run(lambda kv, q=query: kv.most_similar(q, topn=topn, restrict_vocab=restrict),
                              ours, theirs)
        assert [word for word, _ in answer] == [word for word, _ in single] == [word for word, _ in gensims]
        assert_same(answer, gensims)
    scores = ours.most_similar_batch(queries, topn=None, restrict_vocab=restrict)
    expected = [run(lambda kv, q=q: kv.most_similar(q, topn=None, restrict_vocab=restrict), theirs)[0]
                for q in queries]
    if queries:
        assert_same(scores, np.array(expected))


def test_a_batch_with_negatives_and_vectors_answers_as_single_queries():
    words, vectors = [f"w{i}" for i in range(50)], random_rows(3, 50, 7)
    ours = KeyedVectors(words, vectors)
    positives = [["w1", "w2"], vectors[5], [("w3", 0.5)], "w4"]
    negatives = [["w7"], None, ["w8", vectors[9]], []]
    batch = ours.most_similar_batch(positives, negatives, topn=6, clip_start=2, clip_end=40)
    for answer, positive, negative in zip(batch, positives, negatives):
        single = ours.most_similar(positive, negative, topn=6, clip_start=2, clip_end=40)
        assert [w for w, _ in answer] == [w for w, _ in single] and len(single) == 6
        assert_same(answer, single)
    with pytest.raises(ConfigError, match="2 negative"):
        ours.most_similar_batch(positives, negatives[:2])
    assert ours.most_similar_batch([]) == [] and ours.most_similar_batch(["w1"], topn=0) == [[]]


@EXAMPLES
@given(data=st.data())
def test_most_similar_cosmul_gives_gensims_answers(data):
    words, vectors = data.draw(vocabularies())
    ours, theirs = both(words, vectors)
    items = st.lists(st.one_of(st.sampled_from(words + [UNKNOWN]), vectors_of(vectors.shape[1])), max_size=3)
    positive, negative = data.draw(items), data.draw(items)
    topn = data.draw(st.one_of(st.none(), st.integers(-1, len(words) + 3)))
    mine, gensims = run(lambda kv: kv.most_similar_cosmul(positive, negative, topn=topn), ours, theirs)
    assert_same_outcome(mine, gensims)
    if isinstance(gensims, Exception) or topn is None or topn < 1:
        return
    # gensim takes restrict_vocab and ignores it; here only the first rows are candidates, scored
    # by a product over fewer rows: float32 rounding apart (relatively: raw vectors make scores large,
    # and a factor near zero in the quotient makes a few float32 ulps tens of them: 3.5e-6 seen)
    restrict = data.draw(st.integers(1, len(words) + 2))
    scores = run(lambda kv: kv.most_similar_cosmul(positive, negative, topn=None), theirs)[0][:restrict]
    mine = ours.most_similar_cosmul(positive, negative, topn=None, restrict_vocab=restrict)
    np.testing.assert_allclose(mine, scores, rtol=2e-5, atol=1e-6)
    excluded = {words.index(w) for w in positive + negative if isinstance(w, str) and w in words}
    best = [float(scores[i]) for i in np.argsort(-scores, kind="stable") if i not in excluded][:topn]
    answer = ours.most_similar_cosmul(positive, negative, topn, restrict_vocab=restrict)
    np.testing.assert_allclose([s for _, s in answer], best, rtol=2e-5, atol=1e-6)


def other_calls(words, dim):
    """A call of one of the other query methods, with drawn arguments: (name, call)."""
    key, known = keys_of(words), st.sampled_from(words)
    keys = st.lists(keys_of(words), max_size=5)
    vector = vectors_of(dim)
    return st.one_of(
        st.tuples(st.just("similarity"), key, key).map(
            lambda a: (a[0], lambda kv: kv.similarity(a[1], a[2]))),
        st.tuples(st.just("distance"), key, key).map(lambda a: (a[0], lambda kv: kv.distance(a[1], a[2]))),
        st.tuples(st.just("n_similarity"), st.lists(known, max_size=4), st.lists(known, max_size=4)).map(
            lambda a: (a[0], lambda kv: kv.n_similarity(a[1], a[2]))),
        st.tuples(st.just("distances"), st.one_of(key, vector), keys).map(
            lambda a: (a[0], lambda kv: kv.distances(a[1], a[2]))),
        st.tuples(st.just("closer_than"), key, key).map(
            lambda a: (a[0], lambda kv: kv.closer_than(a[1], a[2]))),
        st.tuples(st.just("words_closer_than"), key, key).map(
            lambda a: (a[0], lambda kv: kv.words_closer_than(a[1], a[2]))),
        st.tuples(st.just("rank"), key, key).map(lambda a: (a[0], lambda kv: kv.rank(a[1], a[2]))),
        st.tuples(st.just("most_similar_to_given"), key, st.lists(key, min_size=1, max_size=5)).map(
            lambda a: (a[0], lambda kv: kv.most_similar_to_given(a[1], a[2]))),
        st.tuples(st.just("relative_cosine_similarity"), known, key, st.integers(1, len(words) + 2)).map(
            lambda a: (a[0], lambda kv: kv.relative_cosine_similarity(a[1], a[2], a[3]))),
        st.tuples(st.just("doesnt_match"), st.lists(known, min_size=1, max_size=6)).map(
            lambda a: (a[0], lambda kv: kv.doesnt_match(a[1]))),
        st.tuples(st.just("rank_by_centrality"), st.lists(known, min_size=1, max_size=6), st.booleans()).map(
            lambda a: (a[0], lambda kv: kv.rank_by_centrality(a[1], a[2]))),
        st.tuples(st.just("get_mean_vector"), st.lists(st.one_of(key, vector), min_size=1, max_size=4),
                  st.booleans(), st.booleans(), st.booleans(), st.booleans()).map(
            lambda a: (a[0], lambda kv: kv.get_mean_vector(
                a[1], weights=list(np.linspace(-1, 2, len(a[1]))) if a[2] else None, pre_normalize=a[3],
                post_normalize=a[4], ignore_missing=a[5]))),
        st.tuples(st.just("get_vector"), key, st.booleans()).map(
            lambda a: (a[0], lambda kv: kv.get_vector(a[1], norm=a[2]))),
        st.tuples(st.just("getitem"), st.one_of(key, st.lists(key, min_size=1, max_size=3))).map(
            lambda a: (a[0], lambda kv: kv[a[1]])),
        st.tuples(st.just("get_index"), key, st.sampled_from([None, 7])).map(
            lambda a: (a[0], lambda kv: kv.get_index(a[1], a[2]))),
        st.tuples(st.just("contains"), key).map(
            lambda a: (a[0], lambda kv: (a[1] in kv, kv.has_index_for(a[1])))),
        st.tuples(st.just("similar_by"), key, vector, st.integers(0, len(words) + 1),
                  st.sampled_from([None, 1, len(words)])).map(
            lambda a: (a[0], lambda kv: (kv.similar_by_word(a[1], a[3], a[4]),
                                         kv.similar_by_key(a[1], a[3], a[4]),
                                         kv.similar_by_vector(a[2], a[3], a[4])))),
        st.tuples(st.just("cosine_similarities"), vector).map(
            lambda a: (a[0], lambda kv: kv.cosine_similarities(a[1], kv.vectors))),
        st.just(("get_normed_vectors", lambda kv: kv.get_normed_vectors())),
        st.just(("sizes", lambda kv: (len(kv), kv.vector_size, list(kv.index_to_key),
                                      dict(kv.key_to_index)))),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_other_query_gives_gensims_answer(data):
    words, vectors = data.draw(vocabularies())
    ours, theirs = both(words, vectors)
    name, call = data.draw(other_calls(words, vectors.shape[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)  # doesnt_match leaves unknown words out, as gensim
        mine, gensims = run(call, ours, theirs)
    assert_same_outcome(mine, gensims)


def test_duplicated_rows_come_in_gensims_order():
    # every row one of two directions: the copies tie, and gensim's partial sort puts them in an
    # order of its own, not row order
    rng = np.random.default_rng(11)
    base = rng.normal(size=(2, 9)).astype(np.float32)
    vectors = base[rng.integers(0, 2, 200)]
    words = [f"w{i}" for i in range(200)]
    ours, theirs = both(words, vectors)
    for query in ("w0", ["w1", "w7"], vectors[3]):
        assert ours.most_similar(query, topn=50) == theirs.most_similar(query, topn=50)
        assert [w for w, _ in ours.most_similar_batch([query], topn=50)[0]] == \
            [w for w, _ in theirs.most_similar(query, topn=50)]
    rows = [int(w[1:]) for w, _ in theirs.most_similar("w0", topn=50)]
    assert rows != sorted(rows)  # a stable sort would not give gensim's order


def analogy_files(words):
    """The text of a questions-words file: sections (some empty, one name repeated) of questions
    drawn from the words, their case variants and an unknown word."""
    variants = [w.upper() for w in words[:3]] + [w.capitalize() for w in words[:2]]
    word = st.sampled_from(words + variants + [UNKNOWN])
    section = st.tuples(st.sampled_from(["capitals", "plurals", "capitals"]),
                        st.lists(st.tuples(word, word, word, word), max_size=6))
    return st.lists(section, min_size=1, max_size=4).map(
        lambda sections: "".join(f": {name}\n" + "".join(" ".join(q) + "\n" for q in questions)
                                 for name, questions in sections))


@FEW
@given(data=st.data())
def test_evaluate_word_analogies_gives_gensims_report(data):
    words, vectors = data.draw(vocabularies(max_words=25))
    ours, theirs = both(words, vectors)
    text = data.draw(analogy_files(words))
    n = len(words)
    settings_ = dict(restrict_vocab=data.draw(st.sampled_from([0, 1, n // 2, n, n + 3])),
                     case_insensitive=data.draw(st.booleans()), dummy4unknown=data.draw(st.booleans()))
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "questions.txt")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        mine, gensims = run(lambda kv: kv.evaluate_word_analogies(path, **settings_), ours, theirs)
    if isinstance(gensims, ZeroDivisionError):  # gensim's answer to a file without a question
        assert isinstance(mine, DatasetError) and "no analogy questions" in str(mine)
        return
    assert_same_outcome(mine, gensims)


def test_evaluate_word_analogies_cosmul_reads_most_similar_cosmul(tmp_path):
    rng = np.random.default_rng(4)
    words = [f"w{i}" for i in range(60)]
    ours = KeyedVectors(words, rng.normal(size=(60, 6)).astype(np.float32))
    questions = [tuple(rng.choice(words[:50], 4, replace=False)) for _ in range(40)]
    questions.append(("w1", "w2", "w3", "w55"))  # w55 is beyond restrict_vocab: not asked
    for a, b, c, _ in questions[:20]:  # half of them answered by their 3CosMul answer
        questions.append((a, b, c, ours.most_similar_cosmul([b, c], [a], topn=1, restrict_vocab=50)[0][0]))
    path = tmp_path / "q.txt"
    path.write_text(": s\n" + "".join(" ".join(q) + "\n" for q in questions), encoding="utf-8")
    _, sections = ours.evaluate_word_analogies(str(path), restrict_vocab=50,
                                               similarity_function="most_similar_cosmul")
    right = set(sections[-1]["correct"])
    for a, b, c, d in questions:
        if max(words.index(w) for w in (a, b, c, d)) < 50:
            answer = ours.most_similar_cosmul([b, c], [a], topn=1, restrict_vocab=50)[0][0]
            assert ((a.upper(), b.upper(), c.upper(), d.upper()) in right) == (answer == d)
    assert len(sections[-1]["correct"]) >= 20 and len(sections[-1]["incorrect"]) >= 10
    with pytest.raises(ConfigError, match="similarity_function"):
        ours.evaluate_word_analogies(str(path), similarity_function="3cosmul")
    path.write_text("a b c d\n: s\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="before the first"):
        ours.evaluate_word_analogies(str(path))


def pair_files(words):
    """The text of a tab-separated word-pairs file: comments, pairs of words, case variants and an
    unknown word with random scores."""
    word = st.sampled_from(words + [w.upper() for w in words[:3]] + [UNKNOWN])
    line = st.tuples(word, word, st.floats(0, 10, allow_nan=False).map(lambda x: round(x, 2)))
    return st.lists(line, min_size=1, max_size=25).map(
        lambda lines: "# word1\tword2\tscore\n" + "".join(f"{a}\t{b}\t{s}\n" for a, b, s in lines))


@FEW
@given(data=st.data())
def test_evaluate_word_pairs_gives_gensims_correlations_and_p_values(data):
    words, vectors = data.draw(vocabularies(max_words=25))
    ours, theirs = both(words, vectors)
    text = data.draw(pair_files(words))
    n = len(words)
    settings_ = dict(restrict_vocab=data.draw(st.sampled_from([1, n // 2, n, n + 3])),
                     case_insensitive=data.draw(st.booleans()), dummy4unknown=data.draw(st.booleans()))
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "pairs.tsv")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy warns about constant input
            mine, gensims = run(lambda kv: kv.evaluate_word_pairs(path, **settings_), ours, theirs)
    if isinstance(gensims, ValueError):  # fewer than two pairs to correlate
        assert isinstance(mine, DatasetError) and "a correlation needs two" in str(mine)
        return
    assert not isinstance(mine, Exception), mine
    (r, p), (rho, p_rho), oov = mine
    assert (r, rho) == (pytest.approx(gensims[0][0], abs=1e-6, nan_ok=True),
                        pytest.approx(gensims[1][0], abs=1e-6, nan_ok=True))
    # near r = ±1 a p-value moves with the last bits of r (scipy's r comes from another formula)
    assert (p, p_rho) == (pytest.approx(gensims[0][1], rel=1e-6, abs=1e-6, nan_ok=True),
                          pytest.approx(gensims[1][1], rel=1e-6, abs=1e-6, nan_ok=True))
    assert oov == pytest.approx(gensims[2], abs=1e-9)
    assert mine[0].statistic is r and mine[1].pvalue is p_rho


@settings(max_examples=200, deadline=None)
@given(st.integers(3, 300), st.integers(0, 2**32 - 1), st.floats(0, 1), st.booleans())
def test_p_values_are_scipys(n, seed, strength, ranks_tie):
    stats = pytest.importorskip("scipy.stats", reason="scipy is the reference for p-values")
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = strength * x + rng.normal(size=n)
    if ranks_tie:
        y = np.round(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for ours, theirs in ((pearson_test(x, y), stats.pearsonr(x, y)),
                             (spearman_test(x, y), stats.spearmanr(x, y))):
            assert ours.statistic == pytest.approx(theirs[0], abs=1e-12, nan_ok=True)
            # p depends on 1 - r², which rounding in r moves by ~1e-16 / (1 - r²) relative.
            spread = 1.0 - ours.statistic ** 2
            rel = 1e-9 + 1e-14 / spread if spread > 0 else 1e-9
            assert ours.pvalue == pytest.approx(theirs[1], rel=rel, abs=1e-300, nan_ok=True)


@settings(max_examples=300, deadline=None)
@given(st.floats(0, 1), st.floats(0.05, 5000), st.floats(0.05, 50))
def test_the_incomplete_beta_function_is_scipys(x, a, b):
    special = pytest.importorskip("scipy.special", reason="scipy is the reference")
    expected = special.betainc(a, b, x)
    # Near 0 or 1 the function is ill-conditioned: a few ulps of x move it by the density times
    # that much (scipy's own answer at x = 1 - 1e-16, a = b = 0.5 is off by 3e-9 so).
    density = x ** (a - 1) * (1 - x) ** (b - 1) / special.beta(a, b) if 0 < x < 1 else 0.0
    assert incomplete_beta(x, a, b) == pytest.approx(expected, rel=1e-9, abs=1e-13 + 4e-16 * density)


def test_the_incomplete_beta_function_near_one_is_the_arcsine_law():
    x = 1 - 2.0 ** -53  # the largest float below 1
    exact = 1 - 2 / np.pi * np.arcsin(np.sqrt(1 - x))  # I_x(1/2, 1/2) in closed form
    assert incomplete_beta(x, 0.5, 0.5) == pytest.approx(exact, rel=1e-12)


def test_p_values_at_the_edges_are_scipys():
    # two points: pearsonr says 1, spearmanr NaN; constant input: NaN; a perfect line: 0
    assert pearson_test([1, 2], [2, 1]) == (-1.0, 1.0)
    assert np.isnan(spearman_test([1, 2], [2, 1]).pvalue)
    assert all(np.isnan(v) for v in pearson_test([1, 2, 3], [4, 4, 4]) + spearman_test([5, 5, 5], [1, 2, 3]))
    assert pearson_test([1, 2, 3, 4], [2, 4, 6, 8]) == (1.0, 0.0)
    with pytest.raises(ValueError, match="at least 2"):
        pearson_test([1], [1])


def storage_operations(dim):
    """One change to a KeyedVectors, with drawn keys ("k0".."k9") and vectors: (name, call)."""
    key = st.sampled_from([f"k{i}" for i in range(10)])
    rows = st.integers(1, 4).flatmap(lambda n: st.tuples(
        st.lists(key, min_size=n, max_size=n, unique=True),
        st.integers(0, 2**32 - 1).map(lambda seed: random_rows(seed, n, dim))))
    return st.one_of(
        st.tuples(st.just("add_vectors"), rows, st.booleans()).map(
            lambda a: (a[0], lambda kv: kv.add_vectors(a[1][0], a[1][1], replace=a[2]))),
        st.tuples(st.just("setitem one"), key, vectors_of(dim)).map(
            lambda a: (a[0], lambda kv: kv.__setitem__(a[1], a[2]))),
        st.tuples(st.just("setitem many"), rows).map(
            lambda a: (a[0], lambda kv: kv.__setitem__(list(a[1][0]), a[1][1]))),
        st.tuples(st.just("set count"), key, st.integers(0, 100)).map(
            lambda a: (a[0], lambda kv: kv.set_vecattr(a[1], "count", a[2]) if a[1] in kv else None)),
        st.tuples(st.just("fill_norms"), st.booleans()).map(
            lambda a: (a[0], lambda kv: kv.fill_norms(force=a[1]))),
    )


@EXAMPLES
@given(data=st.data())
def test_adding_and_setting_vectors_leaves_gensims_state_and_answers(data):
    dim = data.draw(st.integers(1, 5))
    ours, theirs = KeyedVectors(dim), _gensim().KeyedVectors(dim)
    for _, change in data.draw(st.lists(storage_operations(dim), min_size=1, max_size=6)):
        mine, gensims = run(change, ours, theirs)
        assert_same_outcome(mine, gensims)
        theirs.fill_norms(force=True)  # gensim keeps its stale norms after adding or setting vectors
        assert ours.index_to_key == theirs.index_to_key and ours.key_to_index == theirs.key_to_index
        assert ours.vectors.dtype == np.float32 and ours.vectors.flags.c_contiguous
        np.testing.assert_array_equal(ours.vectors, theirs.vectors)
        for key in ours.index_to_key:
            assert_same_outcome(*run(lambda kv, key=key: kv.most_similar(key, topn=3), ours, theirs))
            if "count" in theirs.expandos and theirs.get_index(key) < len(theirs.expandos["count"]):
                assert ours.get_vecattr(key, "count") == theirs.get_vecattr(key, "count")


def test_preallocated_rows_fill_as_gensims():
    ours, theirs = KeyedVectors(3, count=2), _gensim().KeyedVectors(3, count=2)
    assert len(ours) == len(theirs) == 2 and ours.index_to_key == theirs.index_to_key == [None, None]
    for kv in (ours, theirs):
        assert kv.add_vector("a", [1, 2, 3]) == 0 and kv.add_vector("b", [3, 2, 1]) == 1
    with pytest.warns(UserWarning, match="add them in batches"):
        assert ours.add_vector("c", [0, 1, 0]) == 2
    with pytest.raises(ConfigError, match="already present"):
        ours.add_vector("a", [1, 1, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.add_vector("c", [0, 1, 0])
    assert ours.index_to_key == theirs.index_to_key and ours.next_index == theirs.next_index == 3
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    assert str(ours) == str(theirs) == "KeyedVectors<vector_size=3, 3 keys>"


def test_growth_keeps_one_contiguous_float32_array_and_grows_the_attributes():
    kv = KeyedVectors(["a", "b"], np.eye(2, 4, dtype=np.float32))
    kv.set_vecattr("a", "count", 5)
    before = kv.most_similar("a", topn=1)
    kv.add_vectors(["c", "d"], np.ones((2, 4)), extras={"count": np.array([7, 8])})
    assert kv.vectors.dtype == np.float32 and kv.vectors.flags.c_contiguous and kv.vectors.shape == (4, 4)
    assert [kv.get_vecattr(w, "count") for w in "abcd"] == [5, 0, 7, 8]
    assert kv.most_similar("a", topn=1) != before  # the new rows are candidates: the caches were dropped
    array = kv.vectors
    kv["a"] = np.ones(4)  # an existing key: the array stays the one training holds
    assert kv.vectors is array and kv.most_similar("c", topn=1)[0][1] == pytest.approx(1.0)
    with pytest.raises(TypeError, match="conflicts|cannot store"):
        kv.set_vecattr("a", "count", 1.5)


def test_vectors_changed_in_place_are_seen_after_invalidate_or_a_forced_fill_norms():
    rng = np.random.default_rng(2)
    words, vectors = [f"w{i}" for i in range(30)], rng.normal(size=(30, 5)).astype(np.float32)
    for refresh in (lambda kv: kv.invalidate(), lambda kv: kv.fill_norms(force=True)):
        kv = KeyedVectors(words, vectors.copy())
        kv.most_similar_batch(["w0"])  # caches the norms and unit vectors
        kv.vectors[:] = rng.normal(size=vectors.shape)  # what training does
        refresh(kv)
        fresh = KeyedVectors(words, kv.vectors.copy())
        assert kv.most_similar("w0") == fresh.most_similar("w0")
        assert kv.most_similar_batch(["w1"]) == fresh.most_similar_batch(["w1"])
        np.testing.assert_array_equal(kv.unit_vectors(), fresh.unit_vectors())
        np.testing.assert_array_equal(kv.norms, fresh.norms)


def test_sorting_by_frequency_and_vectors_for_all_are_gensims():
    rng = np.random.default_rng(5)
    words, vectors = [f"w{i}" for i in range(12)], rng.normal(size=(12, 3)).astype(np.float32)
    ours, theirs = both(words, vectors)
    counts = rng.integers(0, 4, 12)
    for kv in (ours, theirs):
        for word, count in zip(words, counts):
            kv.set_vecattr(word, "count", int(count))
        kv.sort_by_descending_frequency()
    assert ours.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    assert ours.most_similar("w3") == theirs.most_similar("w3")
    wanted = ["w5", UNKNOWN, "w1", "w5", "w0"]
    mine, gensims = (kv.vectors_for_all(wanted, copy_vecattrs=True) for kv in (ours, theirs))
    assert mine.index_to_key == gensims.index_to_key == ["w5", "w1", "w0"]
    np.testing.assert_array_equal(mine.vectors, gensims.vectors)
    assert [mine.get_vecattr(w, "count") for w in mine.index_to_key] == \
        [gensims.get_vecattr(w, "count") for w in gensims.index_to_key]


def test_float64_vectors_answer_as_gensims():
    rng = np.random.default_rng(8)
    words, vectors = [f"w{i}" for i in range(40)], rng.normal(size=(40, 6))

    def pair():
        ours, theirs = KeyedVectors(6, dtype=np.float64), _gensim().KeyedVectors(6, dtype=np.float64)
        for kv in (ours, theirs):
            kv.add_vectors(words, vectors)
        return ours, theirs

    ours, _ = pair()
    assert ours.vectors.dtype == np.float64
    for call in (lambda kv: kv.most_similar(["w1", "w2"], ["w3"]), lambda kv: kv.most_similar_cosmul("w4"),
                 lambda kv: kv.similarity("w1", "w9"), lambda kv: kv.most_similar("w5", topn=None)):
        # a fresh gensim each time: its similarity() scales float64 rows to unit length in place
        assert_same_outcome(*run(call, *pair()))
    ours, theirs = pair()
    ours.similarity("w1", "w9")
    np.testing.assert_array_equal(ours.vectors, vectors)
    batch = ours.most_similar_batch(["w1", "w6"])
    assert [w for w, _ in batch[1]] == [w for w, _ in theirs.most_similar("w6")]


def test_zero_vectors_score_nan_and_rank_last_and_cannot_be_queried():
    vectors = np.random.default_rng(1).normal(size=(6, 4)).astype(np.float32)
    vectors[2] = 0
    ours, theirs = both([f"w{i}" for i in range(6)], vectors)
    mine, gensims = run(lambda kv: kv.most_similar("w0", topn=5), ours, theirs)
    assert [w for w, _ in mine] == [w for w, _ in gensims] and mine[-1][0] == "w2" and np.isnan(mine[-1][1])
    assert [w for w, _ in ours.most_similar_batch(["w0"], topn=5)[0]] == [w for w, _ in gensims]
    with pytest.raises(ConfigError, match="'w2' has a zero vector"):
        ours.most_similar("w2")
    with pytest.raises(ConfigError, match="cancel out"):
        ours.most_similar(positive=["w1"], negative=["w1"])
    assert np.isnan(ours.get_normed_vectors()[2]).all() and not ours.unit_vectors()[2].any()


def counted(words, vectors, counts):
    ours, theirs = both(words, vectors)
    for kv in (ours, theirs):
        for word, count in zip(words, counts):
            kv.set_vecattr(word, "count", int(count))
    return ours, theirs


def read_back(path, **options):
    """gensim's reading of a word2vec file: (keys, vectors, counts)."""
    kv = _gensim().KeyedVectors.load_word2vec_format(path, **options)
    return kv.index_to_key, kv.vectors, [kv.get_vecattr(w, "count") for w in kv.index_to_key]


@FEW
@given(data=st.data())
def test_written_files_read_back_in_gensim_as_gensims_own(data):
    words, vectors = data.draw(vocabularies(max_words=15))
    counts = data.draw(st.lists(st.integers(1, 5), min_size=len(words), max_size=len(words)))
    ours, theirs = counted(words, vectors, counts)
    options = dict(binary=data.draw(st.booleans()), prefix=data.draw(st.sampled_from(["", "x_"])),
                   sort_attr=data.draw(st.sampled_from(["count", "nothing"])))
    with tempfile.TemporaryDirectory() as folder:
        paths = {who: (os.path.join(folder, f"{who}.w2v"), os.path.join(folder, f"{who}.vocab"))
                 for who in "og"}
        fvocab = options["sort_attr"] == "count"
        for who, kv in (("o", ours), ("g", theirs)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                kv.save_word2vec_format(paths[who][0], fvocab=paths[who][1] if fvocab else None, **options)
        mine, gensims = (read_back(paths[who][0], binary=options["binary"],
                                   fvocab=paths[who][1] if fvocab else None) for who in "og")
    assert mine[0] == gensims[0] and mine[2] == gensims[2]
    np.testing.assert_array_equal(mine[1], gensims[1])


@FEW
@given(data=st.data())
def test_files_load_as_gensim_loads_them(data):
    words, vectors = data.draw(vocabularies(max_words=15))
    counts = data.draw(st.lists(st.integers(1, 5), min_size=len(words), max_size=len(words)))
    _, theirs = counted(words, vectors, counts)
    binary, no_header = data.draw(st.booleans()), data.draw(st.booleans())
    binary = binary and not no_header
    options = dict(binary=binary, no_header=no_header,
                   limit=data.draw(st.sampled_from([None, 0, 1, len(words), 99])),
                   datatype=data.draw(st.sampled_from([np.float16, np.float32, np.float64])))
    with tempfile.TemporaryDirectory() as folder:
        path, vocab = os.path.join(folder, "v.w2v"), os.path.join(folder, "v.vocab")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.save_word2vec_format(path, fvocab=vocab, binary=binary, write_header=not no_header)
        fvocab = vocab if data.draw(st.booleans()) else None
        mine = KeyedVectors.load_word2vec_format(path, fvocab=fvocab, **options)
        if no_header and options["limit"] == 0:  # gensim's headerless reader fails on it; 0 is every row
            options["limit"] = None
        gensims = _gensim().KeyedVectors.load_word2vec_format(path, fvocab=fvocab, **options)
    assert mine.index_to_key == gensims.index_to_key and mine.vectors.dtype == gensims.vectors.dtype
    np.testing.assert_array_equal(mine.vectors, gensims.vectors)
    assert [mine.get_vecattr(w, "count") for w in mine.index_to_key] == \
        [gensims.get_vecattr(w, "count") for w in gensims.index_to_key]


def test_word_encodings_and_undecodable_bytes_load_as_gensim_loads_them(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("2 2\ncafé 1 2\nna\xefve 3 4\n".encode("latin-1"))
    for options in (dict(encoding="latin-1"), dict(unicode_errors="replace"), dict(unicode_errors="ignore")):
        mine = KeyedVectors.load_word2vec_format(path, **options)
        gensims = _gensim().KeyedVectors.load_word2vec_format(str(path), **options)
        assert mine.index_to_key == gensims.index_to_key
    with pytest.raises(FormatError, match="not valid UTF-8"):
        KeyedVectors.load_word2vec_format(path)
    with pytest.raises(ConfigError, match="ASCII-compatible"):
        KeyedVectors.load_word2vec_format(path, encoding="utf-16")


def test_headers_appending_and_glove_layout_round_trip(tmp_path):
    rng = np.random.default_rng(6)
    first = KeyedVectors(["a", "b"], rng.normal(size=(2, 3)))
    second = KeyedVectors(["c"], rng.normal(size=(1, 3)))
    path = str(tmp_path / "joined.txt")
    first.save_word2vec_format(path, total_vec=3)
    second.save_word2vec_format(path, append=True, write_header=False)
    joined = KeyedVectors.load_word2vec_format(path)
    assert joined.index_to_key == ["a", "b", "c"] == read_back(path)[0]
    np.testing.assert_array_equal(joined.vectors, np.vstack([first.vectors, second.vectors]))
    first.save_word2vec_format(str(tmp_path / "glove.txt"), write_header=False)
    glove = KeyedVectors.load_word2vec_format(str(tmp_path / "glove.txt"), no_header=True)
    np.testing.assert_array_equal(glove.vectors, first.vectors)
    with pytest.raises(ConfigError, match="'count' because that attribute does not exist"):
        first.save_word2vec_format(path, fvocab=str(tmp_path / "vocab"))
    with pytest.raises(NotImplementedError):
        KeyedVectors.load_word2vec_format(path, binary=True, no_header=True)


def test_the_binary_default_is_gensims_and_none_detects(tmp_path):
    kv = KeyedVectors(["a", "b"], np.eye(2, 3))
    kv.save_word2vec_format(str(tmp_path / "v.bin"), binary=True)
    kv.save_word2vec_format(str(tmp_path / "v.txt"))
    with pytest.raises(FormatError, match="binary file, read with binary=False; pass binary=True"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.bin")
    with pytest.raises(FormatError, match="text file, read with binary=True"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.txt", binary=True)
    for name in ("v.bin", "v.txt"):
        assert KeyedVectors.load_word2vec_format(tmp_path / name, binary=None).index_to_key == ["a", "b"]
    with pytest.raises(FormatError, match="no count for 1 of the vectors' words, 'b'"):
        (tmp_path / "vocab").write_text("a 3\n")
        KeyedVectors.load_word2vec_format(tmp_path / "v.txt", fvocab=str(tmp_path / "vocab"))


def test_gensims_pickles_are_refused_with_how_to_convert_them(tmp_path):
    theirs = _gensim().KeyedVectors(3)
    theirs.add_vectors(["a", "b"], np.eye(2, 3))
    theirs.save(str(tmp_path / "model.kv"), separately=["vectors"])
    assert formats.is_pickle(tmp_path / "model.kv") and not formats.is_pickle(tmp_path / "absent")
    for name in ("model.kv", "model.kv.vectors.npy"):
        for load in (KeyedVectors.load, KeyedVectors.load_word2vec_format):
            with pytest.raises(FormatError, match=r"save_word2vec_format\(out, binary=True\)"):
                load(tmp_path / name)
    KeyedVectors(["a"], np.ones((1, 2))).save_word2vec_format(str(tmp_path / "v.txt"))
    assert not formats.is_pickle(tmp_path / "v.txt")


def test_native_files_keep_the_attributes_and_gensim_conversion_round_trips(tmp_path):
    ours, theirs = counted([f"w{i}" for i in range(8)], random_rows(9, 8, 4), range(8, 0, -1))
    ours.set_vecattr("w1", "weight", 0.5)
    ours.save(tmp_path / "kv.npz", {"note": "x"})
    loaded = KeyedVectors.load(tmp_path / "kv.npz")
    assert loaded.index_to_key == ours.index_to_key and loaded.get_vecattr("w1", "weight") == 0.5
    assert [loaded.get_vecattr(w, "count") for w in loaded.index_to_key] == list(range(8, 0, -1))
    converted = ours.to_gensim()
    assert isinstance(converted, _gensim().KeyedVectors)
    assert converted.most_similar("w2") == ours.most_similar("w2")
    back = KeyedVectors.from_gensim(theirs)
    assert back.most_similar("w3") == theirs.most_similar("w3") and back.get_vecattr("w3", "count") == 5
    back.vectors[0] = 0
    assert theirs.vectors[0].any()  # a copy
    with pytest.raises(TypeError, match="pass|gensim KeyedVectors"):
        KeyedVectors.from_gensim(ours)
    with pytest.raises(ConfigError, match="pickle"):
        ours.save(tmp_path / "x", separately=["vectors"])
    with pytest.raises(ConfigError, match="mmap"):
        KeyedVectors.load(tmp_path / "kv.npz", mmap="r")


@pytest.fixture
def small():
    words = [f"w{i}" for i in range(10)]
    return KeyedVectors(words, np.random.default_rng(0).normal(size=(10, 4)).astype(np.float32))


@pytest.mark.parametrize("call, error, message", [
    (lambda kv: kv.most_similar("nope"), KeyError, "'nope'"),
    (lambda kv: kv.most_similar(["w1"], ["nope"]), KeyError, "'nope'"),
    (lambda kv: kv.similarity("w1", "nope"), KeyError, "'nope'"),
    (lambda kv: kv.n_similarity(["w1"], ["nope"]), KeyError, "'nope'"),
    (lambda kv: kv.distances("nope"), KeyError, "'nope'"),
    (lambda kv: kv.closer_than("w1", "nope"), KeyError, "'nope'"),
    (lambda kv: kv["nope"], KeyError, "'nope'"),
    (lambda kv: kv.get_vecattr("w1", "count"), KeyError, "count"),
    (lambda kv: kv.most_similar([1.5]), TypeError, "a key, a vector or a"),
    (lambda kv: kv.most_similar("w1", topn=2.5), TypeError, "topn"),
    (lambda kv: kv.most_similar("w1", clip_end="5"), TypeError, "clip_end"),
    (lambda kv: kv.most_similar_cosmul([("w1", 2.0)]), TypeError, "no weights"),
    (lambda kv: kv.get_mean_vector("w1"), TypeError, "not one str"),
    (lambda kv: kv.add_vectors([("a", "b")], np.ones((1, 4))), TypeError, "str or an int"),
    (lambda kv: kv.most_similar([]), ValueError, "no input"),
    (lambda kv: kv.most_similar(), ValueError, "no input"),
    (lambda kv: kv.most_similar_cosmul(negative=["w1"]), ValueError, "no input"),
    (lambda kv: kv.get_mean_vector([]), ValueError, "no input"),
    (lambda kv: kv.doesnt_match([]), ValueError, "empty"),
    (lambda kv: kv.most_similar_to_given("w1", []), ValueError, "empty"),
    (lambda kv: kv[[]], ValueError, "no keys"),
    (lambda kv: kv.n_similarity([], ["w1"]), ZeroDivisionError, "empty"),
    (lambda kv: kv.most_similar(np.ones(5)), ConfigError, "4 real numbers"),
    (lambda kv: kv.most_similar([np.ones(1)]), ConfigError, "4 real numbers"),
    (lambda kv: kv.similar_by_vector(np.ones((2, 4))), ConfigError, "4 real numbers"),
    (lambda kv: kv.distances(np.ones(3)), ConfigError, "4 real numbers"),
    (lambda kv: kv.get_mean_vector([np.ones(2)]), ConfigError, "4 real numbers"),
    (lambda kv: kv.cosine_similarities(np.ones(3), kv.vectors), ConfigError, "vector \\(D,\\)"),
    (lambda kv: kv.add_vectors(["a"], np.ones((1, 3))), ConfigError, "1 vectors of 4"),
    (lambda kv: kv.most_similar("w1", indexer=object()), ConfigError, "indexer"),
    (lambda kv: kv.most_similar("w1", clip_start=-2), ConfigError, "clip_start"),
    (lambda kv: kv.most_similar(["w1", "w2"], ["w1", "w2"]), ConfigError, "cancel out"),
    (lambda kv: kv.add_vectors(["a", "a"], np.ones((2, 4))), ConfigError, "repeats"),
    (lambda kv: kv.relative_cosine_similarity("w1", "w2", topn=0), ValueError, "without any similar"),
    (lambda kv: kv.get_mean_vector(["w1", "w2"], weights=[1.0]), ValueError, "2 keys but 1 weights"),
])
def test_bad_input_raises_a_clear_error(small, call, error, message):
    with pytest.raises(error, match=message):
        call(small)


def test_the_gensim_form_and_the_words_form_of_the_constructor():
    assert (len(KeyedVectors(7)), KeyedVectors(7).vector_size) == (0, 7)
    assert KeyedVectors(7, 2).index_to_key == [None, None]
    assert KeyedVectors(3, dtype=np.float16).vectors.dtype == np.float16
    kv = KeyedVectors(("a", "b"), np.arange(6).reshape(2, 3))
    assert kv.vectors.dtype == np.float32 and kv.vectors.flags.c_contiguous and kv.index_to_key == ["a", "b"]
    for args, message in (((0,), "vector_size >= 1"), ((3, -1), "count >= 0"), ((3, 0, np.int32), "float"),
                          ((["a"],), "needs the vectors")):
        with pytest.raises(ConfigError, match=message):
            KeyedVectors(*args)


def test_the_margin_tells_when_batch_scores_fix_the_order():
    margin = ranking.rounding_margin(100, np.float32)
    assert ranking.unambiguous(np.array([0.9, 0.8, 0.1], np.float32), margin)
    assert not ranking.unambiguous(np.array([0.9, 0.9 - margin / 2], np.float32), margin)
    assert not ranking.unambiguous(np.array([0.9, np.nan]), margin)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 30), st.integers(1, 300), st.integers(1, 15), st.integers(0, 2**32 - 1), st.booleans())
def test_the_compiled_top_rows_are_a_sorts_top(n, width, k, seed, holes):
    rng = np.random.default_rng(seed)
    scores = rng.integers(-5, 5, (n, width)).astype(np.float32)  # many ties
    if holes:
        scores[rng.random(scores.shape) < 0.3] = np.nan
    columns, values = ranking.top_rows(scores, k, threads=3)
    for row in range(n):
        finite = np.flatnonzero(~np.isnan(scores[row]))
        best = finite[np.argsort(-scores[row, finite], kind="stable")][:k]
        assert columns[row, :len(best)].tolist() == best.tolist() and (columns[row, len(best):] == -1).all()
        np.testing.assert_array_equal(values[row, :len(best)], scores[row, best])
        assert np.isnan(values[row, len(best):]).all()
