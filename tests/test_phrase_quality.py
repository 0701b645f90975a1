"""What phrase detection finds: on the planted corpus, the planted collocations and nothing else;
on a sample of real English text (``../shared/tools/build_corpus.sh DIR`` writes it; point
$FASTW2V_REAL_CORPUS at DIR/english.txt), the phrases and scores of a plain NumPy count of the
same formula."""

import os

import numpy as np
import pytest

import fastw2v
from fastw2v.phrasing import PhrasePasses
from fastw2v.synthetic import PLANTED_COLLOCATIONS, write_planted_corpus

REAL_CORPUS = os.environ.get("FASTW2V_REAL_CORPUS") or os.environ.get("FASTW2V_BENCH_CORPUS")
SAMPLE_TOKENS = 1_000_000
CONNECTOR = "of"  # the planted collocation through a connector: bank of america
PLANTED_PAIRS = {a + "_" + b for words in PLANTED_COLLOCATIONS for a, b in zip(words, words[1:])}
PLANTED_WORDS = {word for words in PLANTED_COLLOCATIONS for word in words}
TWO_WORD = {"_".join(words) for words in PLANTED_COLLOCATIONS if len(words) == 2}


@pytest.fixture(scope="module", params=[3, 11])
def planted(request, tmp_path_factory):
    """A planted corpus of filler and collocations only (no planted relations, whose words share
    sentences on purpose), 300,000 tokens."""
    path = str(tmp_path_factory.mktemp("planted") / "corpus.txt")
    return write_planted_corpus(path, 300_000, seed=request.param, planted_share=0.0, collocation_share=0.05)


@pytest.mark.parametrize("scoring, threshold", [("default", 100.0), ("npmi", 0.5)])
def test_the_planted_collocations_are_found_and_no_other_pair(planted, scoring, threshold):
    found = set(fastw2v.Phrases(corpus_file=planted, scoring=scoring, threshold=threshold).export_phrases())
    assert TWO_WORD <= found <= PLANTED_PAIRS


def test_a_planted_collocation_through_a_connector_is_found_as_one_phrase(planted):
    found = set(fastw2v.Phrases(corpus_file=planted, connector_words={CONNECTOR}).export_phrases())
    assert TWO_WORD | {"bank_of_america"} <= found <= PLANTED_PAIRS | {"bank_of_america"}


def test_two_passes_find_the_three_word_collocation(planted):
    model = fastw2v.Word2Vec(vector_size=8, min_count=1, workers=2)
    model.build_vocab(corpus_file=planted, phrases=PhrasePasses(passes=2))
    joined = {word for word in model.wv.index_to_key if "_" in word}
    assert TWO_WORD | {"new_york_times"} <= joined
    assert all(set(word.split("_")) <= PLANTED_WORDS for word in joined)


def real_sample(path, tokens):
    """The first whole lines of `path` that hold at least `tokens` tokens, as lists of str."""
    lines, seen = [], 0
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            words = line.split()
            if words:
                lines.append(words)
                seen += len(words)
            if seen >= tokens:
                break
    return lines


def numpy_phrases(lines, min_count, threshold, scoring):
    """{phrase string: score} by plain NumPy: every token and every adjacent pair of the stream
    counted by its string (a pair's string is its words joined by "_"), a string's count shared
    by every word and pair that has it; pairs whose string and both words are seen min_count
    times scored by the formula, kept above the threshold (the higher score where strings meet)."""
    tokens = np.array([word for line in lines for word in line])
    n = tokens.size
    pair_strings = np.char.add(np.char.add(tokens[:-1], "_"), tokens[1:])
    strings, inverse = np.unique(np.concatenate([tokens, pair_strings]), return_inverse=True)
    totals = np.bincount(inverse)
    pa, pb, pab = totals[inverse[:n - 1]], totals[inverse[1:n]], totals[inverse[n:]]
    eligible = (pa >= min_count) & (pb >= min_count) & (pab >= min_count)
    pa, pb, pab, where = pa[eligible], pb[eligible], pab[eligible], inverse[n:][eligible]
    if scoring == "default":
        scores = ((pab - min_count).astype(np.float32) / pa.astype(np.float32) / pb.astype(np.float32)
                  * np.float32(n))
        keep = scores > np.float32(threshold)
    else:
        scores = np.log(pab / n / ((pa / n) * (pb / n))) / -np.log(pab / n)
        keep = scores > threshold
    found = {}
    for index, score in zip(where[keep].tolist(), scores[keep].tolist()):
        found[strings[index]] = max(score, found.get(strings[index], -np.inf))
    return found


@pytest.mark.skipif(not REAL_CORPUS or not os.path.isfile(REAL_CORPUS),
                    reason="no real corpus: run ../shared/tools/build_corpus.sh DIR and set "
                           "FASTW2V_REAL_CORPUS=DIR/english.txt")
@pytest.mark.parametrize("scoring, threshold", [("default", 100.0), ("npmi", 0.5)])
def test_on_real_text_the_phrases_and_scores_are_a_numpy_counts(scoring, threshold):
    lines = real_sample(REAL_CORPUS, SAMPLE_TOKENS)
    expected = numpy_phrases(lines, 5, threshold, scoring)
    found = fastw2v.Phrases(lines, scoring=scoring, threshold=threshold, workers=2).export_phrases()
    assert len(expected) > 500  # a sample with phrases to compare
    assert found.keys() == expected.keys()
    for text, score in expected.items():
        assert found[text] == pytest.approx(score, rel=1e-12)
