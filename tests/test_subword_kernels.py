"""The compiled subword skip-gram (fastText's orientation) replayed through the reference: the
same recorded pairs, negatives and learning rates, from the same weights, one float64 textbook
step at a time, must give the kernel's matrices (float64: to 1e-9; float32: to its rounding)
and loss. A small bucket makes n-grams share rows and a word's list repeat one."""

import numpy as np
import pytest

from fastw2v import reference
from fastw2v.config import TrainConfig, loss_from_gensim
from fastw2v.diff import DIFF_DEFAULTS, TOLERANCE, replay_subword_step
from fastw2v.local import LocalBackend
from fastw2v.plan import NO_PRIVATE_ROWS, TrainingPlan
from fastw2v.recording import Recorder
from fastw2v.rng import seed_state
from fastw2v.subword_kernels import cbow_subword_span, sg_subword_span, subword_arguments
from fastw2v.subwords import SubwordIndex
from fastw2v.synthetic import write_zipf_corpus
from fastw2v.weights import OutputRows, initial_vectors, output_rows

BUCKET, MINN, MAXN = 40, 2, 4


def train_and_replay(tmp_path, precision, step=reference.subword_input_step, **settings):
    """Train a generated corpus with the kernel (recording) and replay it through the reference.
    Returns (largest gap in V, largest gap in U, kernel loss, reference loss, pairs)."""
    settings = {**DIFF_DEFAULTS, **settings, "workers": 1}
    loss = loss_from_gensim(settings.pop("hs", 0), None, settings["negative"])
    config = TrainConfig(**settings, loss=loss)
    write_zipf_corpus(str(tmp_path / "corpus.txt"), 3000, 120, seed=2)
    prepared = LocalBackend().build_vocab(config, None, str(tmp_path / "corpus.txt"), None)
    vocab, corpus = prepared.vocab, prepared.corpus
    n_words, dim = len(vocab), config.vector_size
    index = SubwordIndex.build(vocab.words, MINN, MAXN, BUCKET)
    assert any(np.unique(index.of(w)).size < index.of(w).size for w in range(n_words))  # a repeated row
    start_V = np.vstack([initial_vectors(n_words, dim, 1), initial_vectors(BUCKET, dim, 2)])
    start_U = OutputRows(config, n_words).matrix(output_rows(config, n_words))
    dtype = np.float64 if precision == "float64" else np.float32
    V, U = start_V.astype(dtype), start_U.astype(dtype)
    ref_V, ref_U = start_V.astype(np.float64), start_U.astype(np.float64)
    plan = TrainingPlan(config, vocab, corpus)
    scratch, subwords = plan.scratch(dtype), subword_arguments(index, n_words)
    private = NO_PRIVATE_ROWS.kernel_arguments(plan.tree.n_inner)
    assert TrainingPlan(config, vocab, corpus, index).kernel is (sg_subword_span if config.sg else
                                                                 cbow_subword_span)

    def rows_of(word):
        return np.concatenate([[word], n_words + index.of(word).astype(np.int64)])

    kernel_loss = reference_loss = 0.0
    pairs = 0
    for epoch, span in plan.jobs:
        recorder = Recorder(plan.job_words((epoch, span)) * 2 * config.window, config.window, plan.negative)
        kernel = sg_subword_span if config.sg else cbow_subword_span
        _, _, _, trained, job_loss = kernel(
            plan.corpus_arrays, plan.spans[span], plan.spans[span + 1], V, U, plan.sampling, plan.tree_arrays,
            private, plan.schedule(epoch, span), seed_state(config.seed, epoch, span), scratch, subwords,
            recorder.buffers)
        recording = recorder.recording()
        steps = list(recording.steps())
        assert len(steps) == trained and (not config.sg or len(recording) == trained)
        for lo, hi in steps:
            reference_loss += _replay(recording, lo, hi, ref_V, ref_U, config, rows_of, n_words, plan.tree,
                                      step)
        kernel_loss += job_loss
        pairs += trained
    prepared.workdir.cleanup()
    return (float(np.abs(V - ref_V).max()), float(np.abs(U - ref_U).max()), kernel_loss, reference_loss,
            pairs)


def _replay(recording, lo, hi, V, U, config, rows_of, n_words, tree, step):
    if step is reference.subword_input_step:
        return replay_subword_step(recording, lo, hi, V, U, config, rows_of, n_words, tree)
    original = reference.subword_input_step
    reference.subword_input_step = step
    try:
        return replay_subword_step(recording, lo, hi, V, U, config, rows_of, n_words, tree)
    finally:
        reference.subword_input_step = original


@pytest.mark.parametrize("settings", [dict(negative=5), dict(hs=1, negative=0), dict(hs=1, negative=3),
                                      dict(sg=0, negative=5), dict(sg=0, hs=1, negative=0)],
                         ids=["sg-neg", "sg-hs", "sg-hs+neg", "cbow-neg", "cbow-hs"])
@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_the_kernel_takes_fasttexts_steps(tmp_path, settings, precision):
    gap_V, gap_U, kernel_loss, reference_loss, pairs = train_and_replay(tmp_path, precision, **settings)
    assert pairs > (1000 if settings.get("sg", 1) else 500)
    assert gap_V < TOLERANCE[precision] and gap_U < TOLERANCE[precision]
    assert kernel_loss == pytest.approx(reference_loss, rel=1e-9 if precision == "float64" else 1e-4)


def test_a_step_divided_among_the_rows_is_told_apart(tmp_path):
    def divided(V, rows, step):  # the exact gradient of the mean: not what fastText does
        np.add.at(V, np.asarray(rows), step / len(rows))

    gap_V, _, _, _, _ = train_and_replay(tmp_path, "float64", step=divided, negative=5)
    assert gap_V > 1e3 * TOLERANCE["float64"]


def test_a_plan_with_subwords_trains_them_on_threads(tmp_path):
    from fastw2v.plan import Progress, run_threads

    write_zipf_corpus(str(tmp_path / "corpus.txt"), 20000, 300, seed=3)
    config = TrainConfig(vector_size=16, negative=5, min_count=1, epochs=2, workers=2, batch_words=1000)
    prepared = LocalBackend().build_vocab(config, None, str(tmp_path / "corpus.txt"), None)
    n_words = len(prepared.vocab)
    index = SubwordIndex.build(prepared.vocab.words, MINN, MAXN, 500)
    plan = TrainingPlan(config, prepared.vocab, prepared.corpus, index)
    V = np.vstack([initial_vectors(n_words, 16, 1), initial_vectors(500, 16, 2)])
    start = V.copy()
    U = OutputRows(config, n_words).matrix(output_rows(config, n_words))
    progress = Progress(config.epochs)
    run_threads(plan, V, U, progress, _NoBar())
    assert progress.next_job == len(plan.jobs) and progress.words == 2 * prepared.corpus.n_words
    used = np.unique(index.rows) + n_words
    assert np.abs(V[used] - start[used]).max() > 0  # the n-gram rows trained
    unused = np.setdiff1d(np.arange(n_words, n_words + 500), used)
    np.testing.assert_array_equal(V[unused], start[unused])  # rows no n-gram hashes to stay
    prepared.workdir.cleanup()


class _NoBar:
    n = 0

    def update(self, k):
        self.n += k

    def set_postfix(self, **_):
        pass



def test_the_gain_is_the_sum_of_squared_multiplicities_over_the_rows():
    index = SubwordIndex.build(["aaaa", "abab", "x", "</s>"], 1, 2, 3)
    gains = subword_arguments(index, 4).gain
    for w in range(4):
        _, times = np.unique(index.of(w), return_counts=True)
        assert gains[w] == pytest.approx((1 + (times ** 2).sum()) / (1 + index.of(w).size))
    assert gains[3] == 1.0 and gains[0] > 1.0


def test_the_reference_subword_gradient_passes_the_numerical_check():
    from fastw2v.cs224n.assignment import gradcheck_naive

    class Draws:  # the reference's dataset contract, with fixed negatives
        def __init__(self):
            self.words = iter([1, 4, 1, 5])

        def sampleTokenIdx(self):
            return next(self.words)

    rng = np.random.default_rng(5)
    V, U = rng.normal(size=(12, 4)), rng.normal(size=(6, 4))
    rows = np.array([2, 7, 9, 7])  # row 7 twice: its gradient counts twice

    def loss_and_gradients(V_, U_):
        return reference.subword_loss_and_gradient(V_, rows, 3, U_, Draws(),
                                                   reference.neg_sampling_loss_and_gradient, K=4)

    def of_inputs(x):
        loss, grad_V, _ = loss_and_gradients(x, U)
        return loss, grad_V

    def of_outputs(x):
        loss, _, grad_U = loss_and_gradients(V, x)
        return loss, grad_U

    assert gradcheck_naive(of_inputs, V.copy(), "subword input rows")
    assert gradcheck_naive(of_outputs, U.copy(), "subword output rows")
    _, grad_V, _ = loss_and_gradients(V, U)
    _, grad_h, _ = reference.neg_sampling_loss_and_gradient(reference.subword_input(V, rows), 3, U, Draws(),
                                                            K=4)
    stepped = V.copy()
    reference.subword_input_step(stepped, rows, -grad_h)  # fastText's step: m times the gradient's
    np.testing.assert_allclose(stepped - V, -rows.size * grad_V, atol=1e-12)
