"""CUDA kernels (numba.cuda): the CPU kernels' updates for negative sampling, many windows at once.

Layout. A block of `BLOCK` threads (one warp: its barriers cost what a warp's do) trains one
center's window at a time; thread `lane` owns the dimensions d ≡ lane (mod block width), so
inside a block no two threads write the same entry, and a dot product is each thread's partial
sum, added up through shared memory (warp shuffles would be faster, but the CUDA simulator that
checks these kernels in CI has none; the shared-memory sum is the same code on both). The window's
context ids, targets (the center's own output row and the distinct negatives, with signed counts
as `kernels._draw_targets` gives them) and gradient coefficients live in shared memory. Each block
takes a contiguous run of the chunk's token slots, so neighbouring centers, whose windows share
rows, train one after the other in one block; blocks update the matrices in global memory
without locks (Hogwild, as the CPU threads).

The math is the CPU kernels' (`fastw2v.losses`), step for step:
- skip-gram, shared mode (`losses.neg_shared_step`): one set of targets per center; one exact SGD
  step on the window's summed loss, every score and gradient from the weights before the step.
- skip-gram, default mode (`losses.neg_pairs_step`): fresh targets per (context, center) pair,
  one exact step per pair, in order.
- CBOW (`losses.cbow_mean_step`, `cbow_sum_step`): the mean (or sum) of the context rows predicts
  the center; every context row gets the step on the input, whole, as the C tool.

Randomness is counter-based (splitmix64's n-th output of a stream is its output function at
base + n·γ, `fastw2v.rng`): a token's keep draw is keyed by its position in the corpus, a center's
window reach and negatives by its slot (its sentence's first position plus its rank among the
kept words), each stream's base seeded on the host from (seed, epoch, stream). So the draws do not
depend on how the chunk is cut into blocks, and one block replays in corpus order
(`fastw2v.diff` records and replays it). The draws differ from the CPU kernels' (those follow one
sequential stream per span): the same distribution, not the same numbers.

Every kernel takes only arrays and scalars. The random streams' helpers are `@njit` functions
over scalars (`fastw2v.rng`'s): CUDA compiles them as device functions, and under the simulator
they run as the CPU's compiled code (its Python would warn on every uint64 overflow). No builtin
max()/min() and no np.exp in device code: the CUDA target lacks them for scalars.
"""

import math

import numpy as np
from numba import cuda

from fastw2v import rng
from fastw2v.jit import njit
from fastw2v.config import CUDA_MAX_TARGETS, CUDA_MAX_WINDOW
from fastw2v.kernels import ALWAYS_KEEP

BLOCK = 32  # threads per block: one warp
MAX_CONTEXTS = 2 * CUDA_MAX_WINDOW
KINDS = ("sg-shared", "sg-pairs", "cbow-mean", "cbow-sum")
JOB_COUNTS = 3  # counts' columns per job: words read, words kept, pairs (predictions for CBOW)
_S32 = np.uint64(32)


@njit(inline="always")
def _stream_bits(base, counter):
    """The 64 random bits (uint64) at `counter` (int ≥ 0) of the splitmix64 stream starting at
    `base` (uint64)."""
    return rng.output(np.uint64(base) + np.uint64(counter + 1) * rng._GOLDEN)


@njit(inline="always")
def _keeps(base, position, threshold):
    """Whether sub-sampling keeps the token at `position` (int): 32 random bits < threshold."""
    return np.int64(_stream_bits(base, position) >> _S32) < threshold


@njit(inline="always")
def _center_bits(base, slot, k):
    """Random bits number k (int ≥ 0) of the center at `slot` (int): k = 0 its window's reach,
    then its negatives' draws."""
    return rng.output(_stream_bits(base, slot) + np.uint64(k + 1) * rng._GOLDEN)


@njit(inline="always")
def _reach(base, slot, window):
    """The center's window reach, in [1, window] (int64)."""
    return window - rng.below(_center_bits(base, slot, 0), window)


@njit(inline="always")
def _noise_pick(base, slot, k, size):
    """An alias table's draw k of the center at `slot`: (bucket int64, uniform float32); the word
    is the bucket when the uniform is below the bucket's probability, else its alias
    (`sampler.draw`)."""
    bits = _center_bits(base, slot, k)
    return rng.below(bits, size), rng.low_uniform(bits)


@cuda.jit(device=True)
def _learning_rate(alpha, min_alpha, words_done, total_words):
    """`kernels.learning_rate` (linear decay, floored at min_alpha), without max(), which the
    CUDA target lacks for scalars."""
    rate = alpha - (alpha - min_alpha) * (words_done / total_words)
    return rate if rate > min_alpha else min_alpha


@cuda.jit(device=True)
def _last_at_most(values, lo, hi, value):
    """The last index j in [lo, hi] with values[j] ≤ value (values ascending, values[lo] ≤ value):
    a binary search. The sentence that holds a token (over the offsets), the job that holds a
    sentence (over the job bounds)."""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if values[mid] <= value:
            lo = mid
        else:
            hi = mid - 1
    return lo


@cuda.jit(device=True)
def _job_of(job_bounds, sentence):
    """The chunk's job (int) that holds `sentence`: the last j with job_bounds[j] ≤ sentence."""
    return _last_at_most(job_bounds, 0, job_bounds.shape[0] - 2, sentence)


@cuda.jit
def subsample_kernel(ids, offsets, sent_lo, sent_hi, keep_threshold, keep_base, kept, n_kept,
                     job_bounds, counts):
    """Sub-sample sentences [sent_lo, sent_hi): one block per sentence at a time.

    Args:
        ids: int32 (T,), offsets: int64 (S + 1,): the encoded corpus.
        keep_threshold: int64 (Vocab,), `kernels.Sampling.keep_threshold`. keep_base: uint64.
        kept: int32 (chunk tokens,), out: sentence s's kept words, in order, from
            offsets[s] - offsets[sent_lo] on. n_kept: int32 (sent_hi - sent_lo,), out.
        job_bounds: int64 (J + 1,), the chunk's jobs as sentence bounds.
        counts: int64 (J, JOB_COUNTS): words read and kept are added to columns 0 and 1.
    """
    flags = cuda.shared.array(BLOCK, np.int32)
    lane = cuda.threadIdx.x
    width = cuda.blockDim.x
    token_lo = offsets[sent_lo]
    for s in range(sent_lo + cuda.blockIdx.x, sent_hi, cuda.gridDim.x):
        start, stop = offsets[s], offsets[s + 1]
        n = 0
        for first in range(start, stop, width):
            position = first + lane
            keep = 0
            word = 0
            if position < stop:
                word = ids[position]
                threshold = keep_threshold[word]
                keep = 1 if threshold >= ALWAYS_KEEP or _keeps(keep_base, position, threshold) else 0
            flags[lane] = keep
            cuda.syncthreads()
            before = 0
            total = 0
            for other in range(width):
                total += flags[other]
                if other < lane:
                    before += flags[other]
            if keep:
                kept[start - token_lo + n + before] = word
            n += total
            cuda.syncthreads()
        if lane == 0:
            n_kept[s - sent_lo] = n
            job = _job_of(job_bounds, s)
            cuda.atomic.add(counts, (job, 0), stop - start)
            cuda.atomic.add(counts, (job, 1), n)


@cuda.jit(device=True)
def _draw_targets(center, negative, noise_prob, noise_alias, base, slot, first_k, targets,
                  target_counts, drawn):
    """The center's targets into shared memory (`kernels._draw_targets`'s rule): its own row
    (count 1), then the distinct negatives of K draws, the center's random numbers first_k to
    first_k + K - 1 (count -1 each time drawn); a draw equal to the center is skipped. drawn[k]
    keeps draw k as drawn. Returns the number of targets."""
    targets[0] = center
    target_counts[0] = 1
    n_targets = 1
    for k in range(negative):
        bucket, uniform = _noise_pick(base, slot, first_k + k, noise_prob.shape[0])
        word = bucket if uniform < noise_prob[bucket] else noise_alias[bucket]
        drawn[k] = word
        if word == center:
            continue
        found = n_targets
        for t in range(1, n_targets):
            if targets[t] == word:
                found = t
                break
        if found == n_targets:
            targets[n_targets] = word
            target_counts[n_targets] = -1
            n_targets += 1
        else:
            target_counts[found] -= 1
    return n_targets


@cuda.jit(device=True)
def _record_pair(rec_pairs, rec_step, rec_rate, rec_count, new_step, context, center, lr, drawn,
                 negative):
    """Append one trained pair to the recording (`recording.Recorder`'s layout); one thread."""
    p = rec_count[0]
    rec_pairs[p, 0] = context
    rec_pairs[p, 1] = center
    for k in range(negative):
        rec_pairs[p, 2 + k] = drawn[k]
    if new_step:
        rec_count[1] += 1
    rec_step[p] = rec_count[1] - 1
    rec_rate[p] = lr
    rec_count[0] = p + 1


def compile_train_kernel(kind, dtype, coefficient=None):
    """A training kernel of one kind (`KINDS`) for matrices of `dtype` (np.float32/np.float64),
    compiled anew; `train_kernel` keeps one of each.

    coefficient: None, or a device function (score, signed count, lr) -> (coefficient, loss) to
    use instead of the logistic step (tests plant bugs with it).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    per_pair = kind == "sg-pairs"
    cbow = kind.startswith("cbow")
    mean = kind == "cbow-mean"
    zero = dtype(0.0)  # constants of the matrices' dtype: float32 arithmetic stays float32
    one = dtype(1.0)

    @cuda.jit(device=True)
    def sigmoid_pair(score):
        """(σ(score), σ(-score)) from one exp(-|score|), as `losses.sigmoid_pair` (CUDA has
        math.exp, not np.exp)."""
        e = math.exp(-abs(score))
        big = one / (one + e)
        small = e * big
        if score >= zero:
            return big, small
        return small, big

    @cuda.jit(device=True)
    def step_coefficient(score, count, lr):
        """The binary-logistic step of one target (`losses.score_pair`): (coefficient, loss).

        coefficient = |c| · (label - σ(score)) · lr, label 1 when the signed count c > 0 (else
        0); loss = -|c| · log σ(±score) (float64), |score| where σ underflows."""
        signed = score if count > 0 else -score
        likely, unlikely = sigmoid_pair(signed)
        times = abs(count)
        if likely > zero:
            loss = -times * math.log(np.float64(likely))
        else:
            loss = times * abs(np.float64(signed))
        return unlikely * lr * dtype(count), loss

    if coefficient is not None:  # a planted replacement
        step_coefficient = coefficient

    @cuda.jit(device=True)
    def window_input(V, contexts, m, d):
        """CBOW's input at dimension d: the mean (or sum) of the m context rows' entries."""
        x = zero
        for j in range(m):
            x += V[contexts[j], d]
        return x * (one / dtype(m)) if mean else x

    @cuda.jit(device=True)
    def scores(V, U, contexts, m, r, targets, n_targets, target_counts, lr, partial, coefs, lane,
               width):
        """Row r of coefs: the input (context r's row of V; CBOW: the mean or sum of the m
        context rows) against every target. Returns this thread's share of the loss."""
        acc = cuda.local.array(CUDA_MAX_TARGETS, dtype)
        for t in range(n_targets):
            acc[t] = zero
        for d in range(lane, V.shape[1], width):
            x = window_input(V, contexts, m, d) if cbow else V[contexts[r], d]
            for t in range(n_targets):
                acc[t] += x * U[targets[t], d]
        for t in range(n_targets):
            partial[t, lane] = acc[t]
        cuda.syncthreads()
        loss = 0.0
        for t in range(lane, n_targets, width):
            score = zero
            for other in range(width):
                score += partial[t, other]
            coefficient, target_loss = step_coefficient(score, target_counts[t], lr)
            coefs[r, t] = coefficient
            loss += target_loss
        cuda.syncthreads()
        return loss

    @cuda.jit(device=True)
    def update(V, U, contexts, r_lo, r_hi, m, targets, n_targets, coefs, lane, width):
        """Apply the step of inputs [r_lo, r_hi) (rows of coefs) to this thread's dimensions:
        U's targets from V before the step, V's context rows from U before it (a context drawn
        twice gets both steps)."""
        u_old = cuda.local.array(CUDA_MAX_TARGETS, dtype)
        du = cuda.local.array(CUDA_MAX_TARGETS, dtype)
        for d in range(lane, V.shape[1], width):
            for t in range(n_targets):
                u_old[t] = U[targets[t], d]
                du[t] = zero
            if cbow:
                x = window_input(V, contexts, m, d)
                grad = zero
                for t in range(n_targets):
                    du[t] = coefs[0, t] * x
                    grad += coefs[0, t] * u_old[t]
                for j in range(m):
                    V[contexts[j], d] += grad
            else:
                for r in range(r_lo, r_hi):
                    x = V[contexts[r], d]
                    for t in range(n_targets):
                        du[t] += coefs[r, t] * x
                for r in range(r_lo, r_hi):
                    grad = zero
                    for t in range(n_targets):
                        grad += coefs[r, t] * u_old[t]
                    V[contexts[r], d] += grad
            for t in range(n_targets):
                U[targets[t], d] = u_old[t] + du[t]

    @cuda.jit
    def train_kernel(kept, n_kept, offsets, sent_lo, sent_hi, job_bounds, V, U, noise_prob,
                     noise_alias, window, negative, center_base, alpha, min_alpha, words_before,
                     total_words, counts, losses, rec_pairs, rec_step, rec_rate, rec_count):
        """Train the kept words of sentences [sent_lo, sent_hi) (`subsample_kernel`'s kept and
        n_kept); block b takes the b-th of gridDim equal runs of the chunk's token slots.

        V: (Vocab, D), U: (≥ Vocab, D) of `dtype`, updated in place (Hogwild across blocks).
        noise_prob float32, noise_alias int32 (Vocab,): the noise alias table. window ≤
        CUDA_MAX_WINDOW, negative < CUDA_MAX_TARGETS. center_base: uint64. alpha, min_alpha,
        words_before (words of all epochs before the chunk), total_words: the learning-rate clock,
        evaluated at each sentence's start. counts: int64 (J, JOB_COUNTS), pairs into column 2;
        losses: float64 (J,), the summed loss per job. rec_*: `recording.Recorder`'s pairs,
        step_of, rates and counters to record the sample stream (one block only), or empty
        arrays (rec_pairs of 0 rows) not to.
        """
        contexts = cuda.shared.array(MAX_CONTEXTS, np.int64)
        targets = cuda.shared.array(CUDA_MAX_TARGETS, np.int64)
        target_counts = cuda.shared.array(CUDA_MAX_TARGETS, np.int64)
        drawn = cuda.shared.array(CUDA_MAX_TARGETS, np.int64)
        window_info = cuda.shared.array(2, np.int64)
        partial = cuda.shared.array((CUDA_MAX_TARGETS, BLOCK), dtype)
        coefs = cuda.shared.array((MAX_CONTEXTS, CUDA_MAX_TARGETS), dtype)
        loss_share = cuda.shared.array(BLOCK, np.float64)
        lane = cuda.threadIdx.x
        width = cuda.blockDim.x
        recording = rec_pairs.shape[0] > 0
        token_lo, token_hi = offsets[sent_lo], offsets[sent_hi]
        per_block = (token_hi - token_lo + cuda.gridDim.x - 1) // cuda.gridDim.x
        t = token_lo + cuda.blockIdx.x * per_block
        t_hi = t + per_block if t + per_block < token_hi else token_hi
        if t >= t_hi:
            return
        s = _last_at_most(offsets, sent_lo, sent_hi - 1, t)  # the sentence of slot t
        job = _job_of(job_bounds, s)
        loss = 0.0
        pairs = 0
        rate_sentence = -1
        lr = zero
        while t < t_hi:
            while offsets[s + 1] <= t:
                s += 1
            n = n_kept[s - sent_lo]
            i = t - offsets[s]
            if i >= n:  # past the sentence's kept words: on to the next sentence
                t = offsets[s + 1]
                continue
            if s >= job_bounds[job + 1]:  # a new job: its predecessor's tallies go out
                _add_tallies(counts, losses, job, pairs, loss, loss_share, lane, width)
                loss = 0.0
                pairs = 0
                job = _job_of(job_bounds, s)
            if s != rate_sentence:  # the rate at the sentence's start, as the CPU kernels
                rate_sentence = s
                lr = dtype(_learning_rate(alpha, min_alpha, words_before + (offsets[s] - token_lo),
                                          total_words))
            first = offsets[s] - token_lo
            center = kept[first + i]
            slot = offsets[s] + i
            if lane == 0:
                reach = _reach(center_base, slot, window)
                m = 0
                j_lo = i - reach if i > reach else 0
                j_hi = i + reach + 1 if i + reach + 1 < n else n
                for j in range(j_lo, j_hi):
                    if j != i:
                        contexts[m] = kept[first + j]
                        m += 1
                window_info[0] = m
                if not per_pair:
                    window_info[1] = _draw_targets(center, negative, noise_prob, noise_alias,
                                                   center_base, slot, 1, targets, target_counts,
                                                   drawn)
                    if recording:
                        for r in range(m):
                            _record_pair(rec_pairs, rec_step, rec_rate, rec_count, r == 0,
                                         contexts[r], center, lr, drawn, negative)
            cuda.syncthreads()
            m = window_info[0]
            if per_pair:
                for r in range(m):
                    if lane == 0:
                        window_info[1] = _draw_targets(center, negative, noise_prob, noise_alias,
                                                       center_base, slot, 1 + r * negative,
                                                       targets, target_counts, drawn)
                        if recording:
                            _record_pair(rec_pairs, rec_step, rec_rate, rec_count, True,
                                         contexts[r], center, lr, drawn, negative)
                    cuda.syncthreads()
                    n_targets = window_info[1]
                    # One pair at a time: context r as the only input, coefs' row 0.
                    pair = contexts[r:]
                    loss += scores(V, U, pair, 1, 0, targets, n_targets, target_counts, lr,
                                   partial, coefs, lane, width)
                    update(V, U, pair, 0, 1, 1, targets, n_targets, coefs, lane, width)
                    cuda.syncthreads()
                pairs += m
            elif m > 0:
                n_targets = window_info[1]
                rows = 1 if cbow else m
                for r in range(rows):
                    loss += scores(V, U, contexts, m, r, targets, n_targets, target_counts, lr,
                                   partial, coefs, lane, width)
                update(V, U, contexts, 0, rows, m, targets, n_targets, coefs, lane, width)
                pairs += 1 if cbow else m
            # Every thread is done with this window's shared memory before thread 0 draws the
            # next one into it (a window without contexts too: a thread that has not yet read
            # its size must not read the next one's).
            cuda.syncthreads()
            t += 1
        _add_tallies(counts, losses, job, pairs, loss, loss_share, lane, width)

    return train_kernel


@cuda.jit(device=True)
def _add_tallies(counts, losses, job, pairs, loss, loss_share, lane, width):
    """Add a block's pairs and its threads' losses to a job's: every thread of the block calls it
    with its own loss; thread 0 sums them (through loss_share) and adds them once."""
    loss_share[lane] = loss
    cuda.syncthreads()
    if lane == 0:
        total = 0.0
        for other in range(width):
            total += loss_share[other]
        cuda.atomic.add(counts, (job, 2), pairs)
        cuda.atomic.add(losses, job, total)
    cuda.syncthreads()


_TRAIN_KERNELS = {}


def train_kernel(kind, dtype):
    """The compiled training kernel for `kind` (one of KINDS) and np.float32 or np.float64
    matrices, built once per process."""
    key = (kind, np.dtype(dtype).name)
    if key not in _TRAIN_KERNELS:
        _TRAIN_KERNELS[key] = compile_train_kernel(kind, np.dtype(dtype).type)
    return _TRAIN_KERNELS[key]


def kernel_kind(config):
    """The KINDS entry a run of `config` (TrainConfig) trains with."""
    if config.sg:
        return "sg-shared" if config.mode == "shared" else "sg-pairs"
    return "cbow-mean" if config.cbow_mean else "cbow-sum"
