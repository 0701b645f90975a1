"""The assignment's SST run, through the library and through the installed console script."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from fastw2v import cs224n
from fastw2v.plot import project_2d

PUBLISHED_FIRST_LINES = ["iter 10: 19.061546", "iter 20: 19.114918", "iter 30: 19.287617"]


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


def test_console_script_runs_the_published_run(sst_dir, tmp_path):
    done = run_cli("cs224n", "--sst-dir", sst_dir, "--iterations", "20", "--out", str(tmp_path / "run"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == PUBLISHED_FIRST_LINES[:2]


def test_toy_run_writes_vectors_and_figure_and_lowers_the_loss(tmp_path):
    out = tmp_path / "toy"
    done = run_cli("cs224n", "--toy", "--iterations", "400", "--print-every", "100", "--out", str(out))
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
