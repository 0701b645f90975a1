"""Files from strangers: random and mutated bytes fed to the loaders that test_formats does not
cover (model and checkpoint files, corpora, evaluation files). The only outcomes allowed are a
valid object or the project's own error type; never another exception, a hang or a crash."""

import io
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastw2v.errors import DatasetError, FastW2VError
from fastw2v.evaluate import read_analogies, read_word_pairs
from fastw2v.train import Word2Vec

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SMALL = dict(vector_size=4, window=2, negative=2, min_count=1, epochs=1, workers=1, seed=1, sg=1)


def mutate(data, keep, changes):
    data = bytearray(data)
    for where, value in changes:
        if data:
            data[int(where * (len(data) - 1))] = value
    return bytes(data[:round(keep * len(data))])


MUTATIONS = dict(keep=st.floats(0, 1),
                 changes=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=4))


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "m.npz"
    Word2Vec(sentences=[["a", "b", "c", "a"], ["b", "c", "d"]] * 5, **SMALL).save(str(path))
    return path.read_bytes()


@FUZZ
@given(**MUTATIONS)
def test_damaged_model_files_load_or_fail_with_our_error(model_file, tmp_path_factory, keep, changes):
    path = tmp_path_factory.getbasetemp() / "damaged.npz"
    path.write_bytes(mutate(model_file, keep, changes))
    try:
        model = Word2Vec.load(str(path))
    except FastW2VError:
        return
    n_words, dim = len(model.vocab), model.config.vector_size
    assert model.wv.vectors.shape == model.syn1neg.shape == (n_words, dim)
    assert len(set(model.vocab.words)) == n_words


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


LYING_PAYLOADS = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda shape, dtype: npy_bytes(np.ones(shape, dtype=dtype)),
              st.lists(st.integers(0, 4), max_size=3).map(tuple),
              st.sampled_from(["<f4", "<f8", "<i8", "<i4", "|u1", "<U3", "|b1"])))


@FUZZ
@given(which=st.integers(0, 100), payload=LYING_PAYLOADS)
def test_model_files_with_one_member_replaced_fail_with_our_error(model_file, tmp_path_factory, which,
                                                                  payload):
    """A well-formed zip whose parts lie: shapes, dtypes, headers, word lists, metadata."""
    source = zipfile.ZipFile(io.BytesIO(model_file))
    names = source.namelist()
    member = names[which % len(names)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in names:
            target.writestr(name, payload if name == member else source.read(name))
    path = tmp_path_factory.getbasetemp() / "lying.npz"
    path.write_bytes(buffer.getvalue())
    try:
        model = Word2Vec.load(str(path))
    except FastW2VError:
        return
    assert model.wv.vectors.shape == (len(model.vocab), model.config.vector_size)


@pytest.mark.filterwarnings("ignore::fastw2v.errors.InputWarning")
@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_as_a_corpus_train_or_fail_with_a_dataset_error(tmp_path_factory, data):
    path = tmp_path_factory.getbasetemp() / "corpus.bin"
    path.write_bytes(data)
    try:
        model = Word2Vec(corpus_file=str(path), **SMALL)
    except DatasetError:
        return
    assert np.isfinite(model.wv.vectors).all()
    assert model.progress.words == len(data.decode("utf-8", errors="replace").split())


@FUZZ
@given(data=st.binary(max_size=300), reader=st.sampled_from([read_analogies, read_word_pairs]))
def test_random_bytes_as_evaluation_files_read_or_fail_with_our_error(tmp_path_factory, data, reader):
    path = tmp_path_factory.getbasetemp() / "eval.txt"
    path.write_bytes(data)
    try:
        reader(str(path))
    except FastW2VError:
        pass
