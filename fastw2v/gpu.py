"""This machine's GPU as a backend (`fastw2v.backend.Backend`): the corpus is read, counted and
encoded as for the CPU (`fastw2v.local`), then the CUDA kernels (`fastw2v.cuda_kernels`) train it
with the encoded corpus, the sampling tables and both matrices resident on the device.

The host drives the run chunk by chunk: a chunk is the plan's consecutive jobs of one epoch, about
`CHUNK_WORDS` words, sub-sampled by one launch and trained by the next; the learning rate follows
each sentence's position in the run (computed on the device), and each chunk's words, pairs and
loss (float64) come back per job, so the progress, the loss curve and the epoch losses are the CPU
run's. Checkpoints, epoch callbacks and the end of the run copy the weights back to the host.
"""

import sys
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from numba.core.errors import NumbaPerformanceWarning
from tqdm import tqdm

from fastw2v.errors import DeviceError
from fastw2v.local import LocalBackend
from fastw2v.plan import show_progress
from fastw2v.rng import seed_state
from fastw2v.weights import output_rows, word_output_rows

CHUNK_WORDS = 8_000_000  # words a chunk trains: big enough to fill the GPU, small for progress
BLOCKS_PER_MULTIPROCESSOR = 16  # blocks of one warp each, resident together (shared memory allows ~28)
SIMULATED_BLOCKS = 2  # the simulator runs blocks one after the other, and every thread in Python:
SIMULATED_THREADS = 4  # a few of each are enough to check them
# The simulator's block manager polls its threads while holding the GIL; with Python's default
# switch interval (5 ms) every barrier waits for it. A short one makes simulated runs ~10x faster.
SIMULATOR_SWITCH_SECONDS = 1e-4
KEEP_STREAM, CENTER_STREAM = 0xC0DA0, 0xC0DA1  # the device's two random streams per (seed, epoch)
SETUP_HINT = ("train with device 'cpu' (the default), or on a machine with an NVIDIA GPU, its driver "
              "and numba-cuda (pip install 'numba-cuda[cu12]')")


@dataclass(frozen=True)
class DeviceInfo:
    """One CUDA device as `devices` sees it. name: str; capability: (major, minor); memory:
    total bytes (0 when unknown); simulated: True for numba's CUDA simulator."""

    name: str
    capability: tuple
    memory: int
    simulated: bool = False

    def describe(self):
        if self.simulated:
            return f"{self.name} (NUMBA_ENABLE_CUDASIM=1: kernels run in Python, for checking only)"
        return (f"{self.name}, compute capability {self.capability[0]}.{self.capability[1]}, "
                f"{self.memory / 2 ** 30:.1f} GiB")


def simulating():
    """Whether numba's CUDA simulator stands in for a GPU (NUMBA_ENABLE_CUDASIM=1)."""
    from numba.core import config

    return bool(config.ENABLE_CUDASIM)


def devices():
    """The CUDA devices this process sees: list of DeviceInfo, or of the error (str) that one of
    them gives (a GPU busy in exclusive mode, say); the simulator's one when simulating.

    Raises DeviceError saying why there is none (no numba.cuda, no driver, no GPU)."""
    cuda = _cuda()
    if simulating():
        return [DeviceInfo("CUDA simulator", (0, 0), 0, simulated=True)]
    try:
        gpus = list(cuda.gpus)
    except Exception as exc:  # the driver's errors share no base class more useful than this
        raise DeviceError(f"no usable CUDA GPU: {_first_line(exc)}; {SETUP_HINT}") from None
    if not gpus:
        raise DeviceError(f"no CUDA GPU found; {SETUP_HINT}")
    found = []
    for gpu in gpus:
        try:
            with gpu:
                found.append(_describe_current(cuda))
        except Exception as exc:  # this GPU alone is unusable
            found.append(f"unusable: {_first_line(exc)}")
    return found


def current_device():
    """The DeviceInfo of the GPU training uses (numba.cuda's current one; the simulator's when
    simulating). Raises DeviceError saying why it cannot be used."""
    cuda = _cuda()
    if simulating():
        return devices()[0]
    try:
        return _describe_current(cuda)
    except Exception as exc:  # the driver's errors share no base class more useful than this
        raise DeviceError(f"no usable CUDA GPU: {_first_line(exc)}; {SETUP_HINT}") from None


def _describe_current(cuda):
    device = cuda.get_current_device()
    _, total = cuda.current_context().get_memory_info()
    name = device.name.decode() if isinstance(device.name, bytes) else str(device.name)
    return DeviceInfo(name, tuple(device.compute_capability), int(total))


@contextmanager
def _simulator_pace():
    """While simulating, a short thread switch interval (`SIMULATOR_SWITCH_SECONDS`)."""
    if not simulating():
        yield
        return
    before = sys.getswitchinterval()
    sys.setswitchinterval(SIMULATOR_SWITCH_SECONDS)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _cuda():
    try:
        from numba import cuda
    except ImportError as exc:  # a Numba without its CUDA target
        raise DeviceError(f"numba.cuda cannot be imported ({exc}); {SETUP_HINT}") from None
    return cuda


def _first_line(exc):
    """The first line of an exception's message that says something (the driver's are long)."""
    lines = [line.strip(" .:") for line in str(exc).splitlines() if line.strip(" .:")]
    text = "; ".join(lines[:2]) if lines else type(exc).__name__
    return text


class CudaBackend(LocalBackend):
    """Reads and encodes on the CPU (`LocalBackend`), trains on the GPU."""

    def __init__(self):
        self.device = current_device()  # no usable GPU: say so before any corpus is read

    def train(self, state, show_progress_bar, checkpoint):
        """`LocalBackend.train` on the GPU; the stats also name the device (``device``)."""
        found = current_device()
        trained = super().train(state, show_progress_bar, checkpoint)
        trained.stats["device"] = f"the GPU ({found.name})"
        return trained

    def _run(self, plan, state, show_progress_bar, checkpoint):
        """`LocalBackend._run` on the GPU: the plan's remaining jobs chunk by chunk, checkpoints
        every `checkpoint.every` seconds at chunk ends, `state.epoch_events` at epoch ends (with
        the weights on the host)."""
        progress, events = state.progress, state.epoch_events
        V = state.vectors
        U = state.outputs.matrix(output_rows(state.config, len(state.vocab)))
        chunks = plan_chunks(plan, progress.next_job)
        run = DeviceRun(plan, V, U, chunks)
        deadline = time.monotonic() + checkpoint.every if checkpoint else None
        begun = None
        failed = True
        try:
            with tqdm(total=plan.total_words, initial=progress.words, unit="word", unit_scale=True,
                      disable=not show_progress_bar, smoothing=0.1, dynamic_ncols=True) as bar:
                for first, end in chunks:
                    epoch = plan.jobs[first][0]
                    if events is not None and begun != epoch:
                        self._tell(run, events.begin, epoch, V, U)
                        begun = epoch
                        plan.config = state.config
                    run.train_jobs(progress, first, end)
                    show_progress(plan, progress, bar)
                    if events is not None and (end == len(plan.jobs) or plan.jobs[end][0] != epoch):
                        self._tell(run, events.end, epoch, V, U)
                        plan.config = state.config
                    if checkpoint and end < len(plan.jobs) and time.monotonic() >= deadline:
                        run.download(V, U)
                        state.save(checkpoint.path, checkpoint.run, True, progress)
                        deadline = time.monotonic() + checkpoint.every
            failed = False
        finally:
            try:
                run.download(V, U)  # the chunks done so far (a Ctrl-C's checkpoint saves them)
            except Exception:  # a device that failed: its error, raised already, is the one to see
                if not failed:
                    raise

    @staticmethod
    def _tell(run, event, epoch, V, U):
        """Call an epoch event with the weights on the host, and take back what it changed."""
        run.download(V, U)
        event(epoch)
        run.upload(V, U)


def plan_chunks(plan, first_job, words=CHUNK_WORDS):
    """The chunks of the plan's jobs from `first_job` on: list of (first, end) job ranges, each
    the following jobs of one epoch until they hold `words` words (at least one job)."""
    chunks = []
    first = first_job
    while first < len(plan.jobs):
        epoch = plan.jobs[first][0]
        end, total = first, 0
        while end < len(plan.jobs) and plan.jobs[end][0] == epoch and (total < words or end == first):
            total += plan.job_words(plan.jobs[end])
            end += 1
        chunks.append((first, end))
        first = end
    return chunks


class DeviceRun:
    """A plan's arrays on the GPU, and its jobs trained there.

    Args:
        plan: `plan.TrainingPlan` (negative sampling; `config.device` "cuda" validated its limits).
        V: float32 or float64 (Vocab, D); U: the same dtype, (≥ Vocab, D): copied to the device.
        chunks: the (first, end) job ranges `train_jobs` will be given (`plan_chunks`).
        blocks: blocks the training kernel runs (None: 16 per multiprocessor; 1 trains the
            chunk's windows one after the other, in corpus order, as `fastw2v.diff` needs).
        threads: threads per block, ≤ `cuda_kernels.BLOCK` (None: that, or SIMULATED_THREADS
            when simulating).
        kernel: a training kernel to use instead of the one the settings choose
            (`cuda_kernels.compile_train_kernel`: tests plant bugs).
    Raises:
        DeviceError: no usable GPU, or not enough free memory on it.
    """

    def __init__(self, plan, V, U, chunks, blocks=None, threads=None, kernel=None):
        self._cuda = cuda = _cuda()
        current_device()
        from fastw2v import cuda_kernels

        self._kernels = cuda_kernels
        self.plan = plan
        self.rows = word_output_rows(plan.config, plan.n_words)
        self.threads = threads or (SIMULATED_THREADS if simulating() else cuda_kernels.BLOCK)
        if not 1 <= self.threads <= cuda_kernels.BLOCK:
            raise ValueError(f"threads must be in [1, {cuda_kernels.BLOCK}], got {self.threads}")
        sizes = [chunk_tokens(plan, first, end) for first, end in chunks]
        longest = (max((tokens for tokens, _ in sizes), default=0),
                   max((sentences for _, sentences in sizes), default=0))
        self.blocks = blocks or self._default_blocks()
        self._check_memory(plan, V, longest)
        sampling = plan.sampling
        self.ids = cuda.to_device(plan.corpus.ids)
        self.offsets = cuda.to_device(np.ascontiguousarray(plan.corpus.offsets, dtype=np.int64))
        self.keep_threshold = cuda.to_device(sampling.keep_threshold)
        self.noise_prob = cuda.to_device(sampling.noise_prob)
        self.noise_alias = cuda.to_device(sampling.noise_alias)
        self.kept = cuda.device_array(max(1, longest[0]), dtype=np.int32)
        self.n_kept = cuda.device_array(max(1, longest[1]), dtype=np.int32)
        self.V = self.U = None
        self.upload(V, U)
        self.kernel = kernel or cuda_kernels.train_kernel(cuda_kernels.kernel_kind(plan.config), V.dtype)
        self._subsample = cuda_kernels.subsample_kernel
        self._no_record = [cuda.to_device(empty) for empty in (
            np.zeros((0, 2 + plan.negative), np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64),
            np.zeros(2, np.int64))]

    def _default_blocks(self):
        if simulating():
            return SIMULATED_BLOCKS
        device = self._cuda.get_current_device()
        return int(device.MULTIPROCESSOR_COUNT) * BLOCKS_PER_MULTIPROCESSOR

    def _check_memory(self, plan, V, longest):
        """Raise DeviceError when the run's arrays cannot fit in the GPU's free memory."""
        if simulating():
            return
        corpus = plan.corpus.ids.nbytes + plan.corpus.offsets.nbytes + 4 * sum(longest)
        model = V.nbytes + self.rows * V.shape[1] * V.itemsize
        free, total = self._cuda.current_context().get_memory_info()
        if corpus + model > free:
            raise DeviceError(f"the encoded corpus ({corpus / 2 ** 30:.2f} GiB) and the model "
                              f"({model / 2 ** 30:.2f} GiB) do not fit in the GPU's free memory "
                              f"({free / 2 ** 30:.2f} of {total / 2 ** 30:.2f} GiB); train a smaller "
                              "corpus at a time, or with device 'cpu'")

    def upload(self, V, U):
        """Copy the host's V and U (its first Vocab rows: syn1neg) to the device (into the
        device's arrays once they exist: no second copy of the model there)."""
        V, U = np.ascontiguousarray(V), np.ascontiguousarray(U[:self.rows])
        if self.V is None:
            self.V, self.U = self._cuda.to_device(V), self._cuda.to_device(U)
        else:
            self.V.copy_to_device(V)
            self.U.copy_to_device(U)

    def download(self, V, U):
        """Copy the device's weights into the host's V and U (C-contiguous), in place."""
        self.V.copy_to_host(V)
        self.U.copy_to_host(U[:self.rows])

    def train_jobs(self, progress, first, end, record=None):
        """Train the plan's jobs [first, end) (one epoch's) as one chunk and add each job's tallies
        to `progress` (`plan.Progress`), whose next_job becomes `end`. record: None, or a
        `recording.Recorder` whose buffers receive the chunk's sample stream (one block only).

        A Ctrl-C while the GPU trains lets the chunk finish and be counted, then goes on."""
        if record is not None and self.blocks != 1:
            raise ValueError("recording the sample stream needs blocks=1 (in corpus order)")
        cuda = self._cuda
        plan = self.plan
        epoch, span_lo = plan.jobs[first]
        span_hi, sent_lo, sent_hi = chunk_sentences(plan, first, end)
        jobs = end - first
        job_bounds = cuda.to_device(np.asarray(plan.spans[span_lo:span_hi + 1], dtype=np.int64))
        counts = cuda.to_device(np.zeros((jobs, self._kernels.JOB_COUNTS), dtype=np.int64))
        losses = cuda.to_device(np.zeros(jobs, dtype=np.float64))
        recording = None if record is None else record.buffers[1:]
        device_record = self._no_record if record is None else [cuda.to_device(a) for a in recording]
        interrupted = None
        self._trained = False
        try:
            with _simulator_pace(), warnings.catch_warnings():
                # numba warns of a grid this small (the diff's one block, a short chunk's few
                # sentences) under-using the GPU: by design here.
                warnings.simplefilter("ignore", NumbaPerformanceWarning)
                self._launch(epoch, span_lo, sent_lo, sent_hi, job_bounds, counts, losses, device_record)
            cuda.synchronize()
        except KeyboardInterrupt as exc:
            interrupted = exc
            cuda.synchronize()
        if interrupted is not None and not self._trained:  # stopped before the chunk trained
            raise interrupted
        tallies, job_losses = counts.copy_to_host(), losses.copy_to_host()
        if record is not None:
            for host, device in zip(recording, device_record):
                device.copy_to_host(host)
        for j in range(jobs):
            words, kept, pairs = (int(x) for x in tallies[j])
            progress.add(epoch, words, pairs, float(job_losses[j]), kept)
        progress.next_job = end
        if interrupted is not None:
            raise interrupted

    def _launch(self, epoch, span_lo, sent_lo, sent_hi, job_bounds, counts, losses, device_record):
        """Sub-sample sentences [sent_lo, sent_hi), then train them (`train_jobs`)."""
        plan, cfg = self.plan, self.plan.config
        if sent_hi == sent_lo:
            self._trained = True
            return
        sentences = sent_hi - sent_lo
        self._subsample[min(sentences, self.blocks), self.threads](
            self.ids, self.offsets, sent_lo, sent_hi, self.keep_threshold,
            seed_state(cfg.seed, epoch, KEEP_STREAM), self.kept, self.n_kept, job_bounds, counts)
        self.kernel[self.blocks, self.threads](
            self.kept, self.n_kept, self.offsets, sent_lo, sent_hi, job_bounds, self.V, self.U,
            self.noise_prob, self.noise_alias, cfg.window, plan.negative,
            seed_state(cfg.seed, epoch, CENTER_STREAM), float(cfg.alpha), float(cfg.min_alpha),
            plan.words_before(epoch, span_lo), plan.total_words, counts, losses, *device_record)
        self._trained = True


def chunk_sentences(plan, first, end):
    """(end span, first sentence, end sentence) of the plan's jobs [first, end), one epoch's."""
    span_hi = plan.jobs[end - 1][1] + 1
    return span_hi, int(plan.spans[plan.jobs[first][1]]), int(plan.spans[span_hi])


def chunk_tokens(plan, first, end):
    """(tokens, sentences) of the plan's jobs [first, end)."""
    _, sent_lo, sent_hi = chunk_sentences(plan, first, end)
    return int(plan.corpus.offsets[sent_hi] - plan.corpus.offsets[sent_lo]), sent_hi - sent_lo
