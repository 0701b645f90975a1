"""Connector words (gensim's ``connector_words``): a plain-Python replay of gensim's rules for
learning and joining, run on the corpus as one stream as fastw2v counts it, against the
compiled engine whatever the threads and pieces; gensim itself on one sentence; the command
line's option; and the API's save and load."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastw2v
from fastw2v import phrasejoin, phrases
from fastw2v.cli import main
from fastw2v.errors import ConfigError
from fastw2v.phrases import PhraseConfig

from tests.test_phrases import lines_of, read_corpus, read_lines, write_lines

# "a_of" is the string of the left part (a, of); "a_of_b" that of the candidate (a, of, b);
# "a_b" a connector in some runs, whose string is also the pair (a, b)'s.
WORDS = ["a", "b", "c", "of", "the", "a_of", "a_of_b", "a_b", "b_c"]
CONNECTOR_SETS = [frozenset({"of", "the"}), frozenset({"of"}), frozenset({"the", "a_b"}), frozenset()]


def gensim_rules(lines, connectors, min_count, threshold, scoring="default", delimiter="_"):
    """gensim's learning and joining with connector words, in plain Python, the corpus one
    stream (a candidate goes on across a line end; a phrase never does).

    Counting (gensim's ``_learn_vocab``): every word that is not a connector counts as itself;
    the word before it that is not one, the connectors between and it count as one string.
    Joining (``analyze_sentence``), line by line: a word that is not a connector ends the open
    candidate into a phrase when its score is above the threshold (both words and the
    candidate seen at least min_count times: fastw2v's rule), else opens the next candidate.

    Returns:
        (joined lines as lists of tokens, dict string -> count, dict phrase's words (tuple) ->
        score, for the phrases the lines join).
    """
    vocab, total, start, between = {}, 0, None, []
    for word in (word for line in lines for word in line):
        total += 1
        if word in connectors:
            if start is not None:
                between.append(word)
            continue
        vocab[word] = vocab.get(word, 0) + 1
        if start is not None:
            text = delimiter.join([start, *between, word])
            vocab[text] = vocab.get(text, 0) + 1
        start, between = word, []

    def score(words):
        pa, pb, pab = vocab.get(words[0], 0), vocab.get(words[-1], 0), vocab.get(delimiter.join(words), 0)
        if min(pa, pb, pab) < min_count:
            return None
        if scoring == "default":
            value = np.float32(pab - min_count) / np.float32(pa) / np.float32(pb) * np.float32(total)
            return float(value) if value > np.float32(threshold) else None
        with np.errstate(divide="ignore", invalid="ignore"):
            value = float(np.log(pab / total / ((pa / total) * (pb / total))) / -np.log(pab / total))
        return value if value > threshold else None

    out, found = [], {}
    for line in lines:
        joined, start, between = [], None, []
        for word in line:
            if word in connectors:
                (between if start is not None else joined).append(word)
                continue
            if start is not None:
                value = score([start, *between, word])
                if value is not None:
                    joined.append(delimiter.join([start, *between, word]))
                    found[(start, *between, word)] = value
                    start, between = None, []
                    continue
                joined += [start, *between]
            start, between = word, []
        joined += [start, *between] if start is not None else []
        out.append(joined)
    return [line for line in out if line], vocab, found


def engine(lines, connectors, config, folder, threads=1, piece_bytes=None):
    """The compiled pass: (joined lines, PairCounts, Phrases), read in pieces of piece_bytes; the
    joined text and the joined spooled corpus hold the same lines."""
    write_lines(str(folder / "in.txt"), lines)
    raw = read_corpus([str(folder / "in.txt")], str(folder / "spool"), threads, piece_bytes)
    pairs = phrases.count_pairs(raw, config.delimiter, threads, config.max_entries, connectors)
    chosen = phrases.choose_phrases(pairs, config)
    phrasejoin.write_text(raw, chosen, str(folder / "out.txt"))
    for segment_tokens in (1, 2, 5):  # cut into segments, on threads: the same text
        phrasejoin.write_text(raw, chosen, str(folder / "cut.txt"), 2, segment_tokens)
        assert (folder / "cut.txt").read_bytes() == (folder / "out.txt").read_bytes()
    os.makedirs(folder / "joined")
    spooled = lines_of(phrasejoin.join_corpus(raw, chosen, str(folder / "joined")))
    assert spooled == read_lines(str(folder / "out.txt"))  # the spooled corpus is the text's
    return spooled, pairs, chosen


def string_counts(pairs):
    """{string: count} of a PairCounts' non-connector words and candidates."""
    counts = {word: count for word, count, connector in
              zip(pairs.words, pairs.word_counts.tolist(), pairs.connector.tolist()) if not connector}
    for a, b, count in zip(pairs.left.tolist(), pairs.right.tolist(), pairs.counts.tolist()):
        left = pairs.prefixes.tokens(a, pairs.words) if a >= len(pairs.words) else (pairs.words[a],)
        assert counts.setdefault(pairs.delimiter.join(left + (pairs.words[b],)), count) == count
    return counts


CORPORA = st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=9), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=CORPORA, connectors=st.sampled_from(CONNECTOR_SETS), min_count=st.integers(1, 3),
       threshold=st.sampled_from([0.5, 1.0, 2.0, 5.0]), scoring=st.sampled_from(["default", "npmi"]),
       threads=st.integers(1, 3), piece_bytes=st.sampled_from([None, 5, 17, 40]),
       max_entries=st.sampled_from([None, 10 ** 6]))
def test_the_engine_counts_and_joins_as_gensims_rules(tmp_path_factory, lines, connectors, min_count,
                                                      threshold, scoring, threads, piece_bytes, max_entries):
    folder = tmp_path_factory.mktemp("corpus")
    threshold = threshold / 10 if scoring == "npmi" else threshold
    config = PhraseConfig(min_count=min_count, threshold=threshold, scoring=scoring, max_entries=max_entries,
                          connector_words=connectors)
    joined, pairs, chosen = engine(lines, connectors, config, folder, threads, piece_bytes)
    expected, vocab, found = gensim_rules(lines, connectors, min_count, threshold, scoring)
    assert string_counts(pairs) == vocab
    assert joined == expected
    scores = dict(zip(chosen.tokens(), chosen.scores.tolist()))
    assert set(found) <= set(scores)  # found: the phrases these lines join; scores: all
    for words, score in found.items():
        assert scores[words] == pytest.approx(score, rel=1e-6)


def test_a_phrase_through_connectors_is_found_and_joined_within_a_line_only(tmp_path):
    lines = [["bank", "of", "america", "said"], ["the", "bank", "of"], ["america", "of", "bank"]] * 6
    config = PhraseConfig(min_count=3, threshold=1.0, connector_words=frozenset({"of", "the"}))
    joined, pairs, chosen = engine(lines, config.connector_words, config, tmp_path)
    assert "bank_of_america" in chosen.strings()
    assert joined[:3] == [["bank_of_america", "said"], ["the", "bank", "of"], ["america", "of", "bank"]]
    ends = [(tokens[0], tokens[-1]) for tokens in chosen.tokens()]
    assert not {word for pair in ends for word in pair} & config.connector_words
    assert pairs.word_counts[pairs.words.index("of")] == 0  # a connector is no unigram


@pytest.mark.parametrize("run", [3, 40])
def test_a_long_run_of_connectors_is_one_candidate_joined_whole(tmp_path, run):
    lines = [["x"] + ["of"] * run + ["y"], ["x"] + ["of"] * run, ["z"]]
    config = PhraseConfig(min_count=1, threshold=0.5, scoring="npmi", connector_words=frozenset({"of"}))
    joined, pairs, chosen = engine(lines, config.connector_words, config, tmp_path)
    assert "_".join(["x"] + ["of"] * run + ["y"]) in chosen.strings()
    assert joined == [["_".join(["x"] + ["of"] * run + ["y"])], ["x"] + ["of"] * run, ["z"]]
    # Joined a few ids at a time, the held tokens (x and its connectors) outgrow a block's items.
    write_lines(str(tmp_path / "again.txt"), lines)
    raw = read_corpus([str(tmp_path / "again.txt")], str(tmp_path / "spool2"))
    assert raw.words == chosen.words
    os.makedirs(tmp_path / "small-blocks")
    assert lines_of(phrasejoin.join_corpus(raw, chosen, str(tmp_path / "small-blocks"), block=3)) == joined


def test_without_connector_words_the_engine_is_the_c_tools(tmp_path):
    from tests.test_phrases import word2phrase_rules

    lines = [["a", "of", "b", "a", "of", "b", "c"], ["of", "b", "a", "of"]] * 5
    config = PhraseConfig(min_count=2, threshold=1.0)
    joined, _, _ = engine(lines, frozenset(), config, tmp_path)
    assert joined == word2phrase_rules(lines, 2, 1.0)[0]


def test_gensims_phrases_with_connector_words_agree_on_one_sentence():
    gensim_phrases = pytest.importorskip("gensim.models.phrases")
    rng = np.random.default_rng(4)
    filler = [f"w{i}" for i in range(40)]
    tokens = []
    for r in rng.random(6000):
        tokens += (["bank", "of", "america"] if r < 0.05 else ["house", "of", "the", "rising", "sun"]
                   if r < 0.08 else [str(rng.choice(["of", "the", "and"]))] if r < 0.2
                   else [filler[min(int(rng.zipf(1.3)), 40) - 1]])
    connectors = gensim_phrases.ENGLISH_CONNECTOR_WORDS
    theirs = gensim_phrases.Phrases([tokens], min_count=5, threshold=0.3, scoring="npmi",
                                    connector_words=connectors)
    ours = fastw2v.Phrases([tokens], min_count=5, threshold=0.3, scoring="npmi", connector_words=connectors,
                           workers=2)
    assert {"bank_of_america", "house_of_the_rising"} <= set(ours.export_phrases())
    assert ours.export_phrases().keys() == theirs.export_phrases().keys()
    for text, score in theirs.export_phrases().items():
        assert ours.export_phrases()[text] == pytest.approx(score, rel=1e-12)
    assert ours[tokens] == theirs.freeze()[tokens] == theirs[tokens]
    assert ours.connector_words == connectors == fastw2v.ENGLISH_CONNECTOR_WORDS


def test_the_api_and_the_command_join_alike_and_the_connectors_survive_save_and_load(tmp_path):
    lines = [["bank", "of", "america", "and", "the", "bank", "of", "england"], ["bank", "of", "america"]] * 8
    write_lines(str(tmp_path / "in.txt"), lines)
    (tmp_path / "connectors.txt").write_text("of\nthe and\n", encoding="utf-8")
    assert main(["phrases", str(tmp_path / "in.txt"), "-o", str(tmp_path / "out.txt"), "--min-count", "3",
                 "--threshold", "1", "--connector-words", str(tmp_path / "connectors.txt")]) == 0
    model = fastw2v.Phrases(lines, min_count=3, threshold=1.0, connector_words={"of", "the", "and"})
    assert read_lines(str(tmp_path / "out.txt")) == [model[line] for line in lines]
    assert model[lines[1]] == ["bank_of_america"]
    model.save(str(tmp_path / "phrases.json"))
    loaded = fastw2v.FrozenPhrases.load(str(tmp_path / "phrases.json"))
    assert loaded.connector_words == model.connector_words
    assert [loaded[line] for line in lines] == [model[line] for line in lines]


def test_training_with_phrase_passes_through_connectors_learns_the_phrases(tmp_path):
    from fastw2v.phrasing import PhrasePasses

    lines = [["bank", "of", "america", "and", "the", "bank", "of", "england"], ["bank", "of", "america"]] * 8
    model = fastw2v.Word2Vec(vector_size=8, min_count=1, workers=1, epochs=1)
    model.build_vocab(lines, phrases=PhrasePasses(min_count=3, threshold=1.0,
                                                  connector_words=frozenset({"of", "the", "and"})))
    assert {"bank_of_america", "bank_of_england"} <= set(model.wv.index_to_key)
    edges = {part for word in model.wv.index_to_key if "_" in word for part in (word.split("_")[0],
                                                                                  word.split("_")[-1])}
    assert not edges & {"of", "the", "and"}


def test_connector_words_are_no_entries_of_the_limited_table(tmp_path):
    lines = [["bank", "of", "america"]] * 4
    write_lines(str(tmp_path / "in.txt"), lines)
    raw = read_corpus([str(tmp_path / "in.txt")], str(tmp_path / "spool"))
    with pytest.raises(ConfigError, match="leaves no room"):
        phrases.count_pairs(raw, max_entries=3)  # three words: no room for a pair
    counted = phrases.count_pairs(raw, max_entries=3, connector_words=frozenset({"of"}))
    assert counted.left.size >= 1  # two words and the candidate bank_of_america


def test_connector_words_are_checked(tmp_path):
    with pytest.raises(ConfigError, match="not a str"):
        fastw2v.Phrases([["a"]], connector_words="of")
    with pytest.raises(ConfigError, match="connector word"):
        PhraseConfig(connector_words=frozenset({"of the"}))
    write_lines(str(tmp_path / "in.txt"), [["a", "b"]])
    assert main(["phrases", str(tmp_path / "in.txt"), "-o", str(tmp_path / "out.txt"),
                 "--connector-words", str(tmp_path / "missing.txt")]) == 1
    assert not os.path.exists(tmp_path / "out.txt")
