"""Word vectors that outlive training: keys (words) and a matrix, with gensim 4's KeyedVectors
interface. This module stores them (keys, vectors, norms, per-key attributes such as "count"),
grows them; the questions are mixed in from `fastw2v.queries` (most_similar and its relatives)
and `fastw2v.similarity` (similarities, evaluation), the files from `fastw2v.vectorfiles`.

The vectors are one C-contiguous array (float32 unless made otherwise) that training updates in
place; a change through these methods drops the cached norms and unit vectors, and whoever
changes the array directly calls `invalidate()`. Files: fastw2v's native .npz (`save`, `load`,
never pickle), the word2vec text and binary formats (`fastw2v.vectorfiles`), and gensim's own
objects in memory (`to_gensim`, `from_gensim`).
"""

import numbers
import warnings

import numpy as np

from fastw2v.errors import ConfigError, FastW2VError, FormatError
from fastw2v.queries import KEY_TYPES, NearestQueries
from fastw2v.similarity import SimilarityQueries
from fastw2v.vectorfiles import VectorFiles


class KeyedVectors(NearestQueries, SimilarityQueries, VectorFiles):
    """Keys and their vectors, queried as gensim's KeyedVectors.

    Two ways to make one:

    - ``KeyedVectors(vector_size, count=0, dtype=np.float32)``, as gensim: no keys yet, `count`
      zero rows allocated for `add_vector` to fill (`len` counts them);
    - ``KeyedVectors(words, vectors)``: V distinct keys and their float array (V, D), stored as
      C-contiguous float32 (no copy when it already is).

    Attributes:
        index_to_key: list of V keys (str; gensim allows int too); key_to_index: dict key -> row.
        vectors: (V, D) array. norms: None, or (V,) row norms after `fill_norms`.
        expandos: dict attribute name -> array (V,) of per-key values (`get_vecattr`).
        next_index: the row `add_vector` fills next.
    Raises:
        ConfigError: a vector_size below 1, a negative count, a dtype that is not a float.
        FastW2VError: words and vectors disagree in number, or a word repeats.
    """

    def __init__(self, vector_size, count=0, dtype=np.float32):
        self._norms = self._unit = None
        self.expandos = {}
        if isinstance(vector_size, numbers.Integral) and not isinstance(vector_size, bool):
            self._allocate(int(vector_size), count, dtype)
        else:
            self._hold(vector_size, count)

    def _allocate(self, vector_size, count, dtype):
        if vector_size < 1 or not isinstance(count, numbers.Integral) or count < 0:
            raise ConfigError(f"KeyedVectors(vector_size, count) needs vector_size >= 1 and count >= 0, "
                              f"not {vector_size} and {count!r}")
        if np.dtype(dtype).kind != "f":
            raise ConfigError(f"dtype must be a float type, not {np.dtype(dtype)}")
        self.index_to_key, self.key_to_index, self.next_index = [None] * count, {}, 0
        self._vectors = np.zeros((count, vector_size), dtype=dtype)

    def _hold(self, words, vectors):
        if isinstance(vectors, numbers.Integral):
            raise ConfigError("KeyedVectors(words, vectors) needs the vectors, an array (V, D), too")
        self.index_to_key = list(words)
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self._vectors.ndim != 2 or self._vectors.shape[0] != len(self.index_to_key):
            raise FastW2VError(f"{len(self.index_to_key)} words but vectors of shape {self._vectors.shape}")
        self.key_to_index = {word: i for i, word in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            raise FastW2VError("duplicated words in the vocabulary")
        self.next_index = len(self.index_to_key)

    @classmethod
    def _assembled(cls, keys, vectors, expandos=None, next_index=None):
        """A KeyedVectors holding `keys` (None for a slot not yet filled) and `vectors` (V, D)
        of any float dtype as given, and per-key attributes."""
        made = cls(vectors.shape[1], 0, vectors.dtype)
        made.index_to_key = list(keys)
        made.key_to_index = {}
        for i, key in enumerate(made.index_to_key):
            if key is not None and made.key_to_index.setdefault(key, i) != i:
                raise FormatError(f"key {key!r} repeats (rows {made.key_to_index[key]} and {i})")
        made.vectors = np.ascontiguousarray(vectors)
        made.expandos = dict(expandos or {})
        made.next_index = len(made.index_to_key) if next_index is None else next_index
        return made

    def __str__(self):
        return f"{type(self).__name__}<vector_size={self.vector_size}, {len(self)} keys>"

    __repr__ = __str__

    @property
    def vectors(self):
        return self._vectors

    @vectors.setter
    def vectors(self, value):
        self._vectors = value
        self.invalidate()

    @property
    def norms(self):
        return self._norms

    @norms.setter
    def norms(self, value):
        self._norms, self._unit = value, None

    @property
    def vector_size(self):
        return self._vectors.shape[1]

    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, key):
        return self.has_index_for(key)

    def has_index_for(self, key):
        """Whether `key` has a row (a key, or an int row number as gensim allows)."""
        return self.get_index(key, -1) >= 0

    def get_index(self, key, default=None):
        """The row of `key` (an int in range is a row number too); `default` when it has none.

        Raises:
            KeyError: naming the key ("Key 'x' not present"), when it has no row and no default.
        """
        index = self.key_to_index.get(key, -1)
        if index >= 0:
            return index
        if isinstance(key, (int, np.integer)) and 0 <= key < len(self.index_to_key):
            return int(key)
        if default is not None:
            return default
        raise KeyError(f"Key '{key}' not present")

    def get_vector(self, key, norm=False):
        """The row of `key`, read-only: (D,) of the vectors' dtype; scaled to unit length when
        `norm` (NaN for a zero vector, as gensim)."""
        index = self.get_index(key)
        if norm:
            with np.errstate(divide="ignore", invalid="ignore"):
                result = self._vectors[index] / self._current_norms()[index]
        else:
            result = self._vectors[index]
        result.setflags(write=False)  # a write would bypass the cached norms
        return result

    def __getitem__(self, key_or_keys):
        """A key's vector (D,) (read-only), or a list of keys' vectors (n, D) (a copy)."""
        if isinstance(key_or_keys, KEY_TYPES):
            return self.get_vector(key_or_keys)
        rows = [self.get_index(key) for key in key_or_keys]
        if not rows:
            raise ConfigError("no keys given: kv[keys] needs at least one key")
        return self._vectors[rows]

    def __setitem__(self, keys, weights):
        """Set the vectors of a key or a list of keys, adding new keys: add_vectors(..., replace=True)."""
        if not isinstance(keys, list):
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        self.add_vectors(keys, weights, replace=True)

    def fill_norms(self, force=False):
        """Compute the row norms (`norms`, (V,)) unless they are cached; `force` recomputes them
        and drops the unit vectors (as `invalidate`, for vectors changed in place)."""
        if force:
            self.invalidate()
        self._current_norms()

    def _current_norms(self):
        """The row norms, computed when not cached: (V,). The array itself, which a concurrent
        `invalidate` cannot take away from the caller."""
        norms = self._norms  # one read: `invalidate` may run in another thread
        if norms is None:
            norms = self._norms = np.linalg.norm(self._vectors, axis=1)
        return norms

    def invalidate(self):
        """Forget the cached norms and unit vectors, after the vectors changed in place."""
        self._norms = self._unit = None

    def unit_vectors(self):
        """Rows scaled to unit length, zero rows left zero: (V, D), float32 (float64 for float64
        vectors), cached until the vectors change (see `invalidate`)."""
        unit = self._unit  # one read: `invalidate` may run in another thread
        if unit is None:
            norms = self._current_norms()
            rows = self._vectors.astype(np.result_type(self._vectors.dtype, np.float32), copy=False)
            norms = norms.astype(rows.dtype, copy=False)[:, None]
            unit = np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)
            self._unit = unit
        return unit

    def get_normed_vectors(self):
        """A new array of the rows scaled to unit length, (V, D) of the vectors' dtype; NaN rows
        for zero vectors (as gensim)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._vectors / self._current_norms()[:, None]

    def add_vector(self, key, vector):
        """Add one key: into the next preallocated row when there is one, else appended (a copy
        of every row: a UserWarning says so, as gensim's). Returns its row.

        Raises:
            ConfigError: the key is already present (assign kv[key] = vector to replace it), or
                the vector is not (D,).
        """
        if key in self.key_to_index:
            raise ConfigError(f"key {key!r} is already present; kv[key] = vector replaces its vector")
        row = self.next_index
        if row < len(self) and self.index_to_key[row] is None:
            self._check_key(key)
            self._vectors[row] = self._checked_rows(np.asarray(vector).reshape(1, -1), 1)[0]
            self.index_to_key[row], self.key_to_index[key] = key, row
            self.invalidate()
        else:
            row = len(self)
            warnings.warn("Adding single vectors to a KeyedVectors which grows by one each time copies "
                          "every vector each time; add them in batches (add_vectors) or preallocate "
                          "(KeyedVectors(vector_size, count))", UserWarning, stacklevel=2)
            self.add_vectors([key], np.asarray(vector).reshape(1, -1))
        self.next_index = row + 1
        return row

    def add_vectors(self, keys, weights, extras=None, replace=False):
        """Append new keys and their vectors; a key already present keeps its vector unless
        `replace`. Afterwards `vectors` is one new C-contiguous array (dtype kept).

        Args:
            keys: a key or a list of n distinct keys (str or int). weights: (n, D) array or a
                list of n vectors (D,). extras: None or dict attribute -> n values, stored as
                per-key attributes (replacing those of present keys when `replace`).
        Raises:
            ConfigError: weights not (n, D), a key repeated in `keys`. TypeError: a key that is
                neither str nor int, or an extra whose type conflicts with its attribute's.
        """
        if isinstance(keys, KEY_TYPES):
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        keys = list(keys)
        for key in keys:
            self._check_key(key)
        if len(set(keys)) != len(keys):
            raise ConfigError("add_vectors: a key repeats in keys")
        weights = self._checked_rows(np.asarray(weights), len(keys))
        extras = {name: np.asarray(values) for name, values in (extras or {}).items()}
        for name, values in extras.items():
            if len(values) != len(keys):
                raise ConfigError(f"extras[{name!r}] holds {len(values)} values for {len(keys)} keys")
        self.allocate_vecattrs(list(extras), [values.dtype for values in extras.values()])
        new = [i for i, key in enumerate(keys) if key not in self.key_to_index]
        first = len(self.index_to_key)
        for i in new:
            self.key_to_index[keys[i]] = len(self.index_to_key)
            self.index_to_key.append(keys[i])
        if new:  # else the array stays the one training may hold
            self._vectors = np.vstack((self._vectors, weights[new].astype(self._vectors.dtype)))
        self.allocate_vecattrs()
        if replace:
            rows, chosen = [self.key_to_index[key] for key in keys], list(range(len(keys)))
            self._vectors[rows] = weights
        else:
            rows, chosen = list(range(first, first + len(new))), new
        for name, values in extras.items():
            self.expandos[name][rows] = values[chosen]
        self.invalidate()

    def _check_key(self, key):
        if not isinstance(key, KEY_TYPES):
            raise TypeError(f"a key is a str or an int, not {type(key).__name__} ({key!r})")

    def _checked_rows(self, weights, n):
        if weights.shape != (n, self.vector_size) or weights.dtype.kind not in "biuf":
            raise ConfigError(f"expected {n} vectors of {self.vector_size} real numbers, not an array of "
                              f"shape {weights.shape} and dtype {weights.dtype}")
        return weights

    def _checked_vector(self, vector):
        """A query vector: a real array (D,), or ConfigError."""
        vector = np.asarray(vector)
        if vector.shape != (self.vector_size,) or vector.dtype.kind not in "biuf":
            raise ConfigError(f"a vector in a query must hold {self.vector_size} real numbers (the vectors' "
                              f"dimensions), not shape {vector.shape} of {vector.dtype}")
        return vector

    def allocate_vecattrs(self, attrs=None, types=None):
        """Make sure each attribute has an array (V,) of its type (int: int64, str: object),
        resizing them to the vocabulary (new keys get 0); no arguments: resize every one.

        Raises:
            TypeError: a type that conflicts with the attribute's existing array.
        """
        if attrs is None:
            attrs, types = list(self.expandos), [values.dtype for values in self.expandos.values()]
        for attr, kind in zip(attrs, types):
            kind = {int: np.int64, str: object}.get(kind, kind)
            values = self.expandos.get(attr)
            if values is None:
                self.expandos[attr] = np.zeros(len(self), dtype=kind)
                continue
            if not np.issubdtype(kind, values.dtype):
                raise TypeError(f"cannot store {np.dtype(kind)} values in attribute {attr!r} of type "
                                f"{values.dtype}")
            if len(values) != len(self):
                grown = np.zeros(len(self), dtype=values.dtype)
                grown[:min(len(values), len(self))] = values[:len(self)]
                self.expandos[attr] = grown

    def set_vecattr(self, key, attr, val):
        """Set per-key attribute `attr` of `key` (e.g. "count") to `val`."""
        self.allocate_vecattrs([attr], [type(val)])
        self.expandos[attr][self.get_index(key)] = val

    def get_vecattr(self, key, attr):
        """Per-key attribute `attr` of `key`. Raises KeyError for an unknown key or attribute."""
        return self.expandos[attr][self.get_index(key)]

    def sort_by_descending_frequency(self):
        """Reorder the rows by descending "count" (equal counts: the later row first, as gensim).

        Raises:
            KeyError: no "count" attribute.
        """
        if not len(self):
            return
        counts = np.asarray(self.expandos["count"], dtype=np.int64)
        order = np.lexsort((-np.arange(len(counts)), -counts))
        self.index_to_key = [self.index_to_key[i] for i in order]
        self.key_to_index = {key: i for i, key in enumerate(self.index_to_key) if key is not None}
        self.expandos = {name: values[order] for name, values in self.expandos.items()}
        self.vectors = self._vectors[order]

    def vectors_for_all(self, keys, allow_inference=True, copy_vecattrs=False):
        """A new KeyedVectors with the known keys of `keys` (each once, in their order), their
        vectors and, when `copy_vecattrs`, their attributes. (allow_inference matters only for
        gensim's fastText vectors, which infer unknown words.)"""
        known, seen = [], set()
        for key in keys:
            if key not in seen:
                seen.add(key)
                if key in self:
                    known.append(key)
        rows = [self.get_index(key) for key in known]
        attributes = {name: values[rows] for name, values in self.expandos.items()} if copy_vecattrs else {}
        return self._assembled(known, self._vectors[rows].reshape(len(rows), self.vector_size), attributes)

    def unit_normalize_all(self):
        """Scale every row to unit length in place (zero rows stay zero); training cannot
        sensibly continue afterwards."""
        norms = self._current_norms()
        np.divide(self._vectors, norms[:, None], out=self._vectors, where=norms[:, None] > 0)
        self.norms = (norms > 0).astype(norms.dtype)

    def init_sims(self, replace=False):
        """gensim's deprecated `fill_norms`; replace=True also runs `unit_normalize_all`."""
        warnings.warn("init_sims is deprecated (as in gensim 4): use fill_norms()", DeprecationWarning,
                      stacklevel=2)
        self.fill_norms()
        if replace:
            self.unit_normalize_all()

    def word_vec(self, *args, **kwargs):
        """gensim's deprecated `get_vector`."""
        warnings.warn("word_vec is deprecated (as in gensim 4): use get_vector()", DeprecationWarning,
                      stacklevel=2)
        return self.get_vector(*args, **kwargs)
