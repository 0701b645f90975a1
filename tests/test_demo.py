"""The built-in demo: generates, trains, evaluates and draws, with no download."""

import re

from fastw2v.demo import run_demo
from fastw2v.vectors import KeyedVectors
from tests.test_cs224n import run_cli

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_demo_command_learns_the_planted_relations_and_writes_its_files(tmp_path):
    out = tmp_path / "demo"
    done = run_cli("demo", "--size", "400000", "--out", str(out), "--threads", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    accuracy = re.search(r"planted analogies answered \(3CosAdd\): (\d+)/(\d+)", done.stdout)
    assert accuracy, done.stdout
    correct, total = map(int, accuracy.groups())
    assert total == 1520 and correct / total > 0.4, done.stdout
    assert re.search(r"at [\d,]+ words/s on 2 thread", done.stdout)
    vectors = KeyedVectors.load(str(out / "vectors.txt"))
    assert "country3" in vectors and vectors.vector_size == 100
    assert (out / "planted.png").read_bytes()[:8] == PNG_MAGIC
    for name in ("corpus.txt", "questions.txt", "pairs.txt"):
        assert (out / name).stat().st_size > 0


def test_demo_with_one_thread_and_a_seed_is_reproducible(tmp_path):
    first = run_demo(str(tmp_path / "a"), tokens=60_000, workers=1, seed=3, report=lambda line: None)
    second = run_demo(str(tmp_path / "b"), tokens=60_000, workers=1, seed=3, report=lambda line: None)
    assert (tmp_path / "a" / "vectors.txt").read_bytes() == (tmp_path / "b" / "vectors.txt").read_bytes()
    assert first.analogies.correct == second.analogies.correct


def test_demo_into_an_unwritable_place_is_one_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    done = run_cli("demo", "--size", "1000", "--out", str(blocker / "sub"), "--quiet")
    assert done.returncode == 1
    assert "cannot create the output folder" in done.stderr and "Traceback" not in done.stderr
