"""`fastw2v similar`, `analogy` and `info`: through the installed console script, and in-process
(`cli.main`) for the variations, which would each cost a process start."""

import numpy as np
import pytest

from fastw2v import cli
from fastw2v.formats import save_native
from tests.test_cs224n import run_cli
from tests.test_formats import planted_analogies

SETTINGS = {"vector_size": 12, "window": 5, "max_vocab_size": None}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The planted-analogy vectors as text, binary and native (with training settings) files."""
    folder = tmp_path_factory.mktemp("query")
    vectors = planted_analogies()
    paths = {kind: str(folder / name) for kind, name in
             (("text", "v.txt"), ("binary", "v.bin"), ("native", "m.npz"))}
    vectors.save_word2vec_format(paths["text"])
    vectors.save_word2vec_format(paths["binary"], binary=True)
    counts = np.arange(len(vectors), 0, -1, dtype=np.int64)
    save_native(paths["native"], vectors.index_to_key, {"vectors": vectors.vectors, "counts": counts},
                {"config": SETTINGS, "epochs_done": 2})
    truncated = folder / "truncated.bin"
    truncated.write_bytes((folder / "v.bin").read_bytes()[:-30])
    paths["truncated"] = str(truncated)
    return paths


def expected_lines(pairs):
    return [f"{word}\t{score:.4f}" for word, score in pairs]


def test_similar_prints_the_nearest_words_and_their_cosine(files):
    done = run_cli("similar", files["text"], "queen", "-n", "3")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.splitlines() == expected_lines(planted_analogies().most_similar("queen", topn=3))
    assert {line.split("\t")[0] for line in done.stdout.splitlines()[:2]} == {"king", "woman"}


def test_analogy_prints_the_planted_answer_first(files):
    done = run_cli("analogy", files["binary"], "man", "king", "woman", "-n", "2")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.splitlines()[0] == "queen\t1.0000" and len(done.stdout.splitlines()) == 2


def test_info_reports_size_format_and_training_settings(files):
    done = run_cli("info", files["native"])
    assert done.returncode == 0 and done.stderr == ""
    lines = done.stdout.splitlines()
    for line in ("format: fastw2v native (.npz)", "words: 12", "dimensions: 12", "training settings:",
                 "  window: 5", "  max_vocab_size: null", "epochs_done: 2"):
        assert line in lines
    assert any(line.startswith("arrays: vectors float32 (12, 12), counts int64 (12,)") for line in lines)


@pytest.mark.parametrize("command", [["similar", "prince"], ["analogy", "man", "prince", "woman"]])
def test_unknown_word_is_one_error_line_and_exit_1(files, command):
    done = run_cli(command[0], files["text"], *command[1:])
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("fastw2v: error: 'prince' is not in the vocabulary")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_bad_file_is_one_error_line_naming_it_and_exit_1(files):
    done = run_cli("info", files["truncated"])
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(f"fastw2v: error: {files['truncated']}: word 11")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize("kind", ["text", "binary", "native"])
def test_every_format_answers_the_same(files, kind, capsys):
    assert cli.main(["similar", files[kind], "king", "-n", "4"]) == 0
    assert (capsys.readouterr().out.splitlines()
            == expected_lines(planted_analogies().most_similar("king", topn=4)))


@pytest.mark.parametrize("kind, format_line", [("text", "format: word2vec text"),
                                               ("binary", "format: word2vec binary")])
def test_info_on_word2vec_files_says_settings_are_not_recorded(files, kind, format_line, capsys):
    assert cli.main(["info", files[kind]]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (format_line in lines and "words: 12" in lines
            and lines[-1].startswith("training settings: not recorded"))


@pytest.mark.parametrize("command", [["similar", "missing.txt", "king"],
                                     ["analogy", "missing.txt", "a", "b", "c"],
                                     ["info", "missing.txt"]])
def test_missing_file_is_an_error_naming_it(tmp_path, command, capsys):
    command = [tmp_path / word if word == "missing.txt" else word for word in command]
    assert cli.main([str(word) for word in command]) == 1
    assert capsys.readouterr().err == f"fastw2v: error: {tmp_path / 'missing.txt'}: no such file\n"


@pytest.mark.parametrize("arguments", [["similar", "VECTORS"], ["similar", "VECTORS", "king", "-n", "0"],
                                       ["analogy", "VECTORS", "man", "king"], ["info"]])
def test_usage_errors_exit_2(files, arguments, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main([files["text"] if a == "VECTORS" else a for a in arguments])
    assert exited.value.code == 2 and "usage: fastw2v" in capsys.readouterr().err


def test_a_reader_that_stops_early_ends_the_command_quietly(files):
    """`fastw2v vectors FILE | head -1`: the closed pipe is not a traceback."""
    import subprocess
    import sys

    words = " ".join(planted_analogies().index_to_key[:50])
    command = [sys.executable, "-m", "fastw2v", "vectors", files["text"]] + words.split() * 200
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.readline()
    process.stdout.close()  # as `head -1` does, long before the 10,000 lines are written
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1 and "Traceback" not in stderr and "Error" not in stderr, stderr
