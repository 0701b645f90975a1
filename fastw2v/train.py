"""The driver: vocabulary, tables, the learning-rate clock, threads and progress around the kernels.

No Python runs per token: an epoch is cut into spans of whole sentences, and each span is one call
of a compiled kernel that releases the GIL, so Python threads train spans concurrently (Hogwild:
rows are updated without locks). Each span draws from its own generator, seeded from
(seed, epoch, span), and its learning rate follows from its position in the run, so one thread and
a seed give bit-identical vectors, and the random draws do not depend on how spans are scheduled.
"""

import os
import tempfile
import threading
import time

import numpy as np
from tqdm import tqdm

from fastw2v import corpus as corpus_mod
from fastw2v.config import TrainConfig
from fastw2v.errors import ConfigError
from fastw2v.kernels import LOSSES
from fastw2v.rng import seed_state
from fastw2v.sampler import build_alias_table
from fastw2v.vectors import KeyedVectors
from fastw2v.vocab import build_vocabulary, keep_probabilities, keep_thresholds, noise_weights

MAX_SPAN_WORDS = 100_000
MIN_SPAN_WORDS = 10_000
PROGRESS_SECONDS = 0.2


class Word2Vec:
    """Skip-gram with negative sampling, trained by compiled kernels.

    ``Word2Vec(corpus_file=PATH, vector_size=100, ...)`` or ``Word2Vec(sentences=LISTS, ...)``
    builds the vocabulary and trains at once (gensim's habit); without a corpus, call
    `build_vocab` and `train` yourself. Settings are those of `TrainConfig`.

    Attributes:
        config: TrainConfig.
        vocab: Vocabulary (after build_vocab).
        wv: KeyedVectors, the input vectors V (float32 (Vocab, D)), updated in place by training.
        syn1neg: float32 (Vocab, D), the output vectors U.
        epoch_losses: list of float, the mean loss per (center, context) pair of each epoch.
        stats: dict with words, seconds and words_per_second of the last `train`.
    """

    def __init__(self, sentences=None, corpus_file=None, progress=False, **settings):
        self.config = TrainConfig(**settings)
        self.vocab = None
        self.corpus = None
        self.wv = None
        self.syn1neg = None
        self.epoch_losses = []
        self.stats = {}
        self._workdir = None
        if sentences is not None or corpus_file is not None:
            self.build_vocab(sentences=sentences, corpus_file=corpus_file)
            self.train(progress=progress)

    def build_vocab(self, sentences=None, corpus_file=None):
        """Count the corpus, build the vocabulary, encode the corpus to a memory-mapped id array,
        and initialise the weights: V uniform in [-1, 1)/D (gensim's range, twice the C tool's; see
        `initial_vectors`), U zeros.

        Args:
            sentences: iterable of lists of str (read once), or None.
            corpus_file: a path or a list of paths of whitespace-separated text, or None.
        Raises:
            ConfigError: neither or both corpus arguments given.
            DatasetError: unreadable files, or no word reaches min_count.
        """
        if (sentences is None) == (corpus_file is None):
            raise ConfigError("give exactly one of sentences= or corpus_file=")
        if corpus_file is not None:
            paths = [corpus_file] if isinstance(corpus_file, (str, os.PathLike)) else list(corpus_file)
            paths = [os.fspath(p) for p in paths]
            batches = corpus_mod.iter_token_batches(paths)
        else:
            batches = corpus_mod.iter_sentence_batches(sentences)
        cfg = self.config
        self._workdir = tempfile.TemporaryDirectory(prefix="fastw2v-corpus-")
        raw = corpus_mod.read(batches, self._workdir.name)
        self.vocab = build_vocabulary(raw.word_counts(), raw.n_tokens, cfg.min_count, cfg.max_vocab_size)
        self.corpus = corpus_mod.encode(raw, self.vocab.index, self._workdir.name)
        os.remove(raw.ids_path)
        n, dim = len(self.vocab), cfg.vector_size
        self.wv = KeyedVectors(self.vocab.words, initial_vectors(n, dim, cfg.seed))
        self.syn1neg = np.zeros((n, dim), dtype=np.float32)

    def train(self, progress=False):
        """Run `config.epochs` epochs over the encoded corpus on `config.workers` threads.

        Args:
            progress: show a tqdm bar on stderr (words/s, ETA, learning rate, loss).
        Returns:
            self.
        """
        if self.corpus is None:
            raise ConfigError("build_vocab() must run before train()")
        plan = TrainingPlan(self.config, self.vocab, self.corpus)
        V, U = self.wv.vectors, self.syn1neg
        tally = _Tally(self.config.epochs)
        start = time.perf_counter()
        with tqdm(total=plan.total_words, unit="word", unit_scale=True, disable=not progress,
                  smoothing=0.1, dynamic_ncols=True) as bar:
            _run_threads(plan, V, U, tally, bar, self.config.workers)
        seconds = time.perf_counter() - start
        self.wv.invalidate()
        self.epoch_losses = tally.epoch_mean_losses()
        self.stats = {"words": tally.words, "seconds": seconds,
                      "words_per_second": tally.words / max(seconds, 1e-9), "pairs": int(tally.pairs.sum())}
        return self


def initial_vectors(n_words, dim, seed):
    """The input vectors' start: float32 (n_words, dim), uniform in [-1, 1)/dim, seeded.

    gensim 4's range, twice the C tool's [-0.5, 0.5)/dim. U starts at zero, so the first updates
    of both matrices scale with V's size; with the C tool's smaller start, one epoch of a 1M-token
    corpus recovers ~0.48 of the planted analogies against ~0.83 with this one (6 seeds each,
    gensim 0.85): the smaller start spends the short run escaping the all-zero saddle.
    """
    rng = np.random.default_rng(seed)
    return (rng.random((n_words, dim), dtype=np.float32) * np.float32(2.0) - np.float32(1.0)) / np.float32(dim)


class TrainingPlan:
    """Everything the kernels need that is fixed for a run: tables, spans, the schedule."""

    def __init__(self, config, vocab, corpus):
        self.config = config
        self.corpus = corpus
        loss = LOSSES[config.loss]
        self.kernel = loss.kernels[config.mode]
        self.negative = config.negative if loss.draws_negatives else 0
        self.coef_columns = loss.coef_columns(config.negative, len(vocab))
        self.keep_threshold = keep_thresholds(keep_probabilities(vocab.counts, config.sample))
        self.noise_prob, self.noise_alias = build_alias_table(noise_weights(vocab.counts, config.ns_exponent))
        span_words = min(MAX_SPAN_WORDS, max(MIN_SPAN_WORDS, corpus.n_words // (16 * config.workers)))
        self.spans = corpus.span_bounds(span_words)
        self.total_words = float(config.epochs * corpus.n_words)
        self.jobs = [(epoch, p) for epoch in range(config.epochs) for p in range(len(self.spans) - 1)]
        self.longest_sentence = corpus.longest_sentence()

    def job_words(self, job):
        """Tokens of a job's span, before sub-sampling."""
        _, span = job
        return int(self.corpus.offsets[self.spans[span + 1]] - self.corpus.offsets[self.spans[span]])

    def words_before(self, epoch, span):
        return float(epoch * self.corpus.n_words + self.corpus.offsets[self.spans[span]])

    def learning_rate(self, words_done):
        cfg = self.config
        return max(cfg.min_alpha, cfg.alpha - (cfg.alpha - cfg.min_alpha) * words_done / self.total_words)

    def scratch(self, dtype):
        """Per-thread scratch buffers for the kernel, allocated once."""
        cfg = self.config
        slots = (2, 2 * cfg.window, self.negative + 1)
        return (_isolated(max(1, self.longest_sentence), np.int32),
                _isolated(slots, np.int64),
                _isolated(slots, np.int64),
                _isolated(slots[:2], np.int64),
                _isolated((2 * cfg.window, self.coef_columns), dtype),
                _isolated((2 * cfg.window, cfg.vector_size), dtype))

    def run_job(self, job, V, U, scratch, record=None):
        """Train one (epoch, span) job. Returns (words, pairs, loss).

        record: None, or `recording.Recorder.buffers` to record the job's sample stream."""
        epoch, span = job
        cfg, corpus = self.config, self.corpus
        _, words, pairs, loss = self.kernel(
            corpus.ids, corpus.offsets, self.spans[span], self.spans[span + 1], V, U,
            self.keep_threshold, self.noise_prob, self.noise_alias, cfg.window, self.negative,
            cfg.alpha, cfg.min_alpha, self.words_before(epoch, span), self.total_words,
            seed_state(cfg.seed, epoch, span), *scratch, record)
        return words, pairs, loss


def _isolated(shape, dtype, guard_bytes=256):
    """An empty array that shares no cache line with any other allocation.

    Threads write their scratch on every pair; two small arrays of different threads side by side
    on the heap would bounce one cache line between the cores (false sharing).
    """
    count = int(np.prod(shape))
    guard = guard_bytes // np.dtype(dtype).itemsize
    block = np.empty(count + 2 * guard, dtype=dtype)
    return block[guard:guard + count].reshape(shape)


class _Tally:
    """Words, pairs and loss (float64) summed per epoch across threads."""

    def __init__(self, epochs):
        self.lock = threading.Lock()
        self.words = 0
        self.pairs = np.zeros(epochs, dtype=np.int64)
        self.loss = np.zeros(epochs, dtype=np.float64)
        self.recent = (0, 0.0)

    def add(self, epoch, words, pairs, loss):
        with self.lock:
            self.words += words
            self.pairs[epoch] += pairs
            self.loss[epoch] += loss
            self.recent = (pairs, loss)

    def recent_loss(self):
        pairs, loss = self.recent
        return loss / pairs if pairs else float("nan")

    def epoch_mean_losses(self):
        return [float(l / p) if p else float("nan") for l, p in zip(self.loss, self.pairs)]


def _run_threads(plan, V, U, tally, bar, workers):
    """Train every job of the plan on `workers` threads, updating the progress bar meanwhile."""
    next_job = iter(range(len(plan.jobs)))
    job_lock = threading.Lock()
    errors = []
    stop = threading.Event()

    def worker():
        scratch = plan.scratch(V.dtype)
        while not stop.is_set():
            with job_lock:
                index = next(next_job, None)
            if index is None:
                return
            job = plan.jobs[index]
            try:
                words, pairs, loss = plan.run_job(job, V, U, scratch)
            except BaseException as exc:  # noqa: B902  (re-raised in the main thread)
                errors.append(exc)
                stop.set()
                return
            tally.add(job[0], words, pairs, loss)

    threads = [threading.Thread(target=worker, name=f"fastw2v-{i}", daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    try:
        shown = 0
        alive = threads
        while alive:
            alive[0].join(PROGRESS_SECONDS)
            shown = _show_progress(plan, tally, bar, shown)
            alive = [thread for thread in threads if thread.is_alive()]
        _show_progress(plan, tally, bar, shown)
    except KeyboardInterrupt:
        stop.set()
        for thread in threads:
            thread.join()
        raise
    if errors:
        raise errors[0]


def _show_progress(plan, tally, bar, shown):
    words = tally.words
    if words > shown:
        bar.update(words - shown)
        bar.set_postfix(lr=f"{plan.learning_rate(words):.4g}", loss=f"{tally.recent_loss():.4f}", refresh=False)
    return words
