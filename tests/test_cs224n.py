"""The assignment's SST run, through the library and through the installed console script."""

import contextlib
import io
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pytest

from fastw2v import cs224n
from fastw2v.cs224n import assignment, write_toy_sst
from fastw2v.errors import FastW2VError
from fastw2v.plot import project_2d

PUBLISHED_FIRST_LINES = ["iter 10: 19.061546", "iter 20: 19.114918", "iter 30: 19.287617"]
COMPARED_ITERATIONS = 300  # the reference engine takes ~40 ms an iteration
CHECKPOINT = assignment.SAVE_PARAMS_EVERY
PAST_CHECKPOINT = CHECKPOINT + 30
UNINTERRUPTED_FAST = ("fast", PAST_CHECKPOINT)


@dataclass
class Replay:
    """One cs224n.run: its printed lines, final vectors, Python random state after, folder."""

    lines: list
    vectors: np.ndarray
    random_state: tuple
    out_dir: str


@pytest.fixture(scope="module")
def replays(tmp_path_factory):
    """cs224n.run(engine, iterations[, resumed from a checkpoint]), each run once per module.

    Returns a function (sst_dir, engine, iterations, checkpoint_from=None) -> Replay, where
    checkpoint_from is (engine, iterations) of an earlier replay whose checkpoint at CHECKPOINT
    the run starts from.
    """
    done = {}

    def replay(sst_dir, engine, iterations, checkpoint_from=None):
        key = (engine, iterations, checkpoint_from)
        if key not in done:
            out_dir = str(tmp_path_factory.mktemp(f"{engine}-{iterations}"))
            if checkpoint_from:
                source = replay(sst_dir, *checkpoint_from).out_dir
                for name in (f"saved_params_{CHECKPOINT}.npy", f"saved_state_{CHECKPOINT}.json"):
                    shutil.copy(os.path.join(source, name), out_dir)
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                result = cs224n.run(sst_dir, out_dir, iterations=iterations, engine=engine)
            done[key] = Replay(printed.getvalue().splitlines(), result["vectors"],
                               random.getstate(), out_dir)
        return done[key]

    return replay


def fastw2v_command():
    script = shutil.which("fastw2v", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "fastw2v"]


def run_cli(*args, cwd=None, env=None):
    return subprocess.run(fastw2v_command() + list(args), capture_output=True, text=True, cwd=cwd,
                          env=env, stdin=subprocess.DEVNULL, timeout=600)


def test_reference_engine_reproduces_the_published_losses(sst_dir, tmp_path, capsys):
    result = cs224n.run(sst_dir, str(tmp_path), iterations=30)
    assert capsys.readouterr().out.splitlines() == PUBLISHED_FIRST_LINES
    assert result["vectors"].shape == (2 * len(result["words"]), 10)
    assert open(result["vectors_path"]).readline().split() == [str(len(result["words"])), "10"]
    assert open(result["plot_path"], "rb").read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("engine", cs224n.ENGINES)
def test_console_script_runs_the_published_run(sst_dir, tmp_path, engine):
    done = run_cli("cs224n", "--sst-dir", sst_dir, "--iterations", "20", "--engine", engine,
                   "--out", str(tmp_path / "run"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == PUBLISHED_FIRST_LINES[:2]
    assert f"({engine} engine)" in done.stderr


def test_fast_engine_prints_the_reference_engines_lines(sst_dir, replays):
    fast = replays(sst_dir, "fast", COMPARED_ITERATIONS)
    assert fast.lines[:3] == PUBLISHED_FIRST_LINES
    assert fast.lines == replays(sst_dir, "reference", COMPARED_ITERATIONS).lines


def test_fast_engine_ends_where_the_reference_engine_does(sst_dir, replays):
    fast = replays(sst_dir, "fast", COMPARED_ITERATIONS)
    slow = replays(sst_dir, "reference", COMPARED_ITERATIONS)
    np.testing.assert_allclose(fast.vectors, slow.vectors, rtol=0, atol=1e-10)
    assert fast.random_state == slow.random_state  # the same number of draws, to the word


def test_fast_run_resumed_from_a_checkpoint_equals_an_uninterrupted_one(sst_dir, replays):
    uninterrupted = replays(sst_dir, *UNINTERRUPTED_FAST)
    resumed = replays(sst_dir, "fast", PAST_CHECKPOINT, checkpoint_from=UNINTERRUPTED_FAST)
    np.testing.assert_array_equal(resumed.vectors, uninterrupted.vectors)
    assert resumed.random_state == uninterrupted.random_state
    assert [line.split(":")[0] for line in resumed.lines] == [
        f"iter {n}" for n in range(CHECKPOINT + 10, PAST_CHECKPOINT + 1, 10)]


def test_reference_engine_resumes_the_fast_engines_checkpoint(sst_dir, replays):
    fast_resumed = replays(sst_dir, "fast", PAST_CHECKPOINT, checkpoint_from=UNINTERRUPTED_FAST)
    slow_resumed = replays(sst_dir, "reference", PAST_CHECKPOINT,
                           checkpoint_from=UNINTERRUPTED_FAST)
    assert slow_resumed.lines == fast_resumed.lines
    np.testing.assert_allclose(slow_resumed.vectors, fast_resumed.vectors, rtol=0, atol=1e-10)
    assert slow_resumed.random_state == fast_resumed.random_state


def test_a_checkpoint_of_another_vocabulary_is_refused(tmp_path):
    sst_dir = write_toy_sst(str(tmp_path / "toy-sst"))
    out_dir = tmp_path / "run"
    out_dir.mkdir()
    assignment.save_params(str(out_dir), CHECKPOINT, np.zeros((4, cs224n.DIM)))
    for engine in cs224n.ENGINES:
        with pytest.raises(FastW2VError, match="checkpoint"):
            cs224n.run(sst_dir, str(out_dir), iterations=CHECKPOINT + 10, engine=engine)


@pytest.mark.parametrize("engine", cs224n.ENGINES)
def test_toy_run_writes_vectors_and_figure_and_lowers_the_loss(tmp_path, engine):
    out = tmp_path / "toy"
    done = run_cli("cs224n", "--toy", "--iterations", "400", "--print-every", "100",
                   "--engine", engine, "--out", str(out))
    assert done.returncode == 0, done.stderr
    losses = [float(line.split(": ")[1]) for line in done.stdout.splitlines()]
    assert len(losses) == 4 and losses[-1] < losses[0]
    assert (out / "word_vectors.png").read_bytes()[:4] == b"\x89PNG"
    header = (out / "word_vectors.txt").read_text().splitlines()[0].split()
    assert int(header[1]) == 10


def test_missing_sst_data_is_one_error_line_and_exit_1(tmp_path):
    env = dict(os.environ, FASTW2V_SST_DIR=str(tmp_path / "nowhere"))
    done = run_cli("cs224n", "--iterations", "10", "--out", str(tmp_path / "run"), cwd=str(tmp_path), env=env)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "--sst-dir" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("bad", [["--iterations", "0"], ["--iterations", "ten"], ["--engine", "gpu"]])
def test_bad_arguments_are_usage_errors(bad, tmp_path):
    done = run_cli("cs224n", "--toy", "--out", str(tmp_path), *bad)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_projection_keeps_distances_of_points_on_a_plane():
    rng = np.random.default_rng(0)
    plane_points = rng.normal(size=(12, 2))
    basis, _ = np.linalg.qr(rng.normal(size=(6, 2)))
    embedded = plane_points @ basis.T + rng.normal(size=6)
    coords = project_2d(embedded)
    distances = lambda p: np.linalg.norm(p[:, None] - p[None], axis=-1)  # noqa: E731
    np.testing.assert_allclose(distances(coords), distances(plane_points), atol=1e-10)
