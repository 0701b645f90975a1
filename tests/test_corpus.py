"""The encoded corpus: sentence boundaries, out-of-vocabulary words dropped, spans."""

import os

import numpy as np
import pytest

from fastw2v import corpus, reader
from fastw2v.vocab import vocabulary_of

def encode_text(tmp_path, text, min_count=1, max_sentence_words=corpus.MAX_SENTENCE_WORDS, block=5,
                threads=1, piece_bytes=None):
    path = tmp_path / "corpus.txt"
    path.write_text(text)
    workdir = tmp_path / f"enc-{threads}-{piece_bytes}-{block}"
    workdir.mkdir()
    raw = reader.read_text(reader.plan_pieces([str(path)], threads, piece_bytes), str(workdir), threads)
    vocab, _ = vocabulary_of(raw.words, raw.counts, raw.n_tokens, min_count=min_count)
    return vocab, corpus.encode(raw, raw.vocab_ids(vocab.index), str(workdir),
                                max_sentence_words=max_sentence_words, threads=threads, block=block)


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
@pytest.mark.parametrize("block, threads, piece_bytes", [(1, 1, None), (3, 2, 7), (64, 3, 1)])
def test_encoding_matches_its_plain_definition(tmp_path, seed, block, threads, piece_bytes):
    rng = np.random.default_rng(seed)
    lines = [" ".join(f"w{int(rng.zipf(1.5)) % 40}" for _ in range(int(rng.integers(0, 25))))
             for _ in range(int(rng.integers(1, 30)))]
    text = "\n".join(lines)
    vocab, encoded = encode_text(tmp_path, text, min_count=3, max_sentence_words=4, block=block,
                                 threads=threads, piece_bytes=piece_bytes)
    decoded = [[vocab.words[i] for i in encoded.ids[encoded.offsets[s]:encoded.offsets[s + 1]]]
               for s in range(encoded.n_sentences)]
    assert decoded == expected_sentences(text, set(vocab.words), 4)
    assert encoded.longest_sentence() == max(map(len, decoded), default=0)


@pytest.mark.parametrize("counts_budget", [reader.PIECE_COUNTS_BYTES, 3000, 0])
def test_the_encoding_does_not_depend_on_threads_or_pieces(tmp_path, monkeypatch, counts_budget):
    # Within the budget the pieces' counts place them in the ids file; past it (a few pieces
    # counted, or none) a pass over their spools does.
    monkeypatch.setattr(reader, "PIECE_COUNTS_BYTES", counts_budget)
    rng = np.random.default_rng(7)
    text = "\n".join(" ".join(f"w{int(rng.zipf(1.3)) % 500}" for _ in range(int(rng.integers(0, 40))))
                     for _ in range(400))
    first_vocab, first = encode_text(tmp_path, text, min_count=2, max_sentence_words=7)
    for threads, piece_bytes in [(2, 100), (3, 1000), (2, None)]:
        vocab, encoded = encode_text(tmp_path, text, min_count=2, max_sentence_words=7, threads=threads,
                                     piece_bytes=piece_bytes, block=64)
        assert vocab.words == first_vocab.words
        assert np.array_equal(encoded.ids, first.ids) and np.array_equal(encoded.offsets, first.offsets)


def test_pieces_counts_that_disagree_with_their_spools_are_refused(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("a b c a b a\n" * 50)
    raw = reader.read_text(reader.plan_pieces([str(path)], 2, 100), str(tmp_path), 2)
    raw.part_counts[1][0] += 1  # one token too many: the parts after it would start one id late
    vocab, kept = vocabulary_of(raw.words, raw.counts, raw.n_tokens, min_count=1)
    with pytest.raises(AssertionError, match="counts said"):
        corpus.encode(raw, raw.vocab_ids(vocab.index), str(tmp_path), threads=2)
    left = sorted(name for name in os.listdir(tmp_path) if not name.startswith("part-"))
    assert left == ["corpus.txt"]  # the failed encoding left no ids, offsets or bounds files


def test_an_encoding_that_fails_midway_leaves_no_files(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("a b c a b a\nd a b\n" * 40)
    raw = reader.read_text(reader.plan_pieces([str(path)], 2, 64), str(tmp_path), 2)
    vocab, _ = vocabulary_of(raw.words, raw.counts, raw.n_tokens, min_count=1)
    os.remove(raw.path(raw.parts[-1]["ids"]))  # the last part's spool is gone: the others are encoded
    with pytest.raises(FileNotFoundError):
        corpus.encode(raw, raw.vocab_ids(vocab.index), str(tmp_path), threads=2)
    left = sorted(name for name in os.listdir(tmp_path) if not name.startswith("part-"))
    assert left == ["corpus.txt"]  # no ids, offsets or bounds files


def test_an_encoding_that_consumes_the_spool_leaves_the_same_corpus_and_no_spool(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("a b c a b a\nd a b\n" * 40)
    results = []
    for consume in (False, True):
        folder = tmp_path / f"consume-{consume}"
        folder.mkdir()
        raw = reader.read_text(reader.plan_pieces([str(path)], 2, 64), str(folder), 2)
        vocab, _ = vocabulary_of(raw.words, raw.counts, raw.n_tokens, min_count=1)
        encoded = corpus.encode(raw, raw.vocab_ids(vocab.index), str(folder), threads=2, consume=consume)
        results.append((np.array(encoded.ids), np.array(encoded.offsets)))
        spool = [name for name in os.listdir(folder) if name.startswith("part-")]
        assert (spool == []) == consume and len(raw.parts) > 2
    assert all(np.array_equal(a, b) for a, b in zip(*results))


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
