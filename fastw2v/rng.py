"""The compiled code's random numbers: splitmix64, a 64-bit state passed in and handed back.

No global generator: every kernel takes its generator state as an argument and returns the
advanced state, so a run is reproducible from its seed and a checkpoint can store the state.
"""

import numpy as np

from fastw2v.jit import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)
_INV_2_32 = np.float32(1.0 / 4294967296.0)


@njit(nogil=True, cache=True, inline="always")
def next_state(state):
    """Advance a splitmix64 state (uint64) by one step."""
    return state + _GOLDEN


@njit(nogil=True, cache=True, inline="always")
def output(state):
    """The 64 random bits (uint64) that splitmix64 derives from a state."""
    z = state
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(nogil=True, cache=True, inline="always")
def below(bits, n):
    """An integer in [0, n) from the high 32 of 64 random bits (multiply-shift, no division).

    Args:
        bits: uint64 random bits. n: int, 1 ≤ n < 2**31.
    Returns:
        int64.
    """
    return np.int64(((bits >> _S32) * np.uint64(n)) >> _S32)


@njit(nogil=True, cache=True, inline="always")
def low_uniform(bits):
    """A float32 in [0, 1) from the low 32 of 64 random bits."""
    return np.float32(bits & _LOW32) * _INV_2_32


def seed_state(*keys):
    """A well-mixed uint64 start state from any number of non-negative integers (seed, epoch, span ...).

    Returns:
        np.uint64.
    """
    state = 0x243F6A8885A308D3
    for key in keys:
        state = _mix_python((state ^ (int(key) & _MASK64)) + int(_GOLDEN))
    return np.uint64(state)


_MASK64 = (1 << 64) - 1


def _mix_python(z):
    """splitmix64's output function on a Python int (the same bits as `output`)."""
    z &= _MASK64
    z = ((z ^ (z >> 30)) * int(_MIX1)) & _MASK64
    z = ((z ^ (z >> 27)) * int(_MIX2)) & _MASK64
    return z ^ (z >> 31)
