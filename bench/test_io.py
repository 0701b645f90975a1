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
"""

import os
import shutil
import tempfile

import numpy as np
import pytest

from bench.conftest import STANDARD
from fastw2v import corpus as corpus_mod
from fastw2v import reader
from fastw2v.vocab import vocabulary_of


def read(path, directory):
    return reader.read_text(reader.plan_pieces([path], 1), directory)


def make_vocabulary(raw):
    """(Vocabulary, each raw word's vocabulary id or -1), as the local backend builds them."""
    vocab, kept = vocabulary_of(raw.words, raw.counts, raw.n_tokens, STANDARD["min_count"])
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
