"""The reference path's formulas against independent finite differences and closed forms."""

import warnings

import numpy as np
import pytest

from fastw2v import reference as ref
from fastw2v.huffman import build_huffman_tree


class FixedDraws:
    """A dataset whose sampleTokenIdx() returns a fixed sequence of word ids."""

    def __init__(self, draws):
        self._draws = iter(draws)

    def sampleTokenIdx(self):
        return next(self._draws)


def numerical_gradient(loss_of, x, h=1e-6):
    """Central-difference gradient of a scalar function of the array x (float64, any shape)."""
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        saved = x[ix]
        x[ix] = saved + h
        plus = loss_of(x)
        x[ix] = saved - h
        minus = loss_of(x)
        x[ix] = saved
        grad[ix] = (plus - minus) / (2 * h)
    return grad


def test_sigmoid_is_half_at_zero_and_stable_at_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ref.sigmoid(0.0) == 0.5
        values = ref.sigmoid(np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]))
        losses = ref.neg_log_sigmoid(np.array([-1000.0, 1000.0]))
    assert not np.any(np.isnan(values))
    assert values[0] == 0.0 and values[-1] == 1.0
    np.testing.assert_allclose(values[1:4], [1 / (1 + np.exp(30.0)), 0.5, 1 / (1 + np.exp(-30.0))])
    np.testing.assert_allclose(losses, [1000.0, 0.0], atol=1e-12)
    assert isinstance(ref.sigmoid(2.0), float)


def test_sigmoid_is_symmetric():
    x = np.linspace(-50, 50, 1001)
    np.testing.assert_allclose(ref.sigmoid(x) + ref.sigmoid(-x), 1.0, rtol=0, atol=1e-15)


def test_softmax_sums_to_one_without_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = ref.softmax(np.array([1000.0, 999.0, -1000.0]))
    np.testing.assert_allclose(y.sum(), 1.0)
    np.testing.assert_allclose(y[0] / y[1], np.e)


@pytest.mark.parametrize("vocab,dim", [(5, 3), (12, 7), (30, 2)])
def test_naive_softmax_gradients_match_finite_differences(vocab, dim):
    rng = np.random.default_rng(vocab * dim)
    center = rng.normal(size=dim)
    outside = rng.normal(size=(vocab, dim))
    o = int(rng.integers(vocab))
    loss, grad_center, grad_outside = ref.naive_softmax_loss_and_gradient(center, o, outside, None)
    scores = outside @ center
    assert loss == pytest.approx(-np.log(np.exp(scores[o]) / np.exp(scores).sum()))
    np.testing.assert_allclose(
        grad_center,
        numerical_gradient(lambda c: ref.naive_softmax_loss_and_gradient(c, o, outside, None)[0], center),
        rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(
        grad_outside,
        numerical_gradient(lambda u: ref.naive_softmax_loss_and_gradient(center, o, u, None)[0], outside),
        rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("vocab,dim,k", [(6, 3, 4), (15, 5, 10), (40, 8, 2)])
def test_negative_sampling_gradients_match_finite_differences(vocab, dim, k):
    rng = np.random.default_rng(vocab + dim + k)
    center = rng.normal(size=dim)
    outside = rng.normal(size=(vocab, dim))
    o = int(rng.integers(vocab))
    draws = [int(w) for w in rng.integers(vocab, size=5 * k)]

    def loss_and_grads(c, u):
        return ref.neg_sampling_loss_and_gradient(c, o, u, FixedDraws(draws), K=k)

    _, grad_center, grad_outside = loss_and_grads(center, outside)
    np.testing.assert_allclose(grad_center,
                               numerical_gradient(lambda c: loss_and_grads(c, outside)[0], center),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad_outside,
                               numerical_gradient(lambda u: loss_and_grads(center, u)[0], outside),
                               rtol=1e-6, atol=1e-8)


def test_repeated_negatives_count_once_per_draw():
    rng = np.random.default_rng(3)
    center, outside = rng.normal(size=4), rng.normal(size=(5, 4))
    loss, grad_center, grad_outside = ref.neg_sampling_loss_and_gradient(
        center, 0, outside, FixedDraws([2, 2, 3]), K=3)
    s = outside @ center
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    assert loss == pytest.approx(-np.log(sig(s[0])) - 2 * np.log(sig(-s[2])) - np.log(sig(-s[3])))
    np.testing.assert_allclose(grad_outside[2], 2 * sig(s[2]) * center)
    np.testing.assert_allclose(grad_outside[3], sig(s[3]) * center)
    np.testing.assert_allclose(grad_outside[0], (sig(s[0]) - 1) * center)
    np.testing.assert_allclose(grad_outside[[1, 4]], 0.0)
    np.testing.assert_allclose(
        grad_center, (sig(s[0]) - 1) * outside[0] + 2 * sig(s[2]) * outside[2] + sig(s[3]) * outside[3])


def test_get_negative_samples_redraws_the_outside_word():
    assert ref.get_negative_samples(0, FixedDraws([0, 0, 1, 2, 0, 2]), 3) == [1, 2, 2]


def test_skipgram_sums_pair_gradients_and_touches_only_the_center_row():
    rng = np.random.default_rng(11)
    centers, outside = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    tokens = {w: i for i, w in enumerate("abcdef")}
    loss, grad_center, grad_outside = ref.skipgram("b", 2, ["a", "c", "a"], tokens, centers, outside, None)
    pairs = [ref.naive_softmax_loss_and_gradient(centers[1], o, outside, None) for o in (0, 2, 0)]
    assert loss == pytest.approx(sum(p[0] for p in pairs))
    np.testing.assert_allclose(grad_center[1], sum(p[1] for p in pairs))
    np.testing.assert_allclose(np.delete(grad_center, 1, axis=0), 0.0)
    np.testing.assert_allclose(grad_outside, sum(p[2] for p in pairs))


@pytest.mark.parametrize("vocab,dim", [(2, 3), (9, 4), (40, 6)])
def test_hierarchical_softmax_gradients_match_finite_differences(vocab, dim):
    rng = np.random.default_rng(vocab * 7 + dim)
    tree = build_huffman_tree(rng.integers(1, 1000, size=vocab))
    center, nodes = rng.normal(size=dim), rng.normal(size=(vocab - 1, dim))
    for word in range(vocab):
        _, grad_center, grad_nodes = ref.hierarchical_softmax_loss_and_gradient(center, word, nodes, tree)
        np.testing.assert_allclose(
            grad_center, numerical_gradient(
                lambda c, word=word: ref.hierarchical_softmax_loss_and_gradient(c, word, nodes, tree)[0],
                center),
            rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(
            grad_nodes, numerical_gradient(
                lambda u, word=word: ref.hierarchical_softmax_loss_and_gradient(center, word, u, tree)[0],
                nodes),
            rtol=1e-6, atol=1e-8)
        off_path = np.setdiff1d(np.arange(vocab - 1), tree.path(word)[0])
        assert not grad_nodes[off_path].any()


def test_hierarchical_softmax_is_a_distribution_over_the_vocabulary():
    rng = np.random.default_rng(11)
    vocab, dim = 25, 5
    tree = build_huffman_tree(rng.integers(1, 500, size=vocab))
    center, nodes = rng.normal(size=dim), rng.normal(size=(vocab - 1, dim))
    losses = [ref.hierarchical_softmax_loss_and_gradient(center, w, nodes, tree)[0] for w in range(vocab)]
    assert np.exp(-np.array(losses)).sum() == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("mean", [True, False])
@pytest.mark.parametrize("loss_name", ["softmax", "neg", "hs"])
def test_cbow_gradients_match_finite_differences(mean, loss_name):
    rng = np.random.default_rng(5)
    vocab, dim = 8, 4
    words = [f"w{i}" for i in range(vocab)]
    word2ind = {w: i for i, w in enumerate(words)}
    inputs = rng.normal(size=(vocab, dim))
    tree = build_huffman_tree(rng.integers(1, 100, size=vocab))
    outputs = rng.normal(size=(vocab - 1 if loss_name == "hs" else vocab, dim))
    draws = [int(w) for w in rng.integers(vocab, size=40)]
    window = ["w1", "w4", "w1", "w6"]  # w1 twice: its row gets two shares

    def run(i, u):
        loss_fn, dataset = {
            "softmax": (ref.naive_softmax_loss_and_gradient, None),
            "neg": (lambda *a: ref.neg_sampling_loss_and_gradient(*a, K=3), None),
            "hs": (ref.hierarchical_softmax_loss_and_gradient, tree)}[loss_name]
        return ref.cbow("w2", 2, window, word2ind, i, u, FixedDraws(draws) if dataset is None else dataset,
                        loss_fn, mean=mean)

    loss, grad_in, grad_out = run(inputs, outputs)
    np.testing.assert_allclose(grad_in, numerical_gradient(lambda i: run(i, outputs)[0], inputs),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad_out, numerical_gradient(lambda u: run(inputs, u)[0], outputs),
                               rtol=1e-6, atol=1e-8)
    assert not grad_in[[0, 2, 3, 5, 7]].any()
    np.testing.assert_allclose(grad_in[1], 2 * grad_in[4])


def test_cbow_of_an_empty_window_is_zero():
    loss, grad_in, grad_out = ref.cbow("a", 1, [], {"a": 0}, np.ones((1, 2)), np.ones((1, 2)), None)
    assert loss == 0.0 and not grad_in.any() and not grad_out.any()
