"""The CS224N assignment's harness over the reference: its names, published values, gradient check."""

import random

import numpy as np
import pytest

from fastw2v import reference
from fastw2v.cs224n import assignment


def test_camel_case_names_are_the_reference_functions():
    assert assignment.naiveSoftmaxLossAndGradient is reference.naive_softmax_loss_and_gradient
    assert assignment.negSamplingLossAndGradient is reference.neg_sampling_loss_and_gradient
    assert assignment.getNegativeSamples is reference.get_negative_samples
    assert (assignment.hierarchicalSoftmaxLossAndGradient
            is reference.hierarchical_softmax_loss_and_gradient)
    assert assignment.skipgram is reference.skipgram and assignment.sigmoid is reference.sigmoid
    assert assignment.normalizeRows is assignment.normalize_rows


def test_skipgram_reproduces_the_assignments_published_values():
    np.random.seed(9265)
    vectors = assignment.normalizeRows(np.random.randn(10, 3))
    tokens = {"a": 0, "b": 1, "c": 2, "d": 3, "e": 4}
    loss, grad_center, grad_outside = assignment.skipgram(
        "c", 3, ["a", "b", "e", "d", "b", "c"], tokens, vectors[:5], vectors[5:], None)
    assert loss == pytest.approx(11.16610900153398, rel=1e-12)
    expected_center = np.zeros((5, 3))
    expected_center[2] = [-1.26947339, -1.36873189, 2.45158957]
    np.testing.assert_allclose(grad_center, expected_center, atol=1e-8)
    np.testing.assert_allclose(grad_outside, [
        [-0.41045956, 0.18834851, 1.43272264], [0.38202831, -0.17530219, -1.33348241],
        [0.07009355, -0.03216399, -0.24466386], [0.09472154, -0.04346509, -0.33062865],
        [-0.13638384, 0.06258276, 0.47605228]], atol=1e-8)


def dummy_dataset():
    """The assignment harness's dummy dataset: 5 tokens, uniform negatives, random contexts."""
    dataset = type("dummy", (), {})()
    words = ["a", "b", "c", "d", "e"]
    dataset.sampleTokenIdx = lambda: random.randint(0, 4)
    dataset.getRandomContext = lambda C: (words[random.randint(0, 4)],
                                          [words[random.randint(0, 4)] for _ in range(2 * C)])
    return dataset, {w: i for i, w in enumerate(words)}


@pytest.mark.parametrize("loss_fn", [assignment.naiveSoftmaxLossAndGradient,
                                     assignment.negSamplingLossAndGradient])
def test_sgd_wrapper_gradient_passes_gradcheck(loss_fn, capsys):
    dataset, tokens = dummy_dataset()
    random.seed(31415)
    np.random.seed(9265)
    vectors = assignment.normalizeRows(np.random.randn(10, 3))
    assert assignment.gradcheck_naive(
        lambda v: assignment.word2vec_sgd_wrapper(assignment.skipgram, tokens, v, dataset, 5, loss_fn),
        vectors, "skipgram")
    assert "passed" in capsys.readouterr().out


def test_gradcheck_rejects_a_wrong_gradient(capsys):
    x = np.array([1.0, -2.0, 0.5])
    assert not assignment.gradcheck_naive(
        lambda v: (np.sum(v ** 3), 3 * v ** 2 + np.array([0, 1e-3, 0])), x, "cube")
    assert "failed" in capsys.readouterr().out
    np.testing.assert_array_equal(x, [1.0, -2.0, 0.5])


def test_normalize_rows_gives_unit_rows():
    np.testing.assert_allclose(assignment.normalizeRows(np.array([[3.0, 4.0], [1.0, 2.0]])),
                               [[0.6, 0.8], [1 / np.sqrt(5), 2 / np.sqrt(5)]])
