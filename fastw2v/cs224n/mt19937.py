"""CPython's Mersenne Twister (MT19937) in compiled code: the numbers of Python's ``random``.

Replaying a run driven by Python's ``random`` needs its exact stream, which numba's own ``random``
does not give (docs/design.md §3). The state is one int64 array of 625 entries laid out as
``random.getstate()[1]``: the 624 words of the key (each in [0, 2**32)), then the position of the
next word (0..624; 624 means the key is used up and is regenerated on the next draw). The
functions advance the array in place; there is no global state. `from_python_state` and
`to_python_state` convert to and from the tuples of ``random.getstate()`` / ``random.setstate()``.

The draws are CPython's (3.2 and later): `random` builds a 53-bit float from two words,
`getrandbits` keeps the top k bits of one word, and `randint` rejects out-of-range
``getrandbits(n.bit_length())`` draws rather than scaling a float.
"""

import numpy as np

from fastw2v.jit import njit

N_WORDS = 624
STATE_SIZE = N_WORDS + 1
PYTHON_STATE_VERSION = 3
_SHIFT = 397
_MATRIX_A = 0x9908B0DF
_UPPER_BIT = 0x80000000
_LOWER_BITS = 0x7FFFFFFF
_TWO_POW_26 = 67108864.0
_TWO_POW_53 = 9007199254740992.0
_WORD_LIMIT = 1 << 32


@njit(nogil=True, cache=True)
def _regenerate(state):
    """Replace the 624 key words with the next 624 and reset the position to 0.

    In place and in index order, so words below i + 397 (mod 624) are already the new ones when
    word i is made: the recurrence of the MT19937 paper.
    """
    for i in range(N_WORDS):
        y = (state[i] & _UPPER_BIT) | (state[(i + 1) % N_WORDS] & _LOWER_BITS)
        state[i] = state[(i + _SHIFT) % N_WORDS] ^ (y >> 1) ^ ((y & 1) * _MATRIX_A)
    state[N_WORDS] = 0


@njit(nogil=True, cache=True)
def next_word(state):
    """The next 32-bit output: int64 in [0, 2**32). Advances `state` (int64, (625,)) in place."""
    if state[N_WORDS] >= N_WORDS:
        _regenerate(state)
    y = state[state[N_WORDS]]
    state[N_WORDS] += 1
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C5680
    y ^= (y << 15) & 0xEFC60000
    return y ^ (y >> 18)


@njit(nogil=True, cache=True)
def random(state):
    """``random.random()``: a float64 in [0, 1) on the 2**-53 grid, from two words."""
    high = next_word(state) >> 5
    low = next_word(state) >> 6
    return (high * _TWO_POW_26 + low) / _TWO_POW_53


@njit(nogil=True, cache=True)
def getrandbits(state, k):
    """``random.getrandbits(k)`` for 0 ≤ k ≤ 32: int64 in [0, 2**k); k = 0 draws nothing.

    Raises:
        ValueError: k outside [0, 32] (CPython joins several words there; not replayed here).
    """
    if k < 0 or k > 32:
        raise ValueError("getrandbits: k must be in [0, 32]")
    if k == 0:
        return 0
    return next_word(state) >> (32 - k)


@njit(nogil=True, cache=True)
def randbelow(state, n):
    """CPython's ``_randbelow(n)``: int64 in [0, n) by rejection of ``getrandbits(n.bit_length())``.

    Even n = 1 draws (at least) one word, as CPython does.

    Raises:
        ValueError: n < 1, or n ≥ 2**32 (its bit length exceeds one word).
    """
    if n < 1 or n >= _WORD_LIMIT:
        raise ValueError("randbelow: n must be in [1, 2**32)")
    bits = 0
    while (n >> bits) > 0:
        bits += 1
    r = getrandbits(state, bits)
    while r >= n:
        r = getrandbits(state, bits)
    return r


@njit(nogil=True, cache=True)
def randint(state, a, b):
    """``random.randint(a, b)``: int64 in [a, b], both ends included; b - a + 1 < 2**32.

    Raises:
        ValueError: b < a, or the range is 2**32 wide or wider.
    """
    if b < a:
        raise ValueError("randint: empty range (b < a)")
    return a + randbelow(state, b - a + 1)


def from_python_state(python_state):
    """The compiled generator's state for a ``random.getstate()`` tuple.

    Args:
        python_state: ``(3, (624 key words..., position), gauss_next)``.
    Returns:
        int64 array, shape (625,), a new copy.
    Raises:
        ValueError: not a version-3 Mersenne Twister state, or words/position out of range.
    """
    version, internal, _ = python_state
    state = np.array(internal, dtype=np.int64)
    if version != PYTHON_STATE_VERSION or state.shape != (STATE_SIZE,):
        raise ValueError(f"not a random.getstate() of version {PYTHON_STATE_VERSION} "
                         f"with {STATE_SIZE} entries")
    if np.any(state[:N_WORDS] < 0) or np.any(state[:N_WORDS] >= _WORD_LIMIT) \
            or not 0 <= state[N_WORDS] <= N_WORDS:
        raise ValueError("Mersenne Twister state out of range")
    return state


def to_python_state(state, gauss_next=None):
    """The ``random.setstate()`` tuple for a compiled generator's state.

    Args:
        state: int64 array, shape (625,).
        gauss_next: Python's cached ``random.gauss`` value, kept as given (None when unused).
    Returns:
        ``(3, tuple of 625 ints, gauss_next)``.
    """
    return PYTHON_STATE_VERSION, tuple(int(v) for v in state), gauss_next
