"""fastText's binary model files (``.bin``, what ``fasttext save_model`` writes and
``load_model`` reads, format version 12), read and written.

Layout, little-endian (what fastText writes on x86 and ARM):

- int32 magic 793712314, int32 version (12; 11 is read too);
- the settings: int32 dim, ws, epoch, minCount, neg, wordNgrams, loss (1 hs, 2 ns, 3 softmax,
  4 one-vs-all), model (1 cbow, 2 skip-gram, 3 supervised), bucket, minn, maxn, lrUpdateRate;
  float64 t (the sub-sampling threshold);
- the dictionary: int32 size, nwords, nlabels; int64 ntokens (every token read), pruneidx_size
  (-1: not pruned); then per entry its bytes, a NUL, int64 count, int8 type (0 word, 1 label), in
  the file's order, which is the rows' order (fastText's: descending count); then pruneidx_size
  int32 pairs;
- uint8 0 (not quantised), the input matrix: int64 rows (nwords + bucket: the words' rows, then
  the n-grams'), int64 columns (dim), the float32 rows;
- uint8 0, the output matrix likewise: nwords rows (hierarchical softmax: inner node j is row j,
  the last row unused).

`read_bin` checks every size against the file's before it allocates (a header that promises more
than the file holds is an error naming the file, not an allocation), and refuses what it cannot
represent — supervised models (labels), quantised or pruned ones (``.ftz``) — with a message that
says so. `write_bin` writes atomically.
"""

import mmap
import os
import struct
from dataclasses import dataclass

import numpy as np

from fastw2v.atomic import atomic_write
from fastw2v.errors import FormatError

MAGIC, VERSION = 793712314, 12
READABLE_VERSIONS = (11, 12)
ARG_NAMES = ("dim", "ws", "epoch", "minCount", "neg", "wordNgrams", "loss", "model", "bucket", "minn", "maxn",
             "lrUpdateRate")
LOSSES = {1: "hs", 2: "ns", 3: "softmax", 4: "ova"}
MODELS = {1: "cbow", 2: "skipgram", 3: "supervised"}
_ARGS = struct.Struct("<12id")
_DICT_HEAD = struct.Struct("<3i2q")
_ENTRY_TAIL = struct.Struct("<qb")
_MATRIX_HEAD = struct.Struct("<?2q")
_MIN_ENTRY_BYTES = 1 + _ENTRY_TAIL.size  # an empty word: its NUL, count and type
MAX_DIM = 1 << 16


@dataclass(frozen=True)
class FastTextBin:
    """The contents of a fastText ``.bin`` word-vector model.

    Attributes:
        args: dict of fastText's settings (`ARG_NAMES`, and "t"), loss and model as their names
            (`LOSSES`, `MODELS`).
        words: list of V str: UTF-8, a byte that is not kept as a lone surrogate
            (``surrogateescape``), so that the word's bytes, and its n-grams' rows, are the file's.
        counts: int64 (V,). ntokens: int, every token fastText read.
        input_rows: float32 (V + bucket, D): the words' rows, then the n-grams'.
        output_rows: float32 (V, D).
    """

    args: dict
    words: list
    counts: np.ndarray
    ntokens: int
    input_rows: np.ndarray
    output_rows: np.ndarray


def ngram_lengths(args):
    """The n-gram lengths (minn, maxn) that fastText uses for a file's settings (`read_bin`'s
    args): (minn, 0) when it makes none (maxn 0, minn above maxn, or no bucket); minn 0 counts as
    1 (fastText's n-grams have at least one character)."""
    if args["maxn"] == 0 or args["minn"] > args["maxn"] or args["bucket"] == 0:
        return args["minn"], 0
    return max(args["minn"], 1), args["maxn"]


def is_fasttext_bin(path):
    """Whether `path` starts with fastText's magic number (False when it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError:
        return False
    return len(head) == 4 and struct.unpack("<i", head)[0] == MAGIC


def read_bin(path):
    """Read and validate a fastText ``.bin`` file.

    Returns:
        FastTextBin.
    Raises:
        FormatError: naming the file, for a missing or unreadable file, a wrong magic number or
            version, a supervised, quantised or pruned model, sizes the file does not hold,
            a damaged dictionary, or data after the output matrix.
    """
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        if size < 8 + _ARGS.size + _DICT_HEAD.size:
            raise FormatError(f"{path}: too short for a fastText model ({size} bytes)")
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            args = _read_args(path, data)
            words, counts, ntokens, at = _read_dictionary(path, data)
            input_shape = _matrix_shape(path, data, at, "input", len(words) + args["bucket"], args["dim"])
            output_at = at + _MATRIX_HEAD.size + 4 * input_shape[0] * input_shape[1]
            output_shape = _matrix_shape(path, data, output_at, "output", len(words), args["dim"])
            end = output_at + _MATRIX_HEAD.size + 4 * output_shape[0] * output_shape[1]
        if end != size:
            raise FormatError(f"{path}: {size - end} bytes after the output matrix (not a fastText model, "
                              "or damaged)")
        input_rows = _read_rows(path, handle, at + _MATRIX_HEAD.size, input_shape)
        output_rows = _read_rows(path, handle, output_at + _MATRIX_HEAD.size, output_shape)
    return FastTextBin(args=args, words=words, counts=counts, ntokens=ntokens, input_rows=input_rows,
                       output_rows=output_rows)


def _read_args(path, data):
    magic, version = struct.unpack_from("<2i", data, 0)
    if magic != MAGIC:
        raise FormatError(f"{path}: not a fastText .bin model (magic number {magic}, expected {MAGIC})")
    if version not in READABLE_VERSIONS:
        raise FormatError(f"{path}: fastText format version {version}; fastw2v reads versions "
                          f"{', '.join(map(str, READABLE_VERSIONS))}")
    values = _ARGS.unpack_from(data, 8)
    args = dict(zip(ARG_NAMES, values[:-1]), t=values[-1])
    if args["model"] not in MODELS or args["loss"] not in LOSSES:
        raise FormatError(f"{path}: unknown fastText model {args['model']} or loss {args['loss']} (damaged?)")
    args["model"], args["loss"] = MODELS[args["model"]], LOSSES[args["loss"]]
    if args["model"] == "supervised":
        raise FormatError(f"{path}: a supervised fastText model (a classifier); fastw2v reads word-vector "
                          "models (fasttext skipgram or cbow)")
    for name in ("dim", "bucket", "minn", "maxn"):
        if not 0 <= args[name] <= (MAX_DIM if name == "dim" else 1 << 31):
            raise FormatError(f"{path}: {name} {args[name]} out of range (damaged?)")
    if args["dim"] == 0 or not 0 <= args["t"] < float("inf"):
        raise FormatError(f"{path}: dim {args['dim']}, t {args['t']} (damaged?)")
    return args


def _read_dictionary(path, data):
    """(words, counts int64 (V,), ntokens, the offset after the dictionary)."""
    n_entries, n_words, n_labels, ntokens, pruned = _DICT_HEAD.unpack_from(data, 8 + _ARGS.size)
    at = 8 + _ARGS.size + _DICT_HEAD.size
    if ntokens < 0:
        raise FormatError(f"{path}: {ntokens} tokens (damaged?)")
    if n_labels:
        raise FormatError(f"{path}: {n_labels} labels: a supervised fastText model (a classifier); fastw2v "
                          "reads word-vector models")
    if not 0 < n_words == n_entries:
        raise FormatError(f"{path}: a dictionary of {n_entries} entries but {n_words} words (damaged?)")
    if n_entries * _MIN_ENTRY_BYTES > len(data) - at:
        raise FormatError(f"{path}: a dictionary of {n_entries} entries, more than the file's {len(data)} "
                          "bytes hold (truncated or damaged)")
    if pruned != -1:
        raise FormatError(f"{path}: a pruned (quantised, .ftz) fastText model; fastw2v reads full ones")
    words, counts, seen = [], np.empty(n_words, dtype=np.int64), set()
    for i in range(n_words):
        end = data.find(b"\0", at)
        if end < 0 or end + _MIN_ENTRY_BYTES > len(data):
            raise FormatError(f"{path}: dictionary entry {i + 1} of {n_words} is damaged or cut off")
        count, kind = _ENTRY_TAIL.unpack_from(data, end + 1)
        word = data[at:end].decode("utf-8", "surrogateescape")
        if kind != 0 or count < 0 or not word or word in seen:
            problem = ("a label" if kind == 1 else f"type {kind}") if kind != 0 else (
                f"count {count}" if count < 0 else "an empty word" if not word else f"{word!r} repeated")
            raise FormatError(f"{path}: dictionary entry {i + 1} of {n_words}: {problem}")
        seen.add(word)
        words.append(word)
        counts[i] = count
        at = end + _MIN_ENTRY_BYTES
    return words, counts, ntokens, at


def _matrix_shape(path, data, at, name, rows, dim):
    """The (rows, dim) of the matrix whose header is at `at`, checked against what it must be
    and against the bytes left."""
    if at + _MATRIX_HEAD.size > len(data):
        raise FormatError(f"{path}: cut off before the {name} matrix")
    quantised, m, n = _MATRIX_HEAD.unpack_from(data, at)
    if quantised:
        raise FormatError(f"{path}: a quantised {name} matrix (.ftz); fastw2v reads full models")
    if (m, n) != (rows, dim):
        raise FormatError(f"{path}: the {name} matrix is {m} x {n}, expected {rows} x {dim} (damaged?)")
    if 4 * m * n > len(data) - at - _MATRIX_HEAD.size:
        raise FormatError(f"{path}: the {name} matrix ({m} x {n}) is cut off (truncated file)")
    return m, n


def _read_rows(path, handle, offset, shape):
    handle.seek(offset)
    rows = np.fromfile(handle, dtype="<f4", count=shape[0] * shape[1])
    if rows.size != shape[0] * shape[1]:
        raise FormatError(f"{path}: cut off while reading (the file changed?)")
    return rows.astype(np.float32, copy=False).reshape(shape)


def write_bin(path, contents):
    """Write `contents` (FastTextBin) to `path` atomically, as fastText writes it.

    Raises:
        OutputError: the file cannot be written (what was at `path` is untouched).
        ValueError: contents whose shapes disagree, or a word holding a NUL byte.
    """
    args, words = contents.args, contents.words
    n_words, bucket, dim = len(words), args["bucket"], args["dim"]
    if contents.input_rows.shape != (n_words + bucket, dim) or contents.output_rows.shape != (n_words, dim):
        raise ValueError(f"{n_words} words, bucket {bucket}, dim {dim}: input rows "
                         f"{contents.input_rows.shape}, output rows {contents.output_rows.shape}")
    codes = {"loss": {v: k for k, v in LOSSES.items()}, "model": {v: k for k, v in MODELS.items()}}
    values = [codes[name][args[name]] if name in codes else int(args[name]) for name in ARG_NAMES]
    entries = []
    for word, count in zip(words, contents.counts):
        data = word.encode("utf-8", "surrogateescape")
        if b"\0" in data:
            raise ValueError(f"the word {word!r} holds a NUL byte, which fastText's files cannot hold")
        entries.append(data + b"\0" + _ENTRY_TAIL.pack(int(count), 0))
    with atomic_write(path, "wb") as handle:
        handle.write(struct.pack("<2i", MAGIC, VERSION) + _ARGS.pack(*values, float(args["t"])))
        handle.write(_DICT_HEAD.pack(n_words, n_words, 0, int(contents.ntokens), -1))
        handle.write(b"".join(entries))
        for rows in (contents.input_rows, contents.output_rows):
            handle.write(_MATRIX_HEAD.pack(False, *rows.shape))
            _write_rows(handle, rows)


def _write_rows(handle, rows, chunk=1 << 16):
    """The rows as little-endian float32, a chunk at a time (no copy of the whole matrix)."""
    for lo in range(0, rows.shape[0], chunk):
        block = np.ascontiguousarray(rows[lo:lo + chunk], dtype="<f4")
        handle.write(memoryview(block).cast("B"))
