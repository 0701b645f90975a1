"""Atomic file writing: write to a temporary file beside the target, fsync, then rename over it.

A crash, a full disk or an exception while writing never leaves a half-written file at the target
path, and whatever was there before survives until the new file is complete.
"""

import contextlib
import os
import stat
import tempfile

from fastw2v.errors import OutputError

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding=None):
    """Open a temporary file for writing that replaces `path` only when the block exits cleanly.

    Args:
        path: str or os.PathLike, the final destination.
        mode: "wb" (bytes) or "w" (text).
        encoding: text encoding when mode is "w" (default utf-8).
    Yields:
        A writable file object.
    Raises:
        OutputError: the directory is missing or unwritable, the path is a directory, or the
            write failed (for example ENOSPC); the previous file at `path` is untouched.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write mode must be 'wb' or 'w', not {mode!r}")
    shown, path = os.fspath(path), check_output_path(path)
    directory = os.path.dirname(path)
    try:
        fd, tmp_path = tempfile.mkstemp(prefix=".tmp-", suffix="-" + os.path.basename(path), dir=directory)
    except OSError as exc:
        raise OutputError(f"{shown}: cannot write there ({exc.strerror})") from exc
    try:
        os.chmod(tmp_path, 0o666 & ~_UMASK)
        text_encoding = (encoding or "utf-8") if mode == "w" else None
        with open(fd, mode, encoding=text_encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_path, path)
    except OSError as exc:
        _remove_quietly(tmp_path)
        raise OutputError(f"{shown}: write failed ({exc.strerror or exc}); "
                          f"previous file left untouched") from exc
    except BaseException:
        _remove_quietly(tmp_path)
        raise


def check_output_path(path):
    """Check, before any work, that `path` can be written as a regular file, and return the path
    the write goes to: absolute, through symbolic links (a link stays a link to the new file).

    Raises:
        OutputError: the path is a directory, a device, a pipe or a socket (replacing one with a
            file would destroy it), or its folder is missing or not writable.
    """
    shown = os.fspath(path)
    real = os.path.realpath(shown)
    if os.path.isdir(real):
        raise OutputError(f"{shown}: is a directory, not a file path")
    if os.path.exists(real) and not stat.S_ISREG(os.stat(real).st_mode):
        raise OutputError(f"{shown}: is a device, pipe or socket, not a regular file; "
                          "fastw2v writes only regular files")
    directory = os.path.dirname(real)
    if not os.path.isdir(directory):
        raise OutputError(f"{shown}: cannot write there (no folder {directory})")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputError(f"{shown}: cannot write there (folder {directory} is not writable)")
    return real


def _remove_quietly(path):
    with contextlib.suppress(OSError):
        os.unlink(path)
