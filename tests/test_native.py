"""The native .npz format: exact round trips, plain numpy inside, never pickle, and one clear
error naming the file for every inconsistency."""

import errno
import io
import json
import os
import zipfile

import numpy as np
import pytest

from fastw2v import native
from fastw2v.errors import FormatError, OutputError
from fastw2v.native import load_native, save_native

UNPICKLED = []


def record_unpickling(tag):
    UNPICKLED.append(tag)
    return tag


class Tripwire:
    """An object whose unpickling leaves a trace in UNPICKLED."""

    def __reduce__(self):
        return record_unpickling, ("unpickled",)


def model(n_words=6, dim=4):
    """(words, arrays, metadata) shaped like a checkpoint."""
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(n_words - 2)] + ["café", "with space"]
    arrays = {"vectors": rng.normal(size=(n_words, dim)).astype(np.float32),
              "syn1neg": rng.normal(size=(n_words, dim)).astype(np.float32),
              "counts": np.arange(n_words, 0, -1, dtype=np.int64),
              "rng_state": np.array([1, 2, 3, 2**63], dtype=np.uint64)}
    metadata = {"config": {"vector_size": dim, "min_alpha": 2.5e-06, "max_vocab_size": None},
                "epoch": 3, "note": "naïve"}
    return words, arrays, metadata


def saved_members(tmp_path):
    """The members of a valid native file (name -> array) and its manifest (dict)."""
    path = tmp_path / "valid.npz"
    save_native(path, *model())
    with np.load(path, allow_pickle=False) as npz:
        members = dict(npz)
    return members, json.loads(members["_meta"].tobytes())


def write_members(path, members, savez=np.savez):
    with open(path, "wb") as handle:
        savez(handle, **members)


def test_round_trip_keeps_words_arrays_dtypes_and_metadata(tmp_path):
    words, arrays, metadata = model()
    save_native(tmp_path / "m.npz", words, arrays, metadata)
    read_words, read_arrays, read_metadata = load_native(tmp_path / "m.npz")
    assert read_words == words and read_metadata == metadata
    assert read_arrays.keys() == arrays.keys()
    for name, array in arrays.items():
        assert read_arrays[name].dtype == array.dtype
        np.testing.assert_array_equal(read_arrays[name], array)


def test_file_is_a_plain_npz_that_numpy_reads_without_pickle(tmp_path):
    words, arrays, metadata = model()
    save_native(tmp_path / "model", words, arrays, metadata)  # written at exactly that name
    with np.load(tmp_path / "model", allow_pickle=False) as npz:
        assert set(npz.files) == set(arrays) | {"_words", "_word_offsets", "_meta"}
        np.testing.assert_array_equal(npz["vectors"], arrays["vectors"])
    with zipfile.ZipFile(tmp_path / "model") as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}


def test_object_array_is_refused_without_being_unpickled(tmp_path):
    members, _ = saved_members(tmp_path)
    members["vectors"] = np.array([Tripwire()] * len(members["counts"]), dtype=object)
    write_members(tmp_path / "evil.npz", members)
    with pytest.raises(FormatError, match="evil.npz.*pickle"):
        load_native(tmp_path / "evil.npz")
    assert UNPICKLED == []


def header_lying_about_its_shape(tmp_path, path):
    """A valid file whose vectors member claims 10**12 rows in a few bytes."""
    save_native(tmp_path / "valid.npz", *model())
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False,
                                                  "shape": (10**12, 4)})
    with zipfile.ZipFile(tmp_path / "valid.npz") as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename,
                            header.getvalue() + data[-16:] if info.filename == "vectors.npy" else data)


def tampered(change_members=None, change_meta=None, savez=np.savez):
    def make(tmp_path, path):
        members, meta = saved_members(tmp_path)
        if change_meta:
            change_meta(meta)
            members["_meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        if change_members:
            change_members(members)
        write_members(path, members, savez)
    return make


def drop(*names):
    return lambda members: [members.pop(name) for name in names]


def set_words(*words):
    def change(members):
        encoded = [w.encode() if isinstance(w, str) else w for w in words]
        members["_words"] = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        members["_word_offsets"] = np.cumsum([0] + [len(w) for w in encoded]).astype(np.int64)
    return change


def shorten_vectors(members):
    members["vectors"] = members["vectors"][:-1]


def record_short_vectors(meta):
    meta["arrays"]["vectors"].update(shape=[5, 4], per_word=False)


def raw(content):
    return lambda tmp_path, path: path.write_bytes(content)


BAD_NATIVE = {
    "plain npz": (tampered(drop("_meta", "_words", "_word_offsets")), "not a fastw2v native file .no _meta"),
    "words missing": (tampered(drop("_words")), "no _words member"),
    "array listed but missing": (tampered(drop("counts")), "'counts' is listed in the metadata but missing"),
    "unlisted member": (tampered(lambda m: m.update(secret=np.zeros(2))), "'secret' is not listed"),
    "manifest disagrees": (tampered(change_meta=lambda meta: meta["arrays"]["vectors"].update(shape=[6, 5])),
                           r"'vectors' is float32 \(6, 4\), but the metadata says"),
    "per-word array short of rows": (tampered(shorten_vectors, record_short_vectors),
                                     "'vectors' of shape .5, 4. does not have one row per word .6."),
    "repeated word": (tampered(set_words("a", "b", "a", "c", "d", "e")), "word 2 'a' repeats word 0"),
    "word not utf-8": (tampered(set_words("a", "b", b"\xff", "c", "d", "e")), "word 2 is not valid UTF-8"),
    "offsets out of order": (tampered(lambda m: m["_word_offsets"].__setitem__(2, 0)), "offsets do not cut"),
    "string array": (tampered(lambda m: m.update(vectors=np.array(["abc"] * 6))), "only numbers"),
    "bad json": (tampered(lambda m: m.update(_meta=np.frombuffer(b"{oops", np.uint8))), "not valid JSON"),
    "other format": (tampered(change_meta=lambda meta: meta.update(format="other")), "names format 'other'"),
    "newer version": (tampered(change_meta=lambda meta: meta.update(version=2)), "version 2"),
    "compressed": (tampered(savez=np.savez_compressed), "compressed"),
    "header lies about its shape": (header_lying_about_its_shape,
                                    r"shape \(1000000000000, 4\) .* does not fit"),
    "zip magic then garbage": (raw(b"PK\x03\x04" + b"\x00" * 100), "damaged native file"),
}


@pytest.mark.parametrize("name", BAD_NATIVE)
def test_bad_native_files_fail_with_one_error_naming_the_file(tmp_path, name):
    make, message = BAD_NATIVE[name]
    path = tmp_path / "bad.npz"
    make(tmp_path, path)
    with pytest.raises(FormatError, match=message) as error:
        load_native(path)
    assert str(error.value).startswith(str(path))


def test_truncated_native_file_is_a_format_error(tmp_path):
    save_native(tmp_path / "m.npz", *model())
    data = (tmp_path / "m.npz").read_bytes()
    (tmp_path / "m.npz").write_bytes(data[:len(data) // 2])
    with pytest.raises(FormatError, match="m.npz: damaged"):
        load_native(tmp_path / "m.npz")


@pytest.mark.parametrize("arrays, metadata, message", [
    ({"file": np.zeros(3)}, {}, "array name 'file'"),
    ({"_hidden": np.zeros(3)}, {}, "array name '_hidden'"),
    ({"a-b": np.zeros(3)}, {}, "array name 'a-b'"),
    ({"extra": np.array([object()])}, {}, "only numbers"),
    ({"vectors": np.zeros((2, 4))}, {}, "needs one row per word"),
    ({}, {"config": {1, 2}}, "not JSON-serialisable"),
    ({}, ["not", "a", "dict"], "must be a dict"),
])
def test_save_refuses_bad_arguments_and_writes_nothing(tmp_path, arrays, metadata, message):
    with pytest.raises(ValueError, match=message):
        save_native(tmp_path / "m.npz", ["a", "b", "c"], arrays, metadata)
    assert os.listdir(tmp_path) == []


def test_save_refuses_repeated_words(tmp_path):
    with pytest.raises(FormatError, match="word 2 'a' repeats word 0"):
        save_native(tmp_path / "m.npz", ["a", "b", "a"], {}, {})


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    save_native(path, *model())
    before = path.read_bytes()

    def disk_full(handle, **members):
        handle.write(b"PK\x03\x04partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(native.np, "savez", disk_full)
    with pytest.raises(OutputError, match="m.npz"):
        save_native(path, ["x"], {}, {})
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.npz"]
