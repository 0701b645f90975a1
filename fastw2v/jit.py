"""Numba's `njit`, with Numba's CPU target loaded without importing SciPy: every module of the
package that compiles takes `njit` from here.

Numba's CPU target, loaded at the first kernel compiled or read from the cache, imports
`numba.np.arraymath`, whose import asks for `scipy.linalg.cython_blas` only to learn whether
`np.vdot` may call BLAS. Where SciPy is installed (gensim brings it) that import is ~0.15 s of a
warm start, and no kernel of fastw2v calls BLAS. So that module is imported here with the probe's
import held back, and the answer the probe would have given is recorded from whether SciPy is
installed (looked up, not imported). Numba code that does call BLAS imports SciPy when it is
compiled, as it always did.
"""

import importlib.util
import sys

from numba import njit  # noqa: F401 (re-exported)

_BLAS_PROBE = "scipy.linalg.cython_blas"


def _load_arraymath_without_scipy():
    if "numba.np.arraymath" in sys.modules or _BLAS_PROBE in sys.modules:
        return
    sys.modules[_BLAS_PROBE] = None  # an import of it raises ImportError without importing SciPy
    try:
        from numba.np import arraymath
    except ImportError:  # a Numba without that module (or one that no longer survives the held
        return  # probe) loads its target its own way, SciPy and all, at the first kernel
    finally:
        if sys.modules.get(_BLAS_PROBE, 0) is None:
            del sys.modules[_BLAS_PROBE]
    arraymath._HAVE_BLAS = importlib.util.find_spec("scipy") is not None


_load_arraymath_without_scipy()
