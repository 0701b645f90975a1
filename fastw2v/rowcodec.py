"""Compiled encoders and decoders for the rows of word2vec files, used by `fastw2v.formats`.

- `format_text_rows` writes C's ``%.9g`` (float32 values) or ``%.17g`` (float64), byte for byte
  what Python's ``'%.9g' % float(x)`` gives. The value times a power of ten held as two doubles
  (`POWERS`) is known within 2^-104 of itself, so the rounding is certain unless it lies that
  close to a tie; such a row is left to Python (no float32 value is known to need it). Products
  by 10^0..10^22 are exact, so real ties (0.1005859375 at 9 digits) are rounded half-even here.
  Magnitudes outside [1e-280, 1e300) (float64 subnormals among them) are left to Python too.
- `scan_text_rows` reads ``word n1 ... nD`` lines. A number ``[+-]digits[.digits][e[+-]digits]``
  becomes float32 as ``np.float32(float(s))`` does: its float64 is one correctly rounded
  operation when the mantissa is below 2^53 and the power of ten within 10^-22..10^22 (the exact
  fast path), then cast. A longer mantissa is cut below 2^53 and kept when both ends of the cut
  interval give the same float32. Anything else (``inf``, ``1_0``, ``1e-30``, a wrong count)
  stops the scan at that line, for Python to read it and give its error.
- `scan_binary_rows` and `pack_binary_rows` read and write the C tool's binary rows.
- `write_text_rows`, `write_binary_rows` and `scan` are their Python side: chunking, threads,
  the rows Python writes, and views of memory-mapped files.

Words travel as UTF-8 bytes, each followed by a space (a word never holds one): the readers
copy them into such a buffer, the writers take one with the start of each word. The
intrinsics below index without numba's test for negative indices, which costs more than the
arithmetic in these loops.
"""

import collections
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

# Why a scan returned: the rows are done or the data ended; the word buffers are full (call
# again); the line or row at the returned position needs Python.
DONE, FULL, STOPPED = 0, 1, 2

# Powers of ten as a double-double ph + pl (pl is 0 where 10^k is a double), ph cut in halves
# ph1 + ph2 of 26 bits for exact products; index k - POW_MIN.
POW_MIN, POW_MAX = -290, 300
_SPLIT = 134217729.0  # 2^27 + 1: Veltkamp's splitting constant
_EXACT_LIMIT = 2 ** 53  # integers up to here are doubles


def _powers_of_ten():
    """float64 (POW_MAX - POW_MIN + 1, 4): ph, pl, ph1, ph2 of each 10^k, from exact integers."""
    table = np.zeros((POW_MAX - POW_MIN + 1, 4))
    for k in range(POW_MIN, POW_MAX + 1):
        numerator, denominator = (10 ** k, 1) if k >= 0 else (1, 10 ** -k)
        high = numerator / denominator  # int / int: correctly rounded
        top, bottom = high.as_integer_ratio()
        table[k - POW_MIN, :2] = high, (numerator * bottom - top * denominator) / (denominator * bottom)
    scaled = table[:, 0] * _SPLIT
    table[:, 2] = scaled - (scaled - table[:, 0])
    table[:, 3] = table[:, 0] - table[:, 2]
    return table


POWERS = _powers_of_ten()
EXACT_POWERS = 10.0 ** np.arange(23)  # 10^0..10^22: exact doubles
INT_POWERS = 10 ** np.arange(19, dtype=np.int64)
_DIGIT_PAIRS = np.frombuffer(b"".join(b"%02d" % i for i in range(100)), dtype=np.uint8).copy()
_PARSE_KEEP = 18  # significant digits kept while parsing: fits an int64
_OUT_BYTES = 1 << 22  # the writers' buffer
_IS_SPACE = np.zeros(256, dtype=np.bool_)
_IS_SPACE[list(b" \t\n\r\x0b\x0c")] = True  # what bytes.split() splits on


@intrinsic
def _bits(typingctx, x):
    """The IEEE-754 bits of a float64, as uint64 (reinterpreted, not converted)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.uint64(types.float64), codegen


def _pointer(context, builder, array_type, array, index_type, index):
    """LLVM pointer to array[index] of a 1-D array, with no test for an index from the end."""
    array = context.make_array(array_type)(context, builder, array)
    return cgutils.get_item_pointer2(
        context, builder, data=array.data, shape=cgutils.unpack_tuple(builder, array.shape),
        strides=cgutils.unpack_tuple(builder, array.strides), layout=array_type.layout,
        inds=[context.cast(builder, index, index_type, types.intp)], wraparound=False)


def _is_index(array, index):
    return isinstance(array, types.Array) and array.ndim == 1 and isinstance(index, types.Integer)


@intrinsic
def _get(typingctx, array, index):
    """array[index] (1-D array, 0 <= index < its length) without the test for an index from the
    end that numba adds to signed indices: with `_put`, most of the work it would be here."""
    if not _is_index(array, index):
        return None

    def codegen(context, builder, signature, args):
        (array_type, index_type), (array, index) = signature.args, args
        return builder.load(_pointer(context, builder, array_type, array, index_type, index))

    return array.dtype(array, index), codegen


@intrinsic
def _put(typingctx, array, index, value):
    """array[index] = value (integer, cast to the array's type), as `_get`."""
    if not (_is_index(array, index) and isinstance(value, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        pointer = _pointer(context, builder, signature.args[0], args[0], signature.args[1], args[1])
        builder.store(context.cast(builder, args[2], signature.args[2], signature.args[0].dtype), pointer)
        return context.get_dummy_value()

    return types.void(array, index, value), codegen


@intrinsic
def _put8(typingctx, array, index, value):
    """array[index:index + 8] = the bytes of value (int64), least significant first, in one
    unaligned store (C-contiguous 1-D uint8 array; index + 8 <= its length)."""
    if not (_is_index(array, index) and array.dtype == types.uint8 and array.layout == "C"
            and isinstance(value, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        pointer = _pointer(context, builder, signature.args[0], args[0], signature.args[1], args[1])
        value = context.cast(builder, args[2], signature.args[2], types.int64)
        if sys.byteorder == "big":
            value = builder.bswap(value)
        builder.store(value, builder.bitcast(pointer, ir.IntType(64).as_pointer()), align=1)
        return context.get_dummy_value()

    return types.void(array, index, value), codegen


@njit(cache=True, nogil=True, inline="always")
def _scaled(a, k, powers):
    """a * 10^k as h + t (h the rounded product, t the rest), and whether that sum is exact.

    a: float64 > 0 below 2^996; 10^k in the table. Error below 2^-104 * a * 10^k otherwise.
    """
    row = np.uint64(k - POW_MIN)  # unsigned indices: no test for an index from the end
    high = a * powers[row, 0]
    scaled = _SPLIT * a
    a1 = scaled - (scaled - a)
    a2 = a - a1
    # Dekker's product: the exact rounding error of a * ph, with no fused multiply-add.
    p1, p2 = powers[row, 2], powers[row, 3]
    error = ((a1 * p1 - high) + a1 * p2 + a2 * p1) + a2 * p2
    low = powers[row, 1]
    return high, error + a * low, low == 0.0


@njit(cache=True, nogil=True, inline="always")
def _settle(integer, fraction, up, digits):
    """(n, shift) of `_round_at` from the integer part and fraction of a * 10^k and whether it
    rounds up.

    An integer part one below 10^(digits-1) with a fraction near 1 (above 0.95 would do; 0.99
    leaves room for the error) is 10^(digits-1) here, as the decade below rounds it to
    10^digits and carries: powers of ten, which land a hair either side of the range, then do
    not move back and forth.
    """
    low = INT_POWERS[np.uint64(digits - 1)]
    if integer < low - 1 or (integer == low - 1 and fraction <= 0.99):
        return 0, -1
    if integer + up > INT_POWERS[np.uint64(digits)]:
        return 0, 1
    return integer + up, 0  # past low - 1, up is True: its fraction is above 0.99


@njit(cache=True, nogil=True, inline="always")
def _round_at(a, e10, digits, margin, powers):
    """The `digits` significant digits of a > 0 if its decimal exponent is e10, correctly rounded
    (ties to even): (n, shift). shift is 0 when e10 is right (n is then the digits, 10^digits
    after a carry, or -1 when the rounding cannot be decided within `margin` (relative) of a
    tie), else the decade to move to (+1 or -1)."""
    k = digits - 1 - e10
    if k < POW_MIN or k > POW_MAX:
        return -1, 0
    h = a * powers[np.uint64(k - POW_MIN), 0]
    whole = np.floor(h)
    # h alone is within 2^-52 h of a * 10^k: far enough from a tie, it decides (at 9 digits;
    # at 17, h is an integer and the bound passes 0.5).
    if abs((h - whole) - 0.5) > h * (margin + 2.0 ** -50):
        return _settle(np.int64(whole), h - whole, h - whole > 0.5, digits)
    h, t, exact = _scaled(a, k, powers)
    whole = np.floor(h)
    # |t| < 2 ulp(h): when h has a fraction, t cannot move the integer part by more than the
    # rounding settles; when h is an integer (always at 17 digits), t's floor adds to it.
    below = np.floor(t) if h == whole else 0.0
    integer = np.int64(whole) + np.int64(below)
    # past_half > 0 above the tie: its sign is exact (one rounding of an exact difference).
    past_half = ((h - whole) - (below + 0.5)) + t
    bound = h * (margin if exact else margin + 2.0 ** -100)
    if abs(past_half) <= bound and not (bound == 0.0 and past_half == 0.0):
        return -1, 0
    up = (past_half > 0.0) | ((past_half == 0.0) & (integer & 1 == 1))
    return _settle(integer, past_half + 0.5, up, digits)


@njit(cache=True, nogil=True)
def _round_moving(a, e10, digits, margin, powers):
    """`_round_at` from e10, moving a decade at a time until it is right: (n, e10)."""
    for _ in range(3):
        n, shift = _round_at(a, e10, digits, margin, powers)
        if shift == 0:
            return n, e10
        e10 += shift
    return -1, 0


@njit(cache=True, nogil=True, inline="always")
def _round_digits(a, bits, digits, margin, powers):
    """The `digits` significant digits of a > 0 (normal; IEEE bits `bits`), correctly rounded
    (ties to even), and their decimal exponent: (n, e) with 10^(digits-1) <= n < 10^digits,
    a ~ n * 10^(e - digits + 1); n is -1 when `_round_at` cannot decide."""
    exponent2 = np.int64((bits >> np.uint64(52)) & np.uint64(0x7FF)) - 1023  # 2^exponent2 <= a
    e10 = (exponent2 * 315653) >> 20  # floor(exponent2 * log10(2)): one below log10(a) at most
    e10 += a >= powers[np.uint64(e10 + 1 - POW_MIN), 0]
    n, shift = _round_at(a, e10, digits, margin, powers)
    if shift != 0:  # the table's powers are rounded: a hair from 10^e10
        n, e10 = _round_moving(a, e10 + shift, digits, margin, powers)
    if n == INT_POWERS[np.uint64(digits)]:
        return INT_POWERS[np.uint64(digits - 1)], e10 + 1
    return n, e10


@njit(cache=True, nogil=True, inline="always")
def _put_pair(out, end, pair):
    """Write 0 <= pair < 100 as two digits before out[end]."""
    at = np.uint64(2 * pair)  # unsigned: no check for an index from the end
    _put(out, end - 1, _DIGIT_PAIRS[at + np.uint64(1)])
    _put(out, end - 2, _DIGIT_PAIRS[at])


@njit(cache=True, nogil=True, inline="always")
def _eight_digits(v):
    """The ASCII digits of 0 <= v < 10^8 in one int64, the first in its lowest byte.

    Lanes of one integer split the number in halves, quarters, then digits at once, each
    division a multiply and shift that is exact in its range; no lane carries into the next.
    """
    high = (v * 109951163) >> 40  # v // 10^4, exact below 10^8
    x = high | ((v - high * 10000) << 32)  # two 4-digit lanes
    hundreds = ((x * 10486) >> 20) & 0x0000007F0000007F  # lane // 100, exact below 10^4
    pairs = hundreds | ((x - hundreds * 100) << 16)  # four 2-digit lanes
    tens = ((pairs * 103) >> 10) & 0x000F000F000F000F  # lane // 10, exact below 100
    return (tens | ((pairs - tens * 10) << 8)) + 0x3030303030303030


@njit(cache=True, nogil=True, inline="always")
def _put_digits(out, end, n, digits):
    """Write n (int64 of exactly `digits` digits, 9 or 17) before out[end]."""
    if digits == 17:
        high = np.int64(np.uint64(n) // np.uint64(100000000))
        _put8(out, end - 8, _eight_digits(n - high * 100000000))
        end -= 8
        n = high
    top = (n * 1441151881) >> 57  # n // 10^8, exact below 10^9
    _put8(out, end - 8, _eight_digits(n - top * 100000000))
    _put(out, end - 9, 48 + top)


@njit(cache=True, nogil=True, inline="always")
def _kept_digits(n, digits):
    """How many of the `digits` digits of n > 0 are left without its trailing zeros."""
    if digits == 9:
        if n - ((n * 3435973837) >> 35) * 10 != 0:  # n % 10 for n < 2^32: the common case
            return 9
    elif np.uint64(n) % np.uint64(10) != 0:
        return digits
    while n % 10 == 0:
        n //= 10
        digits -= 1
    return digits


@njit(cache=True, nogil=True, inline="always")
def format_number(out, pos, x, digits, margin, powers):
    """Write ``'%.{digits}g' % x`` at out[pos:] (uint8, with digits + 8 bytes free); returns the
    position after it, or -1 when this number is left to Python (see the module docstring).
    digits: 9 or 17; x: float64.

    Every digit is written, and the end set before trailing zeros: fixed counts keep the
    loops' branches predictable, which matters more here than the bytes written.
    """
    bits = _bits(x)
    _put(out, pos, 45)
    pos += np.int64(bits >> np.uint64(63))
    a = abs(x)
    if a == 0.0:
        _put(out, pos, 48)
        return pos + 1
    if not 1e-280 <= a < 1e300:  # beyond the table (never at float32: 1.4e-45 to 3.4e38)
        return -1
    n, e10 = _round_digits(a, bits, digits, margin, powers)
    if n < 0:
        return -1
    kept = _kept_digits(n, digits)
    fraction = -4 <= e10 < 0  # 0.000ddd, else ddd.ddd or d.ddde+XX with the digits moved
    if fraction:  # three zeros written, the digits over the ones not needed
        _put(out, pos, 48)
        _put(out, pos + 1, 46)
        _put(out, pos + 2, 48)
        _put(out, pos + 3, 48)
        _put(out, pos + 4, 48)
    start = pos + 1 - e10 if fraction else pos + 1
    _put_digits(out, start + digits, n, digits)  # one call: each is compiled in full
    if fraction:
        return start + kept
    if 0 <= e10 < digits:  # ddd.ddd: the integer digits moved left of the point
        for i in range(e10 + 1):
            _put(out, pos + i, out[pos + 1 + i])
        _put(out, pos + e10 + 1, 46)
        return pos + 1 + kept if kept > e10 + 1 else pos + e10 + 1
    _put(out, pos, out[pos + 1])  # d.ddde+XX, as C's %g
    _put(out, pos + 1, 46)
    pos += 1 + kept if kept > 1 else 1
    _put(out, pos, 101)
    _put(out, pos + 1, 45 if e10 < 0 else 43)
    if abs(e10) < 100:
        _put_pair(out, pos + 4, abs(e10))
        return pos + 4
    _put(out, pos + 2, 48 + abs(e10) // 100)
    _put_pair(out, pos + 5, abs(e10) % 100)
    return pos + 5


@njit(cache=True, nogil=True)
def format_text_rows(vectors, digits, words, word_starts, first, out, line_starts, margin, powers):
    """Write text lines ``word n1 ... nD\\n`` for the rows of a chunk.

    Args:
        vectors: float64 (R, D), the chunk's rows (float32 ones converted: exactly, and one
            compiled version for both). digits: 9 or 17.
        margin: extra relative margin around ties (0.0; tests raise it).
        words: uint8, every word followed by a space; word i starts at word_starts[i] and
            ends a byte before word_starts[i + 1] (int64, V + 1). first: word index of row 0.
        out: uint8, at least sum of word bytes + R * (D * (digits + 8) + 1) long.
        line_starts: int64 (R + 1), filled with where each line starts in out, and the end.
    Returns:
        The bytes written. A row left to Python is written as nothing (line_starts[r] ==
        line_starts[r + 1]).
    """
    pos = 0
    for r in range(vectors.shape[0]):
        line_starts[r] = pos
        for i in range(word_starts[first + r], word_starts[first + r + 1] - 1):
            _put(out, pos, words[i])
            pos += 1
        for j in range(vectors.shape[1]):
            _put(out, pos, 32)
            pos = format_number(out, pos + 1, vectors[r, j], digits, margin, powers)
            if pos < 0:
                break
        if pos < 0:
            pos = line_starts[r]
        else:
            _put(out, pos, 10)
            pos += 1
    line_starts[vectors.shape[0]] = pos
    return pos


@njit(cache=True, nogil=True, inline="always")
def _decimal(mantissa, exponent):
    """mantissa * 10^exponent correctly rounded to float64 (mantissa <= 2^53, |exponent| <= 22)."""
    if exponent >= 0:
        return np.float64(mantissa) * EXACT_POWERS[np.uint64(exponent)]
    return np.float64(mantissa) / EXACT_POWERS[np.uint64(-exponent)]


@njit(cache=True, nogil=True)
def _long_mantissa(data, i):
    """The digits of a number with more than 18 at data[i:] (after the sign): (mantissa of the
    first 18 significant, its power of ten so far, whether a cut digit was not 0, end)."""
    mantissa, kept, scale, cut, point = 0, 0, 0, False, False
    while i < data.size:
        c = _get(data, i)
        if c == 46 and not point:
            point = True
        elif 48 <= c <= 57:
            if mantissa == 0 and c == 48:
                scale -= point  # a leading zero: only its place counts
            elif kept < _PARSE_KEEP:
                mantissa = mantissa * 10 + (c - 48)
                kept += 1
                scale -= point
            else:
                cut |= c != 48
                scale += not point
        else:
            break
        i += 1
    return mantissa, scale, cut, i


@njit(cache=True, nogil=True, inline="always")
def parse_number(data, i):
    """Parse the number starting at data[i] (uint8; not whitespace) and ending at whitespace or
    the end: (value, end, ok). value: float32 equal to ``np.float32(float(token))``; ok is False
    when the token is not in the fast path's syntax or range (value is then meaningless)."""
    n = data.size
    negative = _get(data, i) == 45
    if _get(data, i) == 43 or _get(data, i) == 45:
        i += 1
    begin, mantissa = i, 0
    while i < n and 48 <= _get(data, i) <= 57:
        mantissa = mantissa * 10 + (_get(data, i) - 48)
        i += 1
    seen, scale = i - begin, 0
    if i < n and _get(data, i) == 46:
        i += 1
        point = i
        while i < n and 48 <= _get(data, i) <= 57:
            mantissa = mantissa * 10 + (_get(data, i) - 48)
            i += 1
        seen, scale = seen + i - point, point - i
    if seen == 0:
        return np.float32(0.0), i, False
    cut = False
    if seen > _PARSE_KEEP:  # the int64 above overflowed: again, keeping 18 significant digits
        mantissa, scale, cut, i = _long_mantissa(data, begin)
    exponent = 0
    if i < n and (_get(data, i) | 32) == 101:
        i += 1
        sign = 1
        if i < n and (_get(data, i) == 43 or _get(data, i) == 45):
            sign = 44 - np.int64(_get(data, i))
            i += 1
        start = i
        while i < n and 48 <= _get(data, i) <= 57:
            if exponent < 100000:  # far past any double: the value is 0, inf or Python's
                exponent = exponent * 10 + (_get(data, i) - 48)
            i += 1
        if i == start:
            return np.float32(0.0), i, False
        exponent *= sign
    if i < n and not _IS_SPACE[_get(data, i)]:
        return np.float32(0.0), i, False
    if mantissa == 0:
        return np.float32(-0.0 if negative else 0.0), i, True
    exponent += scale
    while mantissa >= _EXACT_LIMIT:
        cut |= mantissa % 10 != 0
        mantissa //= 10
        exponent += 1
    if exponent < -22 or exponent > 22:
        return np.float32(0.0), i, False
    value = np.float32(_decimal(mantissa, exponent))
    # Cut digits: the value lies between the cut mantissa and the next; rounding is monotonic.
    if cut and np.float32(_decimal(mantissa + 1, exponent)) != value:
        return np.float32(0.0), i, False
    return -value if negative else value, i, True


@njit(cache=True, nogil=True)
def _skip_blanks(data, i):
    """The first index from i that is not whitespace other than a newline."""
    while i < data.size and _get(data, i) != 10 and _IS_SPACE[_get(data, i)]:
        i += 1
    return i


@njit(cache=True, nogil=True)
def scan_text_rows(data, pos, limit, vectors, row, words, word_ends):
    """Parse text lines ``word n1 ... nD`` from data[pos:] into vectors[row:].

    Args:
        data: uint8, the file. limit: the longest line accepted, newline included (bytes).
        vectors: float32 (V, D), filled from row `row` on.
        words: uint8 buffer receiving each line's word and a space; word_ends: int64, where each
            word ends in it. The scan stops when either is full.
    Returns:
        (pos, count, why): where the scan stopped, the lines (= rows) read, and DONE, FULL or
        STOPPED (the line at pos is not in the fast path's syntax: Python reads it).
    """
    n, dim = data.size, vectors.shape[1]
    count, filled = 0, 0
    while row < vectors.shape[0]:
        if pos >= n:
            return pos, count, DONE
        i = _skip_blanks(data, pos)
        word = i
        while i < n and not _IS_SPACE[_get(data, i)]:
            i += 1
        word_bytes = i - word
        if word_bytes == 0:
            return pos, count, STOPPED
        for j in range(dim):
            i = _skip_blanks(data, i)
            if i >= n or _get(data, i) == 10:
                return pos, count, STOPPED
            value, i, ok = parse_number(data, i)
            if not ok:
                return pos, count, STOPPED
            vectors[row, j] = value
        i = _skip_blanks(data, i)
        if i < n and _get(data, i) != 10:
            return pos, count, STOPPED
        end = min(i + 1, n)
        if end - pos > limit or (end - pos == limit and _get(data, end - 1) != 10):
            return pos, count, STOPPED
        if filled + word_bytes + 1 > words.size or count == word_ends.size:
            return pos, count, FULL
        for i in range(word, word + word_bytes):
            _put(words, filled, _get(data, i))
            filled += 1
        word_ends[count] = filled
        _put(words, filled, 32)
        filled += 1
        count += 1
        row += 1
        pos = end
    return pos, count, DONE


@njit(cache=True, nogil=True)
def scan_binary_rows(data, pos, max_word, rows, row, words, word_ends, row_starts):
    """Read binary rows (newlines, a word, a space, D float32) from data[pos:] into rows[row:].

    Args:
        data: uint8, the file. max_word: the longest word accepted (bytes).
        rows: uint8 (V, 4 D), the float32 bytes of each row as stored.
        words, word_ends: as in `scan_text_rows`; row_starts: int64 (like word_ends), where
            each row's word starts in data.
    Returns:
        (pos, count, why) as `scan_text_rows`; STOPPED: the row at pos is damaged.
    """
    n, width = data.size, rows.shape[1]
    count, filled = 0, 0
    while row < rows.shape[0]:
        while pos < n and _get(data, pos) == 10:  # the C tool's row end
            pos += 1
        space, last = pos, min(n, pos + max_word + 1)
        while space < last and _get(data, space) != 32:
            space += 1
        if space == pos or space == last or space + 1 + width > n:
            return pos, count, STOPPED
        word_bytes = space - pos
        if filled + word_bytes + 1 > words.size or count == word_ends.size:
            return pos, count, FULL
        words[filled:filled + word_bytes + 1] = data[pos:space + 1]
        filled += word_bytes
        word_ends[count] = filled
        filled += 1
        row_starts[count] = pos
        rows[row] = data[space + 1:space + 1 + width]
        count += 1
        row += 1
        pos = space + 1 + width
    return pos, count, DONE


@njit(cache=True, nogil=True)
def pack_binary_rows(rows, words, word_starts, first, out):
    """Write binary rows (a word, a space, the row's bytes, a newline) into out (uint8).

    rows: uint8 (R, 4 D), little-endian float32 bytes; words, word_starts, first: as in
    `format_text_rows`. Returns the bytes written.
    """
    pos = 0
    for r in range(rows.shape[0]):
        start, end = word_starts[first + r], word_starts[first + r + 1]
        out[pos:pos + end - start] = words[start:end]  # the word and the space after it
        pos += end - start
        out[pos:pos + rows.shape[1]] = rows[r]
        pos += rows.shape[1]
        out[pos] = 10
        pos += 1
    return pos


def write_text_rows(handle, words, vectors, joined, starts, margin=0.0):
    """Write the text lines of `vectors` (V, D) to the binary file `handle`, chunk by chunk:
    up to two threads format the next chunks while this one writes (the kernel holds no GIL).

    Args:
        words: the V str (for the rows Python writes). joined, starts: the words' bytes, as
            `format_text_rows` takes them.
        vectors: float32 -> ``%.9g``; float16 or float64 -> ``%.17g`` of the float64 value;
            any other dtype -> written by Python as ``%.17g``.
        margin: see `format_text_rows`.
    """
    if vectors.dtype.kind != "f" or vectors.dtype.itemsize > 8:
        for first in range(0, len(vectors), _OUT_BYTES // (18 * vectors.shape[1])):
            rows = vectors[first:first + _OUT_BYTES // (18 * vectors.shape[1])]
            handle.write(b"".join(python_line(word, row, 17) for word, row in zip(words[first:], rows)))
        return
    digits = 9 if vectors.dtype == np.float32 else 17
    per_chunk = max(1, _OUT_BYTES // (vectors.shape[1] * (digits + 8)))
    firsts = range(0, len(vectors), per_chunk)
    workers = min(2, os.cpu_count() or 1, len(firsts))
    # Chunk i goes to buffer i % (workers + 1): the one written is never one being formatted.
    buffers = [[np.empty(0, dtype=np.uint8), np.empty(per_chunk + 1, dtype=np.int64)]
               for _ in range(workers + 1)]

    def format_chunk(index):
        first, buffer = firsts[index], buffers[index % len(buffers)]
        chunk = np.ascontiguousarray(vectors[first:first + per_chunk], dtype=np.float64)
        buffer[0] = _big_enough(buffer[0], starts[first + len(chunk)] - starts[first]
                                + chunk.size * (digits + 8) + len(chunk))
        return format_text_rows(chunk, digits, joined, starts, first, buffer[0], buffer[1], margin, POWERS)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = collections.deque(pool.submit(format_chunk, index) for index in range(workers))
        for index, first in enumerate(firsts):
            end = pending.popleft().result()
            if index + workers < len(firsts):
                pending.append(pool.submit(format_chunk, index + workers))
            out, line_starts = buffers[index % len(buffers)]
            rows = vectors[first:first + per_chunk]
            written = 0
            for r in np.flatnonzero(line_starts[1:len(rows) + 1] == line_starts[:len(rows)]):
                handle.write(out[written:line_starts[r]])
                handle.write(python_line(words[first + r], rows[r], digits))
                written = line_starts[r]
            handle.write(out[written:end])


def python_line(word, row, digits):
    """One text line as Python's ``%`` writes it (``%.{digits}g`` numbers): UTF-8 bytes."""
    return (("%s " + " ".join([f"%.{digits}g"] * len(row)) + "\n") % (word, *row.tolist())).encode("utf-8")


def write_binary_rows(handle, rows, joined, starts):
    """Write binary rows to the binary file `handle`, chunk by chunk.

    rows: little-endian float32 (V, D), C-contiguous; joined, starts: as `format_text_rows`.
    """
    row_bytes = rows.view(np.uint8)
    per_chunk = max(1, _OUT_BYTES // row_bytes.shape[1])
    out = np.empty(0, dtype=np.uint8)
    for first in range(0, len(rows), per_chunk):
        chunk = row_bytes[first:first + per_chunk]
        out = _big_enough(out, starts[first + len(chunk)] - starts[first] + chunk.size + len(chunk))
        handle.write(out[:pack_binary_rows(chunk, joined, starts, first, out)])


def scan(kernel, data, *args):
    """Call `kernel` (a scanner above) on the bytes of the mmap `data`, keeping no view of them:
    an mmap cannot close while one lives, and a traceback would keep one alive."""
    view = np.frombuffer(data, dtype=np.uint8)
    try:
        return kernel(view, *args)
    finally:
        del view


def _big_enough(buffer, size):
    """`buffer` (uint8) if it holds `size` bytes, else a new one that does."""
    return buffer if buffer.size >= size else np.empty(int(size), dtype=np.uint8)
