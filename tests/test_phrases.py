"""Phrase detection against its definitions: a plain-Python replay of word2phrase's rules (one
dict of string counts, float32 scores), the C tool itself where it is installed, gensim's npmi
formula, and the C tool's pruning rule; the same results whatever the threads and pieces, and
a joined corpus spooled in memory equal to the joined text read back."""

import os
import shutil
import subprocess

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastw2v import pairtable, phrasejoin, phrases, reader
from fastw2v.errors import ConfigError
from fastw2v.phrases import PhraseConfig
from fastw2v.rawcorpus import read_sentences

# Words whose joins collide as strings: "a_b" is the pair (a, b); "a_" + "b" and "a" + "_b"
# both join into "a__b"; (a, b_c) and (a_b, c) into "a_b_c".
WORDS = ["a", "b", "c", "d", "a_b", "b_c", "a_", "_b", "new", "york", "new_york"]


def word2phrase_rules(lines, min_count, threshold, delimiter="_"):
    """The C tool's two passes over `lines` (lists of str, none empty), in plain Python.

    Pass 1 counts every token and every adjacent pair, across line ends, into one dict keyed by
    string (a pair's key is its words joined by the delimiter), then drops the keys seen fewer
    than min_count times. Pass 2 is TrainModel's loop, variable for variable: ``last_word`` is
    "\\n" after a line end, pb keeps its value when a word is missing, li marks a missing word.
    The C tool's first pair, with an uninitialised buffer, is not counted (nor by fastw2v).

    Returns:
        (output lines as lists of tokens, the dict of counts before min_count).
    """
    table, train_words, last = {}, 0, None
    for line in lines:
        for word in line:
            train_words += 1
            table[word] = table.get(word, 0) + 1
            if last is not None:
                key = last + delimiter + word
                table[key] = table.get(key, 0) + 1
            last = word
    kept = {key: count for key, count in table.items() if count >= min_count}
    threshold = np.float32(threshold)
    out, current = [], []
    pa = pb = pab = 0
    li, word = -1, ""
    for token in [token for line in lines for token in line + ["\n"]]:
        last_word, word = word, token
        if word == "\n":
            out.append(current)
            current = []
            continue
        oov = word not in kept
        if not oov:
            pb = kept[word]
        if li == -1:
            oov = True
        li = 0 if word in kept else -1
        key = last_word + delimiter + word
        if key in kept:
            pab = kept[key]
        else:
            oov = True
        if pa < min_count or pb < min_count:
            oov = True
        score = np.float32(0) if oov else (np.float32(pab - min_count) / np.float32(pa) / np.float32(pb)
                                           * np.float32(train_words))
        if score > threshold:
            current[-1] += delimiter + word
            pb = 0
        else:
            current.append(word)
        pa = pb
    return out, table


def write_lines(path, lines):
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(" ".join(line) + "\n" for line in lines)


def read_lines(path):
    """A text file's lines as token lists, whitespace normalised, empty lines dropped."""
    with open(path, encoding="utf-8") as handle:
        return [line.split() for line in handle.read().split("\n") if line.split()]


def read_corpus(paths, folder, threads=1, piece_bytes=None):
    os.makedirs(folder)
    pieces = reader.plan_pieces(reader.input_files(paths), threads, piece_bytes)
    return reader.read_text(pieces, folder, threads)


def lines_of(raw):
    """A RawCorpus's lines as token lists, read straight from its spool."""
    tokens, ends, before = [], [], 0
    for part in raw.parts:
        ids = np.fromfile(raw.path(part["ids"]), dtype=np.int32)
        tokens.extend(raw.words[w] for w in raw.maps[part["map"]][ids].tolist())
        ends.extend((before + np.fromfile(raw.path(part["ends"]), dtype=np.int64)).tolist())
        before += part["tokens"]
    lines, start = [], 0
    for end in ends + [len(tokens)]:
        if end > start:
            lines.append(tokens[start:end])
            start = end
    return lines


def detect(raw, config, path, threads=1):
    """One pass: count, choose, write the joined text; with threads, also written by `threads`
    threads in segments of a few tokens, which must give the same text and token count.
    Returns (PairCounts, Phrases)."""
    pairs = phrases.count_pairs(raw, config.delimiter, threads, config.max_entries)
    chosen = phrases.choose_phrases(pairs, config)
    tokens = phrasejoin.write_text(raw, chosen, path)
    if threads > 1:
        for segment_tokens in (1, 3, 7):
            again = path + f".{segment_tokens}"
            assert phrasejoin.write_text(raw, chosen, again, threads, segment_tokens) == tokens
            with open(path, "rb") as one, open(again, "rb") as other:
                assert one.read() == other.read(), segment_tokens
    assert tokens == sum(map(len, read_lines(path)))
    return pairs, chosen


def string_counts(pairs):
    """{string: count} of a PairCounts' words and pairs (a string's count is shared by all)."""
    counts = dict(zip(pairs.words, pairs.word_counts.tolist()))
    for a, b, count in zip(pairs.left.tolist(), pairs.right.tolist(), pairs.counts.tolist()):
        text = pairs.words[a] + pairs.delimiter + pairs.words[b]
        assert counts.setdefault(text, count) == count, text
    return counts


CORPORA = st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8), min_size=1, max_size=30)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=CORPORA, min_count=st.integers(1, 4),
       threshold=st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0]),
       threads=st.integers(1, 3), piece_bytes=st.sampled_from([None, 5, 17, 40]),
       two_files=st.booleans())
def test_the_engine_joins_as_the_c_tools_rules_do(tmp_path_factory, lines, min_count, threshold, threads,
                                                  piece_bytes, two_files):
    folder = tmp_path_factory.mktemp("corpus")
    half = len(lines) // 2 if two_files else len(lines)
    paths = [str(folder / "1.txt")] + ([str(folder / "2.txt")] if two_files and half else [])
    write_lines(paths[0], lines[:half] if len(paths) == 2 else lines)
    if len(paths) == 2:
        write_lines(paths[1], lines[half:])
    raw = read_corpus(paths, str(folder / "spool"), threads, piece_bytes)
    config = PhraseConfig(min_count=min_count, threshold=threshold)
    pairs, _ = detect(raw, config, str(folder / "out.txt"), threads)
    expected, table = word2phrase_rules(lines, min_count, threshold)
    assert read_lines(str(folder / "out.txt")) == expected
    assert string_counts(pairs) == table
    assert pairs.train_words == sum(map(len, lines))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=CORPORA, min_count=st.integers(1, 3), threshold=st.sampled_from([0.0, 1.0, 2.0]),
       piece_bytes=st.sampled_from([None, 7, 23]), delimiter=st.sampled_from(["_", "-", "__"]))
def test_the_joined_corpus_is_the_joined_text_read_back(tmp_path_factory, lines, min_count, threshold,
                                                        piece_bytes, delimiter):
    folder = tmp_path_factory.mktemp("corpus")
    write_lines(str(folder / "in.txt"), lines)
    raw = read_corpus([str(folder / "in.txt")], str(folder / "spool"), 2, piece_bytes)
    config = PhraseConfig(min_count=min_count, threshold=threshold, delimiter=delimiter)
    _, chosen = detect(raw, config, str(folder / "out.txt"))
    os.makedirs(folder / "joined")
    joined = phrasejoin.join_corpus(raw, chosen, str(folder / "joined"))
    back = read_corpus([str(folder / "out.txt")], str(folder / "back"))
    assert joined.word_counts() == back.word_counts()
    assert lines_of(joined) == lines_of(back) == read_lines(str(folder / "out.txt"))
    assert len(joined.parts) == len(raw.parts)
    assert joined.n_lines == back.n_lines
    # A second pass over either gives the same text.
    detect(joined, config, str(folder / "second-joined.txt"))
    detect(back, config, str(folder / "second-back.txt"))
    assert read_lines(str(folder / "second-joined.txt")) == read_lines(str(folder / "second-back.txt"))
    if delimiter == "_":
        first, _ = word2phrase_rules(lines, min_count, threshold)
        second, _ = word2phrase_rules(first, min_count, threshold)
        assert read_lines(str(folder / "second-joined.txt")) == second


def test_python_sentences_give_what_their_text_gives(tmp_path):
    lines = [["new", "york", "is", "big"], ["new", "york"], ["in", "new", "york", "city"]] * 4
    config = PhraseConfig(min_count=2, threshold=1.0)
    os.makedirs(tmp_path / "sentences")
    raw = read_sentences(lines + [[]], str(tmp_path / "sentences"))
    detect(raw, config, str(tmp_path / "out.txt"))
    assert read_lines(str(tmp_path / "out.txt")) == word2phrase_rules(lines, 2, 1.0)[0]


ELEVEN = [["a", "b"]] * 3 + [["c", "d", "e", "f", "g"]]
FIFTEEN = [["a", "b"]] * 3 + [["a", "z1"], ["a", "z2"], ["z3", "b"], ["z4", "b"], ["z5"]]


@pytest.mark.parametrize("lines, threshold, joins", [
    # pa = pb = pab = 3, min_count 2, 11 tokens: (3 - 2) / 3 / 3 * 11 is 1.2222222 in float32, and
    # so is the first threshold (the C tool did not join it; in float64 it would have).
    (ELEVEN, 1.2222222222222223, False), (ELEVEN, 1.2222, True),
    # pab = 3, pa = pb = 5, 15 tokens: float32 left to right gives 0.59999996, the exact value
    # rounded to float32 0.6: a threshold of 0.59999996 is not passed (nor by the C tool).
    (FIFTEEN, 0.5999999642372131, False), (FIFTEEN, 0.59999, True),
])
def test_the_default_score_is_the_c_tools_float32_left_to_right(tmp_path, lines, threshold, joins):
    write_lines(str(tmp_path / "in.txt"), lines)
    raw = read_corpus([str(tmp_path / "in.txt")], str(tmp_path / "spool"))
    detect(raw, PhraseConfig(min_count=2, threshold=threshold), str(tmp_path / "out.txt"))
    assert (read_lines(str(tmp_path / "out.txt"))[0] == ["a_b"]) == joins


def test_a_word_joined_to_its_left_does_not_join_its_right_and_line_starts_never_join(tmp_path):
    lines = [["a", "b", "c", "d", "e"]] * 5
    write_lines(str(tmp_path / "in.txt"), lines)
    raw = read_corpus([str(tmp_path / "in.txt")], str(tmp_path / "spool"))
    # Every pair, e_a across the line ends too, is a phrase at a negative threshold.
    pairs, chosen = detect(raw, PhraseConfig(min_count=1, threshold=-1.0), str(tmp_path / "out.txt"))
    assert "e_a" in chosen.export()
    assert read_lines(str(tmp_path / "out.txt")) == [["a_b", "c_d", "e"]] * 5


def test_npmi_scores_are_the_formula_in_float64(tmp_path):
    rng = np.random.default_rng(3)
    lines = [list(rng.choice(["p", "q", "r", "s", "t", "u"], size=rng.integers(2, 9))) for _ in range(60)]
    write_lines(str(tmp_path / "in.txt"), lines)
    raw = read_corpus([str(tmp_path / "in.txt")], str(tmp_path / "spool"))
    pairs = phrases.count_pairs(raw)
    config = PhraseConfig(min_count=3, threshold=-1.0, scoring="npmi")
    exported = phrases.choose_phrases(pairs, config).export()
    _, table = word2phrase_rules(lines, 3, 0)
    texts = [key for key in table if "_" in key and table[key] >= 3]
    pab = np.array([table[t] for t in texts], dtype=np.int64)
    pa = np.array([table[t.split("_")[0]] for t in texts], dtype=np.int64)
    pb = np.array([table[t.split("_")[1]] for t in texts], dtype=np.int64)
    n = float(sum(map(len, lines)))
    expected = np.log(pab / n / ((pa / n) * (pb / n))) / -np.log(pab / n)
    assert sorted(exported) == sorted(texts) and (expected > -1).all()
    # Equal but for the last bit a vectorised log may give where it takes another code path.
    assert [exported[t] for t in texts] == pytest.approx(expected.tolist(), rel=1e-15, abs=0)
    gensim_phrases = pytest.importorskip("gensim.models.phrases")
    for t, a, b, ab in zip(texts, pa.tolist(), pb.tolist(), pab.tolist()):
        assert gensim_phrases.npmi_scorer(a, b, ab, 0, 3, int(n)) == pytest.approx(exported[t], rel=1e-12)


def test_an_npmi_threshold_selects_the_pairs_above_it(tmp_path):
    lines = [["new", "york"], ["new", "car"], ["old", "york"], ["new", "york", "now"]] * 5
    write_lines(str(tmp_path / "in.txt"), lines)
    raw = read_corpus([str(tmp_path / "in.txt")], str(tmp_path / "spool"))
    pairs = phrases.count_pairs(raw)
    scores, eligible = phrases.pair_scores(pairs, 2, "npmi")
    chosen = phrases.choose_phrases(pairs, PhraseConfig(min_count=2, threshold=0.47, scoring="npmi"))
    assert sorted(chosen.scores.tolist()) == sorted(scores[eligible & (scores > 0.47)].tolist())
    assert 0 < len(chosen.scores) < int(eligible.sum())


def prune_rules(items, budget):
    """(counts, prunes): the counts of `items` pruned as ReduceVocab prunes: after each item,
    if more than `budget` are held, drop those seen at most min_reduce times (from 1, one more
    each time)."""
    counts, min_reduce, prunes = {}, 1, 0
    for item in items:
        counts[item] = counts.get(item, 0) + 1
        if len(counts) > budget:
            counts = {key: count for key, count in counts.items() if count > min_reduce}
            min_reduce, prunes = min_reduce + 1, prunes + 1
    return counts, prunes


def test_pruning_follows_the_c_tools_rule_is_reported_and_still_joins_validly(tmp_path):
    rng = np.random.default_rng(5)
    vocabulary = [f"w{i}" for i in range(40)]
    lines = [list(rng.choice(vocabulary, size=rng.integers(3, 12), p=np.arange(40, 0, -1) / 820))
             + ["hot", "dog"] * (k % 4 == 0) for k in range(200)]
    write_lines(str(tmp_path / "in.txt"), lines)
    raw = read_corpus([str(tmp_path / "in.txt")], str(tmp_path / "spool"), 2, 300)
    assert len(raw.parts) > 1
    budget = 60
    config = PhraseConfig(min_count=2, threshold=1.0, max_entries=len(raw.words) + budget)
    pairs, chosen = detect(raw, config, str(tmp_path / "out.txt"), threads=2)
    tokens = [t for line in lines for t in line]
    expected, prunes = prune_rules(zip(tokens, tokens[1:]), budget)
    assert pairs.prunes == prunes > 5
    assert {(pairs.words[a], pairs.words[b]): c for a, b, c in
            zip(pairs.left.tolist(), pairs.right.tolist(), pairs.counts.tolist())} == expected
    out = read_lines(str(tmp_path / "out.txt"))
    assert [[w for t in line for w in t.split("_")] for line in out] == lines
    assert {t for line in out for t in line if "_" in t} <= set(chosen.export())
    assert chosen.left.size > 0
    with pytest.raises(ConfigError, match="no room for pairs"):
        phrases.count_pairs(raw, max_entries=len(raw.words))


@pytest.mark.parametrize("settings_, message", [
    ({"min_count": 0}, "min_count"), ({"min_count": 2.5}, "min_count"), ({"scoring": "pmi"}, "scoring"),
    ({"threshold": float("nan")}, "threshold"), ({"threshold": 2.0, "scoring": "npmi"}, "npmi"),
    ({"delimiter": ""}, "delimiter"), ({"delimiter": "a b"}, "delimiter"),
    ({"max_entries": 0}, "max_entries"),
])
def test_each_bad_setting_is_refused_with_its_name(settings_, message):
    with pytest.raises(ConfigError, match=message):
        PhraseConfig(**settings_)


def test_a_joined_corpus_needs_its_own_folder(tmp_path):
    write_lines(str(tmp_path / "in.txt"), [["a", "b"]] * 3)
    raw = read_corpus([str(tmp_path / "in.txt")], str(tmp_path / "spool"))
    chosen = phrases.choose_phrases(phrases.count_pairs(raw), PhraseConfig(min_count=1, threshold=0))
    with pytest.raises(ConfigError, match="other than"):
        phrasejoin.join_corpus(raw, chosen, str(tmp_path / "spool"))


@settings(max_examples=40, deadline=None)
@given(keys=st.lists(st.integers(0, 300), max_size=600), budget=st.sampled_from([None, 5, 40]))
def test_the_pair_table_counts_finds_and_prunes_as_a_dict(keys, budget):
    keys = np.array(keys, dtype=np.int64) * 7_919_000_003
    table, prunes, _ = pairtable.add_counts(pairtable.new_table(16), keys, np.ones(keys.size, dtype=np.int64),
                                            budget)
    expected, expected_prunes = prune_rules(keys.tolist(), budget if budget is not None else keys.size)
    found_keys, values = pairtable.entries(table)
    assert dict(zip(found_keys.tolist(), values.tolist())) == expected and prunes == expected_prunes
    probe = np.concatenate([keys[:50], np.array([-1, 5], dtype=np.int64)])
    found = np.empty(probe.size, dtype=np.int64)
    pairtable.find(table.slots, probe, found)
    assert found.tolist() == [expected.get(key, -1) if key >= 0 else -1 for key in probe.tolist()]


def word2phrase_tool():
    """The word2phrase binary: $FASTW2V_WORD2PHRASE (a path or command name), else
    `word2phrase` on PATH; skips the test with the reason when neither is an executable."""
    given_ = os.environ.get("FASTW2V_WORD2PHRASE")
    found = shutil.which(given_ or "word2phrase")
    if found is None:
        where = f"$FASTW2V_WORD2PHRASE={given_!r} is not an executable" if given_ else \
            "no `word2phrase` on PATH and $FASTW2V_WORD2PHRASE is not set"
        pytest.skip(f"word2phrase (the word2vec C tool's) not found: {where}")
    return found


def planted_lines(seed, n_lines=400):
    """Filler from a small vocabulary with planted phrases, and literal joined tokens: new_york
    (the pair's string), york_times (so that a second pass meets new_york + times and new +
    york_times, one string). Ends with a line of words seen once, so that some entry falls
    below min_count (else the C tool's SortVocab drops one entry that it should keep). No token
    starts with "_" (the C tool's first pair is with an uninitialised buffer)."""
    rng = np.random.default_rng(seed)
    filler = [f"f{i}" for i in range(25)]
    planted = [["new", "york"], ["new", "york", "times"], ["san", "francisco", "bay"], ["new_york"],
               ["new", "york_times"], ["york", "times"], ["a", "b", "c", "d"]]
    lines = []
    for _ in range(n_lines):
        line = list(rng.choice(filler, size=rng.integers(1, 9)))
        if rng.random() < 0.5:
            at = int(rng.integers(0, len(line) + 1))
            line[at:at] = planted[int(rng.integers(len(planted)))]
        lines.append(line)
    return lines + [[f"once{i}" for i in range(5)]]


def random_lines(seed, vocabulary, n_lines):
    """n_lines lines of 1 to 9 words drawn uniformly, then a line of a word seen once."""
    rng = np.random.default_rng(seed)
    return [rng.choice(vocabulary, size=rng.integers(1, 10)).tolist() for _ in range(n_lines)] + [["once"]]


def quirk_lines():
    """new york adjacent 3 times and new_york 4 times: at min_count 5 the pair is kept only
    because the C tool's one table adds the literal token's count to the pair's."""
    return ([["new", "york", "x"]] * 3 + [["new_york", "y"]] * 4 + [["new", "z"], ["york", "z"]] * 3
            + [["q", "r", "s"]] * 6 + [[f"once{i}" for i in range(5)]])


BINARY_CASES = {  # name: (lines, min_count, threshold, and for a second pass: its min_count, threshold)
    "planted": (planted_lines(1), 5, 10.0, (5, 5.0)),
    "small-vocabulary": (random_lines(4, ["a", "b", "c", "d", "e"], 80), 2, 1.0, None),
    "shared-string": (quirk_lines(), 5, 1.0, (3, 1.0)),
}


@pytest.fixture(scope="module")
def c_outputs(tmp_path_factory):
    """{(case, pass): the C tool's output lines}: each case's first pass and, as soon as it is
    done, its second pass over that output; the cases at once (each run costs the tool seconds
    of setting up its 2 GB hash table)."""
    tool = word2phrase_tool()
    folder = tmp_path_factory.mktemp("word2phrase")

    def start(name, number, min_count, threshold):  # in the folder: the tool copies a path into 60 bytes
        command = [tool, "-train", f"{name}-{number - 1}.txt", "-output", f"{name}-{number}.txt",
                   "-min-count", str(min_count), "-threshold", repr(threshold), "-debug", "0"]
        return subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    running = {}
    for name, (lines, min_count, threshold, _) in BINARY_CASES.items():
        write_lines(str(folder / f"{name}-0.txt"), lines)
        running[(name, 1)] = start(name, 1, min_count, threshold)
    outputs = {}
    while running:
        (name, number), process = next(iter(running.items()))
        said, _ = process.communicate(timeout=120)
        assert process.returncode == 0, (name, number, said)
        del running[(name, number)]
        outputs[(name, number)] = read_lines(str(folder / f"{name}-{number}.txt"))
        second = BINARY_CASES[name][3]
        if number == 1 and second:
            running[(name, 2)] = start(name, 2, *second)
    return outputs


@pytest.mark.parametrize("name", sorted(BINARY_CASES))
def test_the_output_is_the_c_tools_token_for_token(tmp_path, c_outputs, name):
    lines, min_count, threshold, second = BINARY_CASES[name]
    write_lines(str(tmp_path / "in.txt"), lines)
    raw = read_corpus([str(tmp_path / "in.txt")], str(tmp_path / "spool"), 2, 1000)
    config = PhraseConfig(min_count=min_count, threshold=threshold)
    _, chosen = detect(raw, config, str(tmp_path / "out.txt"), 2)
    first = read_lines(str(tmp_path / "out.txt"))
    assert first == c_outputs[(name, 1)]
    assert first != lines  # something was joined
    if name == "shared-string":
        assert sum(line.count("new_york") for line in first) > 4  # pairs joined, not only the literal ones
    if second:
        os.makedirs(tmp_path / "joined")
        joined = phrasejoin.join_corpus(raw, chosen, str(tmp_path / "joined"))
        detect(joined, PhraseConfig(min_count=second[0], threshold=second[1]), str(tmp_path / "second.txt"))
        assert read_lines(str(tmp_path / "second.txt")) == c_outputs[(name, 2)]
