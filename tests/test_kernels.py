"""The compiled kernels against the textbook SGD step, on a stream whose negatives are known.

A noise distribution with all its mass on one word makes every negative that word, and window 1
makes every reach 1, so the updates can be replayed in float64 numpy (the full replay of a random
stream against the reference path is the proof-of-correctness issue's diff).
"""

import numpy as np
import pytest

from fastw2v import kernels
from fastw2v.rng import seed_state
from fastw2v.sampler import build_alias_table

DIM, NEGATIVE_WORD, LR = 6, 3, 0.2
NO_TREE = kernels.Tree(np.zeros(0, np.int32), np.zeros(0, np.uint8), np.zeros(1, np.int64), -1)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def run_kernel(mode, sentence, V, U, negative=2, dtype=np.float32, hot_rows=0, hot_offset=0):
    V, U = V.astype(dtype), U.astype(dtype)
    ids = np.array(sentence, dtype=np.int32)
    weights = np.zeros(V.shape[0])
    weights[NEGATIVE_WORD] = 1.0
    prob, alias = build_alias_table(weights)
    window = 1
    sampling = kernels.Sampling(np.full(V.shape[0], 2 ** 32, np.int64), prob, alias, window, negative)
    private = kernels.PrivateRows(hot_rows, hot_offset, kernels.NO_HOT_NODE, 0)
    scratch = kernels.allocate_scratch(window, negative + 1, DIM, len(sentence), dtype)
    _, words, _, pairs, loss = kernels.SPAN_KERNELS["logistic"][mode](
        kernels.Corpus(ids, np.array([0, len(sentence)], np.int64)), 0, 1, V, U, sampling, NO_TREE, private,
        kernels.Schedule(LR, LR, 0.0, 1.0), seed_state(1), scratch)
    return V, U, words, pairs, loss


def textbook_default(sentence, V, U, negative):
    """Per (context, center) pair: exact SGD on -log σ(u_c·v) - K·log σ(-u_n·v), scores before the pair."""
    V, U, loss = V.copy(), U.copy(), 0.0
    for i, center in enumerate(sentence):
        for j in (i - 1, i + 1):
            if not 0 <= j < len(sentence):
                continue
            context = sentence[j]
            v = V[context].copy()
            outputs = [(center, 1.0, 1)] + ([(NEGATIVE_WORD, 0.0, negative)]
                                            if center != NEGATIVE_WORD else [])
            grads = [(w, count * (label - sigmoid(U[w] @ v)) * LR) for w, label, count in outputs]
            loss += sum(-count * np.log(sigmoid((2 * label - 1) * (U[w] @ v))) for w, label, count in outputs)
            V[context] += sum(g * U[w] for w, g in grads)
            for w, g in grads:
                U[w] += g * v
    return V, U, loss


def textbook_shared(sentence, V, U, negative):
    """Per center: exact SGD on the summed loss of its window's pairs, all scores before the center."""
    V, U, loss = V.copy(), U.copy(), 0.0
    for i, center in enumerate(sentence):
        contexts = [sentence[j] for j in (i - 1, i + 1) if 0 <= j < len(sentence)]
        outputs = [(center, 1.0, 1)] + ([(NEGATIVE_WORD, 0.0, negative)] if center != NEGATIVE_WORD else [])
        dV, dU = np.zeros_like(V), np.zeros_like(U)
        for context in contexts:
            v = V[context]
            for w, label, count in outputs:
                g = count * (label - sigmoid(U[w] @ v)) * LR
                loss += -count * np.log(sigmoid((2 * label - 1) * (U[w] @ v)))
                dV[context] += g * U[w]
                dU[w] += g * v
        V += dV
        U += dU
    return V, U, loss


@pytest.mark.parametrize("mode,textbook", [("default", textbook_default), ("shared", textbook_shared)])
@pytest.mark.parametrize("sentence", [[0, 1], [0, 1, 2, 4], [1, 3, 1, 2, 0]])
def test_kernel_updates_are_the_textbook_step(mode, textbook, sentence):
    rng = np.random.default_rng(len(sentence))
    V, U = rng.normal(scale=0.5, size=(5, DIM)), rng.normal(scale=0.5, size=(5, DIM))
    expected_V, expected_U, expected_loss = textbook(sentence, V, U, negative=2)
    got_V, got_U, words, pairs, loss = run_kernel(mode, sentence, V, U, dtype=np.float64)
    np.testing.assert_allclose(got_V, expected_V, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got_U, expected_U, rtol=0, atol=1e-12)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    assert words == len(sentence) and pairs == 2 * len(sentence) - 2
    f32_V, f32_U, *_ = run_kernel(mode, sentence, V, U, dtype=np.float32)
    np.testing.assert_allclose(f32_V, expected_V, rtol=0, atol=2e-6)
    np.testing.assert_allclose(f32_U, expected_U, rtol=0, atol=2e-6)


@pytest.mark.parametrize("mode", ["default", "shared"])
def test_hot_rows_move_only_the_private_copy(mode):
    """With hot rows, every output row of a word below hot_rows is read and written at its
    private copy: the copy ends where the plain run leaves the word's row, U[:hot] is untouched."""
    sentence, hot, n_words = [1, 3, 1, 2, 0, 4, 3], 4, 5
    rng = np.random.default_rng(7)
    V, U = rng.normal(scale=0.5, size=(n_words, DIM)), rng.normal(scale=0.5, size=(n_words, DIM))
    plain_V, plain_U, *plain_rest = run_kernel(mode, sentence, V, U, dtype=np.float64)
    U_ext = np.vstack([U, U[:hot]])
    got_V, got_U, *rest = run_kernel(mode, sentence, V, U_ext, dtype=np.float64, hot_rows=hot,
                                     hot_offset=n_words)
    np.testing.assert_array_equal(got_V, plain_V)
    np.testing.assert_array_equal(got_U[n_words:], plain_U[:hot])
    np.testing.assert_array_equal(got_U[hot:n_words], plain_U[hot:])
    np.testing.assert_array_equal(got_U[:hot], U[:hot])
    assert rest == plain_rest
