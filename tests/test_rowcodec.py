"""The compiled row codec against Python: ``%.9g``/``%.17g`` byte for byte on values covering
every exponent, the rows it leaves to Python, and the exact parser against float() -> float32."""

import io
from decimal import Decimal

import numpy as np
import pytest

from fastw2v import filewords, formats, numtext, rowcodec

F32 = np.float32


def python_text(words, vectors, digits):
    """What the writer wrote before it was compiled: one ``%`` per row."""
    return b"".join(rowcodec.python_line(word, row, digits) for word, row in zip(words, vectors))


def compiled_text(words, vectors, digits, margin=0.0):
    """(bytes written by format_text_rows, indices of the rows it left to Python)."""
    joined, starts = filewords.check_writable("test", words, vectors)
    out = np.empty(len(joined) + vectors.size * (digits + 8) + len(vectors), dtype=np.uint8)
    line_starts = np.empty(len(vectors) + 1, dtype=np.int64)
    end = rowcodec.format_text_rows(vectors.astype(np.float64), digits, joined, starts, 0, out, line_starts,
                                    margin, numtext.POWERS)
    return out[:end].tobytes(), np.flatnonzero(line_starts[1:] == line_starts[:-1])


def assert_formats_like_python(values, digits, width=100):
    """Format `values` (1-D) as rows of `width` and compare with Python number by number."""
    values = np.concatenate([values, np.zeros(-len(values) % width, dtype=values.dtype)])
    rows = values.reshape(-1, width)
    words = [f"w{i}" for i in range(len(rows))]
    written, left = compiled_text(words, rows, digits)
    assert not len(left), f"rows left to Python: {left[:5]}"
    ours, theirs = written.split(), python_text(words, rows, digits).split()
    bad = [(a, b) for a, b in zip(ours, theirs) if a != b]
    assert not bad and len(ours) == len(theirs), f"first differences (ours, Python's): {bad[:5]}"


def float32_cover(rng, n_random=200_000):
    """float32 values for every exponent: random bit patterns (subnormals included), powers of
    ten and their neighbours, dyadic values with ties at 9 digits, zeros and extremes."""
    bits = rng.integers(0, 2 ** 32, size=n_random, dtype=np.uint64).astype(np.uint32)
    random = bits.view(F32)
    powers = F32(10.0) ** np.arange(-45, 39, dtype=F32)
    near = [powers]
    for toward in (F32(0), F32(np.inf)):
        step = powers.copy()
        for _ in range(4):
            step = np.nextafter(step, toward)
            near.append(step)
    ties = np.array([(2 * i + 1) / 2.0 ** j for j in (10, 14, 20, 27) for i in range(50, 600)], dtype=F32)
    special = np.array([0.0, -0.0, 1e-45, -1e-45, np.finfo(F32).tiny, np.finfo(F32).max, 1.0, 0.5,
                        9.999999995e-3, 1e-5, 1e-4, 1.5e-5, 1e9, 123456789, 1e10], dtype=F32)
    values = np.concatenate([random, *near, ties, special])
    values = values[np.isfinite(values)]
    return np.concatenate([values, -values])


def test_float32_numbers_are_written_as_pythons_9g():
    assert_formats_like_python(float32_cover(np.random.default_rng(0)), 9)


def test_any_double_rounds_like_pythons_9g_even_across_a_power_of_ten():
    rng = np.random.default_rng(1)
    carries = np.array([9.999999995e-3, 9.9999999951e-3, 99999999.95, 999999999.5, 9.9999999996e20,
                        0.99999999949, 0.1005859375, 0.1005859385])  # up, down, exact ties
    random = 10.0 ** rng.uniform(-44, 38, size=50_000) * rng.choice([-1.0, 1.0], size=50_000)
    assert_formats_like_python(np.concatenate([carries, random]), 9)


def test_float64_numbers_are_written_as_pythons_17g():
    rng = np.random.default_rng(2)
    bits = rng.integers(0, 2 ** 63, size=100_000, dtype=np.int64).view(np.float64)
    in_range = bits[(np.abs(bits) >= 1e-280) & (np.abs(bits) < 1e300)]
    powers = 10.0 ** np.arange(-279, 300)
    near = [np.nextafter(powers, toward) for toward in (0.0, np.inf)]
    # 8 integer digits and 10 decimals ending in 5: exact ties at 17 digits.
    ties = np.array([(2 * i + 1) / 1024 for i in range(10 ** 10, 10 ** 10 + 300)])
    values = np.concatenate([in_range, powers, *near, ties, rng.normal(size=20_000), [0.0, -0.0]])
    assert_formats_like_python(np.concatenate([values, -values]), 17)


def test_float64_beyond_the_table_goes_to_python_and_still_matches():
    words = ["tiny", "huge", "plain"]
    vectors = np.array([[5e-324, 1.0], [1.5e300, 2.0], [0.25, 3.0]])
    written, left = compiled_text(words, vectors, 17)
    assert list(left) == [0, 1] and written == python_text(words[2:], vectors[2:], 17)
    out = io.BytesIO()
    rowcodec.write_text_rows(out, words, vectors, *filewords.check_writable("test", words, vectors))
    assert out.getvalue() == python_text(words, vectors, 17)


# margin: relative to the scaled value (10^8..10^9 at 9 digits, 10^16..10^17 at 17), here about
# 0.001 to 0.01 around each tie: a few numbers in a hundred, so some rows and not others.
@pytest.mark.parametrize("digits, dtype, margin", [(9, F32, 1e-11), (17, np.float64, 1e-19)])
def test_rows_near_a_tie_go_to_python_and_the_output_is_unchanged(monkeypatch, digits, dtype, margin):
    rng = np.random.default_rng(3)
    vectors = (rng.normal(size=(300, 20)) * 10.0 ** rng.integers(-8, 8, size=(300, 20))).astype(dtype)
    words = [f"w{i}" for i in range(300)]
    _, left = compiled_text(words, vectors, digits, margin)
    assert 10 < len(left) < 290
    monkeypatch.setattr(rowcodec, "_OUT_BYTES", 4096)  # many chunks, through the thread
    out = io.BytesIO()
    joined, starts = filewords.check_writable("test", words, vectors)
    rowcodec.write_text_rows(out, words, vectors, joined, starts, margin)
    assert out.getvalue() == python_text(words, vectors, digits)


def test_integer_arrays_are_written_by_python_as_before(tmp_path):
    formats.save_word2vec_text(tmp_path / "ints", ["a", "b"], np.array([[1, -2], [2 ** 60 + 1, 0]]))
    assert (tmp_path / "ints").read_bytes() == b"2 2\na 1 -2\nb 1.152921504606847e+18 0\n"


def parse(token):
    """(value, ok) of the compiled parser on one token (bytes)."""
    data = np.frombuffer(token + b" ", dtype=np.uint8)
    value, end, ok = numtext.parse_number(data, 0)
    assert not ok or end == len(token)
    return value, ok


def reference(token):
    return np.array([token], dtype=np.float64).astype(F32)[0]


def same_float32(a, b):
    return np.array(a, dtype=F32).view(np.uint32) == np.array(b, dtype=F32).view(np.uint32)


def number_strings(rng):
    """Tokens as the writers we read write them: ours (%.9g), the C tool's (%lf), gensim's
    (shortest repr), float64's %.17g and repr, and hand-written forms."""
    values = (rng.normal(size=20_000) * 10.0 ** rng.integers(-12, 12, size=20_000)).astype(F32)
    doubles = rng.normal(size=5_000) * 10.0 ** rng.integers(-6, 6, size=5_000)
    tokens = ["%.9g" % float(x) for x in values]
    tokens += [f"{float(x):f}" for x in values[:5000] % 100]
    tokens += [str(x) for x in values[:5000]]
    tokens += ["%.17g" % x for x in doubles] + [repr(float(x)) for x in doubles]
    tokens += ["+1", "+.5", ".5", "5.", "-0", "-0.0", "0e99999", "-0e-5", "1e5", "1E+05", "-2.5e-3",
               "007", "0.000000000000000000001234", "123456789012345678901234", "1.5e22", "1.5e-22",
               "9007199254740993", "0.1000000000000000055511151231257827", "3.4028235e38", "1e-22",
               "4.94065645841246544e-324", "12345678901234567890e-30", "1" * 40]
    return [t.encode() for t in tokens]


def test_the_parser_gives_what_numpy_gives_on_the_numbers_files_hold():
    tokens = number_strings(np.random.default_rng(4))
    accepted = 0
    for token in tokens:
        value, ok = parse(token)
        if ok:
            accepted += 1
            assert same_float32(value, reference(token)), token
    assert accepted > 0.99 * len(tokens)  # the fast path, not the fallback, read them


def test_double_rounding_through_float64_is_kept():
    """16-digit decimals next to a float32 midpoint that round to the midpoint as float64:
    parsed as float64 then cast (as numpy does), they go to the even neighbour, where rounding
    the decimal straight to float32 would pick the nearer one."""
    rng = np.random.default_rng(5)
    low = rng.uniform(0.1, 1000.0, size=20_000).astype(F32)
    high = np.nextafter(low, F32(np.inf))
    middles = (low.astype(np.float64) + high) / 2  # exact in float64
    differs = 0
    for below, above, middle in zip(low, high, middles):
        token = "%.16g" % middle
        if float(token) != middle or Decimal(token) == Decimal(middle):
            continue
        value, ok = parse(token.encode())
        assert not ok or same_float32(value, reference(token.encode())), token
        differs += ok and (above if Decimal(token) > Decimal(middle) else below) != value
    assert differs > 100


@pytest.mark.parametrize("token", [b"inf", b"-inf", b"nan", b"1_0", b"0x10", b"1e", b".", b"-", b"+-1",
                                   b"1.2.3", b"1e+", b"e5", b"1d5", b"1.5x", b"1e-30", b"1e39"])
def test_the_parser_leaves_what_it_cannot_read_exactly(token):
    assert not parse(token)[1]


def write_lines(path, lines, dim):
    path.write_bytes(f"{len(lines)} {dim}\n".encode() + b"".join(line + b"\n" for line in lines))


def old_reader_rows(lines):
    return np.array([np.array(line.split()[1:], dtype=np.float64).astype(F32) for line in lines])


def test_lines_the_fast_path_leaves_are_read_by_python_in_place(tmp_path):
    lines = [b"a 0.5 -1.25", b"b 1_0 1e-30", b"c\t2.5\x0b7\r", b"d 3 1.40129846e-45", b"e 7 8 "]
    write_lines(tmp_path / "mixed", lines, 2)
    words, vectors = formats.load_word2vec_text(tmp_path / "mixed")
    assert words == list("abcde")
    np.testing.assert_array_equal(vectors.view(np.uint32), old_reader_rows(lines).view(np.uint32))


@pytest.fixture
def small_buffers(monkeypatch):
    """Readers' word buffers of a few rows, so that a file takes many compiled calls."""
    monkeypatch.setattr(formats, "_CHUNK_ROWS", 7)
    monkeypatch.setattr(formats, "_CHUNK_BYTES", 64)


@pytest.mark.parametrize("kind", [formats.TEXT, formats.BINARY])
def test_round_trip_through_many_buffers_keeps_every_bit(tmp_path, small_buffers, monkeypatch, kind):
    monkeypatch.setattr(rowcodec, "_OUT_BYTES", 1000)
    rng = np.random.default_rng(6)
    words = [f"w{i}" for i in range(500)] + ["café", "日本語"]
    vectors = (rng.normal(size=(502, 9)) * 10.0 ** rng.integers(-40, 38, size=(502, 9))).astype(F32)
    save = formats.save_word2vec_text if kind == formats.TEXT else formats.save_word2vec_binary
    save(tmp_path / "v", words, vectors)
    found = formats.read_vectors(tmp_path / "v")
    assert found.format == kind and found.words == words
    np.testing.assert_array_equal(found.vectors.view(np.uint32), vectors.view(np.uint32))


def test_text_output_is_the_old_writers_byte_for_byte(tmp_path):
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(2000)]
    vectors = (rng.normal(size=(2000, 50)) * 0.3).astype(F32)
    formats.save_word2vec_text(tmp_path / "v", words, vectors)
    assert (tmp_path / "v").read_bytes() == b"2000 50\n" + python_text(words, vectors, 9)


@pytest.mark.parametrize("kind, content, message", [
    ("text", b"3 1\na 1\nb 2\na 3\n", r":4: word 'a' repeats line 2"),
    ("text", b"3 1\na 1\nb 2\nc 1e400\n", r":4: number 1, b'1e400', is not a finite float32"),
    ("binary", b"2 1\na " + F32(1).tobytes() + b"\na " + F32(2).tobytes(),
     r"word 1 \(byte 11\): word 'a' repeats word 0"),
])
def test_errors_found_after_a_buffer_name_the_right_row(tmp_path, small_buffers, kind, content, message):
    path = tmp_path / "v"
    path.write_bytes(content)
    load = formats.load_word2vec_text if kind == "text" else formats.load_word2vec_binary
    with pytest.raises(formats.FormatError, match=message):
        load(path)


def test_words_that_are_not_utf8_in_a_batch_are_replaced_as_before(tmp_path, small_buffers):
    write_lines(tmp_path / "v", [b"ok 1", b"caf\xe9 2", b"x\xff 3"], 1)
    assert formats.load_word2vec_text(tmp_path / "v")[0] == ["ok", "caf\ufffd", "x\ufffd"]
