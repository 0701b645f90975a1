"""Reading a corpus: tokenize and encode throughput in MB/s, and the vocabulary build time.

The text8-sized corpus of test_peers.py (17M tokens, ~83 MB; 1M tokens when quick), in
`Word2Vec.build_vocab`'s three steps, each timed on its own:
- tokenize: `corpus.read(iter_token_batches(...))`: read the file in 1 MB chunks, split on
  whitespace, count the words and spool provisional ids to disk;
- vocabulary: `build_vocabulary(raw.word_counts(), ...)` with min_count 5, and its word index;
- encode: `corpus.encode`: map the ids to vocabulary ids (out-of-vocabulary dropped) into the
  memory-mapped .npy files, with sentence offsets.
MB/s = the text file's bytes (10^6 bytes per MB) / median seconds, for both passes, so the report's
tokenize+encode MB/s = bytes / (tokenize + encode medians). Rounds: 3, each into an emptied folder.
"""

import os
import shutil
import tempfile

import pytest

from bench.conftest import STANDARD
from fastw2v import corpus as corpus_mod
from fastw2v.vocab import build_vocabulary


def read(path, directory):
    return corpus_mod.read(corpus_mod.iter_token_batches(corpus_mod.input_files([path])), directory)


def make_vocabulary(raw):
    vocab = build_vocabulary(raw.word_counts(), raw.n_tokens, STANDARD["min_count"])
    vocab.index  # noqa: B018  built once per vocabulary, as encode needs it
    return vocab


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
    return train_corpus, raw, make_vocabulary(raw)


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
    vocab = benchmark.pedantic(make_vocabulary, args=(raw,), rounds=3)
    assert vocab.words == expected.words
    record(benchmark, "vocabulary", path, raw, vocab)


def test_encode(benchmark, raw_corpus, folders):
    path, raw, vocab = raw_corpus
    benchmark.group = "corpus"
    encoded = benchmark.pedantic(lambda folder: corpus_mod.encode(raw, vocab.index, folder),
                                 setup=emptied(folders[1]), rounds=3)
    assert encoded.n_words == vocab.train_words
    record(benchmark, "encode", path, raw, vocab)
