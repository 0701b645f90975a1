"""Figures: the 2D word projection (`fastw2v plot`) and the training loss curve (`LossCurve`,
`Word2Vec.loss_curve`, `train --loss-plot`), through the API, in-process `cli.main` and the
installed console script."""

import matplotlib.image
import numpy as np
import pytest

from fastw2v import cli, native, plan
from fastw2v.errors import FormatError
from fastw2v.plan import LossCurve
from fastw2v.plot import plot_loss_curve, plot_word_projection, project_2d
from fastw2v.synthetic import write_zipf_corpus
from fastw2v.train import Checkpointing, Word2Vec
from fastw2v.vectors import KeyedVectors
from tests.test_cli_train import write_corpus
from tests.test_cs224n import run_cli
from tests.test_train import topic_sentences

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SMALL = dict(vector_size=16, window=3, negative=5, min_count=1, sample=0, epochs=3, workers=1, seed=3,
             sg=1)


def assert_png(path):
    """`path` is a PNG that matplotlib reads back as a non-blank image."""
    assert path.read_bytes()[:8] == PNG_MAGIC
    image = matplotlib.image.imread(str(path))
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert image[..., :3].std() > 0.01


def two_groups(dim=10, per_group=6, seed=0):
    """Words 'a*' and 'b*' 2 apart along axis 0, small noise elsewhere, and a large shared offset
    along axis 1 that only the centring removes."""
    rng = np.random.default_rng(seed)
    words = [f"a{i}" for i in range(per_group)] + [f"b{i}" for i in range(per_group)]
    vectors = rng.normal(scale=0.05, size=(2 * per_group, dim))
    vectors[:per_group, 0] += 1.0
    vectors[per_group:, 0] -= 1.0
    vectors[:, 1] += 10.0
    return KeyedVectors(words, vectors)


@pytest.fixture(scope="module")
def vector_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("plot") / "v.txt"
    two_groups().save_word2vec_format(str(path))
    return path


def test_projection_puts_two_planted_groups_on_opposite_sides_of_the_first_axis():
    coords = project_2d(two_groups().vectors)
    assert coords.shape == (12, 2) and coords.dtype == np.float64
    first = coords[:, 0]
    assert (np.all(np.sign(first[:6]) == np.sign(first[0]))
            and np.all(np.sign(first[6:]) == -np.sign(first[0])))
    assert np.min(np.abs(first)) > 0.8  # the groups' gap, not the noise, is the first axis
    assert np.allclose(coords.mean(axis=0), 0.0, atol=1e-9)


def test_word_projection_figure_is_a_readable_png(tmp_path):
    vectors = two_groups()
    plot_word_projection(vectors.vectors, vectors.index_to_key, tmp_path / "w.png", title="groups")
    assert_png(tmp_path / "w.png")


def test_plot_command_writes_a_png(vector_file, tmp_path):
    out = tmp_path / "words.png"
    done = run_cli("plot", str(vector_file), "--words", "a0", "a1", "b0", "b1", "-o", str(out),
                   "--title", "T")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and str(out) in done.stderr
    assert_png(out)


def test_plot_command_unknown_word_exits_1_naming_it_and_writes_nothing(vector_file, tmp_path):
    out = tmp_path / "words.png"
    done = run_cli("plot", str(vector_file), "--words", "a0", "zebra", "b1", "-o", str(out))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("fastw2v: error: 'zebra' is not in the vocabulary")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("words", [["a0"], ["a0", "a0"]])
def test_plot_command_needs_two_different_words(vector_file, tmp_path, words, capsys):
    assert cli.main(["plot", str(vector_file), "--words", *words, "-o", str(tmp_path / "w.png")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("fastw2v: error: plot needs at least 2 different words") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("target, message", [("missing/w.png", "cannot write there"),
                                             (".", "is a directory")])
def test_plot_command_output_path_problems_are_one_line_and_leave_no_file(vector_file, tmp_path, target,
                                                                          message, capsys):
    out = tmp_path / target
    assert cli.main(["plot", str(vector_file), "--words", "a0", "b0", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"fastw2v: error: {out}: {message}") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_loss_curve_stays_bounded_and_merges_exactly():
    curve = LossCurve(capacity=8)
    per_job_loss = np.arange(1000, dtype=np.float64)
    for job, loss in enumerate(per_job_loss):
        curve.add(10 * (job + 1), 5, loss)
        assert curve.size <= 8
    assert curve.stride == 128 and curve.size == 8
    assert np.all(curve.jobs[:-1] == 128) and curve.jobs[-1] == 1000 - 7 * 128
    assert np.array_equal(curve.words, 10 * np.cumsum(curve.jobs))
    assert curve.pairs.sum() == 5000 and curve.loss.sum() == per_job_loss.sum()
    groups = np.split(per_job_loss, np.cumsum(curve.jobs)[:-1])
    assert np.allclose(curve.mean_losses(), [group.mean() / 5 for group in groups])


def test_loss_curve_mean_is_nan_where_no_pair_was_trained():
    curve = LossCurve(capacity=4)
    curve.add(10, 0, 0.0)
    curve.add(20, 4, 2.0)
    assert np.isnan(curve.mean_losses()[0]) and curve.mean_losses()[1] == 0.5


def test_training_loss_curve_rises_in_words_ends_at_the_total_and_falls():
    sentences = topic_sentences(3000)
    model = Word2Vec(sentences=sentences, **SMALL)
    words, losses = model.loss_curve
    assert words.dtype == np.int64 and losses.dtype == np.float64 and len(words) == len(losses) >= 6
    assert np.all(np.diff(words) > 0) and words[-1] == SMALL["epochs"] * sum(map(len, sentences))
    assert np.all(np.isfinite(losses))
    epoch = (words - 1) // (words[-1] // SMALL["epochs"])  # each point's epoch: no job spans two
    assert losses[epoch == 0].mean() > losses[epoch == SMALL["epochs"] - 1].mean() + 0.05
    assert losses[0] > losses[-1]
    curve = model.progress.curve  # the same pairs and loss as the per-epoch tally
    assert curve.pairs.sum() == model.stats["pairs"]
    assert curve.loss.sum() == pytest.approx(model.progress.loss.sum(), rel=1e-12)


def test_loss_curve_is_bounded_on_a_run_with_many_jobs(monkeypatch):
    monkeypatch.setattr(plan, "CURVE_POINTS", 4)
    sentences = topic_sentences(3000)  # 3 jobs an epoch
    model = Word2Vec(sentences=sentences, **dict(SMALL, epochs=11))
    curve = model.progress.curve
    assert int(curve.jobs.sum()) == model.progress.next_job == 33
    assert curve.size <= 4 and curve.stride == 16 and np.all(curve.jobs[:-1] == 16)
    words, losses = model.loss_curve
    assert words[-1] == 11 * sum(map(len, sentences)) and np.all(np.isfinite(losses))


@pytest.fixture(scope="module")
def zipf_corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("zipf") / "zipf.txt"
    write_zipf_corpus(str(path), 45_000, 800, seed=4)  # 5 jobs an epoch
    return str(path)


def test_a_resumed_run_has_the_whole_runs_loss_curve(tmp_path, zipf_corpus):
    settings = dict(SMALL, min_count=2, epochs=2)
    whole = Word2Vec(corpus_file=zipf_corpus, **settings)
    interrupted = Word2Vec(**settings)
    interrupted.build_vocab(corpus_file=zipf_corpus, corpus_dir=str(tmp_path / "ck.corpus"))
    interrupted.train(checkpoint=Checkpointing(str(tmp_path / "ck.npz"), every=0.0))
    resumed = Word2Vec.load(str(tmp_path / "ck.npz"))
    assert 0 < len(resumed.loss_curve[0]) == resumed.progress.next_job < 10
    resumed.train()
    for got, expected in zip(resumed.loss_curve, whole.loss_curve):
        assert np.array_equal(got, expected)
    whole.save(str(tmp_path / "m.npz"))
    for got, expected in zip(Word2Vec.load(str(tmp_path / "m.npz")).loss_curve, whole.loss_curve):
        assert np.array_equal(got, expected)


@pytest.mark.parametrize("damage", ["reversed", "too_many_jobs", "dropped"])
def test_a_model_file_whose_loss_curve_disagrees_is_a_clear_error(tmp_path, damage):
    path = str(tmp_path / "m.npz")
    Word2Vec(sentences=topic_sentences(3000), **SMALL).save(path)
    words, arrays, metadata = native.load_native(path)
    if damage == "reversed":
        arrays["progress_curve_words"] = arrays["progress_curve_words"][::-1].copy()
    elif damage == "too_many_jobs":
        arrays["progress_curve_jobs"] = arrays["progress_curve_jobs"] * 2
    else:
        del arrays["progress_curve_pairs"]
    native.save_native(path, words, arrays, metadata)
    with pytest.raises(FormatError, match="m.npz"):
        Word2Vec.load(path)


@pytest.mark.parametrize("epoch_words", [10_000, 100, None])  # epochs named, an epoch scale, none
def test_loss_curve_figure_is_a_readable_png(tmp_path, epoch_words):
    words = np.arange(1, 31) * 1000
    plot_loss_curve(words, 3.0 / np.sqrt(np.arange(1, 31)), tmp_path / "loss.png", epoch_words=epoch_words,
                    title="t")
    assert_png(tmp_path / "loss.png")
    with pytest.raises(ValueError):
        plot_loss_curve([], [], tmp_path / "empty.png")
    assert not (tmp_path / "empty.png").exists()


def test_train_loss_plot_writes_the_curve(tmp_path):
    corpus = write_corpus(tmp_path / "c.txt", topic_sentences(2000))
    out, figure = tmp_path / "v.txt", tmp_path / "loss.png"
    done = run_cli("train", corpus, "-o", str(out), "--dim", "16", "--min-count", "1", "--sample", "0",
                   "--epochs", "2", "--threads", "1", "--loss-plot", str(figure))
    assert done.returncode == 0, done.stderr
    assert f"loss plot: {figure}" in done.stderr
    assert out.exists()
    assert_png(figure)


def test_train_loss_plot_into_a_missing_folder_fails_before_training(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "c.txt", topic_sentences(50))
    figure = tmp_path / "missing" / "loss.png"
    assert cli.main(["train", corpus, "-o", str(tmp_path / "v.txt"), "--loss-plot", str(figure)]) == 1
    err = capsys.readouterr().err
    assert err == f"fastw2v: error: {figure}: cannot write there (no folder {figure.parent})\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt"]
