"""The proof: the compiled kernel's updates replayed through the reference path, and compared.

The kernel trains a corpus on one thread while recording its sample stream (`fastw2v.recording`:
for every pair the context, the center, the K negatives as drawn and the learning rate). The same
stream then goes through the reference's float64 textbook functions
(`neg_sampling_loss_and_gradient`, `naive_softmax_loss_and_gradient`) from the same initial
weights, one SGD step at a time, and the final matrices and the summed loss are compared. The
kernel runs in float64 (the same source as users train with, compiled for float64: the math must
agree to rounding, ~1e-15 per operation) or in float32 (the users' precision: the difference is
float32 rounding, carried through every update).
"""

import os
import tempfile
from dataclasses import dataclass

import numpy as np

from fastw2v import reference
from fastw2v.config import TrainConfig, loss_from_gensim
from fastw2v.errors import ConfigError
from fastw2v.local import LocalBackend
from fastw2v.plan import TrainingPlan
from fastw2v.recording import Recorder
from fastw2v.subwords import SubwordIndex
from fastw2v.synthetic import write_zipf_corpus
from fastw2v.weights import OutputRows, initial_vectors, output_rows, word_output_rows

PRECISIONS = {"float64": np.float64, "float32": np.float32}
# Largest absolute difference accepted in the final matrices (their entries are O(0.01-1)).
# float64: the same math rounded in a different order drifts by ~1e-16 per update; 1e-9 leaves
# three orders of magnitude over what a few hundred thousand updates produce and is far below any
# real mistake (a misplaced step moves entries by lr·gradient ~1e-3). float32: each update rounds
# to 6e-8 relative, and a frequent row collects thousands of updates.
TOLERANCE = {"float64": 1e-9, "float32": 1e-4}
DEFAULT_CORPUS_TOKENS = 4000
DEFAULT_CORPUS_WORDS = 150
DIFF_DEFAULTS = dict(vector_size=20, window=3, negative=5, sample=1e-2, min_count=1, epochs=1,
                     alpha=0.05, seed=1)
DIFF_SUBWORDS = (3, 6, 2000)  # minn, maxn, bucket: a small bucket, so that n-grams share rows


@dataclass(frozen=True)
class MatrixDiff:
    """Kernel against reference for one matrix.

    Attributes:
        name: "V" or "U". max_abs: the largest |kernel - reference|; at (word, dim).
        max_rel: the largest |kernel - reference| / |reference| over entries with
            |reference| ≥ 1e-3 · max|reference|; at (rel_word, rel_dim).
    """

    name: str
    max_abs: float
    word: str
    dim: int
    max_rel: float
    rel_word: str
    rel_dim: int


@dataclass(frozen=True)
class DiffResult:
    """One diff run: what was replayed and how far apart the two paths ended."""

    precision: str
    loss: str
    mode: str
    updates: int
    steps: int
    matrices: tuple
    kernel_loss: float
    reference_loss: float
    tolerance: float
    subwords: object = None  # (minn, maxn, bucket) of a subword run, else None
    device: str = "cpu"

    @property
    def max_abs_diff(self):
        return max(m.max_abs for m in self.matrices)

    @property
    def passed(self):
        return bool(self.max_abs_diff <= self.tolerance)


class _RecordedDraws:
    """The reference's dataset contract (``sampleTokenIdx()``), answering with recorded draws."""

    def __init__(self, words):
        self._words = iter(words)

    def sampleTokenIdx(self):
        return next(self._words)


def replay_step(recording, lo, hi, V, U, config, tree=None):
    """Apply pairs [lo, hi) of a recording, one SGD step, with the reference's float64 functions.

    Skip-gram: every pair is the reference's pair loss of (context row of V, center); CBOW: the
    step is one `reference.cbow` call on the recorded window, its input gradient scaled to the C
    tool's step for the mean (each context row gets dJ/dh: the window's size times its exact
    gradient, as the kernels do). Every gradient is taken from the
    weights before the step; the K draws equal to the center were skipped by the kernel and are
    dropped here too.

    Args:
        recording: Recording. V: float64 (Vocab, D); U: float64, the kernel's output rows
            (`plan.output_rows` of one thread: syn1neg's rows when the loss scores words, then
            Vocab - 1 of syn1 for hierarchical softmax); both updated in place. config: the run's
            TrainConfig. tree: the HuffmanTree for "hs" and "hs+neg".
    Returns:
        the step's summed loss (float).
    """
    total = 0.0
    grad_V = np.zeros_like(V)
    grad_U = np.zeros_like(U)
    if config.sg:
        for p in range(lo, hi):
            context, center = int(recording.context[p]), int(recording.center[p])
            pair_loss, grad_in, grad_out = _output_loss(config, tree, recording.draws[p], center, len(V))(
                V[context], center, U, None)
            total += pair_loss
            grad_V[context] += grad_in
            grad_U += grad_out
    else:
        center = int(recording.center[lo])
        window = [int(w) for w in recording.context[lo:hi]]
        total, grad_V, grad_U = reference.cbow(
            center, None, window, _IDENTITY, V, U, None,
            _output_loss(config, tree, recording.draws[lo], center, len(V)), mean=bool(config.cbow_mean))
        if config.cbow_mean:  # the C tool's step: each context row gets dJ/dh, len(window) × its gradient
            grad_V *= len(window)
    lr = recording.lr[lo]
    V -= lr * grad_V
    U -= lr * grad_U
    return total


def replay_subword_step(recording, lo, hi, V, U, config, rows_of, n_words, tree=None):
    """Apply step [lo, hi) of a subword recording (`fastw2v.subword_kernels`) with the reference's
    float64 functions: the input is the mean of the rows of the step's input words (the
    ``context`` column: skip-gram's center, one pair a step; CBOW's contexts, one step a center),
    all their rows in one list, from the weights before the step; it predicts the ``center``
    column's word (skip-gram's context, CBOW's center), scored as `replay_step` scores a pair;
    every row of the list gets fastText's step (`reference.subword_input_step`).

    Args:
        recording: Recording. V: float64 (Vocab + bucket, D); U: float64, the output rows; both
            updated in place. config: TrainConfig. rows_of: word -> int array, its rows of V (its
            own, then its n-grams' at Vocab + r). n_words: Vocab. tree: as `replay_step`'s.
    Returns:
        the step's loss (float).
    """
    output = int(recording.center[lo])
    rows = np.concatenate([rows_of(int(word)) for word in recording.context[lo:hi]])
    pair_loss, grad_in, grad_U = _output_loss(config, tree, recording.draws[lo], output, n_words)(
        reference.subword_input(V, rows), output, U, None)
    lr = recording.lr[lo]
    reference.subword_input_step(V, rows, -lr * grad_in)
    U -= lr * grad_U
    return pair_loss


class _Identity(dict):
    """word2Ind for words that are already ids."""

    def __missing__(self, word):
        return word


_IDENTITY = _Identity()


def _output_loss(config, tree, draws, center, n_words):
    """The reference's pair loss over the kernel's output rows U (syn1neg's `word_output_rows`,
    then syn1), with the CS224N contract f(v, word, U, dataset) -> (loss, dJ/dv, dJ/dU):
    hierarchical softmax and negative sampling summed when both run, the recorded draws as the
    negatives."""
    objective = config.objective
    negatives = [int(w) for w in draws if w != center]
    first_node = word_output_rows(config, n_words)

    def pair_loss(v, word, U, _dataset):
        total, grad_v, grad_U = 0.0, np.zeros(v.shape), np.zeros(U.shape)
        parts = []
        if objective.hierarchical:
            nodes = slice(first_node, first_node + n_words - 1)
            parts.append((nodes, reference.hierarchical_softmax_loss_and_gradient(v, word, U[nodes], tree)))
        if objective.draws_negatives:
            rows = slice(0, n_words)
            parts.append((rows, reference.neg_sampling_loss_and_gradient(
                v, word, U[rows], _RecordedDraws(negatives), K=len(negatives))))
        if objective.scores_vocabulary:
            rows = slice(0, n_words)
            parts.append((rows, reference.naive_softmax_loss_and_gradient(v, word, U[rows], None)))
        for rows, (part_loss, part_grad_v, part_grad_U) in parts:
            total += part_loss
            grad_v += part_grad_v
            grad_U[rows] += part_grad_U
        return total, grad_v, grad_U

    return pair_loss


def compare(name, kernel, expected, words):
    """MatrixDiff of a kernel matrix (any float dtype) against the reference's float64 one."""
    gap = np.abs(kernel.astype(np.float64) - expected)
    row, dim = np.unravel_index(int(np.argmax(gap)), gap.shape)
    scale = np.abs(expected)
    relative = np.where(scale >= 1e-3 * max(float(scale.max()), 1e-300), gap / np.maximum(scale, 1e-300), 0.0)
    rel_row, rel_dim = np.unravel_index(int(np.argmax(relative)), relative.shape)
    return MatrixDiff(name, float(gap[row, dim]), words[row], int(dim),
                      float(relative[rel_row, rel_dim]), words[rel_row], int(rel_dim))


def run(corpus_file=None, precision="float64", kernel=None, subwords=None, device="cpu", threads=None,
        **settings):
    """Train with recording, replay through the reference, compare.

    Args:
        corpus_file: a text corpus; None writes a generated Zipfian one (4,000 tokens, 150 words).
        precision: "float64" or "float32", the kernel's dtype (the reference is float64).
        kernel: a kernel to check instead of the one the settings choose (tests plant bugs): a
            span kernel, or for "cuda" a `cuda_kernels.compile_train_kernel` one.
        subwords: None, or (minn, maxn, bucket): train and replay with character n-grams
            (`subword_kernels`, `replay_subword_step`); V is then the words' rows and the bucket's.
        device: "cpu", or "cuda": the CUDA kernels (`fastw2v.gpu`), one block of `threads`
            threads (None: a warp's) training the windows in corpus order.
        settings: TrainConfig settings over DIFF_DEFAULTS; workers must be 1.
    Returns:
        DiffResult.
    Raises:
        ConfigError: unknown precision, or more than one thread.
    """
    if precision not in PRECISIONS:
        raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if settings.get("workers", 1) != 1:
        raise ConfigError("diff replays the updates in order: it needs --threads 1 (several threads "
                          "interleave their updates in an order nothing records)")
    if device == "cuda" and subwords is not None:
        raise ConfigError("the CUDA kernels train word vectors with negative sampling: diff --device cuda "
                          "checks them without --subwords")
    settings = {**DIFF_DEFAULTS, **settings, "workers": 1}
    with tempfile.TemporaryDirectory(prefix="fastw2v-diff-") as scratch_dir:
        if corpus_file is None:
            corpus_file = os.path.join(scratch_dir, "generated.txt")
            write_zipf_corpus(corpus_file, DEFAULT_CORPUS_TOKENS, DEFAULT_CORPUS_WORDS, seed=settings["seed"])
        loss = loss_from_gensim(settings.pop("hs", 0), settings.pop("loss", None), settings["negative"])
        config = TrainConfig(**settings, loss=loss, device=device)
        prepared = LocalBackend().build_vocab(config, None, corpus_file, None)
        try:
            return _diff(config, prepared.vocab, prepared.corpus, precision, kernel, subwords, threads)
        finally:
            if prepared.workdir is not None:
                prepared.workdir.cleanup()


def _diff(cfg, vocab, corpus, precision, kernel, subwords=None, threads=None):
    """Train `corpus` once with recording, from the weights a model of `cfg` starts with (on
    `cfg.device`), and replay it through the reference. Returns DiffResult."""
    dtype = PRECISIONS[precision]
    n = len(vocab)
    vectors = initial_vectors(n, cfg.vector_size, cfg.seed)
    index = None
    if subwords is not None:
        index = SubwordIndex.build(list(vocab.words), *subwords)
        vectors = np.vstack([vectors, initial_vectors(index.bucket, cfg.vector_size, cfg.seed + 1)])
    outputs = OutputRows(cfg, n).matrix(output_rows(cfg, n))  # syn1neg, then syn1
    V, U = vectors.astype(dtype), outputs.astype(dtype)
    ref_V, ref_U = vectors.astype(np.float64), outputs.astype(np.float64)
    plan = TrainingPlan(cfg, vocab, corpus, index)
    if kernel is not None and cfg.device == "cpu":
        plan.kernel = kernel
    train_job, finish = _job_trainer(cfg, plan, V, U, threads, kernel)
    updates = steps = 0
    kernel_loss = reference_loss = 0.0
    for j, job in enumerate(plan.jobs):
        recorder = Recorder(plan.job_words(job) * 2 * cfg.window, cfg.window, plan.negative)
        pairs, job_loss = train_job(j, recorder)
        recording = recorder.recording()
        recorded = len(recording) if cfg.sg else len(list(recording.steps()))
        if recorded != pairs:
            raise AssertionError(f"kernel trained {pairs} pairs but recorded {recorded}")
        for lo, hi in recording.steps():
            if index is None:
                reference_loss += replay_step(recording, lo, hi, ref_V, ref_U, cfg, plan.tree)
            else:
                reference_loss += replay_subword_step(recording, lo, hi, ref_V, ref_U, cfg,
                                                      _rows_of(index, n), n, plan.tree)
            steps += 1
        updates += pairs
        kernel_loss += job_loss
    finish()
    words = list(vocab.words) + ([f"ngram-row{r}" for r in range(index.bucket)] if index is not None else [])
    n = word_output_rows(cfg, n)
    matrices = (compare("V", V, ref_V, words),)
    if n:  # the words' output rows
        matrices += (compare("U", U[:n], ref_U[:n], words),)
    if U.shape[0] > n:  # hierarchical softmax's inner nodes
        nodes = [f"node{j}" for j in range(U.shape[0] - n)]
        matrices += (compare("syn1", U[n:], ref_U[n:], nodes),)
    return DiffResult(precision=precision, loss=cfg.loss, mode=cfg.kernel_key, updates=updates, steps=steps,
                      matrices=matrices, kernel_loss=kernel_loss, reference_loss=reference_loss,
                      tolerance=TOLERANCE[precision],
                      subwords=None if index is None else (index.minn, index.maxn, index.bucket),
                      device=cfg.device)


def _job_trainer(cfg, plan, V, U, threads, kernel=None):
    """(train, finish): train(j, recorder) -> (pairs, loss) trains job j of the plan on V and U
    with `recorder` (`recording.Recorder`) recording it; finish() brings the weights back into V
    and U (from the GPU; nothing to do on the CPU)."""
    if cfg.device == "cpu":
        scratch = plan.scratch(V.dtype)

        def train_on_cpu(j, recorder):
            _, _, pairs, loss = plan.run_job(plan.jobs[j], V, U, scratch, recorder.buffers)
            return pairs, loss

        return train_on_cpu, lambda: None
    from fastw2v.gpu import DeviceRun
    from fastw2v.plan import Progress

    run = DeviceRun(plan, V, U, [(j, j + 1) for j in range(len(plan.jobs))], blocks=1, threads=threads,
                    kernel=kernel)

    def train_on_gpu(j, recorder):
        progress = Progress(cfg.epochs)
        run.train_jobs(progress, j, j + 1, recorder)
        return int(progress.pairs.sum()), float(progress.loss.sum())

    return train_on_gpu, lambda: run.download(V, U)


def _rows_of(index, n_words):
    """word -> its rows of V: its own, then its n-grams' (at n_words + r)."""
    return lambda word: np.concatenate([[word], n_words + index.of(word).astype(np.int64)])


def format_report(results):
    """A short table of DiffResults; the last line is ``max_abs_diff=<x>`` of the first result."""
    lines = [f"{'precision':<9} {'loss':<7} {'mode':<8} {'updates':>8} {'matrix':<6} "
             f"{'max abs diff':>12} {'at (word, dim)':<20} {'max rel diff':>12} {'at (word, dim)':<20}"]
    for r in results:
        for m in r.matrices:
            lines.append(f"{r.precision:<9} {r.loss:<7} {r.mode:<8} {r.updates:>8} {m.name:<6} "
                         f"{m.max_abs:>12.3e} {f'({m.word}, {m.dim})':<20} {m.max_rel:>12.3e} "
                         f"{f'({m.rel_word}, {m.rel_dim})':<20}")
    for r in results:
        if r.subwords is not None:
            lines.append(f"{r.precision}: subwords, n-grams {r.subwords[0]} to {r.subwords[1]}, "
                         f"{r.subwords[2]:,} buckets")
    for r in results:
        verdict = "ok" if r.passed else "FAILED"
        gap = abs(r.kernel_loss - r.reference_loss) / max(abs(r.reference_loss), 1e-300)
        lines.append(f"{r.precision}: {r.steps} SGD steps replayed; summed loss kernel "
                     f"{r.kernel_loss:.10g}, reference {r.reference_loss:.10g} (relative gap "
                     f"{gap:.1e}); tolerance {r.tolerance:g}: {verdict}")
    lines.append(f"max_abs_diff={results[0].max_abs_diff:.3e}")
    return "\n".join(lines)
