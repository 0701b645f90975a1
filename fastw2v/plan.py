"""What one run does: the jobs (epoch, span) in order, the learning-rate clock, per-thread
scratch, progress, and the threads that run the jobs.

No Python runs per token: an epoch is cut into spans of whole sentences, and each span is one call
of a compiled kernel that releases the GIL, so Python threads train spans concurrently (Hogwild:
rows are updated without locks). Each span draws from its own generator, seeded from
(seed, epoch, span), and its learning rate follows from its position in the run, so one thread and
a seed give bit-identical vectors, and the random draws do not depend on how spans are scheduled.
"""

import math
import threading
import time
from dataclasses import dataclass

import numpy as np

from fastw2v import kernels, subword_kernels
from fastw2v.errors import ConfigError
from fastw2v.huffman import HuffmanTree, build_huffman_tree
from fastw2v.rng import seed_state
from fastw2v.sampler import build_alias_table
from fastw2v.vocab import keep_probabilities, keep_thresholds, noise_weights
from fastw2v.weights import hot_nodes, hot_rows, output_rows, word_output_rows

SUBWORD_KERNELS = {"default": subword_kernels.sg_subword_span, "cbow": subword_kernels.cbow_subword_span}

_NO_TREE = HuffmanTree(nodes=np.zeros(0, np.int32), codes=np.zeros(0, np.uint8),
                       offsets=np.zeros(1, np.int64))
MAX_SPAN_WORDS = 100_000
MIN_SPAN_WORDS = 10_000
PROGRESS_SECONDS = 0.2
SMOOTHING = 0.9  # the progress bar's loss: exponential average over spans
CURVE_POINTS = 2048  # most points a run's loss curve keeps (`LossCurve`); even


class TrainingPlan:
    """Everything the kernels need that is fixed for a run: tables, spans, the schedule."""

    def __init__(self, config, vocab, corpus, subwords=None):
        """subwords: None, or the vocabulary's `subwords.SubwordIndex`: skip-gram and CBOW (the
        mean) then train with subwords (`subword_kernels`; V is (Vocab + bucket, D))."""
        self.config = config
        self.corpus = corpus
        objective = config.objective
        self.kernel = kernels.span_kernel(config)
        self.subwords = None
        if subwords is not None:
            if config.kernel_key not in SUBWORD_KERNELS or objective.scores_vocabulary:
                raise ConfigError("subwords train skip-gram in the default mode and CBOW with the mean, "
                                  "with negatives and/or hierarchical softmax")
            self.kernel = SUBWORD_KERNELS[config.kernel_key]
            self.subwords = subword_kernels.subword_arguments(subwords, len(vocab))
        self.negative = config.negative if objective.draws_negatives else 0
        self.tree = build_huffman_tree(vocab.counts) if objective.hierarchical else _NO_TREE
        self.hs_row0 = word_output_rows(config, len(vocab)) if objective.hierarchical else -1
        longest_path = int(np.diff(self.tree.offsets).max(initial=0))
        self.coef_columns = max(1, objective.target_columns(self.negative, longest_path, len(vocab)))
        keep_threshold = keep_thresholds(keep_probabilities(vocab.counts, config.sample))
        noise_prob, noise_alias = build_alias_table(noise_weights(vocab.counts, config.ns_exponent))
        self.sampling = kernels.Sampling(keep_threshold, noise_prob, noise_alias, config.window,
                                         self.negative)
        self.tree_arrays = kernels.Tree(self.tree.nodes, self.tree.codes, self.tree.offsets, self.hs_row0)
        self.corpus_arrays = kernels.Corpus(corpus.ids, corpus.offsets)
        self.n_words = len(vocab)
        self.hot_rows = hot_rows(config, self.n_words)
        self.hot_nodes = hot_nodes(config, self.n_words)
        span_words = config.batch_words or min(MAX_SPAN_WORDS,
                                               max(MIN_SPAN_WORDS, corpus.n_words // (16 * config.workers)))
        self.spans = corpus.span_bounds(span_words)
        self.total_words = float(config.epochs * corpus.n_words)
        self.jobs = [(epoch, p) for epoch in range(config.epochs) for p in range(len(self.spans) - 1)]
        self.longest_sentence = corpus.longest_sentence()

    @property
    def jobs_per_epoch(self):
        return len(self.spans) - 1

    def hot_block(self, U, thread):
        """Thread `thread`'s private copies of the hot output rows (`ThreadRows`), or None.

        Each thread's block follows the shared rows: its copy of the top words' rows, then its
        copy of the inner nodes nearest the root (the last ones: the tree numbers the root last).
        """
        if self.hot_rows == 0 and self.hot_nodes == 0:
            return None
        per_thread = self.hot_rows + self.hot_nodes
        first = (output_rows(self.config, self.n_words) - self.config.workers * per_thread
                 + thread * per_thread)
        words = HotRows(U, self.hot_rows, first) if self.hot_rows else None
        nodes = (HotRows(U, self.hot_nodes, first + self.hot_rows,
                         source=self.hs_row0 + self.tree.n_inner - self.hot_nodes)
                 if self.hot_nodes else None)
        return ThreadRows(words, nodes)

    def job_words(self, job):
        """Tokens of a job's span, before sub-sampling."""
        _, span = job
        return int(self.corpus.offsets[self.spans[span + 1]] - self.corpus.offsets[self.spans[span]])

    def release_pages(self, job):
        """Let the OS drop the mapped pages of a trained job's span (`EncodedCorpus.release_pages`)."""
        release = getattr(self.corpus, "release_pages", None)
        if release is not None:
            _, span = job
            release(self.corpus.offsets[self.spans[span]], self.corpus.offsets[self.spans[span + 1]])

    def words_before(self, epoch, span):
        return float(epoch * self.corpus.n_words + self.corpus.offsets[self.spans[span]])

    def learning_rate(self, words_done):
        """The learning rate (float) once `words_done` words of the run are trained."""
        cfg = self.config
        return kernels.learning_rate(cfg.alpha, cfg.min_alpha, float(words_done), self.total_words)

    def scratch(self, dtype):
        """Per-thread scratch buffers for the kernel (`kernels.Scratch`), allocated once."""
        cfg = self.config
        return kernels.allocate_scratch(cfg.window, self.coef_columns, cfg.vector_size,
                                        self.longest_sentence, dtype, isolate=_isolated)

    def schedule(self, epoch, span):
        """The kernels' learning-rate clock for a job (`kernels.Schedule`)."""
        cfg = self.config
        return kernels.Schedule(cfg.alpha, cfg.min_alpha, self.words_before(epoch, span), self.total_words)

    def run_job(self, job, V, U, scratch, record=None, hot=None):
        """Train one (epoch, span) job. Returns (words, kept, pairs, loss): the span's tokens, those
        sub-sampling kept, the (center, context) pairs trained and their summed loss.

        U: (`weights.output_rows(...)`, D) when `hot` is given, else at least (Vocab, D).
        record: None, or `recording.Recorder.buffers` to record the job's sample stream.
        hot: None, or the thread's `ThreadRows` (the job uses them; merge them afterwards)."""
        epoch, span = job
        private = (hot or NO_PRIVATE_ROWS).kernel_arguments(self.tree.n_inner)
        arguments = (self.corpus_arrays, self.spans[span], self.spans[span + 1], V, U, self.sampling,
                     self.tree_arrays, private, self.schedule(epoch, span),
                     seed_state(self.config.seed, epoch, span), scratch)
        if self.subwords is not None:
            arguments += (self.subwords,)
        _, words, kept, pairs, loss = self.kernel(*arguments, record)
        return words, kept, pairs, loss


class HotRows:
    """One thread's private copy of some of the hottest output rows.

    With unigram^0.75 noise a few words are most of all negatives, and every hierarchical-softmax
    path starts at the root: threads that write those rows of U concurrently make the cores
    fight over the same cache lines, and two threads train far less than twice as fast. So each
    thread trains a job on its own copy of U[source:source + count], kept at
    U[offset:offset + count] (where the kernels' `hot_rows`/`hot_offset` or
    `hot_node_first`/`hot_node_offset` send those rows), and after the job adds what it changed
    to the shared rows under a lock and takes a fresh copy: the shared rows receive every
    thread's updates, one job late to the others (local SGD on those rows). One thread uses none.

    Attributes:
        count, offset, source: int, the rows copied, where the copy starts in U, and where the
            shared rows start.
    """

    def __init__(self, U, count, offset, source=0):
        self.count, self.offset, self.source = count, offset, source
        self._private = U[offset:offset + count]
        self._private[:] = U[source:source + count]
        self._base = self._private.copy()

    def merge(self, U, lock):
        """Add the job's changes to the shared rows, then start the next job from the result."""
        shared = slice(self.source, self.source + self.count)
        with lock:
            U[shared] += self._private - self._base
            self._private[:] = U[shared]
        self._base[:] = self._private


@dataclass(frozen=True)
class ThreadRows:
    """A thread's private rows: its copy of the top words' output rows and of the inner nodes
    nearest the root (each a `HotRows`, or None)."""

    words: object
    nodes: object

    def kernel_arguments(self, n_inner):
        """The kernels' `PrivateRows` for these rows, with a tree of n_inner inner nodes whose
        last `nodes.count` are the private ones."""
        first, node_offset = ((kernels.NO_HOT_NODE, 0) if self.nodes is None
                              else (n_inner - self.nodes.count, self.nodes.offset))
        count, offset = (0, 0) if self.words is None else (self.words.count, self.words.offset)
        return kernels.PrivateRows(count, offset, first, node_offset)

    def merge(self, U, lock):
        for rows in (self.words, self.nodes):
            if rows is not None:
                rows.merge(U, lock)


NO_PRIVATE_ROWS = ThreadRows(None, None)  # one thread: every row shared


def _isolated(shape, dtype, guard_bytes=256):
    """An empty array that shares no cache line with any other allocation.

    Threads write their scratch on every pair; two small arrays of different threads side by side
    on the heap would bounce one cache line between the cores (false sharing).
    """
    count = int(np.prod(shape))
    guard = guard_bytes // np.dtype(dtype).itemsize
    block = np.empty(count + 2 * guard, dtype=dtype)
    return block[guard:guard + count].reshape(shape)


class Progress:
    """How far a run has come: jobs done (in plan order), words (before sub-sampling) and kept
    words (after) in all, pairs and loss (float64) per epoch.

    Jobs are handed out in order and a pause lets every job in flight finish, so after
    `run_threads` returns, jobs [0, next_job) are exactly the ones done: a consistent point to
    checkpoint and to resume from. `curve` (a `LossCurve`) records the loss job by job, in the
    order jobs finish, in bounded memory.
    """

    def __init__(self, epochs, next_job=0, words=0, pairs=None, loss=None, curve=None, kept=0):
        self.lock = threading.Lock()
        self.next_job = int(next_job)
        self.words = int(words)
        self.kept = int(kept)
        self.pairs = np.zeros(epochs, dtype=np.int64) if pairs is None else np.array(pairs, dtype=np.int64)
        self.loss = np.zeros(epochs, dtype=np.float64) if loss is None else np.array(loss, dtype=np.float64)
        self.smoothed_loss = float("nan")
        self.curve = LossCurve() if curve is None else curve

    def add(self, epoch, words, pairs, loss, kept=0):
        with self.lock:
            self.words += words
            self.kept += kept
            self.pairs[epoch] += pairs
            self.loss[epoch] += loss
            self.curve.add(self.words, pairs, loss)
            if pairs:
                mean = loss / pairs
                self.smoothed_loss = mean if math.isnan(self.smoothed_loss) else \
                    SMOOTHING * self.smoothed_loss + (1.0 - SMOOTHING) * mean

    def epoch_mean_losses(self):
        return [float(loss / p) if p else float("nan") for loss, p in zip(self.loss, self.pairs)]


class LossCurve:
    """A run's loss curve in bounded memory: points that each sum `stride` consecutive finished jobs.

    A job adds to the last point while it holds fewer than `stride` jobs, else starts a new one;
    when a new point would be the (`capacity` + 1)-th, neighbouring points are merged in pairs and
    `stride` doubles. So whatever the run's length, at most `capacity` points are kept, every point
    but the last holds exactly `stride` jobs, and the last point always ends at the words trained so
    far. Sums are kept rather than means, so merging is exact.

    Attributes (views of length P ≤ capacity, in the order jobs finished):
        words: int64 (P,), words trained in the whole run (every epoch, before sub-sampling) when
            the point's last job finished; strictly increasing.
        jobs: int64 (P,), jobs summed in each point, ≥ 1. pairs: int64 (P,), (center, context)
            pairs trained. loss: float64 (P,), their summed loss (nats).
        stride: int, the jobs a full point holds (a power of two).
    """

    def __init__(self, words=(), jobs=(), pairs=(), loss=(), capacity=None):
        self.capacity = CURVE_POINTS if capacity is None else int(capacity)
        if self.capacity < 2 or self.capacity % 2:
            raise ValueError(f"a loss curve's capacity must be even and ≥ 2, not {self.capacity}")
        self.size = len(words)
        if self.size > self.capacity:
            raise ValueError(f"{self.size} loss-curve points, at most {self.capacity} allowed")
        self._columns = {name: np.zeros(self.capacity, dtype=dtype) for name, dtype in
                         (("words", np.int64), ("jobs", np.int64), ("pairs", np.int64), ("loss", np.float64))}
        for name, values in (("words", words), ("jobs", jobs), ("pairs", pairs), ("loss", loss)):
            self._columns[name][:self.size] = values
        self.stride = int(self._columns["jobs"][0]) if self.size else 1

    words = property(lambda self: self._columns["words"][:self.size])
    jobs = property(lambda self: self._columns["jobs"][:self.size])
    pairs = property(lambda self: self._columns["pairs"][:self.size])
    loss = property(lambda self: self._columns["loss"][:self.size])

    def add(self, words_so_far, pairs, loss):
        """Count one finished job: `words_so_far` (int) the run's words including it, `pairs` (int)
        and `loss` (float, summed) the job's own."""
        last = self.size - 1
        if self.size == 0 or self._columns["jobs"][last] >= self.stride:
            if self.size == self.capacity:
                self._merge_neighbours()
            last = self.size
            self.size += 1
        columns = self._columns
        columns["words"][last] = words_so_far
        columns["jobs"][last] += 1
        columns["pairs"][last] += pairs
        columns["loss"][last] += loss

    def _merge_neighbours(self):
        half = self.capacity // 2
        for name in ("jobs", "pairs", "loss"):
            column = self._columns[name]
            column[:half] = column[0::2] + column[1::2]
            column[half:] = 0
        words = self._columns["words"]
        words[:half] = words[1::2]
        words[half:] = 0
        self.size, self.stride = half, 2 * self.stride

    def mean_losses(self):
        """float64 (P,): each point's mean loss per (center, context) pair; NaN where it has no pair."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.pairs > 0, self.loss / np.maximum(self.pairs, 1), np.nan)


def run_threads(plan, V, U, progress, bar, deadline=None, stop_job=None):
    """Train the plan's jobs from `progress.next_job` up to `stop_job` (None: the last) on
    `plan.config.workers` threads, updating the bar.

    U: float (`output_rows(plan.config, Vocab)`, D); rows past the vocabulary are the threads' scratch.

    Threads stop taking jobs once `deadline` (time.monotonic seconds) has passed and at least one
    job was taken, on an error, or on Ctrl-C; the jobs in flight always finish, so jobs
    [0, progress.next_job) are done on return.

    Raises:
        whatever a job raised; KeyboardInterrupt after the jobs in flight finished.
    """
    job_lock = threading.Lock()
    merge_lock = threading.Lock()
    first_job = progress.next_job
    stop_job = len(plan.jobs) if stop_job is None else min(stop_job, len(plan.jobs))
    errors = []
    stop = threading.Event()

    def worker(thread, finished):
        try:
            scratch = plan.scratch(V.dtype)
            hot = plan.hot_block(U, thread)
            while True:
                with job_lock:
                    past_deadline = deadline is not None and progress.next_job > first_job \
                        and time.monotonic() >= deadline
                    if stop.is_set() or past_deadline or progress.next_job >= stop_job:
                        return
                    job = plan.jobs[progress.next_job]
                    progress.next_job += 1
                words, kept, pairs, loss = plan.run_job(job, V, U, scratch, hot=hot)
                plan.release_pages(job)
                if hot is not None:
                    hot.merge(U, merge_lock)
                progress.add(job[0], words, pairs, loss, kept)
        except BaseException as exc:  # noqa: B902  (re-raised in the main thread)
            errors.append(exc)
            stop.set()
        finally:
            finished.set()

    # Each thread says it is done through an Event, not Thread.join: a join interrupted by Ctrl-C
    # can mark a running thread as stopped (CPython before 3.13), and a checkpoint written then
    # would catch the weights mid-job.
    threads = []
    try:
        for i in range(plan.config.workers):  # started inside the try: Ctrl-C may land here too
            done = threading.Event()
            threads.append((threading.Thread(target=worker, args=(i, done), name=f"fastw2v-{i}",
                                             daemon=True), done))
            threads[-1][0].start()
        for _, done in threads:
            while not done.wait(PROGRESS_SECONDS):
                show_progress(plan, progress, bar)
        show_progress(plan, progress, bar)
    except KeyboardInterrupt:
        stop.set()
        for thread, done in threads:
            # A thread that Ctrl-C kept from starting never sets its Event.
            while not done.wait(PROGRESS_SECONDS) and thread.is_alive():
                pass
        show_progress(plan, progress, bar)
        raise
    if errors:
        raise errors[0]


def show_progress(plan, progress, bar):
    """Bring a tqdm bar up to the run's words, with the learning rate and the smoothed loss."""
    if progress.words > bar.n:
        bar.update(progress.words - bar.n)
        bar.set_postfix(lr=f"{plan.learning_rate(progress.words):.4g}",
                        loss=f"{progress.smoothed_loss:.4f}", refresh=False)
