"""The compiled corpus reader against its definition: Python's decode-with-replacement, split on
"\\n" into lines and each line on whitespace; the same tokens, counts and line ends whatever the
buffer size, the pieces a file is cut into and the number of threads."""

import bz2
import gzip
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastw2v import reader, textscan, wordtable
from fastw2v.rawcorpus import RawCorpus
from fastw2v.errors import DatasetError
from fastw2v.vocab import vocabulary_of

# Byte strings the generated texts are made of: ASCII, every kind of whitespace, well-formed
# multi-byte characters, and bytes that are not UTF-8 (stray, cut short, overlong, surrogate,
# past U+10FFFF), words of 8 bytes (the longest held in a key) and longer.
PIECES = [b"a", b"b", b"the", b"abcdefgh", b"abcdefghi", b"longer-than-sixteen-bytes", b".", b"\xc3\xa9",
          b"\xf0\x9f\x98\x80", b" ", b"  ", b"\t", b"\n", b"\r\n", b"\x0b", b"\x0c", b"\x1c", b"\x1f",
          b"\xc2\x85", b"\xc2\xa0", b"\xe1\x9a\x80", b"\xe2\x80\x80", b"\xe2\x80\x8a", b"\xe2\x80\xa8",
          b"\xe2\x80\xa9", b"\xe2\x80\xaf", b"\xe2\x81\x9f", b"\xe3\x80\x80", b"\xe2\x80\x8b", b"\xff",
          b"\x80", b"\xc2", b"\xe2\x80", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
          b"\xef\xbf\xbd", b"\xe2\xe2\x80\x80"]


def definition(data):
    """(tokens, line ends) as the text's definition gives them: the token counts at which a line
    with tokens since the last end ended; the end of the text ends a line."""
    tokens, ends = [], []
    for line in data.decode("utf-8", errors="replace").split("\n"):
        tokens.extend(line.split())
        if tokens and (not ends or ends[-1] != len(tokens)):
            ends.append(len(tokens))
    return tokens, ends


def raw_tokens(raw):
    """Every token of a RawCorpus, as str, in corpus order."""
    tokens = []
    for part in raw.parts:
        ids = np.fromfile(raw.path(part["ids"]), dtype=np.int32)
        words = raw.maps[part["map"]][ids]
        tokens.extend(raw.words[w] for w in words.tolist())
    return tokens


def raw_line_ends(raw):
    """The corpus's line ends (token counts), repeats dropped, as the encoder reads them."""
    ends, before = [], 0
    for part in raw.parts:
        for end in (before + np.fromfile(raw.path(part["ends"]), dtype=np.int64)).tolist():
            if end > (ends[-1] if ends else 0):
                ends.append(end)
        before += part["tokens"]
    return ends


def read(tmp_path, paths, threads=1, piece_bytes=None, on_bad_utf8=None):
    spool = tmp_path / f"spool-{threads}-{piece_bytes}"
    spool.mkdir(exist_ok=True)
    pieces = reader.plan_pieces(reader.input_files(paths), threads, piece_bytes)
    return reader.read_text(pieces, str(spool), threads, on_bad_utf8)


@pytest.fixture
def small_buffers(monkeypatch):
    """Buffers of a few bytes: every token and character lands across buffer ends somewhere, and
    tables that fill at once: they grow in the middle of the scanner's batches of lookups."""
    monkeypatch.setattr(reader, "CHUNK_BYTES", 7)
    monkeypatch.setattr(reader, "MAX_TOKEN_BYTES", 64)
    monkeypatch.setattr(reader, "FIRST_TABLE_WORDS", 16)  # the least new_table makes
    monkeypatch.setattr(reader, "FIRST_TABLE_BYTES", 64)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_tokens_and_line_ends_are_the_definitions(tmp_path_factory, parts):
    data = b"".join(parts)
    path = tmp_path_factory.mktemp("c") / "corpus.txt"
    path.write_bytes(data)
    tmp = path.parent
    expected_tokens, expected_ends = definition(data)
    for threads, piece_bytes in [(1, None), (2, 5), (3, 1)]:
        raw = read(tmp, [str(path)], threads, piece_bytes)
        assert raw_tokens(raw) == expected_tokens
        assert raw_line_ends(raw) == expected_ends
        counts = dict(zip(raw.words, raw.counts.tolist()))
        assert counts == {w: expected_tokens.count(w) for w in set(expected_tokens)}
        assert len(set(raw.words)) == len(raw.words)


@pytest.mark.parametrize("threads, piece_bytes", [(2, 40), (3, 7)])
def test_each_pieces_counts_are_its_tokens(tmp_path, threads, piece_bytes):
    rng = np.random.default_rng(3)
    data = b" ".join(PIECES[i] for i in rng.integers(0, len(PIECES), 400))
    path = tmp_path / "c.txt"
    path.write_bytes(data)
    raw = read(tmp_path, [str(path)], threads, piece_bytes)
    assert len(raw.parts) > threads and len(raw.part_counts) == len(raw.parts)
    for part, counts in zip(raw.parts, raw.part_counts):
        ids = np.fromfile(raw.path(part["ids"]), dtype=np.int32)
        found = np.bincount(ids, minlength=counts.size)
        assert found.size == counts.size and np.array_equal(found, counts)


def test_pieces_past_the_counts_budget_have_none(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "PIECE_COUNTS_BYTES", 2 * 12 * 30)  # two threads, 30 words each
    path = tmp_path / "c.txt"
    path.write_bytes(b" ".join(f"w{i}".encode() for i in range(200)))
    raw = read(tmp_path, [str(path)], 2, 100)
    known = [counts is not None for counts in raw.part_counts]
    assert any(known) and not all(known)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(PIECES[:9] + [b"abcdefghijklmnopq", b"abcdefghijklmnopr"]), max_size=60))
def test_the_sort_keys_order_the_words_as_python_does(tmp_path_factory, parts):
    path = tmp_path_factory.mktemp("k") / "corpus.txt"
    path.write_bytes(b" ".join(parts))
    for threads, piece_bytes in [(1, None), (2, 9)]:
        raw = read(path.parent, [str(path)], threads, piece_bytes)
        high, low = raw.sort_keys
        keyed = sorted(range(len(raw.words)), key=lambda i: (int(high[i]), int(low[i])))
        by_word = sorted(range(len(raw.words)), key=raw.words.__getitem__)
        # Equal keys only for words that share their first 16 bytes; otherwise the same order.
        assert [raw.words[i].encode()[:16] for i in keyed] == [raw.words[i].encode()[:16] for i in by_word]
        if raw.words:
            vocab = vocabulary_of(raw.words, raw.counts, raw.n_tokens, 1, sort_keys=raw.sort_keys)[0]
            assert vocab.words == vocabulary_of(raw.words, raw.counts, raw.n_tokens, 1)[0].words


def test_bytes_that_are_not_utf8_leave_no_sort_keys(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"a \xff b")
    assert read(tmp_path, [str(path)]).sort_keys is None


def test_small_buffers_change_nothing(tmp_path, small_buffers, monkeypatch):
    monkeypatch.setattr(reader, "MAX_TOKEN_BYTES", 1024)  # runs of non-ASCII whitespace are long
    rng = np.random.default_rng(4)
    data = b"".join(PIECES[i] for i in rng.integers(0, len(PIECES), 3000))
    path = tmp_path / "c.txt"
    path.write_bytes(data)
    raw = read(tmp_path, [str(path)])
    assert (raw_tokens(raw), raw_line_ends(raw)) == definition(data)


def test_whitespace_is_what_python_splits_on():
    spaces = "".join(chr(c) for c in range(0x110000) if chr(c).isspace() and c != 0x0A)
    data = ("x" + "x".join(spaces) + "x").encode("utf-8")
    table = wordtable.new_table()
    ids = np.zeros(textscan.buffer_capacity(len(data)), dtype=np.int32)
    state = textscan.new_state()
    textscan.scan(np.frombuffer(data, dtype=np.uint8), 0, len(data), table, ids, ids.astype(np.int64), state)
    assert state[textscan.TOKENS] == len(spaces) + 1  # each one splits
    assert wordtable.words_of(table) == ["x"]


@pytest.mark.parametrize("first_words, first_bytes", [(16, 64), (reader.FIRST_TABLE_WORDS, 1 << 10)])
def test_a_growing_table_keeps_every_word(tmp_path, monkeypatch, first_words, first_bytes):
    monkeypatch.setattr(reader, "FIRST_TABLE_WORDS", first_words)  # full of words or of bytes first
    monkeypatch.setattr(reader, "FIRST_TABLE_BYTES", first_bytes)
    words = [f"w{i}".encode() * (1 + i % 5) for i in range(20_000)]  # short and long words
    data = b" ".join(words + words[::3])
    path = tmp_path / "c.txt"
    path.write_bytes(data)
    raw = read(tmp_path, [str(path)], threads=2, piece_bytes=50_000)
    assert raw_tokens(raw) == data.decode().split()
    assert raw.word_counts()[words[3].decode()] == 2 and raw.word_counts()[words[4].decode()] == 1


def test_a_young_table_grows_four_times_at_once_then_doubles():
    """One growth where doubling takes two while the table is small (each growth is fresh memory
    and a rehash), then doubling, so that a large vocabulary's table is never twice its need."""
    small = wordtable.new_table(1 << 15, 1 << 10)
    grown = wordtable.reserve(small, small.keys.size + 1, 1)
    assert grown.keys.size == wordtable.FAST_GROWTH_WORDS == 4 * small.keys.size
    assert grown.slots.shape[0] == 2 * grown.keys.size  # still at most half full
    large = wordtable.new_table(wordtable.FAST_GROWTH_WORDS, 1 << 10)
    assert wordtable.reserve(large, large.keys.size + 1, 1).keys.size == 2 * large.keys.size
    assert wordtable.reserve(small, 1 << 20, 1).keys.size == 1 << 20  # all that was asked for


def test_words_that_decode_alike_are_one_word(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"a\xff a\xfe a\xef\xbf\xbd b\n")  # three byte strings, one str: "a\ufffd"
    raw = read(tmp_path, [str(path)])
    assert raw.word_counts() == {"a\ufffd": 3, "b": 1}
    assert raw_tokens(raw) == ["a\ufffd"] * 3 + ["b"]


@pytest.mark.parametrize("threads, piece_bytes", [(1, None), (2, 16)])
def test_the_first_bytes_that_are_not_utf8_are_reported_with_their_line(tmp_path, threads, piece_bytes):
    path = tmp_path / "c.txt"
    path.write_bytes(b"good words here\nand here too\nnow caf\xe9 and \xff\nmore \xfe\n")
    found = []
    read(tmp_path, [str(path)], threads, piece_bytes, lambda name, line: found.append((name, line)))
    assert found == [(str(path), 3)]


@pytest.mark.parametrize("threads, piece_bytes", [(1, None), (2, 8)])
def test_a_nul_byte_is_refused_with_its_line(tmp_path, threads, piece_bytes):
    path = tmp_path / "c.txt"
    path.write_bytes(b"one two\nthree four\nfive six seven\nnine \x00 ten\nlater \x00\n")
    with pytest.raises(DatasetError, match=rf"^{path}:4: a NUL byte"):
        read(tmp_path, [str(path)], threads, piece_bytes)
    assert not [name for name in os.listdir(tmp_path / f"spool-{threads}-{piece_bytes}")]


def test_a_run_without_whitespace_longer_than_the_limit_is_refused(tmp_path, small_buffers):
    path = tmp_path / "c.txt"
    path.write_bytes(b"a b\nc d\n" + b"x" * 65 + b"\n")
    with pytest.raises(DatasetError, match=rf"^{path}:3: more than 64 bytes without whitespace"):
        read(tmp_path, [str(path)])
    path.write_bytes(b"a b\nc d\n" + b"x" * 64 + b"\n")  # at the limit: a word
    assert read(tmp_path, [str(path)]).word_counts()["x" * 64] == 1


def test_tokens_longer_than_a_buffer_are_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "CHUNK_BYTES", 1000)
    long_word = "λ" * 1500  # 3,000 bytes: three buffers
    path = tmp_path / "c.txt"
    path.write_text(f"a {long_word} b\n{long_word}", encoding="utf-8")
    raw = read(tmp_path, [str(path)])
    assert raw_tokens(raw) == ["a", long_word, "b", long_word]


def test_compressed_files_directories_and_file_ends(tmp_path):
    text = "one two\r\nthree\tfour  five\n\n\nsix"  # CRLF, tabs, runs, no final newline
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(text)
    with gzip.open(folder / "b.txt.gz", "wt") as handle:
        handle.write(text)
    with bz2.open(folder / "c.txt.bz2", "wt") as handle:
        handle.write(text)
    (folder / ".hidden").write_text("never read")
    raw = read(tmp_path, [str(folder)], threads=2)
    assert raw_tokens(raw) == text.split() * 3
    assert raw_line_ends(raw) == [2, 5, 6, 8, 11, 12, 14, 17, 18]  # a file's end ends a line


def test_a_damaged_gzip_file_is_named(tmp_path):
    path = tmp_path / "c.txt.gz"
    path.write_bytes(gzip.compress(b"some words " * 1000)[:-40])
    with pytest.raises(DatasetError, match=rf"^{path}: read failed"):
        read(tmp_path, [str(path)])


def test_a_file_that_shrinks_while_read_is_an_error(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"word " * 1000)
    pieces = reader.plan_pieces([str(path)], 1)
    path.write_bytes(b"word " * 10)
    with pytest.raises(DatasetError, match="changed while being read"):
        reader.read_text(pieces, str(tmp_path))


def test_standard_input_is_read(tmp_path):
    script = ("import sys; from fastw2v import reader; from tests.test_reader import raw_tokens; "
              "raw = reader.read_text(reader.plan_pieces(['-'], 2), sys.argv[1], 2); "
              "print(' '.join(raw_tokens(raw)))")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], input=b"x y\nz \xc3\xa9\n",
                          capture_output=True, check=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert done.stdout.decode().split() == ["x", "y", "z", "\u00e9"]


def test_a_100_mb_line_is_read_in_bounded_memory(tmp_path):
    words = np.array([f"w{i}".encode() for i in range(1000)], dtype=object)
    rng = np.random.default_rng(1)
    chunk = b" ".join(words[rng.integers(0, 1000, 200_000)].tolist()) + b" "  # ~1.1 MB
    path = tmp_path / "line.txt"
    with open(path, "wb") as handle:
        for _ in range(100_000_000 // len(chunk) + 1):
            handle.write(chunk)
    raw = read(tmp_path, [str(path)], threads=2)
    assert raw.n_tokens == 200_000 * (100_000_000 // len(chunk) + 1)
    assert raw_line_ends(raw) == [raw.n_tokens]  # one line
    assert len(raw.words) == 1000


def test_pieces_cut_at_whitespace_and_cover_the_file(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"abc def\nghij klm nop\n" * 100)
    pieces = reader.plan_pieces([str(path)], 2, piece_bytes=50)
    assert pieces[0].start == 0 and pieces[-1].stop == os.path.getsize(path)
    assert all(a.stop == b.start for a, b in zip(pieces, pieces[1:]))
    data = path.read_bytes()
    assert all(data[p.start - 1:p.start] in (b" ", b"\n") for p in pieces[1:])
    assert [p.ends_line for p in pieces] == [False] * (len(pieces) - 1) + [True]


def test_pieces_shrink_towards_the_inputs_end(tmp_path, monkeypatch):
    """On several threads each piece is the bytes left to plan (later files' too) over
    SHARE_DIVISOR·threads, within the piece limits: large first, the smallest last, so that a
    thread slowed near the end leaves the others a short wait."""
    monkeypatch.setattr(reader, "MIN_PIECE_BYTES", 100)
    monkeypatch.setattr(reader, "MAX_PIECE_BYTES", 2000)
    line = b"ab cd\n"  # cut bytes every 3 bytes: a piece ends within 3 bytes of its mark
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_bytes(line * 2000)
    second.write_bytes(line * 500)
    pieces = reader.plan_pieces([str(first), str(second)], 2)
    sizes = [p.stop - p.start for p in pieces]
    total = 6 * 2500
    expected, left = [], total
    for path_size in (12000, 3000):
        at = 0
        while at < path_size:
            share = min(2000, max(100, -(-left // (reader.SHARE_DIVISOR * 2))))
            step = min(share, path_size - at)
            expected.append(step)
            at, left = at + step, left - step
    assert [p.path for p in pieces].count(str(second)) > 1  # the second file is cut too
    assert all(abs(size - want) <= 3 for size, want in zip(sizes, expected)) and len(sizes) == len(expected)
    assert abs(sizes[0] - 2000) <= 3  # the first at the upper limit
    assert sizes[-2] < sizes[len(sizes) // 3]  # shrinking
    assert reader.plan_pieces([str(first), str(second)], 1) == [reader.file_piece(str(first)),
                                                                 reader.file_piece(str(second))]


def test_a_cut_mark_in_a_long_run_cuts_after_it(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "FIRST_LOOK_BYTES", 8)  # the run is longer than the first look
    path = tmp_path / "c.txt"
    data = b"ab " + b"x" * 300 + b" cd " + b"y" * 50 + b"\n"
    path.write_bytes(data)
    pieces = reader.plan_pieces([str(path)], 2, piece_bytes=100)
    assert [p.start for p in pieces] == [0, 304, 307]
    raw = read(tmp_path, [str(path)], 2, 100)
    assert raw_tokens(raw) == data.decode().split()


def test_a_raw_corpus_saved_loads_the_same(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes("x y z \u00e9 y\n".encode() * 50)
    raw = read(tmp_path, [str(path)], threads=2, piece_bytes=30)
    raw.save()
    again = RawCorpus.load(raw.directory)
    assert again.words == raw.words and np.array_equal(again.counts, raw.counts)
    assert raw_tokens(again) == raw_tokens(raw)


def test_the_scanners_keys_are_the_tables_definition():
    # Words of 1 to 20 bytes, the last ones so near the array's end that the 8-byte loads give way
    # to the byte-by-byte path; a merge must then find every one of them.
    words = [bytes(range(97, 97 + n)) for n in range(1, 21)] + ["\u00e9t\u00e9-\u65e5\u672c".encode()]
    data = np.frombuffer(b" ".join(words), dtype=np.uint8)
    table = wordtable.new_table()
    ids = np.zeros(textscan.buffer_capacity(data.size), dtype=np.int32)
    textscan.scan(data, 0, data.size, table, ids, ids.astype(np.int64), textscan.new_state())
    for w, word in enumerate(words):
        raw = np.frombuffer(word, dtype=np.uint8)
        assert (table.keys[w], table.hashes[w]) == wordtable.key_of(raw, 0, raw.size)
    merged, remap = wordtable.merge(wordtable.new_table(), table)
    again, remap_again = wordtable.merge(merged, table)
    assert remap.tolist() == remap_again.tolist() and sorted(remap.tolist()) == list(range(len(words)))
    assert wordtable.counts_of(again).tolist() == [2] * len(words)
    merged_words = wordtable.words_of(again)
    assert [merged_words[i] for i in remap.tolist()] == [word.decode() for word in words]


def test_a_warning_made_an_error_leaves_no_spool(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"a \xff b\n")

    def refuse(name, line):
        raise RuntimeError(f"{name}:{line}")

    with pytest.raises(RuntimeError, match=":1$"):
        read(tmp_path, [str(path)], on_bad_utf8=refuse)
    assert os.listdir(tmp_path / "spool-1-None") == []
