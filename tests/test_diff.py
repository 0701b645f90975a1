"""`fastw2v diff`: the compiled kernels replayed through the reference agree, and a planted bug
in a kernel is caught."""

import numpy as np
import pytest
from numba import njit

from fastw2v import diff, kernels, losses
from fastw2v.plan import TrainingPlan
from fastw2v.recording import Recorder
from fastw2v.train import Word2Vec
from tests.test_cs224n import run_cli
from tests.test_train import topic_sentences

CHECKED = [dict(loss=loss, mode=mode) for loss, mode in [
    ("neg", "default"), ("neg", "shared"), ("hs", "default"), ("hs", "shared"), ("hs+neg", "default"),
    ("hs+neg", "shared"), ("softmax", "default")]]
CHECKED += [dict(loss=loss, sg=0, cbow_mean=mean) for loss in ("neg", "hs", "hs+neg", "softmax")
            for mean in (1, 0) if (loss, mean) != ("softmax", 0)]
# fastText's model: character n-grams (3 to 6, in a small bucket, so that n-grams share rows).
CHECKED += [dict(loss=loss, sg=sg, subwords=diff.DIFF_SUBWORDS) for loss in ("neg", "hs", "hs+neg")
            for sg in (1, 0)]
IDS = [",".join(f"{k}={v}" for k, v in case.items()) for case in CHECKED]


@pytest.mark.parametrize("case", CHECKED, ids=IDS)
def test_float64_kernel_equals_the_reference_to_rounding(case):
    result = diff.run(precision="float64", **case)
    assert result.updates > (5000 if case.get("sg", 1) else 1500)  # CBOW: one update per center
    assert result.passed and result.max_abs_diff < 1e-12
    assert result.kernel_loss == pytest.approx(result.reference_loss, rel=1e-12)


@pytest.mark.parametrize("case", CHECKED, ids=IDS)
def test_float32_kernel_differs_from_the_reference_by_rounding_only(case):
    result = diff.run(precision="float32", **case)
    assert result.passed
    # Not zero (the kernel really ran in float32) and nowhere near a wrong update (~1e-3).
    assert 1e-8 < result.max_abs_diff < 1e-4
    assert result.kernel_loss == pytest.approx(result.reference_loss, rel=1e-6)


def test_recording_does_not_change_what_the_kernel_computes():
    model = Word2Vec(vector_size=16, window=3, min_count=1, workers=1, epochs=1, sg=1)
    model.build_vocab(corpus_iterable=topic_sentences(300))
    plan = TrainingPlan(model.config, model.vocab, model.corpus)
    results = []
    for record in (False, True):
        V, U = model.wv.vectors.copy(), model.syn1neg.copy()
        scratch = plan.scratch(V.dtype)
        job = plan.jobs[0]
        buffers = Recorder(plan.job_words(job) * 6, 3, plan.negative).buffers if record else None
        results.append((plan.run_job(job, V, U, scratch, buffers), V, U))
    (plain, V1, U1), (recorded, V2, U2) = results
    assert plain == recorded
    assert V1.tobytes() == V2.tobytes() and U1.tobytes() == U2.tobytes()


@njit(nogil=True, inline="always")
def _step_counting_repeats_once(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs,
                                grad_rows, likelihood, record):
    """Planted bug: a negative drawn twice is trained once."""
    np.maximum(counts[buf], -1, counts[buf])
    return losses.neg_pairs_step(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr,
                                       coefs, grad_rows, likelihood, record)


@njit(nogil=True, inline="always")
def _step_updating_input_first(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf, lr, coefs,
                               grad_rows, likelihood, record):
    """Planted bug: the input row moves before the output rows, which then see the moved row."""
    center = sentence[i]
    slot = 0
    for j in range(lo, hi):
        if j == i:
            continue
        context = sentence[j]
        losses.note_pair(record, True, context, center, lr, buf, slot)
        count = n_targets[buf, slot]
        likelihood, _ = losses.score_pair(V, U, context, targets, counts, buf, slot, count, lr, coefs, 0, 0,
                                            likelihood)
        for d in range(V.shape[1]):
            step = 0.0
            for t in range(count):
                step += coefs[0, t] * U[targets[buf, slot, t], d]
            V[context, d] += step
        for t in range(count):
            for d in range(V.shape[1]):
                U[targets[buf, slot, t], d] += coefs[0, t] * V[context, d]
        slot += 1
    return likelihood, 0.0, slot


@njit(nogil=True, inline="always")
def _step_chaining_through_a_repeated_context(V, U, sentence, i, lo, hi, targets, counts, n_targets, buf,
                                              lr, coefs, grad_rows, likelihood, record):
    """Planted bug: a context equal to the next one does not break the chain of pairs, so the next
    pair's shared scores come from its row before this pair moved it."""
    slot, ready = 0, 0
    for j in range(lo, hi):
        if j == i:
            continue
        following = j + 2 if j + 1 == i else j + 1
        count, share = n_targets[buf, slot], 0
        if following < hi:
            while share < min(count, n_targets[buf, slot + 1]) and \
                    targets[buf, slot + 1, share] == targets[buf, slot, share]:
                share += 1
        losses.note_pair(record, True, sentence[j], sentence[i], lr, buf, slot)
        likelihood, _ = losses.chained_logistic_output(
            V, sentence[j], U, targets, counts, count, buf, slot, lr, coefs, slot & 1, ready, V,
            sentence[min(following, hi - 1)], share, grad_rows, likelihood)
        V[sentence[j]] += grad_rows[0]
        ready, slot = share, slot + 1
    return likelihood, 0.0, slot


@pytest.mark.parametrize("step,loss", [(_step_counting_repeats_once, "neg"),
                                       (_step_updating_input_first, "neg"),
                                       (_step_chaining_through_a_repeated_context, "hs")])
def test_a_planted_kernel_bug_is_caught(step, loss):
    result = diff.run(precision="float64", kernel=kernels.compile_span(step, per_pair=True), loss=loss)
    assert not result.passed
    assert result.max_abs_diff > 1e3 * result.tolerance


def test_diff_command_prints_a_table_and_the_largest_difference_last():
    done = run_cli("diff", "--loss", "softmax", "--precision", "float64")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["precision", "loss", "mode"]
    assert lines[-1].startswith("max_abs_diff=")
    assert float(lines[-1].split("=")[1]) < 1e-12


def test_diff_command_checks_subwords_and_refuses_their_settings_alone():
    done = run_cli("diff", "--subwords", "--cbow", "--loss", "hs", "--precision", "float64")
    assert done.returncode == 0, done.stderr
    assert "subwords, n-grams 3 to 6, 2,000 buckets" in done.stdout
    assert float(done.stdout.splitlines()[-1].split("=")[1]) < 1e-12
    for flags, named in ((["--minn", "2"], "--subwords"), (["--subwords", "--minn", "7"], "minn 7"),
                         (["--subwords", "--mode", "shared"], "subwords")):
        done = run_cli("diff", *flags)
        assert done.returncode == 1 and named in done.stderr and "Traceback" not in done.stderr


def test_diff_command_refuses_several_threads():
    done = run_cli("diff", "--threads", "2")
    assert done.returncode == 1
    assert "--threads 1" in done.stderr and "Traceback" not in done.stderr
