"""`fastw2v.evaluate` and `fastw2v evaluate`: the same numbers as gensim's evaluate_word_analogies,
most_similar_cosmul and evaluate_word_pairs on vectors with planted analogies, case variants of
words and more words than the restricted vocabulary; the command's table, JSON and errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

from fastw2v import cli
from fastw2v.errors import ConfigError, DatasetError
from fastw2v.evaluate import (analogy_scores, evaluate_analogies, evaluate_word_pairs, read_analogies,
                              read_word_pairs)
from fastw2v.vectors import KeyedVectors

# gensim 4's most_similar_cosmul calls its own deprecated init_sims
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated `init_sims`:DeprecationWarning")

DIM, N_WORDS, RESTRICT = 16, 120, 80
# row -> word: case variants of one word on both sides of RESTRICT; "tokyo" only beyond it; "cat"
# with four variants before RESTRICT and a fifth after it (gensim reads only five answers)
NAMED = {2: "Paris", 25: "paris", 95: "PARIS", 4: "France", 40: "FRANCE", 6: "berlin", 50: "Berlin",
         7: "Germany", 9: "Japan", 90: "tokyo", 10: "cat", 11: "Cat", 12: "CAT", 13: "cAt", 14: "caT",
         85: "CAt", 16: "dog", 17: "kitten", 18: "puppy", 19: "Rome", 20: "italy", 21: "Straße",
         23: "STRASSE"}
COPY = 110  # beyond RESTRICT: a copy of the query w31 - w30 + w32
CAPITALS = ["paris france berlin germany", "PARIS France Berlin GERMANY", "Paris France Rome Italy",
            "berlin germany paris france", "paris france tokyo japan", "Paris France Berlin Germany"]


def _unit(rows):
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def _build_vectors(rng):
    """(words, float32 vectors (N_WORDS, DIM), planted questions) with the NAMED words placed."""
    words = [NAMED.get(i, f"w{i}") for i in range(N_WORDS)]
    vectors = rng.normal(size=(N_WORDS, DIM))
    index = {w: i for i, w in enumerate(words)}

    def plant(a, b, c, d, noise):
        unit = _unit(vectors)
        vectors[index[d]] = unit[index[b]] - unit[index[a]] + unit[index[c]] + noise * rng.normal(size=DIM)
        return _unit(vectors)[index[b]] - _unit(vectors)[index[a]] + _unit(vectors)[index[c]]

    query = plant("Paris", "France", "berlin", "Germany", 0.05)
    # 'paris' (a variant of a question word) lies nearer the query than the answer: never the answer
    vectors[index["paris"]] = query + 0.01 * rng.normal(size=DIM)
    vectors[index["PARIS"]] = query + 0.01 * rng.normal(size=DIM)
    vectors[index["Berlin"]] = query + 0.01 * rng.normal(size=DIM)
    plant("Paris", "France", "Rome", "italy", 0.1)
    # 'FRANCE' is not the row 'france' looks up ('France'), yet it folds to the answer
    plant("berlin", "Germany", "Paris", "FRANCE", 0.05)
    query = plant("cat", "kitten", "dog", "puppy", 0.02)
    for variant in ("Cat", "CAT", "cAt", "caT", "CAt"):
        vectors[index[variant]] = query + 0.001 * rng.normal(size=DIM)
    # beyond RESTRICT, a copy of a planted query: the best answer only when every word is offered
    query = plant("w30", "w31", "w32", "w33", 0.3)
    vectors[COPY] = query
    planted = []
    # answers on even rows, questions on odd ones, so that no plant moves another one's words
    free = sorted(set(range(21, RESTRICT, 2)) - set(NAMED) - {31, 33})
    for d in sorted(set(range(34, N_WORDS, 2)) - set(NAMED) - {COPY}):
        a, b, c = (int(i) for i in rng.choice(free, 3, replace=False))
        plant(words[a], words[b], words[c], words[d], rng.choice([0.05, 0.3, 0.6, 1.0]))
        planted.append(" ".join(words[i] for i in (a, b, c, d)))
    return words, vectors.astype(np.float32), planted


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Vectors (ours and gensim's), a questions file and a tab-separated pairs file."""
    gensim_models = pytest.importorskip("gensim.models", reason="gensim is the reference for these numbers")
    rng = np.random.default_rng(7)
    words, vectors, planted = _build_vectors(rng)
    folder = tmp_path_factory.mktemp("evaluate")
    questions = folder / "questions.txt"
    random_questions = [" ".join(rng.choice(words[:RESTRICT + 10], 4, replace=False)) for _ in range(60)]
    sections = {"capitals": CAPITALS, "planted": planted, "random": random_questions,
                "crowded": ["cat kitten dog puppy", "CAT Kitten Dog PUPPY"],
                "unknown": ["zzz a b c", "paris x y z"], "restricted": ["w30 w31 w32 w33"]}
    questions.write_text("".join(f": {name}\n" + "".join(f"{q}\n" for q in lines)
                                 for name, lines in sections.items()),
                         encoding="utf-8")
    pairs = folder / "pairs.tsv"
    lines = [f"{a}\t{b}\t{score}\n" for a, b, score in _pairs(rng, words, vectors)]
    pairs.write_text("# word1\tword2\tscore\n" + "".join(lines), encoding="utf-8")
    path = folder / "vectors.txt"
    ours = KeyedVectors(words, vectors)
    ours.save_word2vec_format(str(path))
    theirs = gensim_models.KeyedVectors(DIM)
    theirs.add_vectors(words, vectors)
    # gensim computes cosines in its vectors' dtype; float64 gives the exact cosines of ours
    exact = gensim_models.KeyedVectors(DIM, dtype=np.float64)
    exact.add_vectors(words, vectors)
    return {"ours": ours, "theirs": theirs, "theirs_float64": exact, "questions": str(questions),
            "pairs": str(pairs), "vectors": str(path), "n_questions": sum(map(len, sections.values()))}


def _pairs(rng, words, vectors):
    """Scored pairs: the score follows the cosine loosely; mixed case, unknown and rare words."""
    unit = _unit(vectors.astype(np.float64))
    pairs = []
    for _ in range(70):
        i, j = rng.choice(len(words), 2, replace=False)
        score = round(float(unit[i] @ unit[j] + rng.normal(scale=0.3)), 3)
        first, second = words[i], words[j]
        if rng.random() < 0.3:
            first = first.upper()
        pairs.append((first, second, score))
    # 'straße'.upper() is 'STRASSE' (gensim folds with str.upper), while 'STRASSE'.lower() is 'strasse'
    return pairs + [("zzz", "w3", 0.5), ("paris", "berlin", 0.7), ("PARIS", "FRANCE", 0.9),
                    ("tokyo", "Japan", 0.8), ("strasse", "w3", 0.2), ("STRASSE", "w5", 0.3),
                    ("straße", "w7", 0.1), ("Strasse", "w9", 0.4)]


def _gensim_analogies(data, **settings):
    """gensim's figures: (correct, total, skipped, {section: (correct, total)})."""
    _, sections = data["theirs"].evaluate_word_analogies(data["questions"], **settings)
    counts = {s["section"]: (len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections}
    correct, total = counts.pop("Total accuracy")
    return correct, total, data["n_questions"] - total, counts


def _ours(result):
    return result.correct, result.total, result.skipped, result.sections


@pytest.mark.parametrize("restrict", [RESTRICT, N_WORDS])
@pytest.mark.parametrize("case_insensitive", [True, False])
def test_analogy_counts_match_gensim(data, restrict, case_insensitive):
    result = evaluate_analogies(data["ours"], read_analogies(data["questions"]), restrict_vocab=restrict,
                                case_insensitive=case_insensitive)
    expected = _gensim_analogies(data, restrict_vocab=restrict, case_insensitive=case_insensitive)
    assert _ours(result) == expected
    assert result.accuracy == pytest.approx(expected[0] / expected[1])
    assert result.coverage == pytest.approx(expected[1] / data["n_questions"])


def test_the_fixture_makes_restriction_and_case_matter(data):
    # the comparisons with gensim check these rules only if each one changes the figures
    questions = read_analogies(data["questions"])
    figures = {(restrict, case): _ours(evaluate_analogies(data["ours"], questions, restrict_vocab=restrict,
                                                          case_insensitive=case))
               for restrict in (RESTRICT, N_WORDS) for case in (True, False)}
    assert len({repr(found) for found in figures.values()}) == 4
    restricted, everything = figures[RESTRICT, True], figures[N_WORDS, True]
    assert restricted[3]["restricted"] == (1, 1) and everything[3]["restricted"] == (0, 1)
    assert restricted[2] > everything[2]
    assert restricted[0] > 10 and restricted[1] - restricted[0] > 10


def test_case_variants_of_question_words_are_never_the_answer(data):
    question = [("s", ("Paris", "France", "berlin", "Germany"))]
    for restrict in (RESTRICT, N_WORDS):
        result = evaluate_analogies(data["ours"], question, restrict_vocab=restrict)
        assert (result.correct, result.total) == (1, 1)
        # case-sensitive, 'paris', 'PARIS' and 'Berlin' are other words, nearer the query than the answer
        result = evaluate_analogies(data["ours"], question, restrict_vocab=restrict, case_insensitive=False)
        assert (result.correct, result.total) == (0, 1)


def test_five_variants_above_the_answer_count_as_wrong_like_gensim(data):
    # four variants of 'cat' outscore 'puppy' among the first RESTRICT words, five among all
    questions = read_analogies(data["questions"])
    for restrict, expected in ((RESTRICT, (2, 2)), (N_WORDS, (0, 2))):
        result = evaluate_analogies(data["ours"], questions, restrict_vocab=restrict)
        assert (result.sections["crowded"] == expected
                == _gensim_analogies(data, restrict_vocab=restrict)[3]["crowded"])


def _cosmul_reference(theirs, question, restrict):
    """gensim's most_similar_cosmul answer, case-insensitive, among the first `restrict` words
    (most_similar_cosmul ignores its restrict_vocab, so the answers are filtered here), read the
    way evaluate_word_analogies reads most_similar's: among the five best, the first that is not
    a question word's variant. Returns whether it is d, or None for an unknown word."""
    lookup = {}
    for word in reversed(theirs.index_to_key[:restrict]):
        lookup[word.upper()] = word
    a, b, c, d = (word.upper() for word in question)
    if not all(w in lookup for w in (a, b, c, d)):
        return None
    answers = theirs.most_similar_cosmul(positive=[lookup[b], lookup[c]], negative=[lookup[a]],
                                         topn=len(theirs))
    best = [word.upper() for word, _ in answers if theirs.get_index(word) < restrict][:5]
    allowed = [word for word in best if word not in {a, b, c}]
    return (allowed[0] if allowed else best[-1]) == d


def test_cosmul_scores_match_gensim_most_similar_cosmul(data):
    # gensim's float32 scores, to float32 rounding; without its 1e-6 the scores move by ~1e-5
    theirs, rng = data["theirs"], np.random.default_rng(5)
    ids = np.array([rng.choice(N_WORDS, 3, replace=False) for _ in range(20)])
    unit = _unit(data["ours"].vectors.astype(np.float64)).astype(np.float32)
    expected = [theirs.most_similar_cosmul(positive=[theirs.index_to_key[b], theirs.index_to_key[c]],
                                           negative=[theirs.index_to_key[a]], topn=None) for a, b, c in ids]
    np.testing.assert_allclose(analogy_scores(unit, ids, "cosmul"), np.array(expected), rtol=2e-6)


def test_cosmul_answers_match_gensim_most_similar_cosmul(data, tmp_path):
    theirs = data["theirs"]
    questions = [q for _, q in read_analogies(data["questions"])]
    # questions whose d is gensim's 3CosMul answer and others whose d is its 3CosAdd answer
    rng = np.random.default_rng(3)
    for _ in range(30):
        a, b, c = rng.choice(theirs.index_to_key[:RESTRICT], 3, replace=False)
        cosmul = theirs.most_similar_cosmul(positive=[b, c], negative=[a], topn=1)[0][0]
        cosadd = theirs.most_similar(positive=[b, c], negative=[a], topn=1)[0][0]
        questions += [(a, b, c, cosmul), (a, b, c, cosadd)]
    path = tmp_path / "one-section-per-question.txt"
    path.write_text("".join(f": q{i}\n{' '.join(q)}\n" for i, q in enumerate(questions)), encoding="utf-8")
    result = evaluate_analogies(data["ours"], read_analogies(str(path)), restrict_vocab=RESTRICT,
                                method="cosmul")
    expected = [_cosmul_reference(theirs, q, RESTRICT) for q in questions]
    assert [None if total == 0 else bool(right) for right, total in result.sections.values()] == expected
    assert sum(e is True for e in expected) > 20 and sum(e is False for e in expected) > 20
    cosadd = evaluate_analogies(data["ours"], read_analogies(str(path)), restrict_vocab=RESTRICT)
    assert cosadd.sections != result.sections  # the file tells the two methods apart


@pytest.mark.parametrize("restrict", [RESTRICT, N_WORDS])
@pytest.mark.parametrize("case_insensitive", [True, False])
def test_word_pair_correlations_match_gensim(data, restrict, case_insensitive):
    scores = evaluate_word_pairs(data["ours"], read_word_pairs(data["pairs"]), restrict_vocab=restrict,
                                 case_insensitive=case_insensitive)
    settings = dict(restrict_vocab=restrict, case_insensitive=case_insensitive)
    pearson, spearman, oov_percent = data["theirs_float64"].evaluate_word_pairs(data["pairs"], **settings)
    assert scores.spearman == pytest.approx(spearman[0], abs=1e-12)
    assert scores.pearson == pytest.approx(pearson[0], abs=1e-12)
    assert scores.oov == pytest.approx(oov_percent / 100, abs=1e-12)  # gensim: a percentage
    # gensim on float32 vectors rounds each cosine to float32: the same ranks, Pearson within ~1e-8
    pearson, spearman, oov_percent = data["theirs"].evaluate_word_pairs(data["pairs"], **settings)
    assert scores.spearman == pytest.approx(spearman[0], abs=1e-12)
    assert scores.pearson == pytest.approx(pearson[0], abs=1e-7)
    assert scores.oov == pytest.approx(oov_percent / 100, abs=1e-12)
    assert scores.known + scores.skipped == 78 and 0 < scores.oov < 1
    assert scores.spearman > 0.3


def test_word_pair_lookup_depends_on_case_and_restriction(data):
    pairs = read_word_pairs(data["pairs"])
    figures = {(evaluate_word_pairs(data["ours"], pairs, restrict_vocab=r, case_insensitive=c).skipped)
               for r in (RESTRICT, N_WORDS) for c in (True, False)}
    assert len(figures) == 4


def test_word_pairs_with_fewer_than_two_known_have_no_correlation(data):
    scores = evaluate_word_pairs(data["ours"], [("paris", "france", 1.0), ("zzz", "w1", 2.0)])
    assert (scores.spearman, scores.pearson, scores.oov, scores.known) == (None, None, 0.5, 1)


@pytest.mark.parametrize("text, message", [
    (": s\na b c d\na b c\n", r"q.txt:3: expected four words"),
    ("\n: only a header\n", r"q.txt: no analogy questions"),
])
def test_questions_file_errors_name_the_file_and_line(tmp_path, text, message):
    path = tmp_path / "q.txt"
    path.write_text(text)
    with pytest.raises(DatasetError, match=message):
        read_analogies(str(path))


@pytest.mark.parametrize("text, message", [
    ("# header\na b 1\na b\n", r"p.txt:3: expected 'word1 word2 score'"),
    ("a b 1\na b high\n", r"p.txt:2: expected"),
    ("a b nan\n", r"p.txt:1: expected"),
    ("# nothing\n\n", r"p.txt: no word pairs"),
])
def test_pairs_file_errors_name_the_file_and_line(tmp_path, text, message):
    path = tmp_path / "p.txt"
    path.write_text(text)
    with pytest.raises(DatasetError, match=message):
        read_word_pairs(str(path))


def test_pairs_file_takes_tabs_spaces_and_comments(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("# a comment\nking\tqueen\t8.5\nman woman 7  # trailing comment\n\n")
    assert read_word_pairs(str(path)) == [("king", "queen", 8.5), ("man", "woman", 7.0)]


def run_module(*args):
    """`python -m fastw2v ARGS` in a fresh process."""
    return subprocess.run([sys.executable, "-m", "fastw2v", *args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=600)


def test_command_json_holds_the_library_figures(data):
    done = run_module("evaluate", data["vectors"], "--analogies", data["questions"], "--pairs", data["pairs"],
                      "--restrict-vocab", str(RESTRICT), "--json")
    assert done.returncode == 0 and done.stderr == ""
    found = json.loads(done.stdout)
    analogies = evaluate_analogies(data["ours"], read_analogies(data["questions"]), restrict_vocab=RESTRICT)
    pairs = evaluate_word_pairs(data["ours"], read_word_pairs(data["pairs"]), restrict_vocab=RESTRICT)
    assert found["analogy_accuracy"] == pytest.approx(analogies.accuracy)
    assert found["analogy_coverage"] == pytest.approx(analogies.coverage)
    assert found["analogy_sections"]["planted"] == {
        "correct": analogies.sections["planted"][0], "total": analogies.sections["planted"][1],
        "accuracy": pytest.approx(analogies.sections["planted"][0] / analogies.sections["planted"][1])}
    assert found["analogy_sections"]["unknown"] == {"correct": 0, "total": 0, "accuracy": None}
    assert list(found["analogy_sections"]) == list(analogies.sections)
    assert (found["pairs_spearman"], found["pairs_pearson"], found["pairs_oov"]) == pytest.approx(
        (pairs.spearman, pairs.pearson, pairs.oov))


def test_command_default_is_gensim_default(data, capsys):
    assert cli.main(["evaluate", data["vectors"], "--analogies", data["questions"], "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    correct, total, _, sections = _gensim_analogies(data)
    assert found["analogy_accuracy"] == pytest.approx(correct / total)
    assert {name: (s["correct"], s["total"]) for name, s in found["analogy_sections"].items()} == sections
    assert (found["pairs_spearman"] is None and found["pairs_oov"] is None
            and found["analogy_method"] == "cosadd")


def test_command_method_and_case_options_change_the_figures(data, capsys):
    figures = []
    for options in ([], ["--method", "cosmul"], ["--case-sensitive"], ["--restrict-vocab", str(RESTRICT)],
                    ["--restrict-vocab", "0"]):
        assert cli.main(["evaluate", data["vectors"], "--analogies", data["questions"], "--json",
                         *options]) == 0
        found = json.loads(capsys.readouterr().out)
        figures.append((found["analogy_accuracy"], found["analogy_coverage"]))
    cosmul = evaluate_analogies(data["ours"], read_analogies(data["questions"]), method="cosmul")
    assert figures[1] == pytest.approx((cosmul.accuracy, cosmul.coverage))
    assert len({figures[0], figures[2], figures[3]}) == 3 and figures[4] == figures[0]  # 0: every word


def test_command_prints_readable_tables(data, capsys):
    assert cli.main(["evaluate", data["vectors"], "--analogies", data["questions"],
                     "--pairs", data["pairs"]]) == 0
    out = capsys.readouterr().out
    result = evaluate_analogies(data["ours"], read_analogies(data["questions"]))
    lines = [line.split() for line in out.splitlines()]
    assert ["crowded", "0", "2", "0.0000"] in lines and ["unknown", "0", "0", "n/a"] in lines
    assert ["total", str(result.correct), str(result.total), f"{result.accuracy:.4f}"] in lines
    assert f"coverage: {result.coverage:.4f}" in out and "(3CosAdd)" in out
    pairs = evaluate_word_pairs(data["ours"], read_word_pairs(data["pairs"]))
    assert ["spearman:", f"{pairs.spearman:.4f}"] in lines and ["pearson:", f"{pairs.pearson:.4f}"] in lines


def test_command_errors_are_one_line_and_exit_1(data, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text(": s\nparis france berlin\n")
    done = run_module("evaluate", data["vectors"], "--analogies", str(bad))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (f"fastw2v: error: {bad}:2: expected four words 'a b c d' or a ': section' header, "
                           "got 3 words\n")


@pytest.mark.parametrize("which", ["vectors", "analogies", "pairs"])
def test_missing_files_are_named(data, tmp_path, which, capsys):
    paths = {"vectors": data["vectors"], "analogies": data["questions"], "pairs": data["pairs"]}
    paths[which] = str(tmp_path / "gone")
    assert cli.main(["evaluate", paths["vectors"], "--analogies", paths["analogies"],
                     "--pairs", paths["pairs"]]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == f"fastw2v: error: {tmp_path / 'gone'}: no such file\n"


def test_a_folder_given_as_a_file_is_an_error_naming_it(data, tmp_path, capsys):
    assert cli.main(["evaluate", data["vectors"], "--analogies", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith(f"fastw2v: error: {tmp_path}: cannot read (")


def test_unknown_method_is_a_config_error(data):
    with pytest.raises(ConfigError, match="cosadd, cosmul"):
        evaluate_analogies(data["ours"], [("s", ("paris", "france", "berlin", "germany"))], method="3cosadd")


def test_empty_vector_file_is_an_error(data, tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert cli.main(["evaluate", str(empty), "--pairs", data["pairs"]]) == 1
    assert capsys.readouterr().err.startswith(f"fastw2v: error: {empty}: ")


@pytest.mark.parametrize("arguments", [[], ["--method", "cos3"], ["--restrict-vocab", "-1"],
                                       ["--restrict-vocab", "x"]])
def test_usage_errors_exit_2(data, arguments, capsys):
    extra = [] if not arguments else ["--pairs", data["pairs"]]
    with pytest.raises(SystemExit) as exited:
        cli.main(["evaluate", data["vectors"], *extra, *arguments])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "usage: fastw2v evaluate" in err
    if not arguments:
        assert "give --analogies FILE, --pairs FILE or both" in err
