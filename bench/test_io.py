"""Reading a corpus: tokenize and encode throughput in MB/s, and the vocabulary build time.

The text8-sized corpus of test_peers.py (17M tokens, ~83 MB; 1M tokens when quick), in
`Word2Vec.build_vocab`'s three steps, each timed on its own:
- tokenize: `reader.read_text` on one thread: read the file in 1 MB buffers, tokenize in compiled
  code, count the words and spool provisional ids to disk;
- vocabulary: `vocab.vocabulary_of(raw.words, raw.counts, ...)` with min_count 5;
- encode: `corpus.encode` on one thread: map the ids to vocabulary ids (out-of-vocabulary dropped)
  into the memory-mapped .npy files, with sentence offsets.
(bench/test_reader.py measures the reader on one and two threads beside the reader it replaced
and gensim's vocabulary scan.)
MB/s = the text file's bytes (10^6 bytes per MB) / median seconds, for both passes, so the report's
tokenize+encode MB/s = bytes / (tokenize + encode medians). Rounds: 3, each into an emptied folder.

Word-vector files (group "vector-files"): writing and loading 80,000 x 100 float32 vectors (10,000
when quick) in the word2vec text and binary formats with `fastw2v.formats`, and with the per-row
Python it replaced (copied below as the baseline, with its checks), on the same files. Rounds: 3.
"""

import mmap
import os
import shutil
import tempfile

import numpy as np
import pytest

from bench.conftest import QUICK, STANDARD
from fastw2v import corpus as corpus_mod
from fastw2v import filewords, formats
from fastw2v import reader
from fastw2v.atomic import atomic_write
from fastw2v.native import encode_words
from fastw2v.vocab import vocabulary_of


def read(path, directory):
    return reader.read_text(reader.plan_pieces([path], 1), directory)


def make_vocabulary(raw):
    """(Vocabulary, each raw word's vocabulary id or -1), as the local backend builds them."""
    vocab, kept = vocabulary_of(raw.words, raw.counts, raw.n_tokens, STANDARD["min_count"],
                                sort_keys=raw.sort_keys)
    vocab_ids = np.full(len(raw.words), -1, dtype=np.int32)
    vocab_ids[kept] = np.arange(kept.size, dtype=np.int32)
    return vocab, vocab_ids


@pytest.fixture(scope="module")
def folders():
    """(a folder for the read kept by `raw_corpus`, a folder each round empties and writes)."""
    with tempfile.TemporaryDirectory(prefix="fastw2v-bench-io-") as top:
        kept, scratch = os.path.join(top, "kept"), os.path.join(top, "round")
        os.makedirs(kept)
        yield kept, scratch


@pytest.fixture(scope="module")
def raw_corpus(train_corpus, folders):
    raw = read(train_corpus, folders[0])
    return train_corpus, raw, make_vocabulary(raw)[0]


def emptied(folder):
    def setup():
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        return (folder,), {}
    return setup


def record(benchmark, step, path, raw, vocab):
    benchmark.extra_info.update(step=step, bytes=os.path.getsize(path), tokens=raw.n_tokens,
                                vocab=len(vocab))


def test_tokenize(benchmark, raw_corpus, folders):
    path, expected, vocab = raw_corpus
    benchmark.group = "corpus"
    raw = benchmark.pedantic(lambda folder: read(path, folder), setup=emptied(folders[1]), rounds=3)
    assert raw.n_tokens == expected.n_tokens and raw.words == expected.words
    record(benchmark, "tokenize", path, raw, vocab)


def test_vocabulary(benchmark, raw_corpus):
    path, raw, expected = raw_corpus
    benchmark.group = "corpus"
    vocab, _ = benchmark.pedantic(make_vocabulary, args=(raw,), rounds=3)
    assert vocab.words == expected.words
    record(benchmark, "vocabulary", path, raw, vocab)


def test_encode(benchmark, raw_corpus, folders):
    path, raw, vocab = raw_corpus
    benchmark.group = "corpus"
    vocab_ids = make_vocabulary(raw)[1]
    encoded = benchmark.pedantic(lambda folder: corpus_mod.encode(raw, vocab_ids, folder),
                                 setup=emptied(folders[1]), rounds=3)
    assert encoded.n_words == vocab.train_words
    record(benchmark, "encode", path, raw, vocab)


# --- word-vector files ---------------------------------------------------------------------------

VECTOR_ROWS, VECTOR_DIM = (10_000 if QUICK else 80_000), 100


def old_checks(words, vectors):
    """The writers' checks before they were batched: a regex and an encode per word."""
    if not all(filewords._TOKEN.fullmatch(word) for word in words):
        raise ValueError("a bad word")
    encoded = encode_words("bench", words)
    if not np.isfinite(vectors).all():
        raise ValueError("a value that is not finite")
    return encoded


def old_save_text(path, words, vectors):
    """The text writer before it was compiled: Python's % for each row."""
    old_checks(words, vectors)
    number = "%.9g" if vectors.dtype == np.float32 else "%.17g"
    row_format = "%s " + " ".join([number] * vectors.shape[1]) + "\n"
    with atomic_write(path, "w") as handle:
        handle.write(f"{vectors.shape[0]} {vectors.shape[1]}\n")
        for word, row in zip(words, vectors.tolist()):
            handle.write(row_format % (word, *row))


def old_save_binary(path, words, vectors):
    """The binary writer before: a write per row."""
    rows = np.asarray(vectors).astype("<f4")
    encoded = old_checks(words, rows)
    with atomic_write(path, "wb") as handle:
        handle.write(f"{rows.shape[0]} {rows.shape[1]}\n".encode("ascii"))
        for word, row in zip(encoded, rows):
            handle.write(word + b" " + row.tobytes() + b"\n")


def _old_add(words, first, raw):
    word = raw.decode("utf-8", errors="replace")
    if word in first:
        raise ValueError(f"{word!r} repeats")
    first[word] = len(words)
    words.append(word)


def old_load_text(path):
    """The text reader before: a line at a time, split and parsed by numpy, with its checks
    (the messages left out)."""
    with open(path, "rb") as handle:
        n_words, dim = map(int, handle.readline().split())
        vectors, words, first = np.empty((n_words, dim), dtype=np.float32), [], {}
        limit = formats._line_limit(dim)
        while line := handle.readline(limit):
            if len(line) == limit and not line.endswith(b"\n"):
                raise ValueError("a line too long")
            fields = line.split()
            if len(fields) != dim + 1:
                raise ValueError("a row of the wrong length")
            with np.errstate(over="ignore"):
                row = np.array(fields[1:], dtype=np.float64).astype(np.float32)
            if not np.isfinite(row).all():
                raise ValueError("a value that is not finite")
            vectors[len(words)] = row
            _old_add(words, first, fields[0])
    return words, vectors


def old_load_binary(path):
    """The binary reader before: a find, a copy and a decode per row."""
    with open(path, "rb") as handle:
        n_words, dim = map(int, handle.readline().split())
        position, size = handle.tell(), os.fstat(handle.fileno()).st_size
        vectors, words, first = np.empty((n_words, dim), dtype=np.float32), [], {}
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            for i in range(n_words):
                while position < size and data[position] == ord("\n"):
                    position += 1
                space = data.find(b" ", position, min(size, position + formats.MAX_WORD_BYTES + 1))
                if space <= position or space + 1 + 4 * dim > size:
                    raise ValueError("a damaged row")
                vectors[i] = np.frombuffer(data, dtype="<f4", count=dim, offset=space + 1)
                _old_add(words, first, data[position:space])
                position = space + 1 + 4 * dim
    if not np.isfinite(vectors).all():
        raise ValueError("a value that is not finite")
    return words, vectors


VECTOR_CODE = {
    "fastw2v": {formats.TEXT: (formats.save_word2vec_text, formats.load_word2vec_text),
                formats.BINARY: (formats.save_word2vec_binary, formats.load_word2vec_binary)},
    "per-row Python": {formats.TEXT: (old_save_text, old_load_text),
                       formats.BINARY: (old_save_binary, old_load_binary)},
}


@pytest.fixture(scope="module")
def vector_files(tmp_path_factory):
    """(words, float32 vectors (VECTOR_ROWS, VECTOR_DIM), folder), with each format's file
    written there once by fastw2v (named by the format), after compiling its code."""
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(VECTOR_ROWS)]
    vectors = (rng.normal(size=(VECTOR_ROWS, VECTOR_DIM)) * 0.3).astype(np.float32)
    folder = tmp_path_factory.mktemp("vector-files")
    for kind, (save, load) in VECTOR_CODE["fastw2v"].items():
        save(folder / kind, words[:10], vectors[:10])
        load(folder / kind)
        save(folder / kind, words, vectors)
    return words, vectors, folder


def record_vectors(benchmark, step, kind, code, path):
    benchmark.group = "vector-files"
    benchmark.extra_info.update(step=step, format=kind, code=code, rows=VECTOR_ROWS, dim=VECTOR_DIM,
                                bytes=os.path.getsize(path))


@pytest.mark.parametrize("code", list(VECTOR_CODE))
@pytest.mark.parametrize("kind", [formats.TEXT, formats.BINARY])
def test_write_vectors(benchmark, vector_files, kind, code):
    words, vectors, folder = vector_files
    path = folder / f"written-{kind}"
    benchmark.pedantic(VECTOR_CODE[code][kind][0], args=(path, words, vectors), rounds=3)
    assert path.read_bytes() == (folder / kind).read_bytes()
    record_vectors(benchmark, "write", kind, code, path)


@pytest.mark.parametrize("code", list(VECTOR_CODE))
@pytest.mark.parametrize("kind", [formats.TEXT, formats.BINARY])
def test_load_vectors(benchmark, vector_files, kind, code):
    words, vectors, folder = vector_files
    read_words, read = benchmark.pedantic(VECTOR_CODE[code][kind][1], args=(folder / kind,), rounds=3)
    assert read_words == words and np.array_equal(read.view(np.uint32), vectors.view(np.uint32))
    record_vectors(benchmark, "load", kind, code, folder / kind)
