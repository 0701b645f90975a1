"""Streaming tokenizer, sentence boundaries and the encoded corpus."""

import gzip

import numpy as np
import pytest

from fastw2v import corpus
from fastw2v.vocab import build_vocabulary

TEXT = "the quick  brown fox\njumps over\tthe lazy dog\n\nthe end"


def tokens_and_lines(paths, chunk_bytes):
    tokens, ends = [], []
    for batch, line_ends in corpus.iter_token_batches(paths, chunk_bytes):
        ends.extend(len(tokens) + e for e in line_ends)
        tokens.extend(batch)
    return tokens, sorted(set(ends))


@pytest.mark.parametrize("chunk_bytes", [1, 3, 7, 64, 1 << 20])
def test_chunking_never_splits_a_token_or_a_line(tmp_path, chunk_bytes):
    path = tmp_path / "c.txt"
    path.write_text(TEXT + " caf\u00e9 na\u00efve", encoding="utf-8")
    tokens, ends = tokens_and_lines([str(path)], chunk_bytes)
    assert tokens == (TEXT + " caf\u00e9 na\u00efve").split()
    assert ends == [4, 9, 13]


def test_invalid_utf8_becomes_replacement_characters(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"ok \xff\xfe word\n")
    tokens, _ = tokens_and_lines([str(path)], 1 << 20)
    assert tokens == ["ok", "\ufffd\ufffd", "word"]


def test_gzip_input_reads_like_plain_text(tmp_path):
    plain, packed = tmp_path / "a.txt", tmp_path / "a.txt.gz"
    plain.write_text(TEXT)
    with gzip.open(packed, "wt") as handle:
        handle.write(TEXT)
    assert tokens_and_lines([str(packed)], 5) == tokens_and_lines([str(plain)], 5)


def encode_text(tmp_path, text, min_count=1, max_sentence_words=corpus.MAX_SENTENCE_WORDS, block=5):
    path = tmp_path / "corpus.txt"
    path.write_text(text)
    workdir = tmp_path / "enc"
    workdir.mkdir()
    raw = corpus.read(corpus.iter_token_batches([str(path)], chunk_bytes=16), str(workdir))
    vocab = build_vocabulary(raw.word_counts(), raw.n_tokens, min_count=min_count)
    return vocab, corpus.encode(raw, vocab.index, str(workdir), max_sentence_words=max_sentence_words,
                                block=block)


def test_encoding_drops_rare_words_and_keeps_sentences(tmp_path):
    vocab, encoded = encode_text(tmp_path, "a b c\nb a rare\n\nc c a\nrare2", min_count=2)
    decoded = [[vocab.words[i] for i in encoded.ids[encoded.offsets[s]:encoded.offsets[s + 1]]]
               for s in range(encoded.n_sentences)]
    assert decoded == [["a", "b", "c"], ["b", "a"], ["c", "c", "a"]]
    assert isinstance(encoded.ids, np.memmap) and encoded.ids.dtype == np.int32


def expected_sentences(text, known, max_len):
    """The encoding's contract written plainly: in-vocabulary words of each line, cut every max_len."""
    sentences = []
    for line in text.split("\n"):
        kept = [word for word in line.split() if word in known]
        sentences.extend(kept[i:i + max_len] for i in range(0, len(kept), max_len))
    return sentences


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("block", [1, 3, 64])
def test_encoding_matches_its_plain_definition_across_blocks(tmp_path, seed, block):
    rng = np.random.default_rng(seed)
    lines = [" ".join(f"w{int(rng.zipf(1.5)) % 40}" for _ in range(int(rng.integers(0, 25))))
             for _ in range(int(rng.integers(1, 30)))]
    text = "\n".join(lines)
    vocab, encoded = encode_text(tmp_path, text, min_count=3, max_sentence_words=4, block=block)
    decoded = [[vocab.words[i] for i in encoded.ids[encoded.offsets[s]:encoded.offsets[s + 1]]]
               for s in range(encoded.n_sentences)]
    assert decoded == expected_sentences(text, set(vocab.words), 4)
    assert encoded.longest_sentence() == max(map(len, decoded), default=0)


def test_raw_corpus_counts_every_token(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("b a b\nc b")
    raw = corpus.read(corpus.iter_token_batches([str(path)], chunk_bytes=3), str(tmp_path))
    assert raw.word_counts() == {"a": 1, "b": 3, "c": 1}
    assert [raw.words[i] for i in raw.ids()] == ["b", "a", "b", "c", "b"]
    assert raw.line_ends().tolist()[:2] == [3, 5]


def test_a_file_without_newlines_is_cut_into_bounded_sentences(tmp_path):
    words = " ".join(f"w{i % 7}" for i in range(2500))
    _, encoded = encode_text(tmp_path, words, max_sentence_words=1000)
    assert np.diff(encoded.offsets).tolist() == [1000, 1000, 500]
    assert encoded.n_words == 2500


def test_spans_cover_every_sentence_once(tmp_path):
    text = "\n".join(" ".join(["x"] * (1 + i % 9)) for i in range(300))
    _, encoded = encode_text(tmp_path, text)
    bounds = encoded.span_bounds(50)
    assert bounds[0] == 0 and bounds[-1] == encoded.n_sentences
    assert np.all(np.diff(bounds) > 0)
    words_per_span = np.diff(encoded.offsets[bounds])
    assert words_per_span.sum() == encoded.n_words
    assert words_per_span.max() < 50 + 9
    assert words_per_span.min() > 50 - 2 * 9  # no tiny last span
    assert len(encoded.span_bounds(encoded.n_words - 3)) == 2  # one span, not one and a crumb
