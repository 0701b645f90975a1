"""The native model format: one ``.npz`` of plain numeric arrays plus JSON metadata, never pickle.

Layout: an uncompressed zip written by ``np.savez``, one ``.npy`` member per array:

- ``_words``: uint8 (B,), the UTF-8 bytes of every word, concatenated.
- ``_word_offsets``: int64 (V + 1,); word i is ``_words[offsets[i]:offsets[i + 1]]``. Starts at 0,
  never decreases, ends at B.
- ``_meta``: uint8, a UTF-8 JSON object ``{"format": "fastw2v-native", "version": 1, "arrays":
  {name: {"dtype": "<f4", "shape": [V, D], "per_word": true}, ...}, "metadata": {...}}``: the
  manifest of the caller's arrays and the caller's own metadata.
- one member per caller array under its own name, so ``np.load(path)["vectors"]`` works anywhere.

An array is per-word when its first dimension is V; ``vectors``, ``syn1neg`` and ``counts`` must be.
Loading checks the zip directory and every ``.npy`` header before reading any array: members
stored uncompressed and no larger than the file, dtypes numbers or booleans only (an object array
would need pickle), dtypes and shapes as the manifest says and sizes as the shapes imply. Only then
are arrays read (``allow_pickle=False``), so a file from a stranger can neither run code nor make
the reader allocate more than the file's own size.
"""

import json
import math
import os
import re
import zipfile

import numpy as np

from fastw2v.atomic import atomic_write
from fastw2v.errors import FormatError

ZIP_MAGIC = b"PK\x03\x04"
FORMAT_NAME = "fastw2v-native"
VERSION = 1
PER_WORD_ARRAYS = ("vectors", "syn1neg", "counts")
_WORDS, _OFFSETS, _META = "_words", "_word_offsets", "_meta"
_ARRAY_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_SAVEZ_ARGUMENTS = ("file", "allow_pickle")  # np.savez's own keywords cannot name an array
_NUMERIC_KINDS = "biufc"
_ENCRYPTED = 0x1  # zip general-purpose flag bit 0


def save_native(path, words, arrays, metadata):
    """Write words, named arrays and JSON metadata to one ``.npz`` file, atomically.

    Args:
        path: the file to write, exactly this name (no ``.npz`` is added).
        words: sequence of V distinct str.
        arrays: dict name -> numeric numpy array, e.g. "vectors" float32 (V, D), "syn1neg"
            float32 (V, D), "counts" int64 (V,). Names: a letter, then letters, digits or ``_``.
        metadata: JSON-serialisable dict (None for {}), e.g. {"config": {...settings...}}.
    Raises:
        FormatError: a word that is not encodable as UTF-8, or a repeated word.
        ValueError: a bad array name or dtype, a per-word array without V rows, metadata that
            is not a JSON object.
        OutputError: the file could not be written (any previous file is left as it was).
    """
    words = list(words)
    encoded = encode_words(path, words)
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum([len(raw) for raw in encoded], out=offsets[1:])
    members = {_WORDS: np.frombuffer(b"".join(encoded), dtype=np.uint8), _OFFSETS: offsets}
    manifest = {}
    for name, array in arrays.items():
        array = np.asarray(array)
        _check_array_argument(name, array, len(words))
        manifest[name] = {"dtype": array.dtype.str, "shape": list(array.shape),
                          "per_word": array.ndim >= 1 and array.shape[0] == len(words)}
        members[name] = array
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict):
        raise ValueError(f"metadata must be a dict, not {type(metadata).__name__}")
    try:
        header = json.dumps({"format": FORMAT_NAME, "version": VERSION, "arrays": manifest,
                             "metadata": metadata}, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"metadata is not JSON-serialisable: {exc}") from exc
    members[_META] = np.frombuffer(header.encode("ascii"), dtype=np.uint8)
    with atomic_write(path, "wb") as handle:
        np.savez(handle, **members)


def load_native(path):
    """Read a file written by `save_native`, validating it before reading any array.

    Returns:
        (words, arrays, metadata): list of V str; dict name -> numpy array as saved; the
        metadata dict as saved.
    Raises:
        FormatError: naming the file, when it is missing, not a zip, damaged, holds an object
            array or a member the manifest does not list, lacks a member, has an array whose
            dtype or shape disagrees with the manifest or (per-word) with V, or repeats a word.
    """
    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isfile(path):
        raise FormatError(f"{path}: not a regular file")
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            magic = handle.read(len(ZIP_MAGIC))
        if magic != ZIP_MAGIC:
            raise FormatError(f"{path}: not a fastw2v native file (no zip signature)")
        with zipfile.ZipFile(path) as archive:
            headers = {info.filename[:-len(".npy")]: _member_header(path, archive, info, size)
                       for info in archive.infolist()}
        missing = [name for name in (_META, _WORDS, _OFFSETS) if name not in headers]
        if missing:
            raise FormatError(f"{path}: not a fastw2v native file (no {', '.join(missing)} member)")
        with np.load(path, allow_pickle=False) as archive:
            manifest, metadata = _read_manifest(path, archive, headers)
            words = _read_words(path, archive, headers)
            arrays = {}
            for name, entry in manifest.items():
                has_word_rows = entry["shape"][:1] == [len(words)]
                if entry["per_word"] != has_word_rows or (name in PER_WORD_ARRAYS and not has_word_rows):
                    raise FormatError(f"{path}: array {name!r} of shape {tuple(entry['shape'])} does not "
                                      f"have one row per word ({len(words)})")
                arrays[name] = archive[name]
    except FileNotFoundError:
        raise FormatError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        # NotImplementedError: zipfile's word for a zip feature it lacks (a damaged header, here)
        raise FormatError(f"{path}: damaged native file ({exc})") from exc
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return words, arrays, metadata


def encode_words(path, words):
    """The words' UTF-8 bytes, list of bytes; FormatError naming `path` for a word that is not a
    str, repeats an earlier one, or cannot be encoded."""
    encoded, first = [], {}
    for i, word in enumerate(words):
        if not isinstance(word, str):
            raise FormatError(f"{path}: word {i} is a {type(word).__name__}, not a str")
        if word in first:
            raise FormatError(f"{path}: word {i} {word!r} repeats word {first[word]}; not written")
        first[word] = i
        try:
            encoded.append(word.encode("utf-8"))
        except UnicodeEncodeError:
            raise FormatError(f"{path}: word {i} {word!r} cannot be encoded as UTF-8; not written") from None
    return encoded


def _check_array_argument(name, array, n_words):
    if not isinstance(name, str) or not _ARRAY_NAME.fullmatch(name) or name in _SAVEZ_ARGUMENTS:
        raise ValueError(f"array name {name!r}: use a letter, then letters, digits or '_' "
                         f"(not {' or '.join(_SAVEZ_ARGUMENTS)})")
    if array.dtype.kind not in _NUMERIC_KINDS or array.dtype.fields is not None:
        raise ValueError(f"array {name!r} has dtype {array.dtype}: only numbers and booleans are stored")
    if name in PER_WORD_ARRAYS and (array.ndim == 0 or array.shape[0] != n_words):
        raise ValueError(f"array {name!r} of shape {array.shape} needs one row per word ({n_words})")


def _member_header(path, archive, info, size):
    """Check one zip member and its .npy header without reading its data; returns (dtype, shape)."""
    where = f"{path}: member {info.filename!r}"
    if not info.filename.endswith(".npy"):
        raise FormatError(f"{where} is not a numpy array")
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & _ENCRYPTED or info.file_size > size:
        raise FormatError(f"{where} is compressed, encrypted or larger than the file: not written by fastw2v")
    with archive.open(info) as member:
        try:
            version = np.lib.format.read_magic(member)
            read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                           (2, 0): np.lib.format.read_array_header_2_0}.get(version)
            if read_header is None:
                raise ValueError(f".npy version {version} is not supported")
            shape, _, dtype = read_header(member)
        except ValueError as exc:
            raise FormatError(f"{where}: bad array header ({exc})") from exc
        header_bytes = member.tell()
    if dtype.hasobject or dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None:
        raise FormatError(f"{where} holds dtype {dtype}: only numbers and booleans are read "
                          "(object arrays would need pickle, which fastw2v never loads)")
    if header_bytes + math.prod(shape) * dtype.itemsize != info.file_size:
        raise FormatError(f"{where}: shape {shape} of {dtype} does not fit its {info.file_size} bytes")
    return dtype, shape


def _read_manifest(path, archive, headers):
    """Parse `_meta` and check it lists exactly the arrays present, with their dtypes and shapes."""
    dtype, shape = headers[_META]
    if dtype != np.uint8 or len(shape) != 1:
        raise FormatError(f"{path}: member '{_META}' is not a byte string")
    try:
        header = json.loads(archive[_META].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormatError(f"{path}: metadata is not valid JSON ({exc})") from None
    named = header.get("format") if isinstance(header, dict) else None
    if named != FORMAT_NAME:
        raise FormatError(f"{path}: not a fastw2v native file (its metadata names format {named!r})")
    if header.get("version") != VERSION:
        raise FormatError(f"{path}: native format version {header.get('version')!r}; "
                          f"this fastw2v reads version {VERSION}")
    manifest, metadata = header.get("arrays"), header.get("metadata")
    if not isinstance(manifest, dict) or not isinstance(metadata, dict):
        raise FormatError(f"{path}: metadata lacks its 'arrays' or 'metadata' object")
    listed = set(manifest) | {_META, _WORDS, _OFFSETS}
    unlisted, missing = sorted(set(headers) - listed), sorted(listed - set(headers))
    if unlisted:
        raise FormatError(f"{path}: member {unlisted[0]!r} is not listed in the metadata")
    if missing:
        raise FormatError(f"{path}: array {missing[0]!r} is listed in the metadata but missing")
    for name, entry in manifest.items():
        try:
            expected = (np.dtype(entry["dtype"]), tuple(entry["shape"]))
            valid = isinstance(entry["per_word"], bool)
        except (KeyError, TypeError, ValueError):
            valid = False
        if not valid or headers[name] != expected:
            raise FormatError(f"{path}: array {name!r} is {headers[name][0]} {headers[name][1]}, "
                              f"but the metadata says {entry!r}")
    return manifest, metadata


def _read_words(path, archive, headers):
    """Decode `_words` at `_word_offsets` into a list of distinct str."""
    (bytes_dtype, bytes_shape), (offsets_dtype, offsets_shape) = headers[_WORDS], headers[_OFFSETS]
    if bytes_dtype != np.uint8 or len(bytes_shape) != 1 or offsets_dtype != np.int64 \
            or len(offsets_shape) != 1 or offsets_shape[0] < 1:
        raise FormatError(f"{path}: the word members are not uint8 bytes and int64 offsets")
    blob, offsets = archive[_WORDS].tobytes(), archive[_OFFSETS]
    if offsets[0] != 0 or offsets[-1] != len(blob) or np.any(np.diff(offsets) < 0):
        raise FormatError(f"{path}: word offsets do not cut the {len(blob)} word bytes in order")
    words, first = [], {}
    for i, (start, end) in enumerate(zip(offsets[:-1].tolist(), offsets[1:].tolist())):
        try:
            word = blob[start:end].decode("utf-8")
        except UnicodeDecodeError:
            raise FormatError(f"{path}: word {i} is not valid UTF-8") from None
        if word in first:
            raise FormatError(f"{path}: word {i} {word!r} repeats word {first[word]}")
        first[word] = i
        words.append(word)
    return words
