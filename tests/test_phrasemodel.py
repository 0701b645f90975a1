"""`fastw2v.Phrases` with gensim's names: the same phrases and joined text as `fastw2v phrases`
on the same corpus, gensim's npmi scores, gensim's sentence-or-corpus rule, and its files."""

import json

import pytest

from fastw2v import FrozenPhrases, Phrases, Word2Vec
from fastw2v.errors import ConfigError, FormatError
from tests.test_cli_phrases import phrases_bytes, planted_text


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("phrasemodel") / "corpus.txt"
    path.write_text(planted_text())
    return path


def sentences_of(path):
    return [line.split() for line in path.read_text().splitlines()]


def test_python_finds_and_joins_what_the_command_does(corpus, tmp_path):
    written = phrases_bytes([str(corpus)], tmp_path / "one.txt", "--threshold", "10", "--quiet")
    sentences = sentences_of(corpus)
    from_lists = Phrases(sentences, threshold=10)
    from_file = Phrases(corpus_file=str(corpus), threshold=10, workers=2)
    assert from_lists.export_phrases() == from_file.export_phrases()
    assert set(from_lists.export_phrases()) == {"new_york", "york_times", "ice_cream", "los_angeles"}
    joined = "".join(" ".join(s) + "\n" for s in from_lists[sentences])
    assert joined.encode() == written
    assert from_lists.corpus_word_count == sum(map(len, sentences))


def test_two_python_passes_are_the_commands_two_passes(corpus, tmp_path):
    written = phrases_bytes([str(corpus)], tmp_path / "two.txt", "--passes", "2", "--threshold", "5",
                            "--quiet")
    sentences = sentences_of(corpus)
    bigram = Phrases(sentences, threshold=10)
    trigram = Phrases(bigram[sentences], threshold=5)
    assert "new_york_times" in trigram.export_phrases()
    joined = "".join(" ".join(s) + "\n" for s in trigram[bigram[sentences]])
    assert joined.encode() == written


def test_joining_is_greedy_from_the_left_and_never_crosses_sentences(corpus):
    phrases = Phrases(sentences_of(corpus), threshold=10).freeze()
    assert phrases[["new", "york", "times"]] == ["new_york", "times"]  # york_times is a phrase too
    assert phrases[["w1", "new", "york", "york", "times"]] == ["w1", "new_york", "york_times"]
    assert list(phrases[iter([["ice"], ["cream"]])]) == [["ice"], ["cream"]]
    assert phrases[iter(["ice", "cream"])] == ["ice_cream"]  # an iterator of words is one sentence
    assert phrases[[]] == [] and isinstance(phrases[[["a"]]], type(x for x in ()))
    assert phrases.analyze_sentence(["los", "angeles", "w3"])[1] == ("w3", None)
    found = phrases.find_phrases([["ice", "cream", "w2"], ["los", "angeles"]])
    assert set(found) == {"ice_cream", "los_angeles"}
    with pytest.raises(ConfigError, match="list of words"):
        phrases["new york"]


def test_npmi_scores_are_gensims_on_one_stream():
    """One sentence: gensim counts pairs within sentences, fastw2v across them; on one sentence
    both count the same pairs, so npmi (gensim's formula) gives gensim's phrases and scores."""
    gensim_phrases = pytest.importorskip("gensim.models.phrases")
    stream = [word for sentence in sentences_of_text(planted_text(800, seed=5)) for word in sentence]
    ours = Phrases([stream], min_count=3, threshold=0.3, scoring="npmi")
    theirs = gensim_phrases.Phrases([stream], min_count=3, threshold=0.3, scoring="npmi")
    expected = theirs.export_phrases()
    assert set(ours.export_phrases()) == set(expected) and len(expected) >= 4
    for phrase, score in ours.export_phrases().items():
        assert score == pytest.approx(expected[phrase], rel=1e-12)
    assert ours[stream[:200]] == theirs[stream[:200]]


def sentences_of_text(text):
    return [line.split() for line in text.splitlines()]


def test_phrases_save_and_load_as_json(corpus, tmp_path):
    phrases = Phrases(sentences_of(corpus), threshold=10)
    path = tmp_path / "phrases.json"
    phrases.save(str(path))
    loaded = FrozenPhrases.load(str(path))
    assert loaded.export_phrases() == phrases.export_phrases() and loaded.threshold == 10.0
    assert loaded[["los", "angeles"]] == ["los_angeles"]
    document = json.loads(path.read_text())
    document["settings"]["delimiter"] = "a b"
    path.write_text(json.dumps(document))
    with pytest.raises(FormatError, match="phrases.json"):
        FrozenPhrases.load(str(path))
    with pytest.raises(FormatError, match="cannot read"):
        FrozenPhrases.load(str(tmp_path / "missing.json"))


def test_joined_sentences_train_phrase_vectors(corpus):
    sentences = sentences_of(corpus)
    bigram = Phrases(sentences, threshold=10)
    model = Word2Vec(bigram[sentences], vector_size=8, min_count=1, epochs=1, workers=1)
    assert "los_angeles" in model.wv and "angeles" not in model.wv


@pytest.mark.parametrize("settings, named", [
    (dict(min_count=0), "min_count"), (dict(threshold=0), "threshold"),
    (dict(scoring="npmi", threshold=1.5), "npmi"), (dict(scoring="pmi"), "scoring"),
    (dict(scoring=lambda *args: 0.0), "scoring"), (dict(connector_words="of"), "connector_words"),
    (dict(progress_per=100), "progress_per"), (dict(delimiter=" "), "delimiter"),
    (dict(sentences=None), "sentences="),
])
def test_bad_settings_are_refused_by_name(settings, named):
    arguments = dict(dict(sentences=[["a", "b"]]), **settings)
    with pytest.raises(ConfigError, match=named):
        Phrases(**arguments)
    with pytest.raises(NotImplementedError, match="whole corpus"):
        Phrases([["a", "b"]]).add_vocab([["a"]])


def test_a_phrases_file_of_the_first_version_loads_and_a_damaged_one_is_refused(tmp_path):
    path = tmp_path / "old.json"
    settings = {"min_count": 5, "threshold": 100.0, "scoring": "default", "delimiter": "_"}
    path.write_text(json.dumps({"kind": "fastw2v-phrases", "version": 1, "settings": settings,
                                "pairs": [["new", "york", 150.0]]}), encoding="utf-8")
    loaded = FrozenPhrases.load(str(path))
    assert loaded[["new", "york", "city"]] == ["new_york", "city"] and loaded.connector_words == frozenset()
    path.write_text(json.dumps({"kind": "fastw2v-phrases", "version": 2, "settings": {**settings,
                                "connector_words": []}, "phrases": [["ab", 1.0]]}), encoding="utf-8")
    with pytest.raises(FormatError, match="not a list"):
        FrozenPhrases.load(str(path))

