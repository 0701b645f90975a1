"""The CS224N assignment's SGD: convergence, printed lines, annealing, and resumable saves."""

import random

import numpy as np
import pytest

from fastw2v.cs224n import assignment


def quadratic(x):
    """0.5·|x - 3|², minimised at 3."""
    return 0.5 * float(np.sum((x - 3.0) ** 2)), x - 3.0


def test_sgd_converges_on_a_quadratic(capsys):
    x = assignment.sgd(quadratic, np.zeros(4), 0.1, 200, PRINT_EVERY=100)
    np.testing.assert_allclose(x, 3.0, atol=1e-8)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["iter 100", "iter 200"]


def test_sgd_prints_raw_then_exponentially_averaged_loss(capsys):
    losses = iter(float(i) for i in range(1, 31))
    assignment.sgd(lambda x: (next(losses), np.zeros_like(x)), np.zeros(1), 0.1, 30, PRINT_EVERY=10)
    printed = [float(line.split(": ")[1]) for line in capsys.readouterr().out.splitlines()]
    expected_20 = 0.95 * 10 + 0.05 * 20
    assert printed == pytest.approx([10.0, expected_20, 0.95 * expected_20 + 0.05 * 30], abs=1e-6)


def test_sgd_halves_the_step_every_20000_iterations():
    x = assignment.sgd(lambda x: (0.0, np.ones_like(x)), np.zeros(1), 1.0, 20010, PRINT_EVERY=10 ** 9)
    assert x[0] == pytest.approx(-(20000 + 10 * 0.5))


def noisy_quadratic(x):
    """A stochastic loss: the gradient draws from Python's random, like the word2vec wrapper."""
    noise = np.array([random.random() for _ in range(x.size)]).reshape(x.shape)
    return 0.5 * float(np.sum(x ** 2)), x + noise


def test_sgd_resumes_from_its_latest_save_as_if_never_stopped(tmp_path, capsys):
    random.seed(5)
    uninterrupted = assignment.sgd(noisy_quadratic, np.ones(3), 0.01, 12000, useSaved=False,
                                   PRINT_EVERY=10 ** 9)

    random.seed(5)
    assignment.sgd(noisy_quadratic, np.ones(3), 0.01, 11000, useSaved=True, PRINT_EVERY=10 ** 9,
                   save_dir=str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "saved_params_10000.npy", "saved_params_5000.npy", "saved_state_10000.json", "saved_state_5000.json"]
    random.seed(999)  # a resumed run must take its random state from the save, not from here
    resumed = assignment.sgd(noisy_quadratic, np.ones(3), 0.01, 12000, useSaved=True, PRINT_EVERY=10 ** 9,
                             save_dir=str(tmp_path))
    np.testing.assert_array_equal(resumed, uninterrupted)


def test_load_saved_params_ignores_a_save_without_its_state(tmp_path):
    np.save(tmp_path / "saved_params_5000.npy", np.zeros(2))
    assert assignment.load_saved_params(str(tmp_path)) == (0, None, None)
