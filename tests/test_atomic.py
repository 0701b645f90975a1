"""Atomic writes: a failed write never damages the file that was there before."""

import errno
import os

import pytest

from fastw2v.atomic import atomic_write
from fastw2v.errors import OutputError


def test_complete_write_replaces_the_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with atomic_write(target, "w") as handle:
        handle.write("new")
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_exception_inside_the_block_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(target, "w") as handle:
            handle.write("half")
            raise RuntimeError("crash mid-write")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_disk_full_is_an_output_error_and_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OutputError, match="out.bin"):
        with atomic_write(target) as handle:
            handle.write(b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_missing_directory_and_directory_target_are_output_errors(tmp_path):
    with pytest.raises(OutputError, match="cannot write"):
        with atomic_write(tmp_path / "missing" / "out.txt", "w"):
            pass
    with pytest.raises(OutputError, match="is a directory"):
        with atomic_write(tmp_path, "w"):
            pass
