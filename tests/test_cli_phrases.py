"""`fastw2v phrases` through the installed console script: the engine's text, pass for pass;
every way in that `train` reads; bad settings and paths refused with one line and no output."""

import gzip
import random
import subprocess

import pytest

from fastw2v import phrasejoin, phrases, phrasing, reader
from fastw2v.cli import phrases as cli_phrases
from fastw2v.phrases import PhraseConfig
from tests.test_cs224n import fastw2v_command, run_cli

# Pairs planted among filler words; "new york times" chains two of them, so that a second pass
# has a phrase to join with a word.
PLANTED = (("new", "york", "times"), ("ice", "cream"), ("los", "angeles"))


def planted_text(lines=2000, seed=3):
    """Lines of 4 to 14 filler words w0..w59, with a planted run instead of a word 16% of the
    time. Returns str, each line ended by a newline."""
    rng = random.Random(seed)
    filler = [f"w{i}" for i in range(60)]
    out = []
    for _ in range(lines):
        line = []
        for _ in range(rng.randint(4, 14)):
            draw = rng.random()
            line.extend(PLANTED[0] if draw < 0.08 else rng.choice(PLANTED[1:]) if draw < 0.16
                        else [rng.choice(filler)])
        out.append(" ".join(line))
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("phrases") / "corpus.txt"
    path.write_text(planted_text())
    return str(path)


def engine_text(path, config, directory):
    """The bytes phrasejoin.write_text writes for one pass of the engine over the file `path`."""
    spool = directory / "spool"
    spool.mkdir()
    raw = reader.read_text(reader.plan_pieces([path], 1), str(spool), 1)
    chosen = phrases.choose_phrases(phrases.count_pairs(raw, config.delimiter), config)
    phrasejoin.write_text(raw, chosen, str(directory / "engine.txt"))
    return (directory / "engine.txt").read_bytes()


def phrases_bytes(inputs, output, *flags, stdin=None):
    """Run `fastw2v phrases` (bytes on standard input if given); returns the output's bytes."""
    done = subprocess.run(fastw2v_command() + ["phrases", *inputs, "-o", str(output), *flags],
                          input=stdin, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return output.read_bytes()


@pytest.mark.parametrize("scoring, threshold, phrase", [("default", 10.0, "new_york"),
                                                        ("npmi", 0.3, "ice_cream")])
def test_one_pass_writes_the_engines_joined_text(corpus, tmp_path, scoring, threshold, phrase):
    out = tmp_path / "out.txt"
    done = run_cli("phrases", corpus, "-o", str(out), "--scoring", scoring, "--threshold", str(threshold),
                   "--threads", "2")
    assert done.returncode == 0, done.stderr
    expected = engine_text(corpus, PhraseConfig(threshold=threshold, scoring=scoring), tmp_path)
    assert out.read_bytes() == expected and phrase in expected.decode()
    summary = done.stderr.splitlines()
    assert len(summary) == 1 and "1 pass," in summary[0] and "tokens in" in summary[0]


def test_two_passes_equal_two_one_pass_runs_at_twice_the_threshold_then_the_threshold(corpus, tmp_path):
    done = run_cli("phrases", corpus, "-o", str(tmp_path / "two.txt"), "--passes", "2", "--threshold", "5")
    assert done.returncode == 0, done.stderr
    assert "2 passes, thresholds 10, 5;" in done.stderr
    first = tmp_path / "first.txt"
    phrases_bytes([corpus], first, "--threshold", "10", "--quiet")
    second = phrases_bytes([str(first)], tmp_path / "second.txt", "--threshold", "5", "--quiet")
    assert (tmp_path / "two.txt").read_bytes() == second
    assert "new_york_times" in second.decode()


def test_gzip_input_and_standard_input_read_as_the_plain_file(corpus, tmp_path):
    text = planted_text().encode()
    plain = phrases_bytes([corpus], tmp_path / "plain.txt", "--threshold", "10", "--quiet")
    packed = tmp_path / "corpus.txt.gz"
    packed.write_bytes(gzip.compress(text))
    assert phrases_bytes([str(packed)], tmp_path / "gz.txt", "--threshold", "10", "--quiet") == plain
    # Without its last newline: the end of the input still ends the last line.
    piped = phrases_bytes(["-"], tmp_path / "stdin.txt", "--threshold", "10", "--quiet", stdin=text[:-1])
    assert piped == plain


def test_a_pruned_count_says_how_often_and_that_counts_are_lower_bounds(corpus, tmp_path):
    done = run_cli("phrases", corpus, "-o", str(tmp_path / "out.txt"), "--max-vocab", "300", "--quiet")
    assert done.returncode == 0, done.stderr
    (line,) = done.stderr.splitlines()
    assert "pruned" in line and "--max-vocab 300" in line and "lower bounds" in line


@pytest.mark.parametrize("flags, code, named", [
    (["--threshold", "0"], 1, "--threshold"),
    (["--threshold", "-5"], 1, "--threshold"),
    (["--scoring", "npmi", "--threshold", "-1"], 1, "--threshold"),
    (["--scoring", "npmi", "--threshold", "1.5"], 1, "--threshold"),
    (["--min-count", "0"], 2, "--min-count"),
    (["--passes", "0"], 2, "--passes"),
    (["--max-vocab", "10"], 1, "--max-vocab"),
])
def test_bad_settings_fail_with_one_line_naming_the_flag_and_no_output(corpus, tmp_path, flags, code, named):
    done = run_cli("phrases", corpus, "-o", str(tmp_path / "out.txt"), *flags)
    assert done.returncode == code and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert named in lines[-1] and (code == 2 or len(lines) == 1)
    assert list(tmp_path.iterdir()) == []


def test_bad_paths_fail_with_one_line_naming_the_file_and_no_output(corpus, tmp_path):
    cases = [([str(tmp_path / "none.txt")], tmp_path / "out.txt", "none.txt"),
             ([corpus], tmp_path / "no-folder" / "out.txt", "no-folder")]
    for inputs, output, named in cases:
        done = run_cli("phrases", *inputs, "-o", str(output))
        assert done.returncode == 1 and len(done.stderr.splitlines()) == 1 and named in done.stderr
        assert not output.exists()
    own = tmp_path / "own.txt"
    own.write_text("a b a b\n")
    for inputs in ([str(own)], [str(tmp_path)]):  # the file itself, or a folder that holds it
        done = run_cli("phrases", *inputs, "-o", str(own))
        assert done.returncode == 1 and len(done.stderr.splitlines()) == 1 and "own.txt" in done.stderr
        assert own.read_text() == "a b a b\n"


def test_input_that_is_not_text_leaves_the_previous_output_as_it_was(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"a b\nc \x00 d\n")
    out = tmp_path / "out.txt"
    out.write_text("before\n")
    done = run_cli("phrases", str(bad), "-o", str(out))
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1 and "bad.txt:2" in done.stderr
    assert out.read_text() == "before\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt", "out.txt"]


def test_the_command_lines_copies_of_the_engines_defaults_are_the_engines():
    defaults = PhraseConfig()
    assert cli_phrases.SCORINGS == phrases.SCORINGS
    assert (cli_phrases.DEFAULT_MIN_COUNT, cli_phrases.DEFAULT_THRESHOLD, cli_phrases.DEFAULT_DELIMITER) == \
        (defaults.min_count, defaults.threshold, defaults.delimiter)


def test_pass_thresholds_halve_towards_the_last_with_the_default_scoring_only():
    assert phrasing.pass_thresholds(100.0, 3, "default") == [400.0, 200.0, 100.0]
    assert phrasing.pass_thresholds(0.5, 2, "npmi") == [0.5, 0.5]


def test_train_with_phrases_trains_on_what_the_phrases_command_writes(corpus, tmp_path):
    joined = tmp_path / "joined.txt"
    phrases_bytes([corpus], joined, "--passes", "2", "--threshold", "5", "--quiet")
    settings = ["--threads", "1", "--epochs", "1", "--dim", "8", "--quiet"]
    two_steps = run_cli("train", str(joined), "-o", str(tmp_path / "two.txt"), *settings)
    assert two_steps.returncode == 0, two_steps.stderr
    one_step = run_cli("train", corpus, "-o", str(tmp_path / "one.txt"), *settings,
                       "--phrases", "2", "--phrase-threshold", "5")
    assert one_step.returncode == 0, one_step.stderr
    vectors = (tmp_path / "one.txt").read_bytes()
    assert vectors == (tmp_path / "two.txt").read_bytes()
    assert b"\nnew_york_times " in vectors and b"\nice_cream " in vectors


@pytest.mark.parametrize("flags, named", [
    (["--phrase-threshold", "50"], "--phrase-threshold"),
    (["--phrases", "1", "--phrase-threshold", "0"], "--phrase-threshold"),
    (["--phrases", "1", "--phrase-scoring", "npmi", "--phrase-threshold", "2"], "--phrase-threshold"),
    (["--phrases", "1", "--phrase-delimiter", "a b"], "delimiter"),
    (["--phrases", "1", "--dask", "local:2"], "--dask"),
    (["--phrase-connector-words", "connectors.txt"], "--phrase-connector-words"),
    (["--phrases", "1", "--phrase-connector-words", "no-such-connectors.txt"], "--phrase-connector-words"),
])
def test_bad_phrase_settings_of_train_are_refused_before_the_corpus_is_read(tmp_path, flags, named):
    done = run_cli("train", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "v.txt"), *flags)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert named in done.stderr and "missing.txt" not in done.stderr


def test_build_vocab_with_phrases_holds_them_and_leaves_no_spool(corpus, tmp_path):
    from fastw2v import Word2Vec
    from fastw2v.errors import ConfigError
    from fastw2v.phrasing import PhrasePasses

    model = Word2Vec(vector_size=8, min_count=1, workers=2)
    model.build_vocab(corpus_file=corpus, corpus_dir=str(tmp_path / "kept"),
                      phrases=PhrasePasses(passes=2, threshold=5.0))
    assert {"new_york_times", "ice_cream", "los_angeles"} <= set(model.wv.index_to_key)
    assert "york" not in model.wv and len(model.phrases_found) == 2
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == ["ids.npy", "offsets.npy"]
    assert model.corpus_total_words == model.corpus.n_words < sum(len(line.split()) for line in open(corpus))
    with pytest.raises(ConfigError, match="leaves no room"):
        model.build_vocab(corpus_file=corpus, corpus_dir=str(tmp_path / "failed"),
                          phrases=PhrasePasses(max_entries=10))
    assert list((tmp_path / "failed").iterdir()) == []
