"""The word2vec text and binary formats: exact round trips, gensim and the C tool both ways,
detection by content, and one clear error naming the file for every kind of damage."""

import gzip
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastw2v.errors import FormatError
from fastw2v.formats import (BINARY, NATIVE, TEXT, detect_format, load_word2vec_binary,
                             load_word2vec_text, read_vectors, save_native, save_word2vec_binary,
                             save_word2vec_text)
from fastw2v.vectors import KeyedVectors

SAVERS = {TEXT: save_word2vec_text, BINARY: save_word2vec_binary}
LOADERS = {TEXT: load_word2vec_text, BINARY: load_word2vec_binary}
EXTREMES = np.array([np.finfo(np.float32).max, -np.finfo(np.float32).tiny, 1e-45, -0.0, 1 / 3],
                    dtype=np.float32)


def random_vectors(n_words=30, dim=5, seed=0):
    """Generated words (ASCII and not) and float32 (n_words, dim) spanning many magnitudes,
    with float32's extremes in the last row."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n_words - 3)] + ["café", "日本語", "a\u00a0b"]
    vectors = (rng.normal(size=(n_words, dim)) * 10.0 ** rng.integers(-30, 30, size=(n_words, dim)))
    vectors = vectors.astype(np.float32)
    vectors[-1] = EXTREMES[:dim]
    return words, vectors


def c_tool_bytes(words, vectors, binary):
    """What word2vec.c's final fprintf/fwrite loop writes (text: "%lf " per number)."""
    out = f"{len(words)} {vectors.shape[1]}\n".encode()
    for word, row in zip(words, vectors):
        out += word.encode() + b" "
        out += row.astype("<f4").tobytes() if binary else "".join(f"{x:f} " for x in row).encode()
        out += b"\n"
    return out


@pytest.mark.parametrize("kind", [TEXT, BINARY])
def test_round_trip_keeps_words_and_float32_bits(tmp_path, kind):
    words, vectors = random_vectors()
    path = tmp_path / "v"
    SAVERS[kind](path, words, vectors)
    read_words, read = LOADERS[kind](path)
    assert read_words == words and read.dtype == np.float32
    np.testing.assert_array_equal(read.view(np.uint32), vectors.view(np.uint32))


def test_binary_writer_matches_the_c_tool_byte_for_byte(tmp_path):
    words, vectors = random_vectors()
    save_word2vec_binary(tmp_path / "v.bin", words, vectors)
    assert (tmp_path / "v.bin").read_bytes() == c_tool_bytes(words, vectors, binary=True)


def test_text_writer_writes_the_header_then_a_word_and_d_numbers_a_line(tmp_path):
    save_word2vec_text(tmp_path / "v.txt", ["a", "b"], np.array([[0.5, -2], [1e-3, 3]], dtype=np.float32))
    assert (tmp_path / "v.txt").read_text() == "2 2\na 0.5 -2\nb 0.00100000005 3\n"


@pytest.mark.parametrize("binary", [False, True])
def test_c_tool_files_read_as_written(tmp_path, binary):
    words, vectors = random_vectors(dim=4)
    vectors = vectors[:-1] % 100  # "%lf" keeps 6 decimals: a fixed-point range
    words = words[:-1]
    path = tmp_path / "c-tool"
    path.write_bytes(c_tool_bytes(words, vectors, binary))
    expected = (vectors if binary
                else np.array([[float(f"{x:f}") for x in row] for row in vectors], dtype=np.float32))
    found = read_vectors(path)
    assert found.format == (BINARY if binary else TEXT) and found.words == words
    np.testing.assert_array_equal(found.vectors, expected)


def test_binary_rows_read_with_or_without_a_newline_after_them(tmp_path):
    words, vectors = random_vectors()
    with_newlines = c_tool_bytes(words, vectors, binary=True)
    without = with_newlines.split(b"\n", 1)[0] + b"\n" + b"".join(
        w.encode() + b" " + row.astype("<f4").tobytes() for w, row in zip(words, vectors))
    (tmp_path / "without").write_bytes(without)
    read_words, read = load_word2vec_binary(tmp_path / "without")
    assert read_words == words
    np.testing.assert_array_equal(read, vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_our_files_with_identical_values(tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models", reason="gensim is not installed")
    words, vectors = random_vectors()
    KeyedVectors(words, vectors).save_word2vec_format(tmp_path / "ours", binary=binary)
    theirs = gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / "ours"), binary=binary)
    assert list(theirs.index_to_key) == words
    np.testing.assert_array_equal(theirs.vectors, vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_we_read_gensim_files_with_identical_values(tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models", reason="gensim is not installed")
    words, vectors = random_vectors()
    theirs = gensim_models.KeyedVectors(vectors.shape[1])
    theirs.add_vectors(words, vectors)
    theirs.save_word2vec_format(str(tmp_path / "gensim.w2v"), binary=binary)
    ours = KeyedVectors.load_word2vec_format(tmp_path / "gensim.w2v", binary=binary)
    assert ours.index_to_key == words
    np.testing.assert_array_equal(ours.vectors, vectors)


def test_format_is_detected_by_content_whatever_the_extension(tmp_path):
    words, vectors = random_vectors()
    save_word2vec_text(tmp_path / "text.bin", words, vectors)
    save_word2vec_binary(tmp_path / "binary.txt", words, vectors)
    save_native(tmp_path / "native.txt", words, {"vectors": vectors}, {})
    for name, kind in (("text.bin", TEXT), ("binary.txt", BINARY), ("native.txt", NATIVE)):
        assert detect_format(tmp_path / name) == kind
        loaded = KeyedVectors.load(tmp_path / name)
        assert loaded.index_to_key == words
        np.testing.assert_array_equal(loaded.vectors, vectors)


def test_keyed_vectors_save_native_and_load_it_back(tmp_path):
    words, vectors = random_vectors()
    KeyedVectors(words, vectors).save(tmp_path / "kv.npz", {"config": {"window": 5}})
    loaded = KeyedVectors.load(tmp_path / "kv.npz")
    assert loaded.index_to_key == words
    np.testing.assert_array_equal(loaded.vectors, vectors)
    assert read_vectors(tmp_path / "kv.npz").metadata == {"config": {"window": 5}}


def test_load_word2vec_format_points_native_files_to_load(tmp_path):
    save_native(tmp_path / "m.npz", ["a"], {"vectors": np.ones((1, 2), np.float32)}, {})
    with pytest.raises(FormatError, match="KeyedVectors.load"):
        KeyedVectors.load_word2vec_format(tmp_path / "m.npz")


def text_file(*rows):
    return "\n".join(rows).encode() + b"\n"


def binary_file(header, rows, newline=b"\n"):
    return header.encode() + b"\n" + b"".join(
        word.encode() + b" " + np.asarray(row, dtype="<f4").tobytes() + newline for word, row in rows)


ROW = [0.25, -1.5, 2.0, 4.0]
BAD_FILES = {
    "empty": (b"", "empty file"),
    "no header": (text_file("a 1 2", "b 3 4"), r":1: expected the header"),
    "zero words": (text_file("0 4"), r":1: the header declares 0 words"),
    "gzip": (gzip.compress(text_file("1 1", "a 1")), "gzip"),
    "text header claims more words": (text_file("9 2", "a 1 2", "b 3 4"), "declares 9 words"),
    "text truncated": (text_file("3 2", "alpha 1.000000 2.000000", "beta 3.000000 4.000000"),
                       "ends after 2"),
    "text header claims more dims": (text_file("2 4", "a 1.0 2.0 3.0", "b 1.0 2.0 3.0"),
                                     r":2: expected a word and 4 numbers, found 3"),
    "text row too long": (text_file("2 2", "a 1 2", "b 1 2 3"),
                          r":3: expected a word and 2 numbers, found 3"),
    "text empty line": (text_file("2 2", "a 1 2", "", "b 1 2"), r":3: .*empty line"),
    "text non-numeric": (text_file("2 3", "a 1 2 3", "b 1 x 3"), r":3: number 2, b'x', is not a number"),
    "text nan": (text_file("2 2", "a 1 2", "b nan 2"), r":3: number 1, b'nan', is not a finite"),
    "text overflow": (text_file("1 2", "a 1e39 2"), r":2: number 1, b'1e39', is not a finite float32"),
    "text duplicate": (text_file("3 2", "a 1 2", "b 1 2", "a 3 4"), r":4: word 'a' repeats line 2"),
    "text extra rows": (text_file("1 2", "a 1 2", "b 3 4"), r":3: more rows than the 1"),
    "binary header claims more words": (binary_file("5 4", [("a", ROW), ("b", ROW)]), "declares 5 words"),
    "binary header claims more dims": (binary_file("2 40", [("a", ROW), ("b", ROW)]),
                                       "declares 2 words of 40"),
    "binary truncated": (binary_file("3 4", [("ab", ROW), ("cd", ROW), ("ef", ROW)])[:-6],
                         r"word 2 \(byte \d+\): the file ends inside"),
    "binary duplicate": (binary_file("2 4", [("a", ROW), ("a", ROW)]),
                         r"word 1 \(byte \d+\): word 'a' repeats word 0"),
    "binary nan": (binary_file("2 4", [("a", ROW), ("b", [1, np.nan, 2, 3])]),
                   r"word 1 'b' has a value that is not"),
    "binary extra data": (binary_file("1 4", [("a", ROW), ("b", ROW)]), "data after the 1 words"),
    "binary empty word": (binary_file("2 4", [("a", ROW), ("", ROW)]),
                          r"word 1 \(byte \d+\): a space where a word"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_fail_with_one_error_naming_the_file(tmp_path, name):
    content, message = BAD_FILES[name]
    path = tmp_path / "vectors.file"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message) as error:
        read_vectors(path)
    assert str(error.value).startswith(str(path)) and "\n" not in str(error.value)


def test_missing_file_and_directory_are_format_errors(tmp_path):
    with pytest.raises(FormatError, match="no such file"):
        read_vectors(tmp_path / "missing.txt")
    with pytest.raises(FormatError, match="cannot read"):
        read_vectors(tmp_path)


@pytest.mark.parametrize("binary", [False, True])
def test_words_that_are_not_utf8_are_replaced_or_refused_as_asked(tmp_path, binary):
    header, row = b"2 2\n", np.array([1, 2], dtype="<f4")
    rows = [b"caf\xe9", b"ok"]
    body = b"".join(w + b" " + (row.tobytes() if binary else b"1 2") + b"\n" for w in rows)
    path = tmp_path / "latin1"
    path.write_bytes(header + body)
    load = LOADERS[BINARY if binary else TEXT]
    assert load(path)[0] == ["caf\ufffd", "ok"]
    with pytest.raises(FormatError, match="not valid UTF-8"):
        load(path, unicode_errors="strict")


def test_words_that_collide_once_replaced_say_so(tmp_path):
    path = tmp_path / "collide.txt"
    path.write_bytes(b"2 1\ncaf\xe9 1\ncaf\xe8 2\n")
    with pytest.raises(FormatError, match="repeats line 2 .after replacing"):
        load_word2vec_text(path)


@pytest.mark.parametrize("kind", [TEXT, BINARY])
@pytest.mark.parametrize("words, vectors, message", [
    (["a", "a b"], np.zeros((2, 2)), "holds whitespace"),
    (["a", ""], np.zeros((2, 2)), "empty"),
    (["a", "a"], np.zeros((2, 2)), "repeats word 0"),
    (["a", "\ud800"], np.zeros((2, 2)), "cannot be encoded"),
    (["a", "b"], np.array([[0, 1], [np.inf, 0]]), "word 1 'b' has a value that is not a finite"),
])
def test_writers_refuse_what_readers_would_refuse_and_keep_the_old_file(tmp_path, kind, words, vectors,
                                                                        message):
    path = tmp_path / "v"
    path.write_text("old")
    with pytest.raises(FormatError, match=message):
        SAVERS[kind](path, words, vectors)
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["v"]


def planted_analogies():
    """Unit vectors where king - man + woman = queen exactly (orthogonal royal, male, female and
    person directions, every word the sum of two), plus noise words orthogonal to all four."""
    dim = 12
    royal, male, female, person = np.eye(dim, dtype=np.float32)[:4]
    words = ["king", "queen", "man", "woman"] + [f"n{i}" for i in range(8)]
    noise = np.random.default_rng(1).normal(size=(8, dim)).astype(np.float32)
    noise[:, :4] = 0
    planted = [royal + male, royal + female, male + person, female + person]
    return KeyedVectors(words, np.vstack(planted + [noise]))


def test_analogy_finds_the_planted_answer_and_excludes_question_words():
    vectors = planted_analogies()
    answers = vectors.analogy("man", "king", "woman", topn=4)
    assert answers[0][0] == "queen" and answers[0][1] == pytest.approx(1.0, abs=1e-6)
    assert len(answers) == 4 and not {"man", "king", "woman"} & {w for w, _ in answers}
    assert [s for _, s in answers] == sorted((s for _, s in answers), reverse=True)
    assert vectors.most_similar("king", topn=1)[0][0] in ("queen", "man")
    with pytest.raises(KeyError, match="'prince'"):
        vectors.analogy("man", "prince", "woman")


@pytest.fixture(scope="module")
def intact_files(tmp_path_factory):
    """One small valid file of each format: kind -> bytes."""
    folder = tmp_path_factory.mktemp("intact")
    words, vectors = random_vectors(n_words=6, dim=3)
    save_word2vec_text(folder / TEXT, words, vectors)
    save_word2vec_binary(folder / BINARY, words, vectors)
    save_native(folder / NATIVE, words, {"vectors": vectors, "counts": np.arange(6)}, {"config": {"dim": 3}})
    return {kind: (folder / kind).read_bytes() for kind in (TEXT, BINARY, NATIVE)}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from([TEXT, BINARY, NATIVE]), keep=st.floats(0, 1),
       changes=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=3))
def test_damaged_files_either_read_or_fail_with_a_format_error(intact_files, tmp_path_factory, kind, keep,
                                                               changes):
    data = bytearray(intact_files[kind])
    for where, value in changes:
        data[int(where * (len(data) - 1))] = value
    path = tmp_path_factory.getbasetemp() / "damaged"
    path.write_bytes(bytes(data[:round(keep * len(data))]))
    try:
        found = read_vectors(path)
    except FormatError as error:
        assert str(error).startswith(str(path))
    else:
        assert found.vectors.shape == (len(found.words), found.vectors.shape[1])
        assert np.isfinite(found.vectors).all() and len(set(found.words)) == len(found.words)


def test_pipes_and_devices_are_refused(tmp_path):
    with pytest.raises(FormatError, match="not a regular file"):
        read_vectors(os.devnull)


def test_the_first_row_that_is_not_finite_is_found_block_by_block():
    from fastw2v.filewords import first_non_finite_row

    vectors = np.zeros((1000, 7), dtype=np.float32)
    assert first_non_finite_row(vectors, block_bytes=64) == -1
    vectors[[613, 800], 3] = [np.inf, np.nan]
    assert first_non_finite_row(vectors, block_bytes=64) == 613  # past the first blocks of 9 rows
    assert first_non_finite_row(vectors) == 613


def test_integer_rows_wider_than_a_buffer_are_written(tmp_path):
    path = tmp_path / "wide.txt"
    save_word2vec_text(path, ["a", "b"], np.arange(2 * 70_000, dtype=np.int8).reshape(2, 70_000) % 7)
    lines = path.read_text().splitlines()
    assert lines[0] == "2 70000" and lines[1].split()[:4] == ["a", "0", "1", "2"] and len(lines) == 3
