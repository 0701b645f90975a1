"""Word-vector files: the word2vec text and binary formats, detection by content, and one reader
for every format fastw2v knows (the native ``.npz`` of `fastw2v.native` included, whose
`save_native` and `load_native` are re-exported here).

- **text**: a ``V D`` header line, then V lines of a word and D decimal numbers, space separated.
  We write C's ``%.9g`` for float32 (read back bit-exact), ``%.17g`` for float64, and no
  trailing space; the C tool's lines (6 decimals and a trailing space) and gensim's (shortest
  ``repr``) read the same way.
- **binary**: a ``V D\\n`` header, then per word its UTF-8 bytes, a space, D little-endian float32
  and ``\\n``: byte for byte what the C tool writes. gensim writes no ``\\n`` after a row; both
  read either.

- **fasttext**: fastText's ``.bin`` model (`fastw2v.fasttext_bin`), read for its words' vectors
  (each the mean of the word's row and its n-grams' rows, as fastText gives them); models read
  it whole with `fastw2v.fasttext.load_facebook_model`.

Readers check before they allocate (the header's V and D against the file's size) and stop at
the first problem with one `FormatError` naming the file and the line (text) or word (binary):
empty or truncated files, headers that promise more than the file holds, rows of the wrong
length, values that are not finite numbers, repeated words, data after the last word.
Words whose bytes are not UTF-8 are decoded with U+FFFD in their place by default
(``unicode_errors="replace"``, as the corpus reader does, so they match words trained from the
same text); ``"strict"`` makes them an error instead. Writers refuse what a reader would refuse
(empty words, words with spaces or line breaks, repeats, non-finite values) and write atomically.

Rows are written and read by compiled code (`fastw2v.rowcodec`), giving the bytes Python's ``%``
gives and the float32 numpy's parsing gives; the rare row it cannot do exactly (a number too
close to a rounding tie; numbers in another syntax or out of the exact parsing's range; damage)
is written or read by Python, which also gives every error message, as before. The words'
checks, encoding and decoding are in `fastw2v.filewords`.
"""

import codecs
import contextlib
import gc
import mmap
import os
import stat
from dataclasses import dataclass

import numpy as np

from fastw2v import rowcodec
from fastw2v.atomic import atomic_write
from fastw2v.errors import FormatError
from fastw2v.filewords import MAX_WORD_BYTES, WordList, check_writable, first_non_finite_row
from fastw2v.native import ZIP_MAGIC, load_native, save_native

TEXT, BINARY, NATIVE, FASTTEXT = "text", "binary", "native", "fasttext"
_MAX_NUMBER_CHARS = 40  # a float64 repr takes at most 24
_HEADER_BYTES = 64
_TRAILING_WHITESPACE_BYTES = 64  # what may follow the last binary row (editors add newlines)
_GZIP_MAGIC = b"\x1f\x8b"
_FASTTEXT_MAGIC = (793712314).to_bytes(4, "little")  # `fasttext_bin.MAGIC`
_PICKLE_PROTO = 0x80  # pickles of protocol 2 and later (gensim's save) open with PROTO, then the protocol
_PICKLE_PROTOCOLS = range(2, 6)
_NPY_MAGIC = b"\x93NUMPY"  # an array gensim's save writes beside its pickle, when large
_CHUNK_BYTES = 1 << 22  # the readers' word buffers
_CHUNK_ROWS = 1 << 16

__all__ = ["TEXT", "BINARY", "NATIVE", "FASTTEXT", "VectorFile", "read_vectors", "detect_format", "is_pickle",
           "save_word2vec_text", "save_word2vec_binary", "load_word2vec_text", "load_word2vec_binary",
           "save_native", "load_native"]


@dataclass
class VectorFile:
    """The contents of a vector file.

    Attributes:
        words: list of V distinct str.
        vectors: float array (V, D): float32 from word2vec files, as saved from native ones.
        format: "text", "binary", "native" or "fasttext".
        arrays: dict name -> array (native: every saved array; word2vec: just "vectors";
            fastText: "vectors" and "counts").
        metadata: dict (native: as saved, e.g. {"config": {...}}; fastText: {"config": its
            settings}; word2vec: empty).
    """

    words: list
    vectors: np.ndarray
    format: str
    arrays: dict
    metadata: dict


def read_vectors(path, unicode_errors="replace"):
    """Read a vector file in any supported format, detected from its content.

    Returns:
        VectorFile.
    Raises:
        FormatError: naming the file, for any problem listed in the module docstring, or a
            native file without a 2-D float "vectors" array.
    """
    found = detect_format(path)
    if found == FASTTEXT:
        return _read_fasttext(path)
    if found == NATIVE:
        words, arrays, metadata = load_native(path)
        vectors = arrays.get("vectors")
        if vectors is None or vectors.ndim != 2 or vectors.dtype.kind != "f":
            raise FormatError(f"{path}: native file without a 2-D float 'vectors' array")
        return VectorFile(words, vectors, found, arrays, metadata)
    load = load_word2vec_binary if found == BINARY else load_word2vec_text
    words, vectors = load(path, unicode_errors)
    return VectorFile(words, vectors, found, {"vectors": vectors}, {})


def _read_fasttext(path):
    from fastw2v.fasttext_bin import ngram_lengths, read_bin
    from fastw2v.subwords import SubwordIndex, word_means

    contents = read_bin(path)
    args = contents.args
    minn, maxn = ngram_lengths(args)
    if maxn:
        index = SubwordIndex.build(contents.words, minn, maxn, args["bucket"])
        vectors = word_means(contents.input_rows, index)
    else:
        vectors = contents.input_rows[:len(contents.words)].copy()
    return VectorFile(contents.words, vectors, FASTTEXT, {"vectors": vectors, "counts": contents.counts},
                      {"config": args})


def detect_format(path):
    """The format of a file, from its content: "native" (a zip signature), "fasttext" (fastText's
    magic number), else "text" or "binary" (after a ``V D`` header line), whatever the file's name.

    A word2vec file is text when the line after its header is a word followed by numbers (at
    least min(D, 2) of them; the text reader checks the count); raw float32 bytes essentially
    never form one.

    Raises:
        FormatError: a missing, empty or gzip-compressed file, a Python pickle or a NumPy .npy
            file (gensim's `save` writes these: the message says how to convert them), or one
            without a ``V D`` header.
    """
    with _reading(path) as handle:
        magic = handle.read(len(ZIP_MAGIC))
        if magic == ZIP_MAGIC:
            return NATIVE
        if magic == _FASTTEXT_MAGIC:
            return FASTTEXT
        if magic.startswith(_GZIP_MAGIC):
            raise FormatError(f"{path}: gzip-compressed; decompress it first (gunzip)")
        if _is_pickle_start(magic):
            raise FormatError(f"{path}: a Python pickle, such as gensim's save() writes; fastw2v does not "
                              f"load pickles (loading one can run any code). {_CONVERT_GENSIM}")
        if len(magic) == len(ZIP_MAGIC) and _NPY_MAGIC.startswith(magic):
            raise FormatError(f"{path}: a NumPy .npy array, such as gensim's save() writes beside its main "
                              f"file (a pickle); fastw2v reads neither. {_CONVERT_GENSIM}")
        handle.seek(0)
        _, dim, _ = _read_header(path, handle)
        fields = handle.readline(_line_limit(dim)).split()
    numbers = fields[1:]
    return TEXT if len(numbers) >= min(dim, 2) and all(map(_is_number, numbers)) else BINARY


_CONVERT_GENSIM = ("Convert the model where gensim is installed: gensim.models.KeyedVectors.load(path)"
                   ".save_word2vec_format(out, binary=True) (a Word2Vec model: Word2Vec.load(path).wv"
                   ".save_word2vec_format(...)), then read that file")


def is_pickle(path):
    """Whether `path` holds a Python pickle of protocol 2 or later (what gensim's save() and
    pickle.dump write), from its first two bytes; False for a file that cannot be read (its
    reader says why)."""
    try:
        with open(path, "rb") as handle:
            return _is_pickle_start(handle.read(2))
    except OSError:
        return False


def _is_pickle_start(head):
    return len(head) >= 2 and head[0] == _PICKLE_PROTO and head[1] in _PICKLE_PROTOCOLS


def save_word2vec_text(path, words, vectors):
    """Write vectors in the word2vec text format: a ``V D`` header, then a word and D numbers a line.

    Numbers are C's ``%.9g`` for float32 input (enough to read back the exact float32) and
    ``%.17g`` for other floats (as float64), byte for byte what Python's ``%`` operator gives;
    compiled (`fastw2v.rowcodec`), with Python writing the rare row it cannot round with
    certainty. Integer and other non-float arrays are written by Python, as ``%.17g``.

    Args:
        path: output file; written atomically.
        words: sequence of V distinct non-empty str without ASCII whitespace.
        vectors: float32 or float64 array, shape (V, D), finite.
    Raises:
        FormatError: a bad or repeated word, or a non-finite value (nothing is written).
        ValueError: words and vectors disagree in number.
    """
    vectors = np.asarray(vectors)
    joined, starts = check_writable(path, words, vectors)
    with atomic_write(path, "wb") as handle:
        handle.write(f"{vectors.shape[0]} {vectors.shape[1]}\n".encode("ascii"))
        rowcodec.write_text_rows(handle, words, vectors, joined, starts)


def save_word2vec_binary(path, words, vectors):
    """Write vectors in the C tool's binary format: ``V D\\n``, then per word its UTF-8 bytes, a
    space, D little-endian float32 and ``\\n``.

    Args:
        path: output file; written atomically.
        words: sequence of V distinct non-empty str without ASCII whitespace.
        vectors: float array (V, D), finite; stored as float32.
    Raises:
        FormatError: a bad or repeated word, or a non-finite value (nothing is written).
        ValueError: words and vectors disagree in number.
    """
    rows = np.ascontiguousarray(np.asarray(vectors).astype("<f4"))
    joined, starts = check_writable(path, words, rows)
    with atomic_write(path, "wb") as handle:
        handle.write(f"{rows.shape[0]} {rows.shape[1]}\n".encode("ascii"))
        rowcodec.write_binary_rows(handle, rows, joined, starts)


def load_word2vec_text(path, unicode_errors="replace"):
    """Read the word2vec text format (ours, the C tool's, gensim's).

    Lines are parsed by compiled code (`fastw2v.rowcodec`), to the float32 numpy gives; a line
    it leaves (numbers such as ``1_0``, ``inf`` or ``1e-30``, or damage) is read by Python.

    Args:
        unicode_errors: how to decode words that are not UTF-8 ("replace" or "strict", or any
            Python error handler).
    Returns:
        (words, vectors): list of V str, float32 (V, D).
    Raises:
        FormatError: naming the file and line (see the module docstring).
    """
    path = os.fspath(path)
    codecs.lookup_error(unicode_errors)
    with _reading(path) as handle:
        n_words, dim, start = _read_header(path, handle)
        available = os.fstat(handle.fileno()).st_size - start
        smallest = n_words * (2 * dim + 2) - 1  # one-byte words and numbers
        if smallest > available:
            raise FormatError(f"{path}: the header declares {n_words} words of {dim} numbers, at least "
                              f"{smallest} bytes as text, but {available} bytes follow it: truncated, "
                              "or the header is wrong")
        vectors = np.empty((n_words, dim), dtype=np.float32)
        words = WordList(unicode_errors)
        with _mapped(handle) as data:
            position, number = _read_text_rows(path, data, start, vectors, words)
            number = _check_text_tail(path, data, position, number, n_words, dim)
    if len(words) < n_words:
        raise FormatError(f"{path}: the header declares {n_words} words but the file ends after "
                          f"{len(words)} (line {number}): truncated?")
    return words.words, vectors


def load_word2vec_binary(path, unicode_errors="replace"):
    """Read the word2vec binary format (the C tool's, with ``\\n`` after rows, and gensim's, without).

    Args:
        unicode_errors: how to decode words that are not UTF-8 ("replace" or "strict", or any
            Python error handler).
    Returns:
        (words, vectors): list of V str, float32 (V, D).
    Raises:
        FormatError: naming the file and the word's index (see the module docstring).
    """
    path = os.fspath(path)
    codecs.lookup_error(unicode_errors)
    with _reading(path) as handle:
        n_words, dim, position = _read_header(path, handle)
        size = os.fstat(handle.fileno()).st_size
        row_bytes = 4 * dim
        smallest = n_words * (row_bytes + 2)  # one-byte words
        if smallest > size - position:
            raise FormatError(f"{path}: the header declares {n_words} words of {dim} float32, at least "
                              f"{smallest} bytes, but {size - position} bytes follow it: truncated, "
                              "or the header is wrong")
        stored = np.empty((n_words, dim), dtype="<f4")
        words = WordList(unicode_errors)
        with _mapped(handle) as data:
            position = _read_binary_rows(path, data, position, stored, words)
            if size - position > _TRAILING_WHITESPACE_BYTES or data[position:size].strip():
                raise FormatError(f"{path}: data after the {n_words} words the header declares (byte "
                                  f"{position}): the header is wrong, or this is not a binary file")
    vectors = stored.astype(np.float32, copy=False)  # a copy only where float32 is big-endian
    bad = first_non_finite_row(vectors)
    if bad >= 0:
        raise FormatError(f"{path}: word {bad} {words.words[bad]!r} has a value that is not a finite "
                          "number")
    return words.words, vectors


@contextlib.contextmanager
def _reading(path):
    """Open a regular file for reading bytes; an OSError while reading becomes a FormatError."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise FormatError(f"{path}: no such file") from None
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise FormatError(f"{path}: not a regular file; vector files are read from disk, not pipes")
        try:
            yield handle
        except OSError as exc:
            raise FormatError(f"{path}: read failed ({exc.strerror or exc})") from exc


@contextlib.contextmanager
def _mapped(handle):
    """The open file `handle` as a read-only mmap, closed on exit."""
    data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        yield data
    finally:
        try:
            data.close()
        except BufferError:  # compiling a scanner on first use leaves its arguments in a cycle
            gc.collect()
            data.close()


def _read_header(path, handle):
    """Parse the ``V D`` first line; returns (V, D, the byte offset after it)."""
    line = handle.readline(_HEADER_BYTES)
    if not line:
        raise FormatError(f"{path}: empty file")
    fields = line.split()
    if len(fields) != 2 or not all(field.isdigit() for field in fields):
        raise FormatError(f"{path}:1: expected the header 'V D' (number of words, dimensions), "
                          f"found {line[:40]!r}")
    n_words, dim = int(fields[0]), int(fields[1])
    if n_words < 1 or dim < 1:
        raise FormatError(f"{path}:1: the header declares {n_words} words of {dim} dimensions; "
                          "a vector file needs at least one of each")
    return n_words, dim, handle.tell()


def _line_limit(dim):
    """The longest text row of D numbers we accept, in bytes (newline included)."""
    return MAX_WORD_BYTES + dim * (_MAX_NUMBER_CHARS + 1) + 2


def _is_number(field):
    try:
        float(field)
    except ValueError:
        return False
    return True


def _parse_row(where, fields):
    """D byte strings -> float32 (D,); raises FormatError on a non-number or a non-finite value."""
    try:
        with np.errstate(over="ignore"):  # beyond float32's range: reported as not finite below
            row = np.array(fields, dtype=np.float64).astype(np.float32)
    except ValueError:
        bad = next(i for i, field in enumerate(fields) if not _is_number(field))
        raise FormatError(f"{where}: number {bad + 1}, {fields[bad][:40]!r}, is not a number") from None
    if not np.isfinite(row).all():
        bad = int(np.flatnonzero(~np.isfinite(row))[0])
        raise FormatError(f"{where}: number {bad + 1}, {fields[bad][:40]!r}, is not a finite float32")
    return row


def _read_text_rows(path, data, position, vectors, words):
    """Fill float32 `vectors` (V, D) and `words` from the text lines at data[position:] (an mmap):
    compiled while lines take the fast path, one line in Python where they do not.

    Returns:
        (position, line number) after the last row, or at the end of data.
    """
    limit, number = _line_limit(vectors.shape[1]), 1
    buffer, ends = np.empty(_CHUNK_BYTES + limit, dtype=np.uint8), np.empty(_CHUNK_ROWS, dtype=np.int64)
    while len(words) < len(vectors) and position < len(data):
        position, count, why = rowcodec.scan(rowcodec.scan_text_rows, data, position, limit, vectors,
                                             len(words), buffer, ends)
        words.add_scanned(buffer, ends, count, lambda j, line=number + 1: f"{path}:{line + j}", _text_row)
        number += count
        if why == rowcodec.STOPPED:
            position, number = _read_text_line(path, data, position, number, vectors, words)
    return position, number


def _read_text_line(path, data, position, number, vectors, words):
    """Read the line at data[position:] into the next row, or raise FormatError saying what is
    wrong with it; returns (position, number) after it."""
    line, where, position, number = _next_line(path, data, position, number, vectors.shape[1])
    fields = line.split()
    if len(fields) != vectors.shape[1] + 1:
        found = f"{len(fields) - 1} numbers" if fields else "an empty line"
        raise FormatError(f"{where}: expected a word and {vectors.shape[1]} numbers, found {found}")
    vectors[len(words)] = _parse_row(where, fields[1:])
    words.add(fields[0], where, _text_row)
    return position, number


def _check_text_tail(path, data, position, number, n_words, dim):
    """Refuse anything but blank lines after the last row; returns the last line's number."""
    while position < len(data):
        line, where, position, number = _next_line(path, data, position, number, dim)
        if line.split():
            raise FormatError(f"{where}: more rows than the {n_words} the header declares")
    return number


def _next_line(path, data, position, number, dim):
    """The line at data[position:] (an mmap) as ``readline`` reads it, refusing one too long:
    (line, "path:number" of it, position after it, its number)."""
    limit = _line_limit(dim)
    end = data.find(b"\n", position, position + limit)
    line = data[position:end + 1 if end >= 0 else position + limit]
    if len(line) == limit and not line.endswith(b"\n"):
        raise FormatError(f"{path}:{number + 1}: line longer than a word and {dim} numbers can be")
    return line, f"{path}:{number + 1}", position + len(line), number + 1


def _text_row(index):
    """Where the text row of word `index` is, for messages."""
    return f"line {index + 2}"


def _binary_row(index):
    """Where the binary row of word `index` is, for messages."""
    return f"word {index}"


def _read_binary_rows(path, data, position, stored, words):
    """Fill `stored` (little-endian float32 (V, D)) and `words` from the binary rows at
    data[position:] (an mmap); returns the position after the last row."""
    buffer = np.empty(_CHUNK_BYTES + MAX_WORD_BYTES, dtype=np.uint8)
    ends, row_starts = np.empty(_CHUNK_ROWS, dtype=np.int64), np.empty(_CHUNK_ROWS, dtype=np.int64)
    while len(words) < len(stored):
        first = len(words)
        position, count, why = rowcodec.scan(rowcodec.scan_binary_rows, data, position, MAX_WORD_BYTES,
                                             stored.view(np.uint8), first, buffer, ends, row_starts)
        words.add_scanned(buffer, ends, count,
                          lambda j, first=first: f"{path}: word {first + j} (byte {row_starts[j]})",
                          _binary_row)
        if why == rowcodec.STOPPED:
            position = _read_binary_row(path, data, position, stored, words)
    return position


def _read_binary_row(path, data, position, stored, words):
    """Read the binary row at data[position:] into the next row of `stored`, or raise
    FormatError saying what is wrong with it; returns the position after it."""
    size, i, dim = len(data), len(words), stored.shape[1]
    while position < size and data[position] == ord("\n"):  # the C tool's row end
        position += 1
    where = f"{path}: word {i} (byte {position})"
    space = data.find(b" ", position, min(size, position + MAX_WORD_BYTES + 1))
    if space == position:
        raise FormatError(f"{where}: a space where a word should start")
    if space < 0:
        problem = ("the file ends" if size - position <= MAX_WORD_BYTES
                   else f"no space within {MAX_WORD_BYTES} bytes")
        raise FormatError(f"{where}: expected a word and a space, but {problem}: "
                          "truncated, or not a word2vec binary file")
    if space + 1 + 4 * dim > size:
        raise FormatError(f"{where}: the file ends inside the word's {dim} float32: truncated")
    stored[i] = np.frombuffer(data, dtype="<f4", count=dim, offset=space + 1)
    words.add(data[position:space], where, _binary_row)
    return space + 1 + 4 * dim
