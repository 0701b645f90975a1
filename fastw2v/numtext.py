"""One number as text, in compiled code: C's ``%.9g``/``%.17g`` written and a decimal number
parsed to float32, exactly as Python does both; used by `fastw2v.rowcodec` for whole rows.

- `format_number` writes C's ``%.9g`` (float32 values) or ``%.17g`` (float64), byte for byte
  what Python's ``'%.9g' % float(x)`` gives. The value times a power of ten held as two doubles
  (`POWERS`) is known within 2^-104 of itself, so the rounding is certain unless it lies that
  close to a tie; such a number is left to Python (no float32 value is known to need it).
  Products by 10^0..10^22 are exact, so real ties (0.1005859375 at 9 digits) are rounded
  half-even here. Magnitudes outside [1e-280, 1e300) (float64 subnormals among them) are left
  to Python too.
- `parse_number` reads ``[+-]digits[.digits][e[+-]digits]`` to float32 as
  ``np.float32(float(s))`` does: its float64 is one correctly rounded operation when the
  mantissa is below 2^53 and the power of ten within 10^-22..10^22 (the exact fast path), then
  cast. A longer mantissa is cut below 2^53 and kept when both ends of the cut interval give
  the same float32. Anything else (``inf``, ``1_0``, ``1e-30``) is refused, for Python to read.

Their tables live here too: powers of ten (`POWERS`, `EXACT_POWERS`, `INT_POWERS`), digit
pairs, and the bytes that are whitespace (`IS_SPACE`).
"""

import numpy as np

from fastw2v.jit import njit
from fastw2v.intrinsics import float64_bits, get_unchecked, put_unchecked, store_u64

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
IS_SPACE = np.zeros(256, dtype=np.bool_)
IS_SPACE[list(b" \t\n\r\x0b\x0c")] = True  # what bytes.split() splits on


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
    put_unchecked(out, end - 1, _DIGIT_PAIRS[at + np.uint64(1)])
    put_unchecked(out, end - 2, _DIGIT_PAIRS[at])


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
        store_u64(out, end - 8, _eight_digits(n - high * 100000000))
        end -= 8
        n = high
    top = (n * 1441151881) >> 57  # n // 10^8, exact below 10^9
    store_u64(out, end - 8, _eight_digits(n - top * 100000000))
    put_unchecked(out, end - 9, 48 + top)


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
    bits = float64_bits(x)
    put_unchecked(out, pos, 45)
    pos += np.int64(bits >> np.uint64(63))
    a = abs(x)
    if a == 0.0:
        put_unchecked(out, pos, 48)
        return pos + 1
    if not 1e-280 <= a < 1e300:  # beyond the table (never at float32: 1.4e-45 to 3.4e38)
        return -1
    n, e10 = _round_digits(a, bits, digits, margin, powers)
    if n < 0:
        return -1
    kept = _kept_digits(n, digits)
    fraction = -4 <= e10 < 0  # 0.000ddd, else ddd.ddd or d.ddde+XX with the digits moved
    if fraction:  # three zeros written, the digits over the ones not needed
        put_unchecked(out, pos, 48)
        put_unchecked(out, pos + 1, 46)
        put_unchecked(out, pos + 2, 48)
        put_unchecked(out, pos + 3, 48)
        put_unchecked(out, pos + 4, 48)
    start = pos + 1 - e10 if fraction else pos + 1
    _put_digits(out, start + digits, n, digits)  # one call: each is compiled in full
    if fraction:
        return start + kept
    if 0 <= e10 < digits:  # ddd.ddd: the integer digits moved left of the point
        for i in range(e10 + 1):
            put_unchecked(out, pos + i, out[pos + 1 + i])
        put_unchecked(out, pos + e10 + 1, 46)
        return pos + 1 + kept if kept > e10 + 1 else pos + e10 + 1
    put_unchecked(out, pos, out[pos + 1])  # d.ddde+XX, as C's %g
    put_unchecked(out, pos + 1, 46)
    pos += 1 + kept if kept > 1 else 1
    put_unchecked(out, pos, 101)
    put_unchecked(out, pos + 1, 45 if e10 < 0 else 43)
    if abs(e10) < 100:
        _put_pair(out, pos + 4, abs(e10))
        return pos + 4
    put_unchecked(out, pos + 2, 48 + abs(e10) // 100)
    _put_pair(out, pos + 5, abs(e10) % 100)
    return pos + 5



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
        c = get_unchecked(data, i)
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
    negative = get_unchecked(data, i) == 45
    if get_unchecked(data, i) == 43 or get_unchecked(data, i) == 45:
        i += 1
    begin, mantissa = i, 0
    while i < n and 48 <= get_unchecked(data, i) <= 57:
        mantissa = mantissa * 10 + (get_unchecked(data, i) - 48)
        i += 1
    seen, scale = i - begin, 0
    if i < n and get_unchecked(data, i) == 46:
        i += 1
        point = i
        while i < n and 48 <= get_unchecked(data, i) <= 57:
            mantissa = mantissa * 10 + (get_unchecked(data, i) - 48)
            i += 1
        seen, scale = seen + i - point, point - i
    if seen == 0:
        return np.float32(0.0), i, False
    cut = False
    if seen > _PARSE_KEEP:  # the int64 above overflowed: again, keeping 18 significant digits
        mantissa, scale, cut, i = _long_mantissa(data, begin)
    exponent = 0
    if i < n and (get_unchecked(data, i) | 32) == 101:
        i += 1
        sign = 1
        if i < n and (get_unchecked(data, i) == 43 or get_unchecked(data, i) == 45):
            sign = 44 - np.int64(get_unchecked(data, i))
            i += 1
        start = i
        while i < n and 48 <= get_unchecked(data, i) <= 57:
            if exponent < 100000:  # far past any double: the value is 0, inf or Python's
                exponent = exponent * 10 + (get_unchecked(data, i) - 48)
            i += 1
        if i == start:
            return np.float32(0.0), i, False
        exponent *= sign
    if i < n and not IS_SPACE[get_unchecked(data, i)]:
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

