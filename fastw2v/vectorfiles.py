"""KeyedVectors' files: `VectorFiles`, the methods that read and write them (fastw2v's native
.npz, the word2vec formats) and convert them to and from gensim's objects, and the functions
behind gensim's load_word2vec_format and save_word2vec_format options: a first `limit` rows,
files without a header, word encodings other than UTF-8, float16 or float64 vectors, the C
tool's vocabulary (count) files, headers that declare more rows than are written, appending.

The rows themselves are read and written by `fastw2v.formats` and `fastw2v.rowcodec` (compiled,
checked before anything is allocated or written). A read of the whole file is formats' own;
a read of the first `limit` rows, or of a file without a header, drives formats' row readers
over just those rows. Text read as float64 is parsed by Python instead (the compiled parser
gives float32), one line at a time as gensim does. Each function imports those two modules
itself, so that a process that only trains does not load them (~15 ms of a start).
"""

import codecs
import math
import os
import shutil

import numpy as np

from fastw2v.atomic import atomic_write
from fastw2v.errors import ConfigError, FormatError
from fastw2v.filewords import WordList, check_writable

_COUNTS_ARRAY, _ATTR_PREFIX = "counts", "vecattr_"  # a native file's per-key attributes
_COUNT_CHUNK_BYTES = 1 << 26  # newlines are counted this many bytes at a time
_FIRST_LINE_BYTES = 1 << 24  # where a headerless file's first line must end


class VectorFiles:
    """Reading and writing KeyedVectors, and converting them to and from gensim's; mixed into
    KeyedVectors, whose `_assembled`, `index_to_key`, `key_to_index`, `vectors`, `expandos` and
    `next_index` these use."""

    @classmethod
    def load(cls, path, mmap=None):
        """Read a vector file in any supported format, detected from its content: word2vec text
        or binary, or a native .npz (its "vectors", and "counts" as the "count" attribute).

        Raises:
            FormatError: naming the file (see `fastw2v.formats`); a gensim pickle (its `save`
                output) is refused with how to convert it.
            ConfigError: mmap given (gensim memory-maps its pickles' arrays; this reads files).
        """
        from fastw2v import formats

        if mmap is not None:
            raise ConfigError("mmap must be None: KeyedVectors.load reads the whole file (gensim's mmap "
                              "applies to the arrays of its pickles, which fastw2v does not load)")
        found = formats.read_vectors(path)
        attributes = {}
        for name, values in found.arrays.items():
            if name == _COUNTS_ARRAY:
                attributes["count"] = values
            elif name.startswith(_ATTR_PREFIX):
                attributes[name[len(_ATTR_PREFIX):]] = values
        return cls._assembled(found.words, found.vectors, attributes)

    def save(self, path, metadata=None, **gensim_options):
        """Write the native format (.npz + JSON, no pickle), atomically: the vectors, numeric
        per-key attributes ("count" as "counts"), and `metadata` (a JSON-serialisable dict).

        Raises:
            ConfigError: gensim's pickling options given (separately, sep_limit, ...).
            FormatError: a non-numeric attribute, a key that is not a str, unfilled rows.
        """
        from fastw2v import formats

        if gensim_options:
            raise ConfigError(f"save writes fastw2v's native format, not a pickle: gensim's options "
                              f"{sorted(gensim_options)} do not apply")
        self._check_filled(path)
        arrays = {"vectors": self.vectors}
        for name, values in self.expandos.items():
            if values.dtype.kind not in "biuf":
                raise FormatError(f"{path}: attribute {name!r} holds {values.dtype} values; the native "
                                  "format stores numbers only")
            arrays[_COUNTS_ARRAY if name == "count" else _ATTR_PREFIX + name] = values
        formats.save_native(path, self.index_to_key, arrays, metadata)

    @classmethod
    def load_word2vec_format(cls, fname, fvocab=None, binary=False, encoding="utf8", unicode_errors="strict",
                             limit=None, datatype=np.float32, no_header=False):
        """Read a word2vec text file, or a binary one (binary=True); binary=None detects which.

        Each key gets a "count" attribute: from `fvocab` (the C tool's -save-vocab file, ``word
        count`` lines), else V - row, as gensim makes them up. See `read_word2vec` for the other
        arguments.

        Raises:
            FormatError: naming the file and line or word; a native file or a gensim pickle
                (with what to do); a binary file read as text or a text file as binary.
        """
        words, vectors = read_word2vec(fname, binary, encoding, unicode_errors, limit, datatype, no_header)
        if fvocab is None:
            counts = np.arange(len(words), 0, -1, dtype=np.int64)
        else:
            counts = counts_for(fvocab, words, unicode_errors)
        return cls._assembled(words, vectors, {"count": counts})

    def save_word2vec_format(self, fname, fvocab=None, binary=False, total_vec=None, write_header=True,
                             prefix="", append=False, sort_attr="count"):
        """Write the word2vec text format (binary=False; numbers exact for float32) or the C
        tool's binary format, atomically, rows in descending `sort_attr` (equal values in row
        order; without that attribute, row order).

        Args:
            fvocab: also write ``word count`` lines (the `sort_attr` values) to this file.
            total_vec: the header's number of vectors (default: the number written).
            write_header: False writes no ``V D`` line (GloVe's layout).
            prefix: put before every key. append: add to the end of existing files.
        Raises:
            ConfigError: fvocab given without the `sort_attr` attribute (as gensim).
            FormatError: a key empty or holding whitespace, a non-finite value, unfilled rows.
        """
        self._check_filled(fname)
        values = self.expandos.get(sort_attr) if isinstance(sort_attr, str) else None
        if values is None and fvocab is not None:
            raise ConfigError(f"Cannot store vocabulary with '{sort_attr}' because that attribute does "
                              "not exist")
        order = np.arange(len(self)) if values is None else descending_order(values)
        words = [f"{prefix}{self.index_to_key[i]}" for i in order.tolist()]
        rows = self.vectors if (order == np.arange(len(order))).all() else self.vectors[order]
        write_word2vec(fname, words, rows, binary, len(words) if total_vec is None else total_vec,
                       write_header, append)
        if fvocab is not None:
            write_counts(fvocab, words, values[order], append)

    def _check_filled(self, path):
        if len(self.key_to_index) != len(self.index_to_key):
            raise FormatError(f"{path}: {len(self.index_to_key) - len(self.key_to_index)} of the rows "
                              "allocated (KeyedVectors(vector_size, count)) hold no key yet: add_vector "
                              "them first")

    def to_gensim(self):
        """A gensim KeyedVectors with copies of the keys, vectors and per-key attributes.

        Raises:
            ImportError: gensim is not installed.
        """
        theirs = _gensim_class()(self.vector_size, count=0, dtype=self.vectors.dtype)
        theirs.index_to_key, theirs.key_to_index = list(self.index_to_key), dict(self.key_to_index)
        theirs.vectors, theirs.next_index = self.vectors.copy(), self.next_index
        theirs.expandos = {name: values.copy() for name, values in self.expandos.items()}
        return theirs

    @classmethod
    def from_gensim(cls, kv):
        """A KeyedVectors with copies of a gensim KeyedVectors' keys, vectors and attributes.

        Raises:
            ImportError: gensim is not installed. TypeError: not a gensim KeyedVectors (a
                model: pass its .wv). ConfigError: fastText vectors (they make vectors for
                unknown words from character n-grams; convert kv.vectors_for_all(words)).
        """
        if not isinstance(kv, _gensim_class()):
            raise TypeError(f"from_gensim takes a gensim KeyedVectors (a model's .wv), not "
                            f"{type(kv).__name__}")
        if hasattr(kv, "vectors_ngrams"):
            raise ConfigError("gensim fastText vectors infer vectors for unknown words from character "
                              "n-grams, which fastw2v's KeyedVectors cannot; convert "
                              "kv.vectors_for_all(words) (a plain KeyedVectors) instead")
        return cls._assembled(kv.index_to_key, kv.vectors.copy(),
                              {name: np.array(values) for name, values in kv.expandos.items()}, kv.next_index)


def _gensim_class():
    """gensim's KeyedVectors class, or ImportError saying it is needed."""
    try:
        from gensim.models import KeyedVectors as GensimKeyedVectors
    except ImportError:
        raise ImportError("converting to or from gensim needs gensim installed (pip install "
                          "gensim)") from None
    return GensimKeyedVectors


def read_word2vec(path, binary=False, encoding="utf8", unicode_errors="strict", limit=None,
                  datatype=np.float32, no_header=False):
    """Read a word2vec text or binary file.

    Args:
        binary: False (text), True (binary), or None (detect it); a file of the other kind is
            refused with what to pass.
        encoding: the words' encoding (ASCII-compatible ones: UTF-8, Latin-1, cp1252, ...).
        unicode_errors: how to decode bytes that are not in that encoding ("strict" refuses).
        limit: read only the first that many rows (None or 0: every row).
        datatype: the vectors' float type (np.float16, np.float32, np.float64).
        no_header: the file has no ``V D`` line (text only).
    Returns:
        (words, vectors): list of V str, array (V, D) of `datatype`.
    Raises:
        FormatError: naming the file and line or word (see `fastw2v.formats`).
        ConfigError: a limit below 0, a datatype that is not a float, an encoding that is not
            ASCII-compatible. NotImplementedError: no_header with binary=True (as gensim).
    """
    from fastw2v import formats

    datatype = np.dtype(datatype)
    if datatype.kind != "f":
        raise ConfigError(f"datatype must be a float type, not {datatype}")
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise ConfigError(f"limit must be None or a number of rows >= 0, not {limit!r}")
    codecs.lookup_error(unicode_errors)
    utf8 = codecs.lookup(encoding).name == "utf-8"
    if not utf8 and "a 1\n".encode(encoding) != b"a 1\n":
        raise ConfigError(f"encoding {encoding!r} does not write spaces and digits as ASCII; "
                          "word2vec files need an ASCII-compatible encoding")
    errors = unicode_errors if utf8 else "surrogateescape"  # keep the bytes, to decode as `encoding`
    if no_header:
        if binary:
            raise NotImplementedError("no_header is only for text files")
        binary = False
    else:
        binary = _file_kind(path, binary)
    if datatype != np.float32 and not binary:  # parsed to float64, then rounded once, as gensim
        words, vectors = _read_text_exactly(path, errors, limit or None, no_header)
    elif limit or no_header:
        words, vectors = _read_first_rows(path, binary, errors, limit or None, no_header)
    else:
        load = formats.load_word2vec_binary if binary else formats.load_word2vec_text
        words, vectors = load(path, errors)
    if not utf8:
        words = _decoded(path, words, encoding, unicode_errors)
    return words, vectors.astype(datatype, copy=False)


def _file_kind(path, binary):
    """Whether `path` is to be read as binary, refusing a file of the other kind than asked."""
    from fastw2v import formats

    found = formats.detect_format(path)
    if found == formats.NATIVE:
        raise FormatError(f"{path}: a fastw2v native file, not word2vec format; use KeyedVectors.load")
    is_binary = found == formats.BINARY
    if binary is not None and bool(binary) != is_binary:
        kind = "binary" if is_binary else "text"
        raise FormatError(f"{path}: a word2vec {kind} file, read with binary={binary}; pass "
                          f"binary={is_binary} (or binary=None to detect it)")
    return is_binary


def _read_first_rows(path, binary, unicode_errors, limit, no_header):
    """The first `limit` rows (all when None) of a file, with or without its header: (words,
    float32 vectors), through formats' row readers."""
    from fastw2v import formats

    path = os.fspath(path)
    with formats._reading(path) as handle:
        if no_header:
            if not os.fstat(handle.fileno()).st_size:
                raise FormatError(f"{path}: empty file")
            start = 0
        else:
            n_words, dim, start = formats._read_header(path, handle)
        with formats._mapped(handle) as data:
            if no_header:
                n_words, dim = _count_rows(data, limit), _first_row_width(path, data)
            n_words = min(n_words, limit or n_words)
            smallest = n_words * (4 * dim + 2 if binary else 2 * dim + 1)
            if smallest > len(data) - start:
                raise FormatError(f"{path}: {n_words} rows of {dim} numbers cannot fit in the "
                                  f"{len(data) - start} bytes after the header: truncated, or the "
                                  "header is wrong")
            words = WordList(unicode_errors)
            if binary:
                stored = np.empty((n_words, dim), dtype="<f4")
                formats._read_binary_rows(path, data, start, stored, words)
                vectors = stored.astype(np.float32, copy=False)
            else:
                vectors = np.empty((n_words, dim), dtype=np.float32)
                formats._read_text_rows(path, data, start, vectors, words)
    if len(words) < n_words:
        raise FormatError(f"{path}: the file ends after {len(words)} of the {n_words} rows asked for: "
                          "truncated?")
    if not np.isfinite(vectors).all():
        bad = int(np.flatnonzero(~np.isfinite(vectors).all(axis=1))[0])
        raise FormatError(f"{path}: word {bad} {words.words[bad]!r} has a value that is not a finite number")
    return words.words, vectors


def _count_rows(data, limit):
    """The lines of a headerless text file (an mmap), or `limit` when there are more."""
    lines, position = 0, 0
    while position < len(data) and (limit is None or lines < limit):
        lines += data[position:position + _COUNT_CHUNK_BYTES].count(b"\n")
        position += _COUNT_CHUNK_BYTES
    if len(data) and data[len(data) - 1:] != b"\n":
        lines += 1  # a last line without its newline
    return lines if limit is None else min(lines, limit)


def _first_row_width(path, data):
    """D, from the first line of a headerless text file (a word and D numbers)."""
    end = data.find(b"\n", 0, _FIRST_LINE_BYTES)
    fields = data[:end if end >= 0 else len(data)].split()
    if len(fields) < 2:
        raise FormatError(f"{path}:1: expected a word and its numbers on the first line (no_header=True)")
    return len(fields) - 1


def _read_text_exactly(path, unicode_errors, limit, no_header):
    """A text file's rows parsed to float64 (what the decimals say, not the nearest float32):
    (words, float64 vectors). Python reads it, a line at a time."""
    from fastw2v import formats

    words, rows, dim, n_words = WordList(unicode_errors), [], None, None
    with formats._reading(os.fspath(path)) as handle:
        if not no_header:
            n_words, dim, _ = formats._read_header(path, handle)
        wanted = min(limit or math.inf, n_words or math.inf)
        for number, line in enumerate(handle, 1 if no_header else 2):
            if len(rows) == wanted:
                break
            fields = line.split()
            if not fields:
                continue
            dim = dim or len(fields) - 1
            where = f"{path}:{number}"
            try:
                row = np.array(fields[1:], dtype=np.float64) if len(fields) == dim + 1 else None
            except ValueError:
                row = None
            if row is None or not np.isfinite(row).all():
                raise FormatError(f"{where}: expected a word and {dim} finite numbers")
            words.add(fields[0], where, lambda i: f"line {i + (1 if no_header else 2)}")
            rows.append(row)
    if n_words is not None and len(rows) < min(n_words, limit or n_words):
        raise FormatError(f"{path}: the header declares {n_words} words but the file ends after {len(rows)}")
    return words.words, np.array(rows, dtype=np.float64).reshape(len(rows), dim or 0)


def _decoded(path, words, encoding, unicode_errors):
    """Words read with their bytes kept (surrogateescape), decoded as `encoding`."""
    decoded = []
    for i, word in enumerate(words):
        try:
            decoded.append(word.encode("utf-8", "surrogateescape").decode(encoding, unicode_errors))
        except UnicodeDecodeError:
            raise FormatError(f"{path}: word {i} {word!r} is not valid {encoding}") from None
    if len(set(decoded)) != len(decoded):
        raise FormatError(f"{path}: two words decode to the same str with unicode_errors={unicode_errors!r}")
    return decoded


def counts_for(path, words, unicode_errors="strict"):
    """Each word's count from a vocabulary file (the C tool's -save-vocab: ``word count`` lines).

    Returns:
        int64 (len(words),).
    Raises:
        FormatError: the file is unreadable or has a malformed line, or lacks one of `words`.
    """
    counts = {}
    try:
        with open(path, "rb") as handle:
            for number, line in enumerate(handle, 1):
                fields = line.decode("utf-8", unicode_errors).split()
                if not fields:
                    continue
                if len(fields) != 2 or not fields[1].isdigit():
                    raise FormatError(f"{path}:{number}: expected 'word count', found {line[:60]!r}")
                counts[fields[0]] = int(fields[1])
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise FormatError(f"{path}:{number}: not valid UTF-8 (unicode_errors={unicode_errors!r})") from None
    missing = [word for word in words if word not in counts]
    if missing:
        raise FormatError(f"{path}: no count for {len(missing)} of the vectors' words, {missing[0]!r} first")
    return np.array([counts[word] for word in words], dtype=np.int64)


def descending_order(values):
    """Rows by descending value, equal values in row order (a stable sort, as gensim's sorted):
    int (V,) from values (V,) of any ordered dtype."""
    backwards = np.argsort(values[::-1], kind="stable")[::-1]
    return len(values) - 1 - backwards


def write_word2vec(path, words, vectors, binary=False, total_vec=None, write_header=True, append=False):
    """Write rows in the word2vec text or binary format (`fastw2v.formats`), atomically.

    Args:
        words: V str; vectors: float (V, D) (float16 is written as the float32 it equals).
        total_vec: the header's count (default V). write_header: False writes no header.
        append: add to the end of the existing file (copied into the new one).
    Raises:
        FormatError: a bad or repeated word, or a non-finite value (nothing is written).
    """
    from fastw2v import rowcodec

    vectors = np.asarray(vectors)
    if binary:
        vectors = np.ascontiguousarray(vectors.astype("<f4"))
    elif vectors.dtype not in (np.float32, np.float64):
        vectors = vectors.astype(np.float32)
    joined, starts = check_writable(path, words, vectors)
    with atomic_write(path, "wb") as handle:
        if append:
            _copy_existing(path, handle)
        if write_header:
            declared = len(words) if total_vec is None else total_vec
            handle.write(f"{declared} {vectors.shape[1]}\n".encode("ascii"))
        if binary:
            rowcodec.write_binary_rows(handle, vectors, joined, starts)
        else:
            rowcodec.write_text_rows(handle, words, vectors, joined, starts)


def write_counts(path, words, counts, append=False):
    """Write a vocabulary file, ``word count`` a line, atomically (`append`: after the old lines)."""
    with atomic_write(path, "wb") as handle:
        if append:
            _copy_existing(path, handle)
        lines = (f"{word} {count}\n" for word, count in zip(words, counts.tolist()))
        handle.write("".join(lines).encode("utf-8"))


def _copy_existing(path, handle):
    """Copy the file at `path`, if there is one, into the open `handle`."""
    if os.path.exists(path):
        with open(path, "rb") as old:
            shutil.copyfileobj(old, handle)
